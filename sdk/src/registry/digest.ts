import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { annotations } from '@datakit/contracts';
import { DataKitError } from '../core/errors';
import { sha256Pattern, type Descriptor } from './descriptor';

export interface DigestResult {
  /** sha256:<hex> */
  digest: string;
  size: number;
}

/** `sha256:<hex>` of bytes held in memory (configs, manifests). */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The descriptor of bytes held in memory. */
export function describeBytes(mediaType: string, bytes: Buffer, annotations?: Record<string, string>): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...(annotations ? { annotations } : {}) };
}

/** The hex part of a sha256 digest; refuses anything else, since it becomes a file name. */
export function digestHex(digest: string): string {
  if (!sha256Pattern.test(digest)) {
    throw new DataKitError('DK516', `${digest} is not a sha256 digest (sha256:<64 lower-case hex digits>)`);
  }
  return digest.slice('sha256:'.length);
}

/** A pass-through that hashes and counts what flows through it; `result()` is valid once it has ended. */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private final: DigestResult | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.final = { digest: `sha256:${this.hash.digest('hex')}`, size: this.bytes };
    callback();
  }

  result(): DigestResult {
    if (!this.final) throw new Error('DigestStream.result() called before the stream ended');
    return this.final;
  }
}

/**
 * A pass-through that fails unless exactly the descriptor's bytes flow through it: as soon as
 * more than `size` bytes arrive, and at the end when the size or the digest differ.
 */
export function verifyingStream(descriptor: Descriptor): Transform {
  const expectedHex = digestHex(descriptor.digest);
  const hash = createHash('sha256');
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > descriptor.size) {
        callback(sizeMismatch(descriptor, `more than ${descriptor.size}`));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (bytes !== descriptor.size) {
        callback(sizeMismatch(descriptor, String(bytes)));
        return;
      }
      const actual = hash.digest('hex');
      if (actual !== expectedHex) {
        callback(
          new DataKitError('DK510', `digest mismatch for ${describe(descriptor)}: expected ${descriptor.digest}, got sha256:${actual}`, {
            hint: 'The stored content is corrupt or was altered. Fetch or push it again from a trusted source.',
          }),
        );
        return;
      }
      callback();
    },
  });
}

/** Checks bytes held in memory against a descriptor, with the same errors as verifyingStream. */
export function verifyBytes(descriptor: Descriptor, bytes: Buffer): void {
  if (bytes.length !== descriptor.size) throw sizeMismatch(descriptor, String(bytes.length));
  const actual = sha256Digest(bytes);
  if (actual !== descriptor.digest) {
    throw new DataKitError('DK510', `digest mismatch for ${describe(descriptor)}: expected ${descriptor.digest}, got ${actual}`, {
      hint: 'The stored content is corrupt or was altered. Fetch or push it again from a trusted source.',
    });
  }
}

function sizeMismatch(descriptor: Descriptor, actual: string): DataKitError {
  return new DataKitError('DK511', `size mismatch for ${describe(descriptor)}: expected ${descriptor.size} bytes, got ${actual}`, {
    hint: 'The content is truncated, padded or its descriptor is wrong. Fetch or push it again from a trusted source.',
  });
}

function describe(descriptor: Descriptor): string {
  const title = descriptor.annotations?.[annotations.title];
  return title ? `${title} (${descriptor.digest})` : descriptor.digest;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (as RFC 8785), no whitespace, undefined
 * members dropped. The same value always gives the same bytes, which is what makes digests of
 * configs and manifests reproducible. Encode the result as UTF-8.
 */
export function canonicalJson(value: unknown): string {
  const out = serialise(value, []);
  if (out === undefined) throw new TypeError('canonicalJson: the value is not representable as JSON');
  return out;
}

/** canonicalJson(value) as UTF-8 bytes. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function serialise(value: unknown, path: readonly object[]): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint has no JSON form');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const object = value as object;
  if ('toJSON' in object && typeof object.toJSON === 'function') return serialise((object.toJSON as () => unknown)(), path);
  if (path.includes(object)) throw new TypeError('canonicalJson: circular structure');
  const inner = [...path, object];
  if (Array.isArray(object)) {
    return `[${object.map((item: unknown) => serialise(item, inner) ?? 'null').join(',')}]`;
  }
  const record = object as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = serialise(record[key], inner);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}
