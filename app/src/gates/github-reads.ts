import { hasGitHubStatus } from '../github/github-status';
import type { AppOctokit } from '../github/app-octokit';

/** What the gate needs of a pull request, read fresh from GitHub (never from a webhook payload). */
export interface PullInfo {
  number: number;
  htmlUrl: string;
  author: string;
  authorType: string | undefined;
  body: string | null;
  state: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  defaultBranch: string | undefined;
  merged: boolean;
  mergeCommitSha: string | null;
  mergedBy: string | undefined;
}

export async function readPull(octokit: AppOctokit, owner: string, repo: string, pullNumber: number): Promise<PullInfo> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: pullNumber });
  return {
    number: data.number,
    htmlUrl: data.html_url,
    author: data.user?.login ?? '',
    authorType: data.user?.type,
    body: data.body ?? null,
    state: data.state,
    headRef: data.head.ref,
    headSha: data.head.sha,
    baseRef: data.base.ref,
    baseSha: data.base.sha,
    defaultBranch: data.base.repo?.default_branch,
    merged: data.merged === true || data.merged_at !== null,
    mergeCommitSha: data.merge_commit_sha ?? null,
    mergedBy: data.merged_by?.login,
  };
}

/** A file's text at a commit (contents API); undefined when the path is absent there or not a file. */
export async function readFileAt(octokit: AppOctokit, owner: string, repo: string, ref: string, path: string): Promise<string | undefined> {
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ref });
    if (Array.isArray(data) || data.type !== 'file') return undefined;
    const file = data as { content?: string; encoding?: string; sha: string; size: number };
    // Files over 1 MB come without content: read the blob.
    if (file.content === undefined || file.encoding === 'none' || (file.content === '' && file.size > 0)) {
      const { data: blob } = await octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner, repo, file_sha: file.sha });
      return decode(blob.content, blob.encoding);
    }
    return decode(file.content, file.encoding);
  } catch (error) {
    if (hasGitHubStatus(error, 404)) return undefined;
    throw error;
  }
}

function decode(content: string, encoding: string | undefined): string {
  return encoding === 'base64' ? Buffer.from(content, 'base64').toString('utf8') : content;
}

export function sameLogin(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** gh-readonly-queue/<base>/pr-<number>-<sha> (with or without refs/heads/): the queued pull request and its head then. */
export function parseMergeQueueRef(ref: string): { base: string; pullNumber: number; headSha: string } | undefined {
  const match = /^(?:refs\/heads\/)?gh-readonly-queue\/(.+)\/pr-(\d+)-([0-9a-f]{40})$/.exec(ref);
  if (!match) return undefined;
  return { base: match[1]!, pullNumber: Number(match[2]), headSha: match[3]! };
}
