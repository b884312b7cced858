import type { RunEvent } from './openlineage-types';

/** Where events go. Every emitter can be flushed (delivered so far) and closed (nothing left behind). */
export interface LineageEmitter {
  /** For messages: the endpoint URL, file:<path>, console, … (never a token). */
  readonly target: string;
  emit(event: RunEvent): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** `--lineage off`. */
export const offEmitter: LineageEmitter = {
  target: 'off',
  emit: () => Promise.resolve(),
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A short description of an event for messages. */
export function describeEvent(event: RunEvent): string {
  return `${event.eventType} event of run ${event.run.runId} (${event.job.namespace}/${event.job.name})`;
}
