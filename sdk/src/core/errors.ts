/**
 * The project's error classes. Foreign errors (fs, HTTP, git, …) are converted into these once,
 * at the adapter, keeping the original as `cause`.
 */
export interface DataKitErrorOptions {
  cause?: unknown;
  hint?: string;
}

export class DataKitError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** The process exit code a command line should end with. */
  readonly exitCode: number = 1;

  constructor(code: string, message: string, options: DataKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** The command was called wrongly: a bad flag, a missing argument. Exit code 2. */
export class UsageError extends DataKitError {
  override readonly exitCode = 2;
}

/** A file or directory could not be read or written. Exit code 2. */
export class FileSystemError extends DataKitError {
  override readonly exitCode = 2;
}

export function isDataKitError(error: unknown): error is DataKitError {
  return error instanceof DataKitError;
}

/** Node's system errors carry a string `code` such as ENOENT. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
