/**
 * One interface over the places a gitops repository lives: plain git (a local checkout, a bare
 * repository or a file:// remote) and GitHub (Octokit). Promotion reads the default branch
 * through a snapshot and proposes changes on a deterministic branch; it never force-pushes.
 */

/** A deployment file's pins as they entered the default branch, newest first. */
export interface PinHistoryEntry {
  digest: string;
  /** The version written with the digest, when the change showed it. */
  version?: string;
  /**
   * The commit that brought the change: on the first-parent line of the default branch (plain git),
   * or the commit GitHub's path history names (with merge commits, the branch commit).
   */
  commit: string;
  /** When the change reached the default branch: the first-parent commit's time, or the PR's merged_at on GitHub. */
  time: Date;
  /**
   * Set when that time cannot be trusted: a commit made by dk reached the default branch by
   * fast-forward, so it keeps the time it was proposed, not merged. Soak then fails closed.
   */
  untrustedTime?: string;
  /** A rollback brought this pin (its commit is a dk rollback). */
  rollback?: boolean;
}

/** A read-only view of one commit of the default branch. */
export interface GitopsSnapshot {
  /** The default branch, e.g. main. */
  readonly branch: string;
  /** The commit read. */
  readonly commit: string;
  /** Every file of the tree (POSIX paths relative to the repository root), sorted. */
  listFiles(): Promise<string[]>;
  /** Contents of the named files (UTF-8); files that do not exist are absent from the map. */
  readFiles(paths: readonly string[]): Promise<Map<string, string>>;
  /** For each named file, its digest pins on the default branch, newest first (empty when none). */
  history(paths: readonly string[]): Promise<Map<string, PinHistoryEntry[]>>;
  /** The content of a file at an older commit of history, undefined when absent there. */
  readFileAt(commit: string, path: string): Promise<string | undefined>;
}

export interface GitopsFile {
  path: string;
  content: string;
}

export interface ChangeRequest {
  /** e.g. datakit/promote/prod/c0/orders. */
  branch: string;
  /** The default-branch commit the edits were planned on: a new branch starts here. */
  baseCommit: string;
  /** Files written with these full contents (created when missing). */
  files: readonly GitopsFile[];
  commitMessage: string;
  title: string;
  body: string;
  labels: readonly string[];
  /** GitHub logins asked for review (GitHub only). */
  reviewers: readonly string[];
}

export interface PullRequestInfo {
  number: number;
  url: string;
  /** True when this call opened it; false when an open one was updated. */
  created: boolean;
}

export interface ChangeResult {
  branch: string;
  /** The branch head after the call. */
  commit: string;
  /** False when the branch already held exactly these files (nothing committed, nothing pushed). */
  committed: boolean;
  /** True when the branch went to a remote (GitHub, or a git remote named origin). */
  pushed: boolean;
  /** Non-fast-forward rejections retried on top of the new head. */
  retries: number;
  /** GitHub only. */
  pullRequest?: PullRequestInfo;
}

/** A promotion or rollback proposed but not merged: an open PR (GitHub) or an unmerged branch (git). */
export interface PendingChange {
  branch: string;
  kind: 'promote' | 'rollback';
  env: string;
  cell: string;
  package: string;
  /** The head commit of the branch. */
  commit: string;
  /** PR title (GitHub) or the head commit's subject (git). */
  title: string;
  pullRequest?: { number: number; url: string };
}

export interface SourceControl {
  /** Human form: git /path/to/checkout, git file:///srv/gitops.git, github:owner/repo. */
  readonly description: string;
  /** The default branch as it is now (a fetch first, for remotes). */
  readSnapshot(): Promise<GitopsSnapshot>;
  /**
   * Commits the files on `request.branch` (creating it from baseCommit when absent, reusing it when
   * present), pushes without force (retrying on top of a new head when rejected as non-fast-forward)
   * and, on GitHub, opens or updates the pull request with title, body, labels and reviewers.
   * Idempotent: when the branch already holds these files nothing is committed.
   */
  proposeChange(request: ChangeRequest): Promise<ChangeResult>;
  /** Unmerged branches / open PRs under datakit/promote/ and datakit/rollback/. */
  listPending(): Promise<PendingChange[]>;
}

export const promotionBranchPrefix = 'datakit/promote/';
export const rollbackBranchPrefix = 'datakit/rollback/';

/** datakit/promote/<env>/<cell>/<package> (or datakit/rollback/…). */
export function changeBranch(kind: 'promote' | 'rollback', env: string, cell: string, packageName: string): string {
  return `${kind === 'rollback' ? rollbackBranchPrefix : promotionBranchPrefix}${env}/${cell}/${packageName}`;
}

/** The inverse of changeBranch; undefined for any other branch. */
export function parseChangeBranch(branch: string): Pick<PendingChange, 'kind' | 'env' | 'cell' | 'package'> | undefined {
  const match = /^datakit\/(promote|rollback)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(branch);
  if (!match) return undefined;
  return { kind: match[1] as 'promote' | 'rollback', env: match[2]!, cell: match[3]!, package: match[4]! };
}
