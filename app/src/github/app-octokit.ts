import { ProbotOctokit } from 'probot';
import { silentLogger, type Logger } from '@datakit/sdk/core';
import type { Sleep } from '@datakit/sdk/core';
import { defaultGitHubRetryPolicy, installRequestPolicy, type GitHubRetryPolicy } from '@datakit/sdk/github';
import { realSleep } from '@datakit/sdk/core';

export interface AppOctokitOptions {
  baseUrl: string;
  logger?: Logger;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  retry?: Partial<GitHubRetryPolicy>;
}

export type AppOctokit = InstanceType<typeof ProbotOctokit>;

/**
 * Probot's Octokit with DataKit's request policy instead of Probot's retry and throttling plugins:
 * one place retries 5xx, dropped connections and rate limits (waiting as long as GitHub asks) and
 * turns the final failure into a GitHubApiError (DK710), the same as the CLI and the actions.
 */
export function createAppOctokit(options: AppOctokitOptions): typeof ProbotOctokit {
  const policy = { ...defaultGitHubRetryPolicy, ...options.retry };
  const WithPolicy = ProbotOctokit.plugin((octokit) => {
    installRequestPolicy(octokit as unknown as Parameters<typeof installRequestPolicy>[0], {
      policy,
      sleep: options.sleep ?? realSleep,
      ...(options.random ? { random: options.random } : {}),
      now: options.now ?? Date.now,
      logger: options.logger ?? silentLogger,
      repository: 'GitHub',
      baseUrl: options.baseUrl,
      redact: redactTokens,
    });
    return {};
  });
  // A function, not an object: Probot passes its own throttle options per instance, and object
  // defaults are merged shallowly, which would switch the throttling plugin back on (it spaces
  // writes a second apart and comments three seconds apart).
  return WithPolicy.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    baseUrl: options.baseUrl,
    retry: { ...(instance.retry as object | undefined), enabled: false },
    throttle: { ...(instance.throttle as object | undefined), enabled: false },
  })) as unknown as typeof ProbotOctokit;
}

/** GitHub tokens (installation ghs_, user ghu_/gho_/ghp_, refresh ghr_) and JWTs never reach a message. */
export function redactTokens(text: string): string {
  return text.replace(/\bgh[opsur]_[A-Za-z0-9_]{16,}\b/g, '[REDACTED]').replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]+\b/g, '[REDACTED]');
}
