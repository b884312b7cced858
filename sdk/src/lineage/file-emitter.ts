import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { systemErrorCode } from '../core/errors';
import { LineageDeliveryError, lineageCodes } from './codes';
import type { LineageEmitter } from './emitter';

export interface FileEmitterOptions {
  /** Absolute path of the JSON-lines file; created (with its directory) if missing, appended to otherwise. */
  path: string;
}

/**
 * Appends one event per line (JSON lines). Each line is one write on a file opened for appending,
 * so concurrent writers do not interleave lines. flush() and close() fsync.
 */
export function createFileEmitter(options: FileEmitterOptions): LineageEmitter {
  const file = options.path;
  let handle: Promise<FileHandle> | undefined;
  let closed = false;
  // One operation at a time, in order.
  let queue: Promise<unknown> = Promise.resolve();

  const failure = (doing: string, error: unknown) =>
    new LineageDeliveryError(lineageCodes.fileWrite, `cannot ${doing} lineage file ${file}: ${systemErrorCode(error) ?? String(error)}`, {
      cause: error,
      retryable: false,
      hint: 'Check that the directory exists or can be created, and that it is writable.',
    });

  const opened = (): Promise<FileHandle> =>
    (handle ??= (async () => {
      await mkdir(path.dirname(file), { recursive: true });
      return open(file, 'a');
    })());

  function serial<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    const run = queue.then(operation).catch((error: unknown) => {
      if (error instanceof LineageDeliveryError) throw error;
      throw failure(doing, error);
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    target: `file:${file}`,
    emit(event) {
      const line = `${JSON.stringify(event)}\n`;
      return serial('write', async () => {
        if (closed) throw failure('write', new Error('the emitter is closed'));
        await (await opened()).write(line);
      });
    },
    flush() {
      return serial('sync', async () => {
        if (handle) await (await handle).datasync();
      });
    },
    close() {
      return serial('close', async () => {
        if (closed) return;
        closed = true;
        if (!handle) return;
        const h = await handle;
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      });
    },
  };
}
