import { Readable } from 'node:stream';
import { DataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import type { Descriptor, ImageIndex, ImageManifest } from './descriptor';
import { OciLayoutTarget } from './oci-layout';
import type { BlobSource, Target } from './target';

const indexTypes = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** Bytes of one blob sent so far; reported as the blob streams. */
export interface TransferProgress {
  digest: string;
  transferred: number;
  total: number;
}

export interface CopyOptions {
  /** Tag the copied manifest with this tag at the destination. */
  tag?: string;
  onProgress?: (progress: TransferProgress) => void;
  /** Also copy the artifacts that refer to it (signatures, attestations, …). Default true. */
  referrers?: boolean;
  logger?: Logger;
}

/** A blob of one target as the source of a push to another: reopened (and skipped ahead) on resume. */
export function blobFrom(target: Target, descriptor: Descriptor, onProgress?: (progress: TransferProgress) => void): BlobSource {
  return {
    descriptor,
    open(offset = 0) {
      const stream =
        target instanceof OciLayoutTarget ? target.openBlobAt(descriptor, offset) : Readable.from(skip(target, descriptor, offset));
      if (!onProgress) return stream;
      let transferred = offset;
      stream.on('data', (chunk: Buffer) => {
        transferred += chunk.length;
        onProgress({ digest: descriptor.digest, transferred, total: descriptor.size });
      });
      return stream;
    },
  };
}

async function* skip(target: Target, descriptor: Descriptor, offset: number): AsyncGenerator<Buffer> {
  let toSkip = offset;
  for await (const chunk of await target.fetchBlob(descriptor)) {
    const buffer = chunk as Buffer;
    if (toSkip >= buffer.length) {
      toSkip -= buffer.length;
      continue;
    }
    yield toSkip > 0 ? buffer.subarray(toSkip) : buffer;
    toSkip = 0;
  }
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new DataKitError('DK531', `${what} is not valid JSON`, { cause: error });
  }
}

/** Copies a manifest's blobs (or an index's manifests) and then the manifest itself. */
export async function copyManifestContent(
  source: Target,
  manifest: Descriptor,
  destination: Target,
  options: CopyOptions = {},
): Promise<void> {
  const logger = options.logger ?? silentLogger;
  const fetched = await source.fetchManifest(manifest.digest);
  if (indexTypes.has(fetched.descriptor.mediaType)) {
    const index = parseJson<ImageIndex>(fetched.bytes, `index ${manifest.digest}`);
    for (const child of index.manifests) {
      await copyManifestContent(source, child, destination, {
        logger,
        referrers: false,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    }
  } else {
    const image = parseJson<ImageManifest>(fetched.bytes, `manifest ${manifest.digest}`);
    for (const blob of [image.config, ...image.layers]) {
      if (await destination.exists(blob)) continue;
      logger.info({ digest: blob.digest, size: blob.size }, 'copying blob');
      await destination.pushBlob(blobFrom(source, blob, options.onProgress));
    }
  }
  const pushed = await destination.pushManifest(fetched.bytes, fetched.descriptor.mediaType, options.tag);
  if (pushed.digest !== manifest.digest) {
    throw new DataKitError('DK531', `the destination stored ${pushed.digest} for manifest ${manifest.digest}`);
  }
  if (options.referrers ?? true) {
    for (const referrer of await source.referrers(manifest)) {
      await copyManifestContent(source, referrer, destination, { logger, referrers: true });
    }
  }
}

/** Copies the artifact `reference` names from one target to another, referrers included. */
export async function copyArtifact(source: Target, reference: string, destination: Target, options: CopyOptions = {}): Promise<Descriptor> {
  const manifest = await source.resolve(reference);
  if (!manifest) throw new DataKitError('DK532', `${source.location}: no artifact ${reference}`);
  await copyManifestContent(source, manifest, destination, options);
  return manifest;
}
