import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Descriptor } from '../../../src/registry/descriptor';
import type { BlobSource } from '../../../src/registry/target';

export interface RecordingSource extends BlobSource {
  /** The offsets open() was called with. */
  opens: number[];
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function describe(bytes: Buffer, mediaType = 'application/vnd.datakit.content.v1.tar+gzip'): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

/** A blob source over bytes in memory, streamed in `chunk`-sized pieces. */
export function bufferSource(bytes: Buffer, descriptor: Descriptor = describe(bytes), chunk = 16 * 1024): RecordingSource {
  const opens: number[] = [];
  return {
    descriptor,
    opens,
    open(offset = 0) {
      opens.push(offset);
      const pieces: Buffer[] = [];
      for (let at = offset; at < bytes.length; at += chunk) pieces.push(bytes.subarray(at, Math.min(bytes.length, at + chunk)));
      return Readable.from(pieces);
    },
  };
}

export function randomBlob(size: number): Buffer {
  return randomBytes(size);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes of an OCI image manifest (key order as written). */
export function imageManifest(config: Descriptor, layers: Descriptor[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers, ...extra }),
    'utf8',
  );
}
