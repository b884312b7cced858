import { mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mediaTypes } from '@datakit/contracts';
import type { Descriptor, ImageIndex, ImageManifest } from '../../src/registry/descriptor';
import { canonicalJson, canonicalJsonBytes, describeBytes } from '../../src/registry/digest';
import { extractArtifact } from '../../src/registry/extract';
import { OciLayoutTarget, refNameAnnotation } from '../../src/registry/oci-layout';
import type { BlobSource } from '../../src/registry/target';
import { build, sha256, skopeo, tempDir, writePackage } from './helpers/bundle-fixtures';

const newLayout = async () => new OciLayoutTarget(path.join(await tempDir('dk-layout-'), 'oci'));

const bytesSource = (descriptor: Descriptor, bytes: Buffer): BlobSource => ({
  descriptor,
  open: (offset = 0) => Readable.from([bytes.subarray(offset)]),
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A minimal valid manifest (empty config) pushed with its config blob. */
async function pushTestManifest(target: OciLayoutTarget, note: string, tag?: string, subject?: Descriptor): Promise<Descriptor> {
  const configBytes = Buffer.from('{}');
  const config = describeBytes(mediaTypes.ociEmpty, configBytes);
  await target.pushBlob(bytesSource(config, configBytes));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    artifactType: 'application/vnd.example.note',
    config,
    layers: [],
    annotations: { note },
    ...(subject ? { subject } : {}),
  };
  return target.pushManifest(canonicalJsonBytes(manifest), mediaTypes.ociManifest, tag);
}

async function readIndex(target: OciLayoutTarget): Promise<ImageIndex> {
  return JSON.parse(await readFile(path.join(target.root, 'index.json'), 'utf8')) as ImageIndex;
}

describe('OciLayoutTarget', () => {
  it('creates the layout on first write: oci-layout, index.json, blobs/sha256', async () => {
    const target = await newLayout();
    expect(target.location).toBe(`oci-layout:${target.root}`);
    expect(await target.listTags()).toEqual([]);
    expect(await target.resolve('0.1.0')).toBeUndefined();
    const pushed = await pushTestManifest(target, 'a', '0.1.0');
    expect(JSON.parse(await readFile(path.join(target.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = await readIndex(target);
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: mediaTypes.ociIndex,
      manifests: [{ ...pushed, annotations: { [refNameAnnotation]: '0.1.0' } }],
    });
    expect(await readdir(path.join(target.root, 'blobs', 'sha256'))).toContain(pushed.digest.slice(7));
    expect(new OciLayoutTarget('./rel/dir').location).toBe('oci-layout:./rel/dir');
  });

  it('resolves tags and digests, lists tags sorted, and moves a tag that is pushed again', async () => {
    const target = await newLayout();
    const a = await pushTestManifest(target, 'a', '0.2.0');
    const b = await pushTestManifest(target, 'b', '0.10.0');
    await pushTestManifest(target, 'a', 'latest');
    expect(await target.listTags()).toEqual(['0.10.0', '0.2.0', 'latest']);
    expect(await target.resolve('0.2.0')).toEqual(a);
    expect(await target.resolve(b.digest)).toEqual(b);
    expect(await target.resolve(`sha256:${'0'.repeat(64)}`)).toBeUndefined();

    await pushTestManifest(target, 'b', '0.2.0');
    expect((await target.resolve('0.2.0'))?.digest).toBe(b.digest);
    expect((await readIndex(target)).manifests.filter((d) => d.annotations?.[refNameAnnotation] === '0.2.0')).toHaveLength(1);
    // a is still tagged latest and still resolvable by digest.
    expect((await target.resolve(a.digest))?.digest).toBe(a.digest);
  });

  it('pushes an untagged manifest once, and tagging it later replaces the untagged entry', async () => {
    const target = await newLayout();
    const a = await pushTestManifest(target, 'a');
    await pushTestManifest(target, 'a');
    expect((await readIndex(target)).manifests).toEqual([a]);
    await pushTestManifest(target, 'a', 'v1');
    expect((await readIndex(target)).manifests).toEqual([{ ...a, annotations: { [refNameAnnotation]: 'v1' } }]);
    await pushTestManifest(target, 'a', 'v1');
    expect((await readIndex(target)).manifests).toHaveLength(1);
  });

  it('refuses invalid tags and digests', async () => {
    const target = await newLayout();
    for (const tag of ['1.0.0+build', '.hidden', '-x', 'a/b', 'x'.repeat(129), '']) {
      await expect(pushTestManifest(target, 'a', tag), tag).rejects.toMatchObject({ code: 'DK516' });
    }
    await expect(target.resolve('sha512:abc')).rejects.toMatchObject({ code: 'DK516' });
    await expect(target.exists({ mediaType: 'x', digest: 'sha256:../../etc', size: 1 })).rejects.toMatchObject({ code: 'DK516' });
  });

  it('verifies pushed blobs before they land: digest and size', async () => {
    const target = await newLayout();
    const good = Buffer.from('hello');
    const descriptor = describeBytes('application/octet-stream', good);
    await expect(target.pushBlob(bytesSource(descriptor, Buffer.from('jello')))).rejects.toMatchObject({
      code: 'DK510',
      message: expect.stringContaining(descriptor.digest),
    });
    await expect(target.pushBlob(bytesSource(descriptor, Buffer.from('hello!')))).rejects.toMatchObject({ code: 'DK511' });
    await expect(target.pushBlob(bytesSource(descriptor, Buffer.from('hell')))).rejects.toMatchObject({ code: 'DK511' });
    expect(await target.exists(descriptor)).toBe(false);
    expect(await readdir(path.join(target.root, 'blobs', 'sha256'))).toEqual([]);
    expect((await readdir(target.root)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    await target.pushBlob(bytesSource(descriptor, good));
    expect(await target.exists(descriptor)).toBe(true);
    expect(await target.exists({ ...descriptor, size: 4 })).toBe(false);
    expect(await readAll(await target.fetchBlob(descriptor))).toEqual(good);
    // Pushing again is a no-op, and so are concurrent pushes of the same blob.
    await Promise.all(Array.from({ length: 8 }, () => target.pushBlob(bytesSource(descriptor, good))));
  });

  it('fails a fetch of a corrupted blob as it streams, and of a missing one at once', async () => {
    const target = await newLayout();
    const bytes = Buffer.from('some layer bytes');
    const descriptor = describeBytes('application/octet-stream', bytes);
    await target.pushBlob(bytesSource(descriptor, bytes));
    await writeFile(path.join(target.root, 'blobs', 'sha256', descriptor.digest.slice(7)), 'some layer bytez');
    await expect(readAll(await target.fetchBlob(descriptor))).rejects.toMatchObject({ code: 'DK510' });
    await writeFile(path.join(target.root, 'blobs', 'sha256', descriptor.digest.slice(7)), 'some layer bytes, and more');
    await expect(readAll(await target.fetchBlob(descriptor))).rejects.toMatchObject({ code: 'DK511' });
    const missing = describeBytes('application/octet-stream', Buffer.from('nope'));
    await expect(target.fetchBlob(missing)).rejects.toMatchObject({ code: 'DK532' });
  });

  it('fetches manifests verified, and reports unknown references', async () => {
    const target = await newLayout();
    const a = await pushTestManifest(target, 'a', 'v1');
    const fetched = await target.fetchManifest('v1');
    expect(fetched.descriptor).toEqual(a);
    expect(sha256(fetched.bytes)).toBe(a.digest);
    expect((await target.fetchManifest(a.digest)).bytes).toEqual(fetched.bytes);
    await expect(target.fetchManifest('v2')).rejects.toMatchObject({ code: 'DK532' });
    await writeFile(path.join(target.root, 'blobs', 'sha256', a.digest.slice(7)), fetched.bytes.toString('utf8').replace('"a"', '"b"'));
    await expect(target.fetchManifest('v1')).rejects.toMatchObject({ code: 'DK510' });
  });

  it('finds referrers among the manifests in index.json', async () => {
    const target = await newLayout();
    const subject = await pushTestManifest(target, 'subject', '1.0.0');
    const signature = await pushTestManifest(target, 'signature', undefined, subject);
    await pushTestManifest(target, 'unrelated');
    expect(await target.referrers(subject)).toEqual([
      { ...signature, artifactType: 'application/vnd.example.note', annotations: { note: 'signature' } },
    ]);
    expect(await target.referrers(signature)).toEqual([]);
  });

  it('keeps every tag when many writers update index.json at once', async () => {
    const target = await newLayout();
    const tags = Array.from({ length: 24 }, (_, i) => `t${i}`);
    await Promise.all(tags.map((tag) => pushTestManifest(target, tag, tag)));
    // A second instance over the same directory shares nothing in memory: the lock file serialises it.
    const other = new OciLayoutTarget(target.root);
    await Promise.all(
      ['u1', 'u2', 'u3'].map((tag, i) => (i % 2 ? target : other).pushManifest(canonicalJsonBytes({ tag }), mediaTypes.ociManifest, tag)),
    );
    expect(await target.listTags()).toEqual([...tags, 'u1', 'u2', 'u3'].sort());
    expect((await readdir(target.root)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('waits for another process holding the index lock, and breaks a stale one', async () => {
    const target = await newLayout();
    await pushTestManifest(target, 'a', 'v1');
    const lock = path.join(target.root, 'index.json.lock');
    await writeFile(lock, '');
    let done = false;
    const pending = pushTestManifest(target, 'b', 'v2').then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(done).toBe(false);
    await rm(lock);
    await pending;
    expect(await target.listTags()).toEqual(['v1', 'v2']);

    await writeFile(lock, '');
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lock, old, old);
    await pushTestManifest(target, 'c', 'v3');
    expect(await target.listTags()).toEqual(['v1', 'v2', 'v3']);
    expect(await readdir(target.root)).not.toContain('index.json.lock');
  });

  it('resolves a stored manifest that index.json does not list, but not other blobs', async () => {
    const target = await newLayout();
    const listed = await pushTestManifest(target, 'a', 'v1');
    const manifest = JSON.parse((await target.fetchManifest('v1')).bytes.toString('utf8')) as ImageManifest;
    const child = canonicalJsonBytes({ ...manifest, annotations: { note: 'child' } });
    const childDescriptor = describeBytes(mediaTypes.ociManifest, child);
    await target.pushBlob(bytesSource(childDescriptor, child));
    expect(await target.resolve(childDescriptor.digest)).toEqual(childDescriptor);
    expect(await target.resolve(manifest.config.digest)).toBeUndefined();
    expect((await target.resolve(listed.digest))?.digest).toBe(listed.digest);
  });

  it('refuses a directory that is not a layout, and a broken index.json', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await expect(pushTestManifest(new OciLayoutTarget(dir), 'a', 'v1')).rejects.toMatchObject({ code: 'DK515' });
    expect(await readdir(dir)).toEqual(['notes.txt']);

    const broken = await newLayout();
    await pushTestManifest(broken, 'a', 'v1');
    await writeFile(path.join(broken.root, 'index.json'), '{"schemaVersion":2,"manifests":[{"digest":"md5:x"}]}');
    await expect(broken.listTags()).rejects.toMatchObject({ code: 'DK515' });
    await writeFile(path.join(broken.root, 'index.json'), 'not json');
    await expect(broken.resolve('v1')).rejects.toMatchObject({ code: 'DK515' });
    await writeFile(path.join(broken.root, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await writeFile(path.join(broken.root, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    await expect(broken.listTags()).rejects.toMatchObject({ code: 'DK515', message: expect.stringContaining('2.0.0') });
  });

  it('takes an empty existing directory as a new layout', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'empty'));
    const target = new OciLayoutTarget(path.join(dir, 'empty'));
    await pushTestManifest(target, 'a', 'v1');
    expect(await target.listTags()).toEqual(['v1']);
  });
});

describe('skopeo interoperability', () => {
  it('skopeo reads a layout dk wrote, and copies it to a layout dk reads back digest for digest', async () => {
    const pkg = await writePackage();
    const a = new OciLayoutTarget(path.join(await tempDir('dk-layout-'), 'a'));
    const built = await build(pkg, a);

    const raw = await skopeo('inspect', '--raw', `oci:${a.root}:0.1.0`);
    expect(raw).toBe(built.manifestBytes.toString('utf8'));

    const bDir = path.join(await tempDir('dk-layout-'), 'b');
    await skopeo('copy', '--quiet', `oci:${a.root}:0.1.0`, `oci:${bDir}:0.1.0`);
    const b = new OciLayoutTarget(bDir);
    expect(await b.listTags()).toEqual(['0.1.0']);
    const resolved = await b.resolve('0.1.0');
    expect(resolved?.digest).toBe(built.manifest.digest);
    const fetched = await b.fetchManifest('0.1.0');
    expect(fetched.bytes.equals(built.manifestBytes)).toBe(true);
    const manifest = JSON.parse(fetched.bytes.toString('utf8')) as ImageManifest;
    for (const blob of [manifest.config, ...manifest.layers]) {
      expect(sha256(await readAll(await b.fetchBlob(blob)))).toBe(blob.digest);
    }
    const dest = path.join(await tempDir(), 'out');
    await extractArtifact(b, '0.1.0', dest);
    expect(await readFile(path.join(dest, 'dk.yaml'), 'utf8')).toContain('kind: Transform');
  });

  it('dk adds tags to a layout skopeo wrote, and skopeo still reads every tag', async () => {
    const pkg = await writePackage();
    const a = new OciLayoutTarget(path.join(await tempDir('dk-layout-'), 'a'));
    const built = await build(pkg, a);
    const bDir = path.join(await tempDir('dk-layout-'), 'b');
    await skopeo('copy', '--quiet', `oci:${a.root}:0.1.0`, `oci:${bDir}:0.1.0`);

    const b = new OciLayoutTarget(bDir);
    await b.pushManifest(built.manifestBytes, mediaTypes.ociManifest, 'stable');
    expect(await b.listTags()).toEqual(['0.1.0', 'stable']);
    for (const tag of ['0.1.0', 'stable']) {
      expect(await skopeo('inspect', '--raw', `oci:${bDir}:${tag}`)).toBe(canonicalJson(JSON.parse(built.manifestBytes.toString('utf8'))));
    }
    // skopeo moves a tag dk wrote; dk sees the move.
    const other = await build(await writePackage({ 'extra.txt': 'x' }), a, { tag: '0.2.0' });
    await skopeo('copy', '--quiet', `oci:${a.root}:0.2.0`, `oci:${bDir}:stable`);
    expect((await b.resolve('stable'))?.digest).toBe(other.manifest.digest);
    expect((await b.resolve('0.1.0'))?.digest).toBe(built.manifest.digest);
  });
});
