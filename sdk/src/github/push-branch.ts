import { DataKitError } from '../core/errors';
import type { ChangeRequest, GitopsFile } from '../promotion/source-control';
import { githubCodes } from './codes';
import { gitBlobSha } from './git-blob-sha';
import { GitHubApiError } from './github-errors';
import { branchHead, readTree, treeOfCommit, type RepoContext, type TreeBlob } from './repo-reads';

/** Non-fast-forward rejections retried on top of the new head before giving up (DK711). */
export const maxConflictRetries = 5;

export interface BranchUpdate {
  /** The branch head after the update (the base commit when nothing had to be written). */
  commit: string;
  committed: boolean;
  /** Whether the branch exists on GitHub after the update. */
  exists: boolean;
  /** The default branch already holds the files: there is nothing to propose. */
  alreadyOnBase: boolean;
  retries: number;
}

/**
 * Writes the request's files on its branch through the Git Data API, never forcing: a new branch
 * starts at baseCommit; an existing one grows on its head, or, once merged (its head an ancestor
 * of baseCommit), moves fast-forward to a commit on baseCommit. Nothing is written when the parent
 * already holds every file, nor when baseCommit does (the change is on the default branch already,
 * e.g. after a squash merge). A concurrent push (the ref update refused) is retried on top of the
 * new head.
 */
export async function updateBranch(context: RepoContext, request: ChangeRequest): Promise<BranchUpdate> {
  const { octokit, owner, repo, logger } = context;
  const ref = `heads/${request.branch}`;
  const trees = treeReader(context);
  if ((await trees.changed(request.baseCommit, request.files)).length === 0) {
    const head = await branchHead(context, request.branch);
    logger.info({ branch: request.branch, base: request.baseCommit }, 'the default branch already holds these files; nothing to propose');
    return { commit: head ?? request.baseCommit, committed: false, exists: head !== undefined, alreadyOnBase: true, retries: 0 };
  }
  let written: string | undefined;
  for (let retries = 0; ; retries++) {
    const head = await branchHead(context, request.branch);
    // An earlier attempt's update may have landed although its answer was lost.
    if (written !== undefined && head === written) return { commit: head, committed: true, exists: true, alreadyOnBase: false, retries };
    const parent = head === undefined ? request.baseCommit : await parentOnBranch(context, head, request.baseCommit);
    const changed = await trees.changed(parent, request.files);
    if (changed.length === 0 && head !== undefined) return { commit: head, committed: false, exists: true, alreadyOnBase: false, retries };
    const { data: tree } = await octokit.git.createTree({
      owner,
      repo,
      base_tree: await trees.treeOf(parent),
      tree: changed.map((file) => ({ path: file.path, mode: '100644' as const, type: 'blob' as const, content: file.content })),
    });
    const { data: commit } = await octokit.git.createCommit({
      owner,
      repo,
      message: request.commitMessage,
      tree: tree.sha,
      parents: [parent],
    });
    written = commit.sha;
    try {
      if (head === undefined) await octokit.git.createRef({ owner, repo, ref: `refs/${ref}`, sha: commit.sha });
      else await octokit.git.updateRef({ owner, repo, ref, sha: commit.sha, force: false });
      return { commit: commit.sha, committed: true, exists: true, alreadyOnBase: false, retries };
    } catch (error) {
      if (!isRefRace(error)) throw error;
      if (retries >= maxConflictRetries) {
        throw new DataKitError(
          githubCodes.concurrentUpdates,
          `branch ${request.branch} of github:${owner}/${repo} moved at each of ${retries + 1} attempts (${error.githubMessage}); nothing was force-pushed`,
          { cause: error, hint: 'Run the command again once the other promotion of the same package has settled.' },
        );
      }
      logger.info(
        { branch: request.branch, attempt: retries + 1, reason: error.githubMessage },
        'branch moved concurrently; retrying on its new head',
      );
    }
  }
}

/** Commits' trees and their files, each read once per call. */
function treeReader(context: RepoContext) {
  const treeShas = new Map<string, Promise<string>>();
  const trees = new Map<string, Promise<Map<string, TreeBlob>>>();
  const treeOf = (commit: string): Promise<string> => {
    let sha = treeShas.get(commit);
    if (!sha) {
      sha = treeOfCommit(context, commit);
      treeShas.set(commit, sha);
    }
    return sha;
  };
  const filesOf = async (commit: string): Promise<Map<string, TreeBlob>> => {
    let files = trees.get(commit);
    if (!files) {
      files = treeOf(commit).then((sha) => readTree(context, sha));
      trees.set(commit, files);
    }
    return files;
  };
  /** The requested files whose content differs from the commit's (compared by git blob id; the last of a path wins). */
  const changed = async (commit: string, files: ChangeRequest['files']): Promise<GitopsFile[]> => {
    const tree = await filesOf(commit);
    const latest = new Map(files.map((file) => [file.path, file]));
    return [...latest.values()].filter((file) => tree.get(file.path)?.sha !== gitBlobSha(file.content));
  };
  return { treeOf, changed };
}

/**
 * The commit to build on: the branch head, unless the branch was merged (its head an ancestor of,
 * or equal to, baseCommit), in which case baseCommit, which is then a fast-forward of the head.
 */
async function parentOnBranch(context: RepoContext, head: string, baseCommit: string): Promise<string> {
  if (head === baseCommit) return head;
  const { data } = await context.octokit.repos.compareCommits({
    owner: context.owner,
    repo: context.repo,
    base: head,
    head: baseCommit,
    per_page: 1,
  });
  return data.status === 'ahead' || data.status === 'identical' ? baseCommit : head;
}

/** The ref update was refused because someone else moved (or created, or deleted) the branch meanwhile. */
function isRefRace(error: unknown): error is GitHubApiError {
  return (
    error instanceof GitHubApiError &&
    error.status === 422 &&
    /not a fast[- ]forward|reference already exists|reference does not exist/i.test(error.githubMessage)
  );
}
