/**
 * A real gitops setup for tests: a repository scaffolded by initGitopsRepository, pushed to a bare
 * remote reached over file://, and a clone to promote from. Git runs with a fixed identity and
 * commit dates the test chooses, so history ("since") is under the test's control.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { initGitopsRepository } from '../../../src/promotion/gitops-init';

const exec = promisify(execFile);

export const gitIdentity = {
  GIT_AUTHOR_NAME: 'Test Promoter',
  GIT_AUTHOR_EMAIL: 'promoter@example.com',
  GIT_COMMITTER_NAME: 'Test Promoter',
  GIT_COMMITTER_EMAIL: 'promoter@example.com',
};

export interface GitopsFixture {
  root: string;
  /** The bare remote (file:// URL in remoteUrl). */
  remote: string;
  remoteUrl: string;
  /** A clone of the remote: what --gitops points at. */
  checkout: string;
  /** Runs git in `cwd` (default the checkout) with commit dates at `at` when given. */
  git(args: readonly string[], options?: { cwd?: string; at?: Date }): Promise<string>;
  /** Merges origin/<branch> into main of the remote (a merge commit dated `at`) through a scratch clone. */
  merge(branch: string, at: Date): Promise<string>;
  /** The content of a file on the remote's branch (default main). */
  show(file: string, ref?: string): Promise<string>;
  /** Every ref of the remote with its commit. */
  remoteRefs(): Promise<Map<string, string>>;
  cleanup(): Promise<void>;
}

export async function createGitopsFixture(options: { createdAt?: Date; policy?: string } = {}): Promise<GitopsFixture> {
  const root = await mkdtemp(path.join(tmpdir(), 'dk-gitops-'));
  const seed = path.join(root, 'seed');
  const remote = path.join(root, 'remote.git');
  const checkout = path.join(root, 'checkout');
  const epoch = Math.floor((options.createdAt ?? new Date('2026-11-01T00:00:00Z')).getTime() / 1000);
  const run = async (args: readonly string[], cwd: string, at?: Date) => {
    const env = { ...process.env, ...gitIdentity, GIT_CONFIG_NOSYSTEM: '1' } as Record<string, string>;
    if (at) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = `${Math.floor(at.getTime() / 1000)} +0000`;
    const { stdout } = await exec('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };
  await initGitopsRepository(seed, { commitEpoch: epoch });
  if (options.policy !== undefined) {
    await writeFile(path.join(seed, 'datakit-promotion.yaml'), options.policy);
    await run(['commit', '-q', '-am', 'Policy for the test'], seed, new Date(epoch * 1000));
  }
  await run(['clone', '-q', '--bare', seed, remote], root);
  await run(['clone', '-q', `file://${remote}`, checkout], root);
  await run(['config', 'user.name', gitIdentity.GIT_AUTHOR_NAME], checkout);
  await run(['config', 'user.email', gitIdentity.GIT_AUTHOR_EMAIL], checkout);
  const fixture: GitopsFixture = {
    root,
    remote,
    remoteUrl: `file://${remote}`,
    checkout,
    git: (args, o = {}) => run(args, o.cwd ?? checkout, o.at),
    async merge(branch, at) {
      const scratch = await mkdtemp(path.join(root, 'merge-'));
      await run(['clone', '-q', `file://${remote}`, scratch], root);
      await run(['merge', '-q', '--no-ff', '-m', `Merge ${branch}`, `origin/${branch}`], scratch, at);
      await run(['push', '-q', 'origin', 'main'], scratch);
      const head = (await run(['rev-parse', 'HEAD'], scratch)).trim();
      await rm(scratch, { recursive: true, force: true });
      return head;
    },
    show: (file, ref = 'main') => run(['show', `${ref}:${file}`], remote),
    async remoteRefs() {
      const out = await run(['for-each-ref', '--format=%(refname) %(objectname)'], remote);
      return new Map(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ') as [string, string]),
      );
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  return fixture;
}

/** Commits a change to the remote's main through a scratch clone (as another person would). */
export async function commitToRemote(
  fixture: GitopsFixture,
  file: string,
  content: string,
  at: Date,
  message = `Edit ${file}`,
): Promise<void> {
  const scratch = await mkdtemp(path.join(fixture.root, 'edit-'));
  await fixture.git(['clone', '-q', fixture.remoteUrl, scratch], { cwd: fixture.root });
  const full = path.join(scratch, file);
  await exec('mkdir', ['-p', path.dirname(full)]);
  await writeFile(full, content);
  await fixture.git(['add', '--all'], { cwd: scratch });
  await fixture.git(['commit', '-q', '-m', message], { cwd: scratch, at });
  await fixture.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: scratch });
  await rm(scratch, { recursive: true, force: true });
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

export function digestOf(char: string): string {
  return `sha256:${char.repeat(64)}`;
}
