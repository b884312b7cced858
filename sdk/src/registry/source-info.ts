import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SourceInfo {
  revision?: string;
  /** Commit time, seconds since the epoch. */
  commitTime?: number;
  /** The repository URL, credentials stripped. */
  url?: string;
}

/** What git says about the checkout holding `dir`; empty when it is not in a git repository or git is absent. */
export async function readGitSourceInfo(dir: string): Promise<SourceInfo> {
  const git = async (...args: string[]): Promise<string | undefined> => {
    try {
      const { stdout } = await run('git', ['-C', dir, ...args], { timeout: 10_000 });
      return stdout.trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const revision = await git('rev-parse', 'HEAD');
  if (!revision) return {};
  const time = await git('log', '-1', '--format=%ct', 'HEAD');
  const remote = await git('config', '--get', 'remote.origin.url');
  const info: SourceInfo = { revision };
  if (time && /^\d+$/.test(time)) info.commitTime = Number(time);
  if (remote) info.url = stripCredentials(remote);
  return info;
}

/** https://user:token@host/x → https://host/x: a source URL must never carry a secret into an artifact. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}
