import { isDataKitError, type DataKitError } from '../core/errors';
import { LineageDeliveryError, lineageCodes, type LineageCode } from './codes';
import type { LineageEmitter } from './emitter';
import type { RunEvent } from './openlineage-types';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One error for the emitters that failed: the first one's code, every message, all of them as cause. */
function combined(failures: ReadonlyArray<{ target: string; error: unknown }>, total: number): DataKitError {
  const [first] = failures;
  if (failures.length === 1 && total === 1 && isDataKitError(first!.error)) return first!.error;
  const text = failures.map((f) => message(f.error)).join('; ');
  const code = (isDataKitError(first!.error) ? first!.error.code : lineageCodes.unreachable) as LineageCode;
  const retryable = failures.every((f) => !(f.error instanceof LineageDeliveryError) || f.error.retryable);
  return new LineageDeliveryError(code, `${failures.length} of ${total} lineage targets failed: ${text}`, {
    cause: new AggregateError(
      failures.map((f) => f.error),
      text,
    ),
    retryable,
  });
}

/** Sends to every emitter; one failing does not keep the others from receiving the event. */
export function createCompositeEmitter(emitters: readonly LineageEmitter[]): LineageEmitter {
  async function all(operation: (emitter: LineageEmitter) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(emitters.map(operation));
    const failures = results.flatMap((result, i) =>
      result.status === 'rejected' ? [{ target: emitters[i]!.target, error: result.reason }] : [],
    );
    if (failures.length > 0) throw combined(failures, emitters.length);
  }
  return {
    target: emitters.map((e) => e.target).join(', '),
    emit: (event: RunEvent) => all((e) => e.emit(event)),
    flush: () => all((e) => e.flush()),
    close: () => all((e) => e.close()),
  };
}
