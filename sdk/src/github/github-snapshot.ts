import type { GitopsSnapshot, PinHistoryEntry } from '../promotion/source-control';
import { DataKitError } from '../core/errors';
import { githubCodes } from './codes';
import { createLimiter, type Limiter } from './concurrency';
import { GitHubApiError } from './github-errors';
import { collapsePinHistory, readPin, type PinAtCommit } from './pin-history';
import { readBlob, readFileAtCommit, readTree, type RepoContext, type TreeBlob } from './repo-reads';

/** How many commits touching a file history() reads: enough for rollback targets and soak times. */
export const historyDepth = 20;

/** At most this many GitHub requests of one snapshot in flight. */
const snapshotConcurrency = 8;

/**
 * One commit of the default branch, read through the API; trees, blobs, old files and merge times
 * are cached.
 *
 * history() takes the commits touching a file from GitHub's path-filtered history (like
 * `git log -- path`), which follows the side of a merge the file came from: for a pull request
 * merged with a merge commit that is the branch's commit, whose committer time is when it was
 * committed on the branch, not when it reached the default branch. Soak time counted from it would
 * be too long, so each entry's time is the moment the change reached the default branch instead:
 * the earliest `merged_at` of the merged pull requests based on the default branch that GitHub
 * associates with the entry's commit (GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls), never
 * earlier than the commit's committer time; the committer time alone when there is no such pull
 * request (a direct push). When that lookup fails, history() fails (DK710) rather than fall back to
 * a time that could be too early.
 */
export class GitHubSnapshot implements GitopsSnapshot {
  private tree: Promise<Map<string, TreeBlob>> | undefined;
  private readonly blobs = new Map<string, Promise<string>>();
  private readonly filesAt = new Map<string, Promise<string | undefined>>();
  private readonly mergeTimes = new Map<string, Promise<Date | undefined>>();
  private readonly limit: Limiter = createLimiter(snapshotConcurrency);

  constructor(
    private readonly context: RepoContext,
    readonly branch: string,
    readonly commit: string,
  ) {}

  async listFiles(): Promise<string[]> {
    return [...(await this.blobsByPath()).keys()].sort();
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, string>> {
    const tree = await this.blobsByPath();
    const wanted = [...new Set(paths)].filter((path) => tree.has(path));
    const contents = await Promise.all(wanted.map((path) => this.blob(tree.get(path)!.sha)));
    return new Map(wanted.map((path, index) => [path, contents[index]!]));
  }

  async history(paths: readonly string[]): Promise<Map<string, PinHistoryEntry[]>> {
    const unique = [...new Set(paths)];
    const histories = await Promise.all(unique.map((path) => this.historyOf(path)));
    return new Map(unique.map((path, index) => [path, histories[index]!]));
  }

  readFileAt(commit: string, path: string): Promise<string | undefined> {
    const key = `${commit}\0${path}`;
    let content = this.filesAt.get(key);
    if (!content) {
      content = this.limit(() => readFileAtCommit(this.context, commit, path));
      this.filesAt.set(key, content);
      content.catch(() => this.filesAt.delete(key));
    }
    return content;
  }

  private async historyOf(path: string): Promise<PinHistoryEntry[]> {
    const { octokit, owner, repo } = this.context;
    const { data: commits } = await this.limit(() =>
      octokit.repos.listCommits({ owner, repo, sha: this.commit, path, per_page: historyDepth }),
    );
    const states: PinAtCommit[] = await Promise.all(
      commits.map(async (entry) => ({
        commit: entry.sha,
        time: new Date(entry.commit.committer?.date ?? entry.commit.author?.date ?? 0),
        pin: readPin(await this.readFileAt(entry.sha, path)),
      })),
    );
    return Promise.all(
      collapsePinHistory(states).map(async (entry) => {
        const merged = await this.mergeTime(entry.commit);
        return merged !== undefined && merged.getTime() > entry.time.getTime() ? { ...entry, time: merged } : entry;
      }),
    );
  }

  /**
   * When a commit reached the default branch through a pull request: the earliest merged_at of the
   * merged pull requests into the default branch GitHub associates with it; undefined when there is
   * none (a direct push).
   */
  private mergeTime(commit: string): Promise<Date | undefined> {
    let time = this.mergeTimes.get(commit);
    if (!time) {
      time = this.limit(() => this.readMergeTime(commit));
      this.mergeTimes.set(commit, time);
      time.catch(() => this.mergeTimes.delete(commit));
    }
    return time;
  }

  private async readMergeTime(commit: string): Promise<Date | undefined> {
    const { octokit, owner, repo } = this.context;
    try {
      const { data: pulls } = await octokit.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: commit, per_page: 100 });
      let earliest: Date | undefined;
      for (const pull of pulls) {
        if (!pull.merged_at || pull.base.ref !== this.branch) continue;
        const merged = new Date(pull.merged_at);
        if (Number.isNaN(merged.getTime())) {
          throw new DataKitError(
            githubCodes.requestFailed,
            `GitHub gave pull request #${pull.number} an unreadable merged_at: ${pull.merged_at}`,
          );
        }
        if (earliest === undefined || merged.getTime() < earliest.getTime()) earliest = merged;
      }
      return earliest;
    } catch (error) {
      if (!(error instanceof GitHubApiError)) throw error;
      // Falling back to the committer time could count soak from before the merge: fail instead.
      throw new GitHubApiError(
        `cannot tell when commit ${commit} reached ${this.branch} (needed for soak times): ${error.message}`,
        error.details,
        { cause: error, hint: error.hint },
      );
    }
  }

  private blobsByPath(): Promise<Map<string, TreeBlob>> {
    if (!this.tree) {
      this.tree = readTree(this.context, this.commit);
      this.tree.catch(() => (this.tree = undefined));
    }
    return this.tree;
  }

  private blob(sha: string): Promise<string> {
    let content = this.blobs.get(sha);
    if (!content) {
      content = this.limit(() => readBlob(this.context, sha));
      this.blobs.set(sha, content);
      content.catch(() => this.blobs.delete(sha));
    }
    return content;
  }
}
