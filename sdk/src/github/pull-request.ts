import type { PullRequestInfo } from '../promotion/source-control';
import { GitHubApiError, isGitHubStatus } from './github-errors';
import type { RepoContext } from './repo-reads';

export interface PullRequestSpec {
  branch: string;
  base: string;
  title: string;
  body: string;
  labels: readonly string[];
  /** Logins; `org/team-slug` asks a team. */
  reviewers: readonly string[];
}

/** Opens the branch's pull request, or updates the open one; then labels it and asks for review. */
export async function upsertPullRequest(context: RepoContext, spec: PullRequestSpec): Promise<PullRequestInfo> {
  const pullRequest = (await updateOpen(context, spec)) ?? (await create(context, spec));
  const { octokit, owner, repo } = context;
  const missingLabels = spec.labels.filter((label) => !pullRequest.labels.has(label.toLowerCase()));
  if (missingLabels.length > 0) {
    await octokit.issues.addLabels({ owner, repo, issue_number: pullRequest.number, labels: [...spec.labels] });
  }
  if (spec.reviewers.length > 0) await requestReviews(context, pullRequest.number, spec.reviewers);
  return { number: pullRequest.number, url: pullRequest.url, created: pullRequest.created };
}

/** A pull request found or opened, with the labels it already has (lower case). */
type FoundPullRequest = PullRequestInfo & { labels: ReadonlySet<string> };

async function updateOpen(context: RepoContext, spec: PullRequestSpec): Promise<FoundPullRequest | undefined> {
  const { octokit, owner, repo } = context;
  const { data: open } = await octokit.pulls.list({ owner, repo, state: 'open', head: `${owner}:${spec.branch}`, base: spec.base });
  const existing = open[0];
  if (!existing) return undefined;
  // Unchanged title and body are not written again (a repeated /promote of the same pin).
  if (existing.title !== spec.title || (existing.body ?? '') !== spec.body) {
    await octokit.pulls.update({ owner, repo, pull_number: existing.number, title: spec.title, body: spec.body });
  }
  const labels = new Set(existing.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')).toLowerCase()));
  return { number: existing.number, url: existing.html_url, created: false, labels };
}

async function create(context: RepoContext, spec: PullRequestSpec): Promise<FoundPullRequest> {
  const { octokit, owner, repo } = context;
  try {
    const { data } = await octokit.pulls.create({ owner, repo, head: spec.branch, base: spec.base, title: spec.title, body: spec.body });
    return { number: data.number, url: data.html_url, created: true, labels: new Set() };
  } catch (error) {
    // Opened meanwhile (by a concurrent promotion, or by our own retried request whose answer was lost).
    if (isGitHubStatus(error, 422) && /already exists/i.test(error.githubMessage)) {
      const existing = await updateOpen(context, spec);
      if (existing) return existing;
    }
    throw error;
  }
}

/** A reviewer GitHub refuses (not a collaborator, the author) is worth a warning, not a failed promotion. */
async function requestReviews(context: RepoContext, pullNumber: number, reviewers: readonly string[]): Promise<void> {
  const { octokit, owner, repo, logger } = context;
  const users = reviewers.filter((reviewer) => !reviewer.includes('/'));
  const teams = reviewers.filter((reviewer) => reviewer.includes('/')).map((team) => team.slice(team.indexOf('/') + 1));
  try {
    await octokit.pulls.requestReviewers({
      owner,
      repo,
      pull_number: pullNumber,
      ...(users.length > 0 ? { reviewers: users } : {}),
      ...(teams.length > 0 ? { team_reviewers: teams } : {}),
    });
  } catch (error) {
    if (!(error instanceof GitHubApiError && error.status === 422)) throw error;
    logger.warn(
      { repository: `${owner}/${repo}`, pullRequest: pullNumber, reviewers: [...reviewers], reason: error.githubMessage },
      'GitHub refused the review requests; the pull request is open without them',
    );
  }
}
