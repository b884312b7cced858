import { spawn } from 'node:child_process';
import { DataKitError } from '../core/errors';

export interface GitOptions {
  /** The repository (work tree or bare) the command runs in. */
  cwd: string;
  input?: string | Buffer;
  /** Extra environment for this command only (e.g. GIT_INDEX_FILE). */
  env?: Record<string, string>;
}

/** A git command that exited non-zero: kept so callers can recognise e.g. a non-fast-forward push. */
export class GitCommandError extends DataKitError {
  constructor(
    readonly args: readonly string[],
    readonly exitStatus: number | null,
    readonly stderr: string,
    cause?: unknown,
  ) {
    const detail = stderr.trim().split('\n').slice(-6).join('\n    ');
    super(
      'DK709',
      `git ${args.slice(0, 2).join(' ')} failed${exitStatus === null ? '' : ` (exit ${exitStatus})`}${detail ? `:\n    ${detail}` : ''}`,
      {
        hint: 'Check the gitops repository path or URL and your access to it.',
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }
}

/** Git may not prompt, page or colour: promotion runs unattended. */
const quietEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

/** Runs git and resolves with stdout as a Buffer; a non-zero exit rejects with GitCommandError (DK709). */
export function runGitBuffer(args: readonly string[], options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...quietEnv, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        missing
          ? new DataKitError('DK709', 'git is not installed (not found on PATH)', { hint: 'Install git.', cause: error })
          : new GitCommandError(args, null, error.message, error),
      );
    });
    child.on('close', (status) => {
      if (status === 0) resolve(Buffer.concat(out));
      else reject(new GitCommandError(args, status, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => {
      // git may exit before reading all of stdin; its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');
  });
}

export async function runGit(args: readonly string[], options: GitOptions): Promise<string> {
  return (await runGitBuffer(args, options)).toString('utf8');
}

/** Like runGit, but resolves undefined instead of rejecting when git exits non-zero. */
export async function tryGit(args: readonly string[], options: GitOptions): Promise<string | undefined> {
  try {
    return await runGit(args, options);
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
}
