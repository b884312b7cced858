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
    readonly stdout = '',
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
/**
 * Variables that point git at another repository (set when dk runs inside a git hook or
 * `git rebase -x`): dropped, so every command works on the gitops repository it was given.
 */
const repositoryEnv = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_GRAFT_FILE',
  'GIT_REPLACE_REF_BASE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_SHALLOW_FILE',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_QUARANTINE_PATH',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_EXTERNAL_DIFF',
  'GIT_DIFF_OPTS',
]);

/** The environment git runs with: the caller's, minus repository overrides, plus ours. */
export function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!repositoryEnv.has(key) && !key.startsWith('GIT_CONFIG_KEY_') && !key.startsWith('GIT_CONFIG_VALUE_')) env[key] = value;
  return { ...env, ...quietEnv, ...extra };
}

export function runGitBuffer(args: readonly string[], options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnvironment(options.env),
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
      else reject(new GitCommandError(args, status, Buffer.concat(err).toString('utf8'), undefined, Buffer.concat(out).toString('utf8')));
    });
    child.stdin.on('error', () => {
      // git may exit before reading all of stdin; its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** https://user:secret@host/… → https://***@host/…: URLs are shown, credentials never. */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
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
