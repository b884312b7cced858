import type { Octokit } from '@octokit/rest';
import type { Logger } from '../core/logger';
import { RetriesExhaustedError, retry, type RetryDecision, type Sleep } from '../core/retry';
import { isConnectionError } from '../registry/network-errors';
import { asOctokitFailure, githubMessageOf, toGitHubApiError } from './github-errors';
import { rateLimitDelayMs } from './rate-limit';

/**
 * The one place every GitHub request passes through (an Octokit `request` hook): a timeout per
 * attempt, retries of transient failures (5xx, broken connections, timeouts, rate limits, waiting
 * as long as GitHub asks) and the conversion of the final failure into a GitHubApiError.
 */

export interface GitHubRetryPolicy {
  /** Total attempts per request, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A rate limit asking for a longer wait fails at once instead (with the reset time in the message). */
  maxRateLimitWaitMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

export const defaultGitHubRetryPolicy: GitHubRetryPolicy = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRateLimitWaitMs: 120_000,
  timeoutMs: 30_000,
};

export interface RequestPolicySettings {
  policy: GitHubRetryPolicy;
  sleep: Sleep;
  random?: () => number;
  now: () => number;
  logger: Logger;
  repository: string;
  baseUrl: string;
  redact: (text: string) => string;
}

/** Why an attempt failed, as the retry loop needs it: retry or not, after how long, and whether a rate limit was too long to wait. */
export function classifyGitHubFailure(
  error: unknown,
  settings: Pick<RequestPolicySettings, 'now' | 'policy'>,
): RetryDecision & { tooLongMs?: number } {
  const failure = asOctokitFailure(error);
  const response = failure?.response;
  if (!response) return { retry: isConnectionError(error) || isTimeout(error) };
  const waitMs = rateLimitDelayMs(
    { status: response.status, headers: response.headers, message: githubMessageOf(response.data) ?? '' },
    settings.now(),
  );
  if (waitMs !== undefined) {
    return waitMs > settings.policy.maxRateLimitWaitMs ? { retry: false, tooLongMs: waitMs } : { retry: true, delayMs: waitMs };
  }
  return { retry: response.status >= 500 };
}

function isTimeout(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.name === 'TimeoutError') return true;
  }
  return false;
}

export function installRequestPolicy(octokit: Octokit, settings: RequestPolicySettings): void {
  const { policy, logger } = settings;
  octokit.hook.wrap('request', async (request, options) => {
    let attempts = 0;
    let tooLongMs: number | undefined;
    try {
      return await retry(
        async (attempt) => {
          attempts = attempt;
          const timeout = AbortSignal.timeout(policy.timeoutMs);
          const signal = options.request?.signal ? AbortSignal.any([options.request.signal, timeout]) : timeout;
          return request({ ...options, request: { ...options.request, signal } });
        },
        {
          attempts: policy.attempts,
          baseDelayMs: policy.baseDelayMs,
          maxDelayMs: policy.maxDelayMs,
          random: settings.random,
          sleep: settings.sleep,
          classify: (error) => {
            const decision = classifyGitHubFailure(error, settings);
            tooLongMs = decision.tooLongMs;
            return decision;
          },
          onRetry: ({ attempt, delayMs, error }) =>
            logger.warn(
              {
                method: options.method,
                path: requestPath(error, options, settings.baseUrl),
                attempt,
                delayMs,
                reason: reasonOf(error, settings.redact),
              },
              'GitHub request failed; retrying',
            ),
        },
      );
    } catch (error) {
      const last = error instanceof RetriesExhaustedError ? error.lastError : error;
      throw toGitHubApiError(last, options.method, requestPath(last, options, settings.baseUrl), {
        repository: settings.repository,
        baseUrl: settings.baseUrl,
        attempts,
        rateLimitWaitMs: tooLongMs,
        redact: settings.redact,
      });
    }
  });
}

/** The concrete path (/repos/acme/gitops/git/ref/heads/main) when the failure names it, else the route. */
function requestPath(error: unknown, options: { url: string }, baseUrl: string): string {
  const url = asOctokitFailure(error)?.request?.url;
  if (url === undefined) return options.url;
  const withoutBase = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : new URL(url).pathname;
  const path = withoutBase.split('?')[0] ?? withoutBase;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function reasonOf(error: unknown, redact: (text: string) => string): string {
  const failure = asOctokitFailure(error);
  if (failure?.response) return `${failure.response.status} ${redact(githubMessageOf(failure.response.data) ?? '')}`.trim();
  return redact(error instanceof Error ? error.message : String(error));
}
