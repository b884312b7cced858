import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { mediaTypes } from '@datakit/contracts';
import { DataKitError, FileSystemError, isDataKitError, systemErrorCode } from '../core/errors';
import { sha256Pattern, type Descriptor, type ImageIndex } from './descriptor';
import { describeBytes, digestHex, verifyBytes, verifyingStream } from './digest';
import type { BlobSource, FetchedManifest, Target } from './target';

export const refNameAnnotation = 'org.opencontainers.image.ref.name';
/** The OCI distribution-spec tag grammar. */
export const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** Registries refuse larger manifests (distribution's limit); so do we, before reading one. */
export const maxManifestBytes = 4 * 1024 * 1024;

const layoutFile = 'oci-layout';
const indexFile = 'index.json';
const layoutVersion = '1.0.0';
const lockStaleMs = 60_000;
const lockTimeoutMs = 30_000;

/** Index updates of one process, serialised per layout (the lock file serialises processes). */
const indexQueues = new Map<string, Promise<void>>();

/**
 * A local OCI image layout (image-spec image-layout.md) holding one repository: blobs under
 * blobs/sha256, tags as org.opencontainers.image.ref.name annotations in index.json. Every write is
 * a temporary file renamed into place, so readers (skopeo included) never see half a file.
 * Tag immutability is the caller's policy: pushManifest moves a tag it is given.
 */
export class OciLayoutTarget implements Target {
  readonly location: string;
  /** Absolute path of the layout directory (created on first write). */
  readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
    this.location = `oci-layout:${dir}`;
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    const index = await this.readIndex();
    if (sha256Pattern.test(reference)) {
      const listed = index.manifests.find((d) => d.digest === reference);
      if (listed) return plainDescriptor(listed);
      // A manifest stored without an index entry (a child of an index, say): its bytes say what it is.
      const size = await this.blobSize(reference);
      if (size === undefined || size > maxManifestBytes) return undefined;
      const mediaType = manifestMediaType(await this.readBlob(reference));
      return mediaType ? { mediaType, digest: reference, size } : undefined;
    }
    checkTag(reference);
    const entry = index.manifests.findLast((d) => d.annotations?.[refNameAnnotation] === reference);
    return entry ? plainDescriptor(entry) : undefined;
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return (await this.blobSize(descriptor.digest)) === descriptor.size;
  }

  /** Streams the source into a temporary file, verifying digest and size, then renames it into place. */
  async pushBlob(source: BlobSource): Promise<void> {
    const { descriptor } = source;
    if (await this.exists(descriptor)) return;
    const temp = await this.stagingPath();
    try {
      await pipelineAsync(source.open(0), verifyingStream(descriptor), createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, this.blobPath(descriptor.digest));
    } catch (error) {
      await rm(temp, { force: true });
      throw writeError(error, `cannot store blob ${descriptor.digest} in ${this.location}`);
    }
  }

  /**
   * A path for a temporary file inside the layout, on the same file system as the blobs: write a
   * blob there and hand it to adoptBlob, which renames it into place without copying.
   */
  async stagingPath(): Promise<string> {
    await this.ensureLayout();
    return path.join(this.root, `.tmp-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Moves a file written at stagingPath() into place as the blob `descriptor` names. The caller
   * computed the digest while writing the file; only the size is checked again here.
   */
  async adoptBlob(file: string, descriptor: Descriptor): Promise<void> {
    const target = this.blobPath(descriptor.digest);
    try {
      const { size } = await stat(file);
      if (size !== descriptor.size) {
        throw new DataKitError('DK511', `size mismatch for ${descriptor.digest}: expected ${descriptor.size} bytes, got ${size}`);
      }
      await rename(file, target);
    } catch (error) {
      await rm(file, { force: true });
      throw writeError(error, `cannot store blob ${descriptor.digest} in ${this.location}`);
    }
  }

  async pushManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor> {
    if (tag !== undefined) checkTag(tag);
    if (bytes.length > maxManifestBytes) {
      throw new DataKitError('DK531', `the manifest is ${bytes.length} bytes, over the ${maxManifestBytes}-byte limit`);
    }
    const parsed = parseManifestJson(bytes, 'the manifest');
    const base = describeBytes(mediaType, bytes);
    const descriptor: Descriptor = typeof parsed.artifactType === 'string' ? { ...base, artifactType: parsed.artifactType } : base;
    if (!(await this.exists(descriptor))) await this.writeAtomically(this.blobPath(descriptor.digest), bytes);
    await this.updateIndex((manifests) => {
      if (tag === undefined) return manifests.some((d) => d.digest === descriptor.digest) ? manifests : [...manifests, descriptor];
      const kept = manifests.filter((d) => {
        const name = d.annotations?.[refNameAnnotation];
        return name !== tag && !(name === undefined && d.digest === descriptor.digest);
      });
      return [...kept, { ...descriptor, annotations: { [refNameAnnotation]: tag } }];
    });
    return descriptor;
  }

  async fetchBlob(descriptor: Descriptor): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.blobPath(descriptor.digest), 'r');
    } catch (error) {
      throw readError(error, `${this.location}: blob ${descriptor.digest}`);
    }
    // Errors reach the consumer through the returned stream; destroying it closes the file.
    return pipeline(handle.createReadStream(), verifyingStream(descriptor), () => undefined);
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const descriptor = await this.resolve(reference);
    if (!descriptor) {
      throw new DataKitError('DK532', `${this.location}: no manifest ${reference}`, {
        hint: 'Check the tag or digest; a layout lists its tags in index.json.',
      });
    }
    if (descriptor.size > maxManifestBytes) {
      throw new DataKitError('DK531', `${this.location}: manifest ${descriptor.digest} is ${descriptor.size} bytes, over the limit`);
    }
    const bytes = await this.readBlob(descriptor.digest);
    verifyBytes(descriptor, bytes);
    return { descriptor, bytes };
  }

  async listTags(): Promise<string[]> {
    const index = await this.readIndex();
    const tags = new Set(index.manifests.flatMap((d) => (d.annotations?.[refNameAnnotation] ? [d.annotations[refNameAnnotation]] : [])));
    return [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Manifests listed in index.json whose subject is `descriptor`, described as the referrers API does. */
  async referrers(descriptor: Descriptor): Promise<Descriptor[]> {
    const index = await this.readIndex();
    const found: Descriptor[] = [];
    const seen = new Set<string>();
    for (const entry of index.manifests) {
      if (seen.has(entry.digest) || entry.digest === descriptor.digest || entry.size > maxManifestBytes) continue;
      seen.add(entry.digest);
      const { bytes } = await this.fetchManifest(entry.digest);
      const manifest = parseManifestJson(bytes, entry.digest);
      const subject = manifest.subject as Descriptor | undefined;
      if (subject?.digest !== descriptor.digest) continue;
      const config = manifest.config as Descriptor | undefined;
      const artifactType = typeof manifest.artifactType === 'string' ? manifest.artifactType : config?.mediaType;
      const annotations = manifest.annotations as Record<string, string> | undefined;
      found.push({
        mediaType: entry.mediaType,
        digest: entry.digest,
        size: entry.size,
        ...(artifactType ? { artifactType } : {}),
        ...(annotations ? { annotations } : {}),
      });
    }
    return found;
  }

  /**
   * A blob's bytes from `offset` on, straight from its file: for uploads that resume or go up in
   * chunks, where reading (and hashing) from byte 0 for every chunk would cost O(size²). Not
   * verified here: the blob was verified when it was written, and the receiver checks the digest.
   */
  openBlobAt(descriptor: Descriptor, offset: number): Readable {
    return createReadStream(this.blobPath(descriptor.digest), { start: offset, highWaterMark: 1024 * 1024 });
  }

  private blobPath(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  private async blobSize(digest: string): Promise<number | undefined> {
    try {
      const stats = await stat(this.blobPath(digest));
      return stats.isFile() ? stats.size : undefined;
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT' || systemErrorCode(error) === 'ENOTDIR') return undefined;
      throw readError(error, `${this.location}: blob ${digest}`);
    }
  }

  private async readBlob(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (error) {
      throw readError(error, `${this.location}: blob ${digest}`);
    }
  }

  /** index.json as stored; an absent layout reads as an empty one. */
  private async readIndex(): Promise<ImageIndex> {
    let text: string;
    try {
      text = await readFile(path.join(this.root, indexFile), 'utf8');
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT' || systemErrorCode(error) === 'ENOTDIR') return emptyIndex();
      throw readError(error, `${this.location}: ${indexFile}`);
    }
    await this.checkLayoutFile();
    return parseIndex(text, this.location);
  }

  private async checkLayoutFile(): Promise<void> {
    let text: string;
    try {
      text = await readFile(path.join(this.root, layoutFile), 'utf8');
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') {
        throw new DataKitError('DK515', `${this.location} is not an OCI image layout: it has no ${layoutFile} file`, { cause: error });
      }
      throw readError(error, `${this.location}: ${layoutFile}`);
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch (error) {
      throw new DataKitError('DK515', `${this.location}: ${layoutFile} is not valid JSON`, { cause: error });
    }
    if (version !== layoutVersion) {
      throw new DataKitError(
        'DK515',
        `${this.location}: unsupported image layout version ${JSON.stringify(version)} (expected ${layoutVersion})`,
      );
    }
  }

  /** Creates the layout on first write; refuses to turn a directory holding other things into one. */
  private async ensureLayout(): Promise<void> {
    try {
      await stat(path.join(this.root, layoutFile));
      await this.checkLayoutFile();
      await mkdir(path.join(this.root, 'blobs', 'sha256'), { recursive: true });
      return;
    } catch (error) {
      if (isDataKitError(error)) throw error;
      if (systemErrorCode(error) !== 'ENOENT') throw readError(error, `${this.location}: ${layoutFile}`);
    }
    const existing = await readdir(this.root).catch((error: unknown) => {
      if (systemErrorCode(error) === 'ENOENT') return [];
      throw readError(error, this.location);
    });
    if (existing.some((name) => !name.startsWith('.tmp-') && name !== 'blobs' && name !== indexFile)) {
      throw new DataKitError('DK515', `${this.location} is a directory that is not an OCI image layout; nothing was written`, {
        hint: 'Point the layout at an empty or new directory.',
      });
    }
    try {
      await mkdir(path.join(this.root, 'blobs', 'sha256'), { recursive: true });
    } catch (error) {
      throw writeError(error, `cannot create ${this.location}`);
    }
    await this.writeAtomically(path.join(this.root, layoutFile), Buffer.from(JSON.stringify({ imageLayoutVersion: layoutVersion })));
  }

  private async writeAtomically(file: string, bytes: Buffer): Promise<void> {
    const temp = path.join(this.root, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw writeError(error, `cannot write ${file}`);
    }
  }

  private async updateIndex(change: (manifests: Descriptor[]) => Descriptor[]): Promise<void> {
    await this.ensureLayout();
    const previous = indexQueues.get(this.root) ?? Promise.resolve();
    const next = previous.then(() =>
      this.withLockFile(async () => {
        const index = await this.readIndex();
        const updated: ImageIndex = {
          schemaVersion: 2,
          mediaType: mediaTypes.ociIndex,
          manifests: change(index.manifests),
          ...(index.annotations ? { annotations: index.annotations } : {}),
        };
        await this.writeAtomically(path.join(this.root, indexFile), Buffer.from(JSON.stringify(updated)));
      }),
    );
    const settled = next.catch(() => undefined);
    indexQueues.set(this.root, settled);
    try {
      await next;
    } finally {
      if (indexQueues.get(this.root) === settled) indexQueues.delete(this.root);
    }
  }

  /** Serialises index.json updates across processes with an exclusive lock file; a stale lock (a crashed writer) is broken. */
  private async withLockFile(body: () => Promise<void>): Promise<void> {
    const lock = path.join(this.root, `${indexFile}.lock`);
    const deadline = Date.now() + lockTimeoutMs;
    for (;;) {
      try {
        await writeFile(lock, '', { flag: 'wx' });
        break;
      } catch (error) {
        if (systemErrorCode(error) !== 'EEXIST') throw writeError(error, `cannot lock ${this.location}`);
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > lockStaleMs) await rm(lock, { force: true });
        else if (Date.now() > deadline) {
          throw new FileSystemError('DK517', `${this.location} is locked by another writer (${lock})`, {
            hint: 'Wait for the other dk command to finish, or remove the lock file if none is running.',
          });
        } else await sleep(10 + Math.floor(Math.random() * 40));
      }
    }
    try {
      await body();
    } finally {
      await rm(lock, { force: true });
    }
  }
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [] };
}

function parseIndex(text: string, location: string): ImageIndex {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataKitError('DK515', `${location}: ${indexFile} is not valid JSON`, { cause: error });
  }
  const record = isRecord(value) ? value : undefined;
  const manifests = record?.manifests;
  if (!record || record.schemaVersion !== 2 || !Array.isArray(manifests) || !manifests.every(isDescriptor)) {
    throw new DataKitError('DK515', `${location}: ${indexFile} is not an OCI image index (schemaVersion 2 with manifest descriptors)`);
  }
  const annotations = isRecord(record.annotations) ? (record.annotations as Record<string, string>) : undefined;
  return {
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: manifests.map((d) => (d.mediaType ? d : { ...d, mediaType: mediaTypes.ociManifest })),
    ...(annotations ? { annotations } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isDescriptor(value: unknown): value is Descriptor {
  return (
    isRecord(value) &&
    typeof value.digest === 'string' &&
    sha256Pattern.test(value.digest) &&
    typeof value.size === 'number' &&
    Number.isSafeInteger(value.size) &&
    value.size >= 0 &&
    (value.mediaType === undefined || typeof value.mediaType === 'string')
  );
}

/** The descriptor a resolve returns: what the manifest is, without the index entry's tag. */
function plainDescriptor(entry: Descriptor): Descriptor {
  return {
    mediaType: entry.mediaType,
    digest: entry.digest,
    size: entry.size,
    ...(entry.artifactType ? { artifactType: entry.artifactType } : {}),
  };
}

/** The media type of a stored manifest or index; undefined for any other blob (a config, a layer). */
function manifestMediaType(bytes: Buffer): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.schemaVersion !== 2) return undefined;
  if (typeof value.mediaType === 'string') return value.mediaType;
  if (Array.isArray(value.manifests)) return mediaTypes.ociIndex;
  return Array.isArray(value.layers) ? mediaTypes.ociManifest : undefined;
}

function parseManifestJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new DataKitError('DK531', `${what} is not valid JSON`, { cause: error });
  }
  if (!isRecord(value)) throw new DataKitError('DK531', `${what} is not a JSON object`);
  return value;
}

export function checkTag(tag: string): void {
  if (!tagPattern.test(tag)) {
    throw new DataKitError('DK516', `${JSON.stringify(tag)} is not a valid tag`, {
      hint: 'A tag is 1–128 characters: letters, digits, "_", "." and "-", not starting with "." or "-" (no "+": use "-" in versions).',
    });
  }
}

function readError(error: unknown, what: string): DataKitError {
  if (isDataKitError(error)) return error;
  const code = systemErrorCode(error);
  if (code === 'ENOENT') return new DataKitError('DK532', `${what}: not found`, { cause: error });
  return new FileSystemError('DK503', `${what}: cannot be read (${code ?? String(error)})`, { cause: error });
}

function writeError(error: unknown, what: string): DataKitError {
  if (isDataKitError(error)) return error;
  return new FileSystemError('DK517', `${what} (${systemErrorCode(error) ?? String(error)})`, { cause: error });
}
