import { DataKitError } from '../core/errors';
import { describeNetworkFailure } from '../registry/network-errors';
import { githubCodes } from './codes';

/** A GitHub request that failed for good: GitHub's answer (status, message) or none at all (status undefined). */
export class GitHubApiError extends DataKitError {
  constructor(
    message: string,
    readonly details: {
      method: string;
      /** The request path, e.g. /repos/acme/gitops/git/ref/heads/main. */
      path: string;
      status: number | undefined;
      /** GitHub's own message ("Not Found", "Update is not a fast forward"). */
      githubMessage: string | undefined;
      attempts: number;
    },
    options: { cause?: unknown; hint?: string },
  ) {
    super(githubCodes.requestFailed, message, options);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get githubMessage(): string {
    return this.details.githubMessage ?? '';
  }
}

export function isGitHubStatus(error: unknown, status: number): error is GitHubApiError {
  return error instanceof GitHubApiError && error.status === status;
}

/** What an Octokit RequestError carries (matched by shape: @octokit/request-error is not a dependency of ours). */
export interface OctokitFailure {
  status: number;
  message: string;
  request?: { method?: string; url?: string };
  response?: { status: number; headers: Record<string, string | number | undefined>; data: unknown };
}

export function asOctokitFailure(error: unknown): OctokitFailure | undefined {
  if (!(error instanceof Error) || !('status' in error) || typeof error.status !== 'number') return undefined;
  return error as Error & OctokitFailure;
}

/** GitHub's message and its validation errors ("Validation Failed: A pull request already exists for …"). */
export function githubMessageOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data.trim() || undefined;
  if (typeof data !== 'object' || data === null || !('message' in data) || typeof data.message !== 'string') return undefined;
  const errors = 'errors' in data && Array.isArray(data.errors) ? data.errors.map(describeValidationError).filter(Boolean) : [];
  return errors.length > 0 ? `${data.message}: ${errors.join('; ')}` : data.message;
}

function describeValidationError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null) return '';
  const fields = error as Record<string, unknown>;
  if (typeof fields.message === 'string') return fields.message;
  return [fields.resource, fields.field, fields.code].filter((part) => typeof part === 'string').join(' ');
}

export interface ConversionContext {
  /** github:owner/repo, for messages. */
  repository: string;
  baseUrl: string;
  attempts: number;
  /** When a rate limit asked for a wait longer than we accept. */
  rateLimitWaitMs?: number;
  /** Removes the token from any text that reaches a message. */
  redact: (text: string) => string;
}

/** The single conversion of an Octokit or fetch failure into a GitHubApiError (DK710). */
export function toGitHubApiError(error: unknown, method: string, path: string, context: ConversionContext): GitHubApiError {
  const { redact, attempts, repository } = context;
  const failure = asOctokitFailure(error);
  const after = attempts > 1 ? ` after ${attempts} attempts` : '';
  const response = failure?.response;
  if (!response) {
    const reason = redact(describeNetworkFailure(error));
    return new GitHubApiError(
      `GitHub ${method} ${path} failed: could not reach ${context.baseUrl} (${reason})${after}`,
      { method, path, status: undefined, githubMessage: undefined, attempts },
      {
        cause: error,
        hint: `Check the network and that ${context.baseUrl} is the GitHub API address (GitHub Enterprise: https://<host>/api/v3).`,
      },
    );
  }
  const status = response.status;
  const githubMessage = githubMessageOf(response.data);
  const said = githubMessage === undefined ? '' : `: ${redact(githubMessage)}`;
  const head = `GitHub ${method} ${path} answered ${status}${said}${after}`;
  const details = { method, path, status, githubMessage: githubMessage === undefined ? undefined : redact(githubMessage), attempts };
  const { explanation, hint } = explain(status, response.headers, githubMessage ?? '', repository, context.rateLimitWaitMs);
  return new GitHubApiError(explanation ? `${head} (${explanation})` : head, details, { cause: error, hint });
}

function explain(
  status: number,
  headers: Record<string, string | number | undefined>,
  githubMessage: string,
  repository: string,
  rateLimitWaitMs: number | undefined,
): { explanation?: string; hint: string } {
  if (rateLimitWaitMs !== undefined || ((status === 403 || status === 429) && /rate limit/i.test(githubMessage))) {
    const reset = Number(headers['x-ratelimit-reset']);
    const until = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    return {
      explanation: `rate limited${until}`,
      hint: 'Wait for the rate limit to reset and run again; a GitHub App installation token has a higher limit than a personal token.',
    };
  }
  if (status === 401) {
    return {
      explanation: 'the GitHub token is invalid or expired',
      hint: 'Create a new token with contents: write and pull-requests: write on the gitops repository and pass it again (GITHUB_TOKEN).',
    };
  }
  if (status === 403 || status === 404) {
    return {
      explanation: `${repository}: no access or does not exist: check the repository name and the token's permissions (contents: write, pull-requests: write)`,
      hint: `Check that ${repository} is spelt right and that the token can read and write it (contents: write, pull-requests: write).`,
    };
  }
  if (status === 422 || status === 409) {
    return { hint: "GitHub refused the change; its message says why. Fix the request (or the repository's state) and run again." };
  }
  if (status >= 500) {
    return { explanation: 'a GitHub server error', hint: 'GitHub may be degraded (https://www.githubstatus.com); run again later.' };
  }
  return { hint: "Read GitHub's message above; check the token's permissions and the repository name." };
}
