import type { Logger } from '@datakit/sdk/core';
import type { CliIo } from './io';

/** Warnings and errors as plain lines on stderr; debug and info only with DK_DEBUG=1. */
export function createCliLogger(io: CliIo, debug: boolean): Logger {
  const line = (level: string, obj: object | string, msg?: string) => {
    const text = typeof obj === 'string' ? obj : (msg ?? '');
    const details = typeof obj === 'object' && debug ? ` ${JSON.stringify(obj)}` : '';
    io.stderr(`dk: ${level}${text}${details}\n`);
  };
  return {
    debug: (obj, msg) => debug && line('debug: ', obj, msg),
    info: (obj, msg) => debug && line('', obj, msg),
    warn: (obj, msg) => line('warning: ', obj, msg),
    error: (obj, msg) => line('error: ', obj, msg),
  };
}
