import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach } from 'vitest';
import { buildArtifact, type BuildArtifactOptions } from '../../../src/registry/bundle';
import type { Descriptor } from '../../../src/registry/descriptor';
import type { BlobSource, FetchedManifest, Target } from '../../../src/registry/target';

const run = promisify(execFile);
const created: string[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp directory, removed after the test. */
export async function tempDir(prefix = 'dk-reg-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export type TreeSpec = Record<string, string | Buffer | { content: string | Buffer; mode: number } | { link: string }>;

/** Writes files (relative path → content, {content, mode} or {link}) below `root`. */
export async function writeFiles(root: string, files: TreeSpec): Promise<void> {
  for (const [file, spec] of Object.entries(files)) {
    const full = path.join(root, file);
    await mkdir(path.dirname(full), { recursive: true });
    if (typeof spec === 'object' && 'link' in spec) {
      await symlink(spec.link, full);
    } else if (typeof spec === 'object' && 'mode' in spec) {
      await writeFile(full, spec.content);
      await chmod(full, spec.mode);
    } else {
      await writeFile(full, spec);
    }
  }
}

export const transformYaml = `apiVersion: datakit.dev/v1alpha1
kind: Transform
metadata:
  name: demo
  version: 0.1.0
spec:
  runtime: generic-node
  image: node:20-slim
  inputs:
    - dataset: demo-input
  outputs:
    - dataset: demo-output
`;

/** A small package: manifests, a schema, code with an executable script and a link. */
export const samplePackage: TreeSpec = {
  'dk.yaml': transformYaml,
  'dataset/demo-input.yaml': 'kind: DataSet\nmetadata:\n  name: demo-input\n',
  'dataset/demo-output.yaml': 'kind: DataSet\nmetadata:\n  name: demo-output\n',
  'schemas/event.avsc': '{"type":"record","name":"event","fields":[]}\n',
  'src/main.mjs': 'console.log("hello");\n',
  'src/lib/util.mjs': 'export const x = 1;\n',
  'bin/run.sh': { content: '#!/bin/sh\nexec node src/main.mjs\n', mode: 0o755 },
  'src/current': { link: 'lib' },
  'README.md': '# demo\n',
};

export const sampleManifests = ['dk.yaml', 'dataset/demo-input.yaml', 'dataset/demo-output.yaml'];

/** Writes the sample package (plus `extra`) into a fresh directory. */
export async function writePackage(extra: TreeSpec = {}, base: TreeSpec = samplePackage): Promise<string> {
  const root = await tempDir('dk-pkg-');
  await writeFiles(root, { ...base, ...extra });
  return root;
}

/** buildArtifact over a package with the sample's manifests and a fixed config and annotations. */
export async function build(
  packageDir: string,
  target: Target,
  options: Partial<BuildArtifactOptions> = {},
): Promise<Awaited<ReturnType<typeof buildArtifact>>> {
  return buildArtifact({
    packageDir,
    manifestFiles: sampleManifests.map((f) => path.join(packageDir, f)),
    config: { schemaVersion: 1, name: 'demo', version: '0.1.0' },
    annotations: { 'org.opencontainers.image.version': '0.1.0', 'dev.datakit.package.name': 'demo' },
    target,
    tag: '0.1.0',
    ...options,
  });
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface TarEntrySpec {
  header: Partial<tar.Header> & { name: string };
  content?: Buffer | string;
}

/** A gzip tar crafted entry by entry (for archives dk would never write). */
export async function craftTarGz(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { header, content } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (content === undefined) pack.entry({ mtime: new Date(0), ...header }, done).end(undefined);
      else pack.entry({ mtime: new Date(0), ...header }, content, done);
    });
  }
  pack.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

export interface ListedEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname: string | null;
  content: Buffer;
}

/** The entries of a gzip tar held in memory. */
export async function listTarGz(gz: Buffer): Promise<ListedEntry[]> {
  const extract = tar.extract();
  const entries: ListedEntry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const chunk of entry) parts.push(chunk as Buffer);
      const h = entry.header;
      entries.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        mtime: h.mtime.getTime(),
        linkname: h.linkname,
        content: Buffer.concat(parts),
      });
    }
  })();
  extract.end(gunzipSync(gz));
  await done;
  return entries;
}

export async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Names in `dir` (recursively), sorted; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  try {
    return ((await readdir(dir, { recursive: true })) as string[]).sort();
  } catch {
    return [];
  }
}

/**
 * A Target that keeps nothing but digests: it hashes pushed blobs as they stream and records the
 * largest chunk it was handed, which shows whether a blob arrived as a stream or as one buffer.
 */
export class RecordingTarget implements Target {
  readonly location = 'recording:';
  readonly blobs = new Map<string, number>();
  readonly manifests = new Map<string, Buffer>();
  largestChunk = 0;

  async resolve(reference: string): Promise<Descriptor | undefined> {
    const bytes = this.manifests.get(reference);
    return bytes ? { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(bytes), size: bytes.length } : undefined;
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return this.blobs.get(descriptor.digest) === descriptor.size;
  }

  async pushBlob(source: BlobSource): Promise<void> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of source.open(0)) {
      const buffer = chunk as Buffer;
      this.largestChunk = Math.max(this.largestChunk, buffer.length);
      hash.update(buffer);
      size += buffer.length;
    }
    const digest = `sha256:${hash.digest('hex')}`;
    if (digest !== source.descriptor.digest || size !== source.descriptor.size) throw new Error(`pushed ${digest} (${size} bytes)`);
    this.blobs.set(digest, size);
  }

  async pushManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor> {
    const digest = sha256(bytes);
    this.manifests.set(digest, bytes);
    if (tag) this.manifests.set(tag, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  async fetchBlob(): Promise<Readable> {
    throw new Error('RecordingTarget keeps no blob content');
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const bytes = this.manifests.get(reference);
    if (!bytes) throw new Error(`no manifest ${reference}`);
    return { descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(bytes), size: bytes.length }, bytes };
  }

  async listTags(): Promise<string[]> {
    return [...this.manifests.keys()].filter((k) => !k.startsWith('sha256:')).sort();
  }

  async referrers(): Promise<Descriptor[]> {
    return [];
  }
}
