import { Octokit } from '@octokit/rest';
import { UsageError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { realSleep, type Sleep } from '../core/retry';
import {
  parseChangeBranch,
  type ChangeRequest,
  type ChangeResult,
  type GitopsSnapshot,
  type PendingChange,
  type SourceControl,
} from '../promotion/source-control';
import { githubCodes } from './codes';
import { GitHubSnapshot } from './github-snapshot';
import { upsertPullRequest } from './pull-request';
import { updateBranch } from './push-branch';
import { defaultBranchOf, type GitObjectCache, type RepoContext } from './repo-reads';
import { defaultGitHubRetryPolicy, installRequestPolicy, type GitHubRetryPolicy } from './request-policy';

export const defaultGitHubApiUrl = 'https://api.github.com';

export interface GitHubSourceControlOptions {
  owner: string;
  repo: string;
  /** Never logged, never in error messages. */
  token: string;
  /** The REST API root; GitHub Enterprise: https://<host>/api/v3. */
  baseUrl?: string;
  fetch?: typeof fetch;
  logger?: Logger;
  sleep?: Sleep;
  random?: () => number;
  /** For rate-limit resets (x-ratelimit-reset); Date.now by default. */
  now?: () => number;
  retry?: Partial<GitHubRetryPolicy>;
  /** A cache of git objects shared across instances (a long-running app); none by default. */
  objects?: GitObjectCache;
}

/** The gitops repository on GitHub: reads through the Git Data API, changes as pull requests. */
export class GitHubSourceControl implements SourceControl {
  readonly description: string;
  private readonly context: RepoContext;

  constructor(options: GitHubSourceControlOptions) {
    const token = checkedToken(options);
    const baseUrl = (options.baseUrl ?? defaultGitHubApiUrl).replace(/\/+$/, '');
    const repository = `github:${options.owner}/${options.repo}`;
    this.description = baseUrl === defaultGitHubApiUrl ? repository : `${repository} (${baseUrl})`;
    const logger = options.logger ?? silentLogger;
    const octokit = new Octokit({
      auth: token,
      baseUrl,
      userAgent: 'datakit',
      request: options.fetch ? { fetch: options.fetch } : {},
      // Octokit logs each failed attempt as an error; failures reach the caller as our errors instead.
      log: {
        debug: (message) => logger.debug(message),
        info: (message) => logger.debug(message),
        warn: (message) => logger.warn(message),
        error: (message) => logger.debug(message),
      },
    });
    installRequestPolicy(octokit, {
      policy: { ...defaultGitHubRetryPolicy, ...options.retry },
      sleep: options.sleep ?? realSleep,
      random: options.random,
      now: options.now ?? Date.now,
      logger,
      repository,
      baseUrl,
      redact: (text) => text.split(token).join('[REDACTED]'),
    });
    this.context = { octokit, owner: options.owner, repo: options.repo, logger, ...(options.objects ? { objects: options.objects } : {}) };
  }

  private defaultBranch: Promise<string> | undefined;

  /** Read once per instance (one command): the default branch is not renamed under a promotion. */
  private defaultBranchName(): Promise<string> {
    this.defaultBranch ??= defaultBranchOf(this.context);
    this.defaultBranch.catch(() => (this.defaultBranch = undefined));
    return this.defaultBranch;
  }

  async readSnapshot(): Promise<GitopsSnapshot> {
    const { octokit, owner, repo } = this.context;
    const branch = await this.defaultBranchName();
    const { data: ref } = await octokit.git.getRef({ owner, repo, ref: `heads/${branch}` });
    return new GitHubSnapshot(this.context, branch, ref.object.sha);
  }

  async proposeChange(request: ChangeRequest): Promise<ChangeResult> {
    const base = await this.defaultBranchName();
    const update = await updateBranch(this.context, request);
    const result: ChangeResult = {
      branch: request.branch,
      commit: update.commit,
      committed: update.committed,
      // Nothing of this change is on a remote branch when the default branch already holds it.
      pushed: update.exists && !update.alreadyOnBase,
      retries: update.retries,
    };
    if (update.alreadyOnBase) return result;
    const pullRequest = await upsertPullRequest(this.context, {
      branch: request.branch,
      base,
      title: request.title,
      body: request.body,
      labels: request.labels,
      reviewers: request.reviewers,
    });
    return { ...result, pullRequest };
  }

  async listPending(): Promise<PendingChange[]> {
    const { octokit, owner, repo } = this.context;
    const pulls = await octokit.paginate(octokit.pulls.list, { owner, repo, state: 'open', per_page: 100 });
    const fullName = `${owner}/${repo}`.toLowerCase();
    const pending: PendingChange[] = [];
    for (const pull of pulls) {
      const parsed = parseChangeBranch(pull.head.ref);
      // A fork's branch of the same name is not ours to count.
      if (!parsed || pull.head.repo?.full_name.toLowerCase() !== fullName) continue;
      pending.push({
        ...parsed,
        branch: pull.head.ref,
        commit: pull.head.sha,
        title: pull.title,
        pullRequest: { number: pull.number, url: pull.html_url },
      });
    }
    return pending.sort((a, b) => (a.branch < b.branch ? -1 : a.branch > b.branch ? 1 : 0));
  }
}

function checkedToken(options: GitHubSourceControlOptions): string {
  const token = (options.token ?? '').trim();
  const where = `github:${options.owner}/${options.repo}`;
  if (token === '') {
    throw new UsageError(
      githubCodes.tokenMissing,
      `no GitHub token given: ${where} needs one to read the repository and open pull requests`,
      {
        hint: "Set GITHUB_TOKEN (or DK_GITHUB_TOKEN, or the action's token input) to a token with contents: write and pull-requests: write.",
      },
    );
  }
  // fetch would reject such a header value and quote it in its message.
  if (/[\s\p{Cc}]/u.test(token)) {
    throw new UsageError(githubCodes.tokenMissing, `the GitHub token for ${where} contains whitespace or control characters`, {
      hint: 'Pass the token alone, without quotes, spaces or line breaks.',
    });
  }
  return token;
}
