import type { Clock } from '../core/clock';
import { isDataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import { LineageDeliveryError, lineageCodes, type LineageCode } from './codes';
import type { LineageEmitter } from './emitter';
import type { RunEvent } from './openlineage-types';

export interface BufferedEmitterOptions {
  /** Events kept while the backend is unreachable; beyond it the oldest are dropped, with a warning. Default 1000. */
  maxBuffered?: number;
  /**
   * After a failed delivery, emit() only buffers until this much time has passed, so that a backend
   * that is down does not cost every event its retries. flush() and close() always try. Default 30 s.
   */
  retryIntervalMs?: number;
  logger: Logger;
  clock: Clock;
}

export interface BufferedLineageEmitter extends LineageEmitter {
  /** Events waiting for delivery. */
  readonly pending: number;
  /** Events dropped because the buffer was full. */
  readonly dropped: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Keeps events in order in a bounded buffer in front of an emitter (HTTP) and delivers them when it
 * can. Events the backend refuses (4xx) are not retried: that error is thrown once. Events are only
 * ever dropped with a warning that counts them (DK655).
 */
export function createBufferedEmitter(inner: LineageEmitter, options: BufferedEmitterOptions): BufferedLineageEmitter {
  const maxBuffered = Math.max(1, Math.floor(options.maxBuffered ?? 1000));
  const retryIntervalMs = options.retryIntervalMs ?? 30_000;
  const { logger, clock } = options;
  const queue: RunEvent[] = [];
  let dropped = 0;
  let failedAt: number | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  function serialized(operation: () => Promise<void>): Promise<void> {
    const run = chain.then(operation);
    chain = run.catch(() => undefined);
    return run;
  }

  function enqueue(event: RunEvent): void {
    queue.push(event);
    const over = queue.length - maxBuffered;
    if (over <= 0) return;
    queue.splice(0, over);
    dropped += over;
    logger.warn(
      { code: lineageCodes.dropped, target: inner.target, dropped: over, droppedTotal: dropped, maxBuffered },
      `lineage buffer full (${maxBuffered} events): dropped the ${over} oldest event(s), ${dropped} dropped so far`,
    );
  }

  function backlogError(error: unknown): LineageDeliveryError {
    const code = (isDataKitError(error) ? error.code : lineageCodes.unreachable) as LineageCode;
    return new LineageDeliveryError(code, `${messageOf(error)}; ${queue.length} event(s) kept for a later attempt`, {
      cause: error,
      retryable: true,
      ...(isDataKitError(error) && error.hint !== undefined ? { hint: error.hint } : {}),
    });
  }

  /** Sends the buffered events in order; stops at the first failure that retrying may fix. */
  async function drain(): Promise<void> {
    let refused: unknown;
    while (queue.length > 0) {
      try {
        await inner.emit(queue[0]!);
        queue.shift();
        failedAt = undefined;
      } catch (error) {
        if (error instanceof LineageDeliveryError && !error.retryable) {
          queue.shift();
          refused ??= error;
          continue;
        }
        failedAt = clock.now().getTime();
        throw backlogError(error);
      }
    }
    if (refused !== undefined) throw refused;
  }

  return {
    target: inner.target,
    get pending() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
    emit(event) {
      enqueue(event);
      return serialized(async () => {
        if (failedAt !== undefined && clock.now().getTime() - failedAt < retryIntervalMs) return;
        await drain();
      });
    },
    flush() {
      return serialized(async () => {
        await drain();
        await inner.flush();
      });
    },
    close() {
      return serialized(async () => {
        try {
          await drain();
        } catch (error) {
          if (queue.length === 0) throw error;
          const lost = queue.splice(0).length;
          throw new LineageDeliveryError(
            lineageCodes.dropped,
            `${lost} lineage event(s) not delivered to ${inner.target}: ${messageOf(error)}`,
            {
              cause: error,
              retryable: false,
              hint: 'Check that the lineage backend runs, or send lineage to a file (--lineage file:<path>) and replay it.',
            },
          );
        } finally {
          await inner.close();
        }
      });
    },
  };
}
