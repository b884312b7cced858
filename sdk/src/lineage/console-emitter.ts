import type { LineageEmitter } from './emitter';

export interface ConsoleEmitterOptions {
  /** Receives one line (no newline) per event: the event as JSON. */
  write: (line: string) => void;
}

export function createConsoleEmitter(options: ConsoleEmitterOptions): LineageEmitter {
  return {
    target: 'console',
    emit(event) {
      options.write(JSON.stringify(event));
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
