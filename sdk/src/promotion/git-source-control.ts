import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../core/clock';
import { DataKitError, UsageError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { GitCommandError, redactUrl, runGit, tryGit } from './git-command';
import { GitSnapshot } from './git-snapshot';
import {
  parseChangeBranch,
  type ChangeRequest,
  type ChangeResult,
  type GitopsSnapshot,
  type PendingChange,
  type SourceControl,
} from './source-control';

export interface GitSourceControlOptions {
  /** Relative paths are resolved here. */
  cwd: string;
  /** Where clones of remote URLs are kept (one bare repository per URL). */
  cacheDir: string;
  clock: Clock;
  logger?: Logger;
  /** Refuse a work tree with uncommitted or untracked changes (DK707). */
  requireClean?: boolean;
  /** Attempts when a push is rejected as non-fast-forward (default 5). */
  maxAttempts?: number;
  /** Called before each push; tests use it to push concurrently. */
  beforePush?: (attempt: number) => Promise<void>;
}

const urlPattern = /^(file|https?|ssh|git):\/\/|^[\w.-]+@[\w.-]+:/;
const fallbackIdentity = { name: 'DataKit', email: 'datakit@localhost' };

/**
 * Plain git: a local checkout (with or without an origin remote), or a remote URL / bare
 * repository reached through a cached bare clone. Reads the default branch with plumbing and
 * builds commits in a private index, so the user's work tree and index are never touched.
 */
export class GitSourceControl implements SourceControl {
  private constructor(
    readonly description: string,
    private readonly repoDir: string,
    /** Whether branches go to `origin`. */
    private readonly remote: boolean,
    private readonly options: GitSourceControlOptions,
  ) {}

  static async open(location: string, options: GitSourceControlOptions): Promise<GitSourceControl> {
    if (urlPattern.test(location)) return GitSourceControl.openRemote(location, redactUrl(location), options);
    const dir = path.resolve(options.cwd, location);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new UsageError('DK709', `gitops repository ${location}: no such directory`, {
        hint: 'Pass --gitops with a checkout of the gitops repository, a git URL or github:owner/repo (dk gitops init creates one).',
      });
    }
    const bare = await tryGit(['rev-parse', '--is-bare-repository'], { cwd: dir });
    if (bare === undefined) {
      throw new UsageError('DK709', `gitops repository ${location}: not a git repository`, {
        hint: 'Run dk gitops init to create one, or pass the path of a clone.',
      });
    }
    if (bare.trim() === 'true') return GitSourceControl.openRemote(`file://${dir}`, dir, options);
    const top = (await runGit(['rev-parse', '--show-toplevel'], { cwd: dir })).trim();
    if (path.resolve(top) !== (await realPath(dir))) {
      throw new UsageError('DK709', `gitops repository ${location}: a folder inside the repository ${top}, not its root`, {
        hint: 'A gitops repository holds envs/ and datakit-promotion.yaml at its root; pass the root.',
      });
    }
    const origin = await tryGit(['remote', 'get-url', 'origin'], { cwd: dir });
    const control = new GitSourceControl(
      `git ${dir}${origin ? ` (origin ${redactUrl(origin.trim())})` : ''}`,
      dir,
      origin !== undefined,
      options,
    );
    if (options.requireClean) await control.assertClean();
    return control;
  }

  private static async openRemote(url: string, shown: string, options: GitSourceControlOptions): Promise<GitSourceControl> {
    const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
    const dir = path.join(options.cacheDir, `${key}.git`);
    if (!(await stat(dir).catch(() => undefined))) {
      await mkdir(options.cacheDir, { recursive: true });
      const scratch = await mkdtemp(path.join(options.cacheDir, `.${key}-`));
      try {
        await runGit(['init', '--quiet', '--bare', scratch], { cwd: options.cacheDir });
        await runGit(['remote', 'add', 'origin', url], { cwd: scratch });
        await rename(scratch, dir);
      } catch (error) {
        await rm(scratch, { recursive: true, force: true });
        if (!(await stat(dir).catch(() => undefined))) throw error;
      }
    }
    return new GitSourceControl(`git ${shown}`, dir, true, options);
  }

  private git(args: readonly string[], env?: Record<string, string>): Promise<string> {
    return runGit(args, { cwd: this.repoDir, ...(env ? { env } : {}) });
  }

  /** DK707 when the work tree has modified, staged or untracked files. */
  async assertClean(): Promise<void> {
    const status = await this.git(['status', '--porcelain', '--untracked-files=normal']);
    const entries = status.split('\n').filter((l) => l.trim() !== '');
    if (entries.length === 0) return;
    const shown = entries.slice(0, 10).map((e) => `    ${e}`);
    if (entries.length > 10) shown.push(`    … and ${entries.length - 10} more`);
    throw new UsageError('DK707', `the gitops checkout ${this.repoDir} has uncommitted changes:\n${shown.join('\n')}`, {
      hint: 'Commit, stash or remove them (git status), then run the command again; promotion never reads or carries them.',
    });
  }

  private async fetch(): Promise<void> {
    try {
      await this.git(['fetch', '--quiet', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
      // Soak times and rollbacks need the whole history (CI checkouts are often shallow).
      if ((await this.git(['rev-parse', '--is-shallow-repository'])).trim() === 'true') {
        await this.git(['fetch', '--quiet', '--unshallow', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
      }
    } catch (error) {
      if (error instanceof GitCommandError) {
        throw new DataKitError(
          'DK709',
          `cannot fetch the gitops remote of ${this.description}: ${error.stderr.trim().split('\n').pop() ?? ''}`,
          {
            hint: 'Check the URL and your access to it (git fetch shows the same).',
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  private async defaultBranch(): Promise<string> {
    if (!this.remote) {
      // Never whatever happens to be checked out (a promotion branch, a feature branch).
      const configured = (await tryGit(['config', 'init.defaultBranch'], { cwd: this.repoDir }))?.trim();
      for (const candidate of [configured, 'main', 'master']) {
        if (candidate && (await this.resolve(`refs/heads/${candidate}`))) return candidate;
      }
      const head = (await tryGit(['symbolic-ref', '--short', 'HEAD'], { cwd: this.repoDir }))?.trim();
      if (head && !head.startsWith('datakit/')) return head;
      throw new DataKitError('DK709', `${this.description}: cannot tell its default branch (no main or master)`, {
        hint: 'Create main (or set init.defaultBranch in the repository config).',
      });
    }
    let head = await tryGit(['symbolic-ref', '--short', 'refs/remotes/origin/HEAD'], { cwd: this.repoDir });
    if (head === undefined) {
      await tryGit(['remote', 'set-head', 'origin', '--auto'], { cwd: this.repoDir });
      head = await tryGit(['symbolic-ref', '--short', 'refs/remotes/origin/HEAD'], { cwd: this.repoDir });
    }
    if (head !== undefined) return head.trim().replace(/^origin\//, '');
    for (const candidate of ['main', 'master']) {
      if (await tryGit(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${candidate}`], { cwd: this.repoDir })) return candidate;
    }
    throw new DataKitError('DK709', `the gitops remote of ${this.description} has no default branch (is it empty?)`, {
      hint: 'Push an initial commit (dk gitops init creates one).',
    });
  }

  private branchRef(branch: string): string {
    return this.remote ? `refs/remotes/origin/${branch}` : `refs/heads/${branch}`;
  }

  private async resolve(ref: string): Promise<string | undefined> {
    const out = await tryGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: this.repoDir });
    return out?.trim() || undefined;
  }

  private latest: Promise<GitopsSnapshot> | undefined;

  /** Fetches once per instance: a command's reads (state, pending branches) see one commit. */
  readSnapshot(): Promise<GitopsSnapshot> {
    this.latest ??= this.fetchSnapshot();
    return this.latest;
  }

  private async fetchSnapshot(): Promise<GitopsSnapshot> {
    if (this.remote) await this.fetch();
    let branch = await this.defaultBranch();
    let commit = await this.resolve(this.branchRef(branch));
    if (commit === undefined && this.remote) {
      // The remote's default branch may have been renamed since origin/HEAD was recorded.
      await tryGit(['remote', 'set-head', 'origin', '--auto'], { cwd: this.repoDir });
      branch = await this.defaultBranch();
      commit = await this.resolve(this.branchRef(branch));
    }
    if (commit === undefined) {
      throw new DataKitError('DK709', `the gitops repository ${this.description} has no commit on ${branch}`, {
        hint: 'Commit the gitops layout first (dk gitops init does).',
      });
    }
    return new GitSnapshot(this.repoDir, branch, commit);
  }

  private async isAncestor(ancestor: string, of: string): Promise<boolean> {
    return (await tryGit(['merge-base', '--is-ancestor', ancestor, of], { cwd: this.repoDir })) !== undefined;
  }

  private async identityEnv(): Promise<Record<string, string>> {
    const now = this.options.clock.now();
    const date = `${Math.floor(now.getTime() / 1000)} +0000`;
    const env: Record<string, string> = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    // git var fails when neither git config nor the environment gives an identity.
    const author = await tryGit(['var', 'GIT_AUTHOR_IDENT'], { cwd: this.repoDir });
    const committer = await tryGit(['var', 'GIT_COMMITTER_IDENT'], { cwd: this.repoDir });
    if (author === undefined) Object.assign(env, { GIT_AUTHOR_NAME: fallbackIdentity.name, GIT_AUTHOR_EMAIL: fallbackIdentity.email });
    if (committer === undefined)
      Object.assign(env, { GIT_COMMITTER_NAME: fallbackIdentity.name, GIT_COMMITTER_EMAIL: fallbackIdentity.email });
    return env;
  }

  private async treeOf(commit: string): Promise<string> {
    return (await this.git(['rev-parse', `${commit}^{tree}`])).trim();
  }

  /**
   * Where the new commit starts. No branch, or one already merged: the base. A branch the base has
   * moved past (other promotions merged, or this one squash-merged): a merge of the branch and the
   * base, so that the branch moves forward (never forced) and merges cleanly; conflicts in the
   * files being written do not matter, since they are overwritten.
   */
  private async startingPoint(head: string | undefined, request: ChangeRequest): Promise<{ parents: string[]; start: string }> {
    const base = request.baseCommit;
    if (head === undefined || (await this.isAncestor(head, base))) return { parents: [base], start: base };
    if (await this.isAncestor(base, head)) return { parents: [head], start: head };
    const writing = new Set(request.files.map((f) => f.path));
    let output: string;
    try {
      output = await this.git(['merge-tree', '--write-tree', '--name-only', '--no-messages', head, base]);
    } catch (error) {
      if (!(error instanceof GitCommandError) || error.exitStatus !== 1) throw error;
      output = error.stdout;
    }
    const [mergedTree = '', ...conflicts] = output.split('\n').filter((l) => l !== '');
    if (/^[0-9a-f]{40,64}$/.test(mergedTree) && conflicts.every((p) => writing.has(p))) return { parents: [head, base], start: mergedTree };
    return { parents: [head], start: head };
  }

  /** The tree of `parent` with the files replaced, built in a private index. */
  private async buildTree(parent: string, files: ChangeRequest['files']): Promise<string> {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'dk-index-'));
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      await this.git(['read-tree', parent], env);
      const entries: string[] = [];
      for (const file of files) {
        const blob = (await runGit(['hash-object', '-w', '--stdin'], { cwd: this.repoDir, input: file.content })).trim();
        entries.push(`100644 ${blob}\t${file.path}`);
      }
      await runGit(['update-index', '--add', '--index-info'], { cwd: this.repoDir, input: entries.join('\n') + '\n', env });
      return (await this.git(['write-tree'], env)).trim();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async proposeChange(request: ChangeRequest): Promise<ChangeResult> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const logger = this.options.logger ?? silentLogger;
    const ref = this.branchRef(request.branch);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const head = await this.resolve(ref);
      const { parents, start } = await this.startingPoint(head, request);
      // The branch already holds these files: reuse it as it is (no second commit).
      if (head !== undefined && parents.includes(head) && (await this.buildTree(head, request.files)) === (await this.treeOf(head))) {
        return { branch: request.branch, commit: head, committed: false, pushed: false, retries: attempt - 1 };
      }
      const tree = await this.buildTree(start, request.files);
      if (head === undefined && tree === (await this.treeOf(request.baseCommit))) {
        return { branch: request.branch, commit: request.baseCommit, committed: false, pushed: false, retries: attempt - 1 };
      }
      const commit = (
        await runGit(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'], {
          cwd: this.repoDir,
          input: request.commitMessage,
          env: await this.identityEnv(),
        })
      ).trim();
      await this.options.beforePush?.(attempt);
      if (!this.remote) {
        const updated = await tryGit(['update-ref', '-m', 'dk promote', ref, commit, head ?? ''], { cwd: this.repoDir });
        if (updated !== undefined) return { branch: request.branch, commit, committed: true, pushed: false, retries: attempt - 1 };
        logger.warn({ branch: request.branch, attempt }, 'the promotion branch moved meanwhile; retrying on top of it');
        continue;
      }
      try {
        await this.git(['push', '--quiet', 'origin', `${commit}:refs/heads/${request.branch}`]);
        await this.git(['update-ref', ref, commit]);
        return { branch: request.branch, commit, committed: true, pushed: true, retries: attempt - 1 };
      } catch (error) {
        if (!(error instanceof GitCommandError) || !isNonFastForward(error.stderr))
          throw pushFailed(request.branch, this.description, error);
        logger.warn({ branch: request.branch, attempt }, 'push rejected as non-fast-forward; retrying on top of the new head');
        await this.git(['fetch', '--quiet', 'origin', `+refs/heads/${request.branch}:${ref}`]).catch(() => undefined);
      }
    }
    throw new DataKitError(
      'DK711',
      `${request.branch} on ${this.description} moved at each of ${maxAttempts} attempts; nothing was force-pushed`,
      {
        hint: 'Run the command again once the other update of this promotion branch has settled.',
      },
    );
  }

  async listPending(): Promise<PendingChange[]> {
    const snapshot = await this.readSnapshot();
    const prefix = this.remote ? 'refs/remotes/origin/datakit/' : 'refs/heads/datakit/';
    const out = await this.git([
      'for-each-ref',
      `--no-merged=${snapshot.commit}`,
      '--format=%(refname)%09%(objectname)%09%(subject)',
      prefix,
    ]);
    const pending: PendingChange[] = [];
    for (const line of out.split('\n')) {
      if (line === '') continue;
      const [refname = '', commit = '', title = ''] = line.split('\t');
      const branch = refname.replace(this.remote ? 'refs/remotes/origin/' : 'refs/heads/', '');
      const parsed = parseChangeBranch(branch);
      if (!parsed) continue;
      // A squash-merged branch is never "merged" by ancestry: pending only while its app differs from the base.
      const app = `envs/${parsed.env}/cells/${parsed.cell}/apps/${parsed.package}`;
      const same = await tryGit(['diff', '--quiet', snapshot.commit, commit, '--', app], { cwd: this.repoDir });
      if (same === undefined) pending.push({ branch, commit, title, ...parsed });
    }
    return pending;
  }
}

function isNonFastForward(stderr: string): boolean {
  return /non-fast-forward|fetch first|\[rejected\]|stale info|cannot lock ref/i.test(stderr);
}

function pushFailed(branch: string, description: string, error: unknown): DataKitError {
  const detail = error instanceof GitCommandError ? error.stderr.trim().split('\n').slice(-3).join(' ') : String(error);
  return new DataKitError('DK709', `cannot push ${branch} to the gitops remote of ${description}: ${detail}`, {
    hint: 'Check your write access to the gitops repository (git push shows the same).',
    cause: error,
  });
}

async function realPath(dir: string): Promise<string> {
  return path.resolve(await realpath(dir));
}
