import { getRandomValues } from 'node:crypto';
import type { Clock } from '../core/clock';

export type RandomBytes = (length: number) => Uint8Array;

const defaultRandomBytes: RandomBytes = (length) => getRandomValues(new Uint8Array(length));

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/**
 * A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then random bits, so that
 * run ids sort by start time (in Marquez, in files, in logs).
 */
export function newRunId(clock: Clock, randomBytes: RandomBytes = defaultRandomBytes): string {
  const bytes = new Uint8Array(16);
  bytes.set(randomBytes(10).subarray(0, 10), 6);
  let ms = Math.max(0, Math.floor(clock.now().getTime()));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
