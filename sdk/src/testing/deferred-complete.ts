import type { LineageEmitter } from '../lineage/emitter';
import type { RunEvent } from '../lineage/openlineage-types';

/** An emitter that holds back COMPLETE events until the test results can be attached to them. */
export interface DeferredCompleteEmitter extends LineageEmitter {
  /** The COMPLETE event held back, if any. */
  readonly held: RunEvent | undefined;
  /** Sends the held COMPLETE event, changed by `change` (which may not drop it). Nothing held: nothing sent. */
  release(change?: (event: RunEvent) => RunEvent): Promise<void>;
}

/**
 * Wraps `inner`: every event goes through at once except COMPLETE, which waits for `release()`.
 * Closing releases a COMPLETE still held unchanged, so that it is never dropped.
 * Closing does not close `inner`: its owner does.
 */
export function deferComplete(inner: LineageEmitter): DeferredCompleteEmitter {
  let held: RunEvent | undefined;
  const release = async (change?: (event: RunEvent) => RunEvent) => {
    const event = held;
    held = undefined;
    if (event) await inner.emit(change ? change(event) : event);
  };
  return {
    target: inner.target,
    get held() {
      return held;
    },
    async emit(event) {
      if (event.eventType !== 'COMPLETE') return inner.emit(event);
      // A second COMPLETE (not expected) sends the first one on, unchanged.
      await release();
      held = event;
    },
    release,
    flush: () => inner.flush(),
    async close() {
      await release();
    },
  };
}
