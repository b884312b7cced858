import { isBot } from '../authorize';
import type { AppOctokit } from '../github/app-octokit';

/** A pull request review as GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews lists it. */
export interface Review {
  id: number;
  user: { login: string; type?: string | null } | null;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING (webhooks write them in lower case). */
  state: string;
  commit_id: string | null;
  submitted_at?: string | null;
}

export interface ApprovalSummary {
  /** Logins whose latest review approves the current head. */
  approvers: string[];
  /** Logins whose latest review approved an earlier head (a push since needs their approval again). */
  stale: string[];
}

/** States that replace a reviewer's earlier verdict; comments do not withdraw an approval. */
const verdicts = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/**
 * The approvals that count: the latest verdict of each reviewer (by login, case-insensitive) is an
 * approval of exactly `headSha`. An approval of an older head does not count, nor does a bot's.
 */
export function countApprovals(reviews: readonly Review[], headSha: string): ApprovalSummary {
  const latest = new Map<string, Review>();
  const ordered = [...reviews].sort((a, b) => {
    const at = Date.parse(a.submitted_at ?? '') || 0;
    const bt = Date.parse(b.submitted_at ?? '') || 0;
    return at - bt || a.id - b.id;
  });
  for (const review of ordered) {
    if (!review.user || isBot(review.user)) continue;
    if (!verdicts.has(review.state.toUpperCase())) continue;
    latest.set(review.user.login.toLowerCase(), review);
  }
  const approvers: string[] = [];
  const stale: string[] = [];
  for (const review of latest.values()) {
    if (review.state.toUpperCase() !== 'APPROVED') continue;
    (review.commit_id === headSha ? approvers : stale).push(review.user!.login);
  }
  return { approvers: approvers.sort(), stale: stale.sort() };
}

/** Every review of a pull request (all pages). */
export async function listReviews(octokit: AppOctokit, owner: string, repo: string, pullNumber: number): Promise<Review[]> {
  const reviews = await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
    owner,
    repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  return reviews.map((review) => ({
    id: review.id,
    user: review.user ? { login: review.user.login, type: review.user.type } : null,
    state: review.state,
    commit_id: review.commit_id,
    submitted_at: review.submitted_at ?? null,
  }));
}
