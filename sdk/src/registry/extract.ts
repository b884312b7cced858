import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, readlink, rename, rm, rmdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipelineStreams, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { mediaTypes } from '@datakit/contracts';
import { DataKitError, FileSystemError, isDataKitError, systemErrorCode } from '../core/errors';
import { sha256Pattern, type Descriptor, type ImageManifest } from './descriptor';
import { verifyBytes, verifyingStream } from './digest';
import { OciLayoutTarget } from './oci-layout';
import type { Target } from './target';

export interface ExtractSummary {
  files: number;
  symlinks: number;
  /** Bytes of file content written. */
  bytes: number;
}

export interface ExtractArtifactOptions {
  /** Extract only the layers of these media types (e.g. just the manifests layer). Default: all. */
  layerMediaTypes?: readonly string[];
}

export interface ExtractedArtifact extends ExtractSummary {
  manifest: Descriptor;
  layers: Descriptor[];
}

/** Symbolic links followed at most this deep when checking where a link leads (Linux: 40). */
const maxLinkHops = 40;

/**
 * Extracts one gzip tar into `destDir`, which must not exist yet (or be empty). Entries are
 * written into a temporary directory beside it that is renamed into place at the end, so a
 * refused or corrupt archive leaves nothing behind.
 */
export async function extractLayer(stream: Readable, destDir: string): Promise<ExtractSummary> {
  return extractStaged(destDir, async (writer) => {
    await extractTarGz(stream, writer);
  });
}

/**
 * Extracts the layers of the artifact `reference` names (a tag, a digest or a manifest
 * descriptor) from `target` into `destDir`. Every blob is verified (digest and size) as it
 * streams; a corrupt blob fails the whole extraction and leaves `destDir` absent.
 */
export async function extractArtifact(
  target: Target,
  reference: Descriptor | string,
  destDir: string,
  options: ExtractArtifactOptions = {},
): Promise<ExtractedArtifact> {
  const { descriptor, bytes } = await target.fetchManifest(typeof reference === 'string' ? reference : reference.digest);
  if (typeof reference !== 'string') verifyBytes(reference, bytes);
  else if (sha256Pattern.test(reference)) verifyBytes({ ...descriptor, digest: reference, size: bytes.length }, bytes);
  const manifest = parseImageManifest(bytes, descriptor.digest);
  const wanted = options.layerMediaTypes;
  const layers = manifest.layers.filter((layer) => !wanted || wanted.includes(layer.mediaType));
  for (const layer of layers) {
    if (!isGzipTar(layer.mediaType)) {
      throw new DataKitError('DK531', `layer ${layer.digest} of ${descriptor.digest} is ${layer.mediaType}, not a gzip tar`);
    }
  }
  const summary = await extractStaged(destDir, async (writer) => {
    for (const layer of layers) {
      const blob = await target.fetchBlob(layer);
      // Verified here too unless the target is known to verify: extraction never trusts a blob.
      await extractTarGz(target instanceof OciLayoutTarget ? blob : pipelineStreams(blob, verifyingStream(layer), () => undefined), writer);
    }
  });
  return { ...summary, manifest: descriptor, layers };
}

function isGzipTar(mediaType: string): boolean {
  return mediaType === mediaTypes.manifestsLayer || mediaType === mediaTypes.contentLayer || /\.tar\+gzip$|\.tar\.gzip$/.test(mediaType);
}

function parseImageManifest(bytes: Buffer, digest: string): ImageManifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new DataKitError('DK531', `manifest ${digest} is not valid JSON`, { cause: error });
  }
  const manifest = value as Partial<ImageManifest> | null;
  if (
    manifest === null ||
    typeof manifest !== 'object' ||
    manifest.schemaVersion !== 2 ||
    !Array.isArray(manifest.layers) ||
    !manifest.layers.every((l) => typeof l?.digest === 'string' && typeof l.size === 'number' && typeof l.mediaType === 'string')
  ) {
    throw new DataKitError('DK531', `${digest} is not an OCI image manifest with layers`);
  }
  return manifest as ImageManifest;
}

/** Runs `fill` against a fresh directory beside `destDir`, then renames it into place, or removes it. */
async function extractStaged(destDir: string, fill: (writer: TreeWriter) => Promise<void>): Promise<ExtractSummary> {
  const dest = path.resolve(destDir);
  const replaceEmpty = await checkDestination(dest, destDir);
  const parent = path.dirname(dest);
  const staging = path.join(parent, `.${path.basename(dest)}.dk-extract-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(staging, { mode: 0o755 });
  } catch (error) {
    throw new FileSystemError('DK517', `cannot create ${staging} (${systemErrorCode(error) ?? String(error)})`, { cause: error });
  }
  try {
    const writer = new TreeWriter(staging);
    await fill(writer);
    await writer.checkLinks();
    await chmod(staging, 0o755);
    if (replaceEmpty) await rmdir(dest);
    await rename(staging, dest);
    return writer.summary;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (isDataKitError(error)) throw error;
    throw new FileSystemError('DK517', `cannot extract into ${destDir} (${systemErrorCode(error) ?? String(error)})`, { cause: error });
  }
}

/** True when `dest` is an empty directory to replace; throws when it holds anything. */
async function checkDestination(dest: string, shown: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dest);
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') throw new DataKitError('DK505', `${shown} exists and is not a directory; nothing was extracted`);
    throw new FileSystemError('DK503', `${shown}: cannot be read (${code ?? String(error)})`, { cause: error });
  }
  if (entries.length > 0) {
    throw new DataKitError('DK505', `${shown} is not empty; extraction never overwrites`, {
      hint: 'Extract into a new or empty directory.',
    });
  }
  return true;
}

/**
 * Streams `source` into gunzip and tar. When the archive fails to parse, the rest of the source
 * is still read, so that a blob that is corrupt reports its digest mismatch rather than the
 * zlib or tar error the corruption caused.
 */
async function extractTarGz(source: Readable, writer: TreeWriter): Promise<void> {
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  const extract = tar.extract();
  extract.on('entry', (header, entry, next) => {
    entry.on('error', () => undefined);
    writer.add(header, entry).then(
      () => {
        // Whatever the entry carried and was not read (data on a link, say) must not stall the parser.
        entry.resume();
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  });
  const parsed = pipeline(gunzip, extract);
  try {
    await pump(source, gunzip, parsed);
  } catch (error) {
    if (isDataKitError(error)) throw error;
    throw new DataKitError('DK514', `the layer is not a valid gzip tar archive: ${(error as Error).message}`, { cause: error });
  }
}

async function pump(source: Readable, sink: Writable, done: Promise<void>): Promise<void> {
  let failure: { error: unknown } | undefined;
  const settled = done.then(
    () => undefined,
    (error: unknown) => {
      failure ??= { error };
    },
  );
  try {
    for await (const chunk of source) {
      if (failure) continue;
      if (!sink.write(chunk)) await Promise.race([new Promise((resolve) => sink.once('drain', resolve)), settled]);
    }
  } catch (error) {
    sink.destroy();
    await settled;
    throw error;
  }
  if (!failure) sink.end();
  await settled;
  if (failure) throw failure.error;
}

type EntryKind = 'file' | 'symlink' | 'directory' | 'implicit-directory';

/** Writes tar entries below `root`, refusing anything that could land outside it or is not plain data. */
class TreeWriter {
  readonly summary: ExtractSummary = { files: 0, symlinks: 0, bytes: 0 };
  private readonly kinds = new Map<string, EntryKind>();
  private readonly links: string[] = [];

  constructor(private readonly root: string) {}

  async add(header: tar.Header, entry: AsyncIterable<unknown>): Promise<void> {
    const name = safeEntryPath(header.name);
    if (name === '') {
      if (header.type === 'directory') return;
      throw refused(header.name, 'an entry without a name');
    }
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const kind = this.kinds.get(prefix);
      if (kind === 'file' || kind === 'symlink') throw refused(header.name, `it lies beneath the ${kind} ${prefix}`);
    }
    const existing = this.kinds.get(name);
    if (existing !== undefined && !(existing === 'implicit-directory' && header.type === 'directory')) {
      throw refused(header.name, 'a duplicate entry');
    }
    const full = path.join(this.root, ...parts);
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        await this.makeParents(parts);
        this.kinds.set(name, 'file');
        await this.writeFile(full, header, entry);
        return;
      case 'directory':
        await this.makeParents(parts);
        await mkdir(full, { recursive: true, mode: 0o755 });
        await chmod(full, 0o755);
        this.kinds.set(name, 'directory');
        return;
      case 'symlink': {
        const target = header.linkname ?? '';
        if (target === '' || target.includes('\0')) throw refused(header.name, 'a link without a target');
        if (path.posix.isAbsolute(target) || /^[A-Za-z]:/.test(target) || target.includes('\\')) {
          throw refused(header.name, `a link to the absolute path ${target}`);
        }
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
        if (resolved === '..' || resolved.startsWith('../')) throw refused(header.name, `a link to ${target}, outside the destination`);
        await this.makeParents(parts);
        this.kinds.set(name, 'symlink');
        await symlink(target, full);
        this.links.push(name);
        this.summary.symlinks++;
        return;
      }
      case 'link':
        throw refused(header.name, `a hard link (to ${header.linkname ?? '?'})`);
      default:
        throw refused(header.name, `a ${header.type ?? 'special'} entry`);
    }
  }

  /**
   * After all entries: follows every link through the links written before it, as the kernel
   * would, and refuses one that leads outside. (a -> x/.. is inside on paper, but not when x is
   * itself a link.)
   */
  async checkLinks(): Promise<void> {
    for (const link of this.links) {
      const target = await readlink(path.join(this.root, ...link.split('/')));
      if (await this.escapes(path.posix.dirname(link), target)) {
        throw refused(link, `a link to ${target}, which leads outside the destination through other links`);
      }
    }
  }

  private async escapes(fromDir: string, target: string): Promise<boolean> {
    const resolved = fromDir === '.' ? [] : fromDir.split('/');
    const pending = target.split('/');
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (resolved.length === 0) return true;
        resolved.pop();
        continue;
      }
      resolved.push(part);
      const stats = await lstat(path.join(this.root, ...resolved)).catch(() => undefined);
      if (!stats?.isSymbolicLink()) continue;
      if (++hops > maxLinkHops) return false;
      const next = await readlink(path.join(this.root, ...resolved));
      if (path.isAbsolute(next)) return true;
      resolved.pop();
      pending.unshift(...next.split('/'));
    }
    return false;
  }

  private async makeParents(parts: readonly string[]): Promise<void> {
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (this.kinds.has(prefix)) continue;
      await mkdir(path.join(this.root, ...parts.slice(0, i)), { mode: 0o755 });
      this.kinds.set(prefix, 'implicit-directory');
    }
  }

  private async writeFile(full: string, header: tar.Header, entry: AsyncIterable<unknown>): Promise<void> {
    const mode = (header.mode ?? 0) & 0o111 ? 0o755 : 0o644;
    // O_EXCL: never follow or replace anything already there.
    const handle = await open(full, 'wx', mode);
    try {
      for await (const chunk of entry) {
        const buffer = chunk as Buffer;
        for (let offset = 0; offset < buffer.length;) offset += (await handle.write(buffer, offset)).bytesWritten;
        this.summary.bytes += buffer.length;
      }
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
    this.summary.files++;
  }
}

/** The entry's path, relative and normalised; refuses absolute paths, `..`, NUL and backslashes. */
function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw refused(name, 'a NUL byte in the name');
  if (name.includes('\\')) throw refused(name, 'a backslash in the name');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw refused(name, 'an absolute path');
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw refused(name, 'a ".." path segment');
  return parts.join('/');
}

function refused(name: string, reason: string): DataKitError {
  return new DataKitError('DK514', `refused archive entry ${JSON.stringify(name)}: ${reason}; nothing was extracted`, {
    hint: 'The artifact was not built by dk or was tampered with. Do not use it.',
  });
}
