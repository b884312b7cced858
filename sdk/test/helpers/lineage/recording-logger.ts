import type { Logger } from '../../../src/core/logger';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: object;
  message: string;
}

/** A Logger that keeps what it is told, for assertions. */
export interface RecordingLogger extends Logger {
  readonly entries: LogEntry[];
  warnings(): LogEntry[];
}

export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object | string, msg?: string): void => {
      entries.push(typeof obj === 'string' ? { level, fields: {}, message: obj } : { level, fields: obj, message: msg ?? '' });
    };
  return {
    entries,
    warnings: () => entries.filter((e) => e.level === 'warn'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}
