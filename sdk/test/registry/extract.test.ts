import { lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mediaTypes } from '@datakit/contracts';
import type { ImageManifest } from '../../src/registry/descriptor';
import { extractArtifact, extractLayer } from '../../src/registry/extract';
import { OciLayoutTarget } from '../../src/registry/oci-layout';
import { build, craftTarGz, listTree, samplePackage, tempDir, writePackage, type TarEntrySpec } from './helpers/bundle-fixtures';

const file = (name: string, content = 'x', mode = 0o644): TarEntrySpec => ({ header: { name, mode }, content });

/** A destination inside a fresh parent, with the parent to check for leftovers. */
async function destination(): Promise<{ parent: string; dest: string }> {
  const parent = await tempDir('dk-extract-');
  return { parent, dest: path.join(parent, 'out') };
}

async function builtLayout(extra = {}): Promise<{ pkg: string; target: OciLayoutTarget; manifest: ImageManifest }> {
  const pkg = await writePackage(extra);
  const target = new OciLayoutTarget(path.join(await tempDir('dk-layout-'), 'oci'));
  const built = await build(pkg, target);
  return { pkg, target, manifest: JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest };
}

describe('extractArtifact', () => {
  it('round-trips a package: same bytes, scripts (#!) executable, links kept as links', async () => {
    const { pkg, target } = await builtLayout({ 'data/bin.dat': Buffer.from([0, 1, 2, 255]) });
    const { dest } = await destination();
    const result = await extractArtifact(target, '0.1.0', dest);
    expect(result.layers).toHaveLength(2);
    expect(result.files).toBe(Object.keys(samplePackage).length); // the sample minus one link, plus data/bin.dat
    expect(result.symlinks).toBe(1);

    const files = (await listTree(pkg)).filter((f) => !(f === 'src/current'));
    for (const name of files) {
      const original = await lstat(path.join(pkg, name));
      const copy = await lstat(path.join(dest, name));
      if (original.isDirectory()) {
        expect(copy.isDirectory(), name).toBe(true);
        expect(copy.mode & 0o777).toBe(0o755);
        continue;
      }
      expect((await readFile(path.join(dest, name))).equals(await readFile(path.join(pkg, name))), name).toBe(true);
      const script = (await readFile(path.join(pkg, name))).subarray(0, 2).toString() === '#!';
      expect(copy.mode & 0o777, name).toBe(script ? 0o755 : 0o644);
    }
    expect(await readlink(path.join(dest, 'src/current'))).toBe('lib');
    expect((await stat(dest)).mode & 0o777).toBe(0o755);
    expect(await listTree(dest)).toEqual(await listTree(pkg));
  });

  it('extracts by descriptor, and only the layers asked for', async () => {
    const { target } = await builtLayout();
    const manifest = await target.resolve('0.1.0');
    const { dest } = await destination();
    await extractArtifact(target, manifest!, dest, { layerMediaTypes: [mediaTypes.manifestsLayer] });
    expect(await listTree(dest)).toEqual([
      'dataset',
      'dataset/demo-input.yaml',
      'dataset/demo-output.yaml',
      'dk.yaml',
      'schemas',
      'schemas/event.avsc',
    ]);
  });

  it('extracts into an existing empty directory, and refuses a non-empty one', async () => {
    const { target } = await builtLayout();
    const { dest } = await destination();
    await mkdir(dest);
    await extractArtifact(target, '0.1.0', dest);
    expect(await listTree(dest)).toContain('dk.yaml');
    await expect(extractArtifact(target, '0.1.0', dest)).rejects.toMatchObject({ code: 'DK505' });
    const { dest: fileDest } = await destination();
    await writeFile(fileDest, 'x');
    await expect(extractArtifact(target, '0.1.0', fileDest)).rejects.toMatchObject({ code: 'DK505' });
  });

  it('refuses a corrupted blob with a digest mismatch and extracts nothing', async () => {
    for (const layerIndex of [0, 1]) {
      const { target, manifest } = await builtLayout();
      const layer = manifest.layers[layerIndex]!;
      const blob = path.join(target.root, 'blobs', 'sha256', layer.digest.slice(7));
      const bytes = await readFile(blob);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(blob, bytes);
      const { parent, dest } = await destination();
      await expect(extractArtifact(target, '0.1.0', dest)).rejects.toMatchObject({
        code: 'DK510',
        message: expect.stringContaining(layer.digest),
      });
      expect(await readdir(parent)).toEqual([]);
    }
  });

  it('refuses a truncated blob with a size mismatch and extracts nothing', async () => {
    const { target, manifest } = await builtLayout();
    const blob = path.join(target.root, 'blobs', 'sha256', manifest.layers[1]!.digest.slice(7));
    await writeFile(blob, (await readFile(blob)).subarray(0, 40));
    const { parent, dest } = await destination();
    await expect(extractArtifact(target, '0.1.0', dest)).rejects.toMatchObject({ code: 'DK511' });
    expect(await readdir(parent)).toEqual([]);
  });

  it('reports an unknown reference', async () => {
    const { target } = await builtLayout();
    const { parent, dest } = await destination();
    await expect(extractArtifact(target, '9.9.9', dest)).rejects.toMatchObject({ code: 'DK532' });
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('extractLayer refuses unsafe archives and writes nothing', () => {
  const cases: [string, string, TarEntrySpec[]][] = [
    ['a parent-directory path', '".." path segment', [file('ok.txt'), file('../x')]],
    ['a parent segment inside a path', '".." path segment', [file('a/../../x')]],
    ['an absolute path', 'an absolute path', [file('/etc/x')]],
    [
      'a link escaping the destination',
      'outside the destination',
      [{ header: { name: 'evil', type: 'symlink', linkname: '../../outside' } }],
    ],
    ['an absolute link', 'absolute path /etc/passwd', [{ header: { name: 'evil', type: 'symlink', linkname: '/etc/passwd' } }]],
    ['a hard link', 'a hard link', [file('a.txt'), { header: { name: 'b.txt', type: 'link', linkname: 'a.txt' } }]],
    ['a character device', 'character-device', [{ header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } }]],
    ['a block device', 'block-device', [{ header: { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 } }]],
    ['a FIFO', 'fifo', [{ header: { name: 'pipe', type: 'fifo' } }]],
    ['a duplicate entry', 'duplicate', [file('a.txt', 'one'), file('a.txt', 'two')]],
    ['a duplicate directory', 'duplicate', [{ header: { name: 'd/', type: 'directory' } }, { header: { name: 'd/', type: 'directory' } }]],
    [
      'a file beneath a link',
      'beneath the symlink l',
      [{ header: { name: 'l', type: 'symlink', linkname: 'sub' } }, file('sub/keep'), file('l/x')],
    ],
    ['a file beneath a file', 'beneath the file a', [file('a'), file('a/b')]],
    [
      'a link that escapes through another link',
      'through other links',
      [{ header: { name: 'a/l', type: 'symlink', linkname: '..' } }, { header: { name: 'e', type: 'symlink', linkname: 'a/l/..' } }],
    ],
  ];

  it.each(cases)('%s', async (_name, reason, entries) => {
    const archive = await craftTarGz(entries);
    const { parent, dest } = await destination();
    await expect(extractLayer(Readable.from([archive]), dest)).rejects.toMatchObject({
      code: 'DK514',
      message: expect.stringContaining(reason),
    });
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses data that is not a gzip tar', async () => {
    const { parent, dest } = await destination();
    await expect(extractLayer(Readable.from([Buffer.from('not gzip at all')]), dest)).rejects.toMatchObject({ code: 'DK514' });
    const truncated = (await craftTarGz([file('a.txt', 'x'.repeat(10_000))])).subarray(0, 60);
    await expect(extractLayer(Readable.from([truncated]), dest)).rejects.toMatchObject({ code: 'DK514' });
    expect(await readdir(parent)).toEqual([]);
  });

  it('accepts links that stay inside, directories, ./ prefixes and modes it normalises', async () => {
    const archive = await craftTarGz([
      { header: { name: './dir/', type: 'directory', mode: 0o700 } },
      file('./dir/run.sh', '#!/bin/sh\n', 0o744),
      file('dir/secret.txt', 's', 0o600),
      file('dir/setuid', 's', 0o4755),
      { header: { name: 'dir/up', type: 'symlink', linkname: '../top.txt' } },
      { header: { name: 'dangling', type: 'symlink', linkname: 'missing/file' } },
      file('top.txt', 'top'),
    ]);
    const { dest } = await destination();
    const summary = await extractLayer(Readable.from([archive]), dest);
    expect(summary).toEqual({ files: 4, symlinks: 2, bytes: 15 });
    const mode = async (name: string) => (await lstat(path.join(dest, name))).mode & 0o7777;
    expect(await mode('dir')).toBe(0o755);
    expect(await mode('dir/run.sh')).toBe(0o755);
    expect(await mode('dir/secret.txt')).toBe(0o644);
    expect(await mode('dir/setuid')).toBe(0o755);
    expect(await readFile(path.join(dest, 'dir/up'), 'utf8')).toBe('top');
    expect(await readlink(path.join(dest, 'dangling'))).toBe('missing/file');
  });
});
