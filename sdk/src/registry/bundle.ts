import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { annotations as annotationKeys, mediaTypes } from '@datakit/contracts';
import { DataKitError, FileSystemError, isDataKitError, systemErrorCode } from '../core/errors';
import type { Descriptor, ImageManifest } from './descriptor';
import { canonicalJsonBytes, describeBytes, DigestStream, sha256Digest } from './digest';
import { OciLayoutTarget } from './oci-layout';
import { selectPackageFiles, type PackageEntry, type PackageFiles } from './package-files';
import { ParallelGzip } from './parallel-gzip';
import type { Target } from './target';

/** sha256 of the uncompressed tar: comparable across zlib versions, whose deflate bytes differ. */
export const diffIdAnnotation = 'dev.datakit.layer.diff-id';

/** Larger chunks than the 64 KiB default: fewer, larger copies into the tar and gzip blocks. */
const readChunkBytes = 1024 * 1024;

export interface BuildArtifactOptions {
  packageDir: string;
  /** Absolute paths of the package's manifest files (the manifests layer). */
  manifestFiles: readonly string[];
  /** Further schema files for the manifests layer (e.g. DataSets' spec.schemaRef). */
  schemaFiles?: readonly string[];
  /** The package config; `layers` (media type and diff id of each layer) is added to a copy of it. */
  config: object;
  /** The image manifest's annotations. */
  annotations: Record<string, string>;
  /** Where blobs and the manifest are written, usually an OciLayoutTarget. */
  target: Target;
  /** Tags the manifest; the caller enforces immutability before building. */
  tag?: string;
  /**
   * gzip level 0–9, default 6. Part of the digest: the same level rebuilds the same bytes (with the
   * same Node, whose bundled zlib makes the deflate bytes), on any machine, whatever its core count.
   */
  compressionLevel?: number;
  allowSecretFiles?: boolean;
  /** Scratch space for layers when the target is not an OCI layout; default the OS temp directory. */
  tempDir?: string;
  /** Remembers built layers by the stamps of their files, so an unchanged package is not re-compressed. */
  layerCache?: LayerCache;
  /** Absolute paths never packaged (build byproducts that may sit inside the package). */
  exclude?: readonly string[];
}

/** A layer already built, by a key derived from its entries' stamps and the compression level. */
export interface LayerCache {
  get(key: string): Promise<{ descriptor: Descriptor; diffId: string } | undefined>;
  set(key: string, layer: { descriptor: Descriptor; diffId: string }): Promise<void>;
}

export interface BuiltArtifact {
  manifest: Descriptor;
  manifestBytes: Buffer;
  config: Descriptor;
  /** manifests layer, then content layer. */
  layers: Descriptor[];
  files: PackageFiles;
}

/** A layer written to a scratch file, described before it is moved to the target. */
interface StagedLayer {
  file: string;
  descriptor: Descriptor;
  diffId: string;
}

/**
 * Bundles a package into one OCI image manifest with two gzip tar layers (manifests, content)
 * and a canonical JSON config. Layers stream from disk through tar, gzip and sha256 into a scratch
 * file, never into memory. The same files and inputs always give the same manifest digest:
 * entries are sorted, headers carry no time, owner or umask, gzip carries no name or time and is
 * cut into fixed 1 MiB blocks compressed in parallel (parallel-gzip.ts), so neither the core count
 * nor timing changes a byte.
 */
export async function buildArtifact(options: BuildArtifactOptions): Promise<BuiltArtifact> {
  const { target } = options;
  const level = options.compressionLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`compressionLevel must be 0–9, got ${level}`);
  const files = await selectPackageFiles(options.packageDir, {
    manifestFiles: options.manifestFiles,
    ...(options.schemaFiles ? { schemaFiles: options.schemaFiles } : {}),
    ...(options.allowSecretFiles ? { allowSecretFiles: true } : {}),
    // An output layout inside the package must not package itself.
    ...(target instanceof OciLayoutTarget || options.exclude
      ? { exclude: [...(target instanceof OciLayoutTarget ? [target.root] : []), ...(options.exclude ?? [])] }
      : {}),
  });
  const staging = await scratchFor(target, options.tempDir);
  try {
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    const plan = [
      { entries: files.manifestEntries, mediaType: mediaTypes.manifestsLayer, title: 'manifests.tar.gz' },
      { entries: files.contentEntries, mediaType: mediaTypes.contentLayer, title: 'content.tar.gz' },
    ];
    for (const { entries, mediaType, title } of plan) {
      const key = options.layerCache ? layerKey(entries, level, mediaType, title) : undefined;
      const cached = key ? await options.layerCache!.get(key) : undefined;
      if (cached && (await target.exists(cached.descriptor))) {
        layers.push(cached.descriptor);
        diffIds.push(cached.diffId);
        continue;
      }
      const staged = await writeLayer(entries, await staging.path(), level, mediaType, title);
      await staging.commit(staged);
      layers.push(staged.descriptor);
      diffIds.push(staged.diffId);
      if (key) await options.layerCache!.set(key, { descriptor: staged.descriptor, diffId: staged.diffId });
    }
    const configBytes = canonicalJsonBytes({
      ...options.config,
      layers: layers.map((layer, i) => ({ mediaType: layer.mediaType, diffId: diffIds[i] })),
    });
    const config = describeBytes(mediaTypes.config, configBytes);
    await target.pushBlob({ descriptor: config, open: (offset = 0) => Readable.from([configBytes.subarray(offset)]) });
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      artifactType: mediaTypes.artifact,
      config,
      layers,
      ...(Object.keys(options.annotations).length > 0 ? { annotations: options.annotations } : {}),
    };
    const manifestBytes = canonicalJsonBytes(manifest);
    const stored = await target.pushManifest(manifestBytes, mediaTypes.ociManifest, options.tag);
    const expected = describeBytes(mediaTypes.ociManifest, manifestBytes);
    if (stored.digest !== expected.digest) {
      throw new DataKitError('DK531', `${target.location} stored the manifest as ${stored.digest}, expected ${expected.digest}`);
    }
    return { manifest: { ...expected, artifactType: mediaTypes.artifact }, manifestBytes, config, layers, files };
  } finally {
    await staging.dispose();
  }
}

function layerKey(entries: readonly PackageEntry[], level: number, mediaType: string, title: string): string {
  const parts = entries.map((e) => [e.path, e.type, e.stamp, e.executable, e.linkTarget ?? '']);
  // version 2: layers are parallel block gzip (parallel-gzip.ts); version 1 was one zlib gzip stream.
  return sha256Digest(JSON.stringify({ version: 2, level, mediaType, title, parts }));
}

interface Scratch {
  /** A fresh file path to write a layer to. */
  path(): Promise<string>;
  /** Moves a staged layer into the target. */
  commit(layer: StagedLayer): Promise<void>;
  dispose(): Promise<void>;
}

/** OCI layouts take staged files by rename; any other target is pushed from a temp directory. */
async function scratchFor(target: Target, tempDir: string | undefined): Promise<Scratch> {
  const staged: string[] = [];
  const removeStaged = async () => {
    await Promise.all(staged.map((file) => rm(file, { force: true })));
  };
  if (target instanceof OciLayoutTarget) {
    return {
      async path() {
        const file = await target.stagingPath();
        staged.push(file);
        return file;
      },
      commit: (layer) => target.adoptBlob(layer.file, layer.descriptor),
      dispose: removeStaged,
    };
  }
  let dir: string;
  try {
    dir = await mkdtemp(path.join(tempDir ?? tmpdir(), 'dk-build-'));
  } catch (error) {
    throw new FileSystemError('DK517', `cannot create a scratch directory (${systemErrorCode(error) ?? String(error)})`, { cause: error });
  }
  let count = 0;
  return {
    path: () => Promise.resolve(path.join(dir, `layer-${count++}`)),
    async commit(layer) {
      await target.pushBlob({ descriptor: layer.descriptor, open: (offset = 0) => createReadStream(layer.file, { start: offset }) });
      await rm(layer.file, { force: true });
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** tar → sha256 (diff id) → parallel block gzip → sha256 (digest) → file, with the entries fed in as the pipeline drains. */
async function writeLayer(
  entries: readonly PackageEntry[],
  file: string,
  level: number,
  mediaType: string,
  title: string,
): Promise<StagedLayer> {
  const pack = tar.pack();
  const uncompressed = new DigestStream();
  const compressed = new DigestStream();
  const written = pipeline(pack, uncompressed, new ParallelGzip({ level }), compressed, createWriteStream(file, { flags: 'wx' }));
  const fed = (async () => {
    try {
      for (const entry of entries) await addEntry(pack, entry);
      pack.finalize();
    } catch (error) {
      pack.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  })();
  try {
    await Promise.all([written, fed]);
  } catch (error) {
    // Report the first failure, but only once both sides have stopped touching the file.
    await Promise.allSettled([written, fed]);
    throw layerError(error, title);
  }
  const { digest, size } = compressed.result();
  const diffId = uncompressed.result().digest;
  return {
    file,
    diffId,
    descriptor: { mediaType, digest, size, annotations: { [annotationKeys.title]: title, [diffIdAnnotation]: diffId } },
  };
}

const epoch = new Date(0);

/** Adds one entry with a normalised header and waits until tar has taken all of it. */
function addEntry(pack: tar.Pack, entry: PackageEntry): Promise<void> {
  const common = { name: entry.path, uid: 0, gid: 0, uname: '', gname: '', mtime: epoch };
  return new Promise<void>((resolve, reject) => {
    if (entry.type === 'symlink') {
      pack.entry({ ...common, type: 'symlink', mode: 0o777, linkname: entry.linkTarget ?? '' }, (error) =>
        error ? reject(error) : resolve(),
      );
      return;
    }
    const sink = pack.entry({ ...common, type: 'file', mode: entry.executable ? 0o755 : 0o644, size: entry.size }, (error) =>
      error ? reject(error) : resolve(),
    );
    copyFile(entry, sink).catch((error: unknown) => {
      sink.destroy(error instanceof Error ? error : new Error(String(error)));
      reject(error);
    });
  });
}

type EntrySink = ReturnType<tar.Pack['entry']>;

/** Streams a file into a tar entry, at most the size recorded when it was selected. */
async function copyFile(entry: PackageEntry, sink: EntrySink): Promise<void> {
  if (entry.size > 0) {
    const source = createReadStream(entry.absolutePath, { start: 0, end: entry.size - 1, highWaterMark: readChunkBytes });
    try {
      for await (const chunk of source) {
        if (!sink.write(chunk)) await drained(sink);
      }
    } finally {
      source.destroy();
    }
  }
  sink.end(undefined);
}

/** Resolves when the sink wants more data; throws when it was destroyed instead. */
function drained(sink: EntrySink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = () => {
      sink.off('drain', settle);
      sink.off('close', settle);
      if (sink.destroyed) reject(new Error('the archive was closed'));
      else resolve();
    };
    sink.on('drain', settle);
    sink.on('close', settle);
  });
}

function layerError(error: unknown, title: string): DataKitError {
  if (isDataKitError(error)) return error;
  const code = systemErrorCode(error);
  if (error instanceof Error && error.message === 'Size mismatch') {
    return new FileSystemError('DK503', `a file changed size while ${title} was written; build again`, { cause: error });
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') {
    return new FileSystemError('DK503', `cannot read a package file for ${title} (${code})`, { cause: error });
  }
  return new FileSystemError('DK517', `cannot write ${title} (${code ?? String(error)})`, { cause: error });
}
