import { randomBytes } from 'node:crypto';
import { chmod, lchown, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { annotations, mediaTypes } from '@datakit/contracts';
import { diffIdAnnotation } from '../../src/registry/bundle';
import type { ImageManifest } from '../../src/registry/descriptor';
import { canonicalJson } from '../../src/registry/digest';
import { OciLayoutTarget } from '../../src/registry/oci-layout';
import { secretFileReason, selectPackageFiles } from '../../src/registry/package-files';
import { build, listTarGz, RecordingTarget, sampleManifests, sha256, tempDir, writeFiles, writePackage } from './helpers/bundle-fixtures';

const layoutIn = async () => new OciLayoutTarget(path.join(await tempDir('dk-layout-'), 'oci'));

async function readLayer(target: OciLayoutTarget, digest: string): Promise<Buffer> {
  return readFile(path.join(target.root, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

async function layerNames(target: OciLayoutTarget, manifest: ImageManifest, index: number): Promise<string[]> {
  return (await listTarGz(await readLayer(target, manifest.layers[index]!.digest))).map((e) => e.name);
}

async function walkFiles(root: string): Promise<string[]> {
  return ((await readdir(root, { recursive: true })) as string[]).map((f) => path.join(root, f));
}

describe('buildArtifact', () => {
  it('writes one OCI image manifest: DataKit artifact type, config, manifests and content layers', async () => {
    const pkg = await writePackage();
    const target = await layoutIn();
    const built = await build(pkg, target);

    const manifest = JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest;
    expect(built.manifestBytes.toString('utf8')).toBe(canonicalJson(manifest));
    expect(built.manifest).toEqual({
      mediaType: mediaTypes.ociManifest,
      artifactType: mediaTypes.artifact,
      digest: sha256(built.manifestBytes),
      size: built.manifestBytes.length,
    });
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(mediaTypes.ociManifest);
    expect(manifest.artifactType).toBe(mediaTypes.artifact);
    expect(manifest.config.mediaType).toBe(mediaTypes.config);
    expect(manifest.annotations).toEqual({ 'org.opencontainers.image.version': '0.1.0', 'dev.datakit.package.name': 'demo' });
    expect(manifest.layers.map((l) => [l.mediaType, l.annotations?.[annotations.title]])).toEqual([
      [mediaTypes.manifestsLayer, 'manifests.tar.gz'],
      [mediaTypes.contentLayer, 'content.tar.gz'],
    ]);

    const config = JSON.parse(await readLayer(target, manifest.config.digest).then((b) => b.toString('utf8'))) as Record<string, unknown>;
    const diffIds: string[] = [];
    for (const layer of manifest.layers) {
      const gz = await readLayer(target, layer.digest);
      expect(sha256(gz)).toBe(layer.digest);
      expect(gz.length).toBe(layer.size);
      const diffId = sha256(gunzipSync(gz));
      expect(layer.annotations?.[diffIdAnnotation]).toBe(diffId);
      diffIds.push(diffId);
    }
    expect(config).toEqual({
      schemaVersion: 1,
      name: 'demo',
      version: '0.1.0',
      layers: [
        { mediaType: mediaTypes.manifestsLayer, diffId: diffIds[0] },
        { mediaType: mediaTypes.contentLayer, diffId: diffIds[1] },
      ],
    });
    expect(await target.resolve('0.1.0')).toEqual(built.manifest);
  });

  it('puts manifests, schema files and .dkignore in the first layer and everything else in the second, sorted by path bytes', async () => {
    const pkg = await writePackage({
      '.dkignore': '*.log\n',
      'schemas/order.schema.json': '{}',
      'docs/table.sql': 'select 1;',
      'Zeta.txt': 'z',
      'alpha.txt': 'a',
      'ä.txt': 'umlaut',
    });
    const target = await layoutIn();
    const built = await build(pkg, target, { schemaFiles: [path.join(pkg, 'docs/table.sql')] });
    const manifest = JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest;
    expect(await layerNames(target, manifest, 0)).toEqual([
      '.dkignore',
      'dataset/demo-input.yaml',
      'dataset/demo-output.yaml',
      'dk.yaml',
      'docs/table.sql',
      'schemas/event.avsc',
      'schemas/order.schema.json',
    ]);
    expect(await layerNames(target, manifest, 1)).toEqual([
      'README.md',
      'Zeta.txt',
      'alpha.txt',
      'bin/run.sh',
      'src/current',
      'src/lib/util.mjs',
      'src/main.mjs',
      'ä.txt',
    ]);
  });

  it('normalises every tar header and the gzip header', async () => {
    const pkg = await writePackage({ 'private.txt': { content: 'x', mode: 0o600 }, 'tool.sh': { content: '#!/bin/sh\n', mode: 0o700 } });
    const target = await layoutIn();
    const built = await build(pkg, target);
    const manifest = JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest;
    const gz = await readLayer(target, manifest.layers[1]!.digest);
    // gzip: no file name flag, mtime 0, OS byte pinned to Unix.
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(3);
    const entries = await listTarGz(gz);
    for (const entry of entries) {
      expect({ uid: entry.uid, gid: entry.gid, uname: entry.uname, gname: entry.gname, mtime: entry.mtime }).toEqual({
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        mtime: 0,
      });
    }
    const modes = Object.fromEntries(entries.map((e) => [e.name, [e.type, e.mode.toString(8)]]));
    expect(modes['private.txt']).toEqual(['file', '644']);
    expect(modes['tool.sh']).toEqual(['file', '755']);
    expect(modes['bin/run.sh']).toEqual(['file', '755']);
    expect(modes['src/current']).toEqual(['symlink', '777']);
    expect(entries.find((e) => e.name === 'src/current')?.linkname).toBe('lib');
    expect(entries.some((e) => e.type === 'directory')).toBe(false);
  });

  it('rebuilds byte-identical artifacts whatever the mtimes, owners and modes (execute bits included)', async () => {
    const first = await writePackage();
    const second = await writePackage();
    let day = 0;
    for (const file of await walkFiles(second)) {
      day += 1;
      if (!file.endsWith('current')) await utimes(file, new Date(2001, 0, day), new Date(2002, 0, day));
    }
    await chmod(path.join(second, 'README.md'), 0o755);
    await chmod(path.join(second, 'src/main.mjs'), 0o600);
    await chmod(path.join(second, 'bin/run.sh'), 0o644);
    await lchown(path.join(second, 'src/main.mjs'), 1234, 5678).catch(() => undefined);

    const a = await build(first, await layoutIn());
    const b = await build(second, await layoutIn());
    expect(b.manifest.digest).toBe(a.manifest.digest);
    expect(b.layers).toEqual(a.layers);
    expect(b.manifestBytes.equals(a.manifestBytes)).toBe(true);

    // The same tree built again into the same layout: same digest, a no-op.
    const target = await layoutIn();
    expect((await build(first, target)).manifest.digest).toBe(a.manifest.digest);
    expect((await build(first, target)).manifest.digest).toBe(a.manifest.digest);
  });

  it('changes the digest when content or a name changes', async () => {
    const base = (await build(await writePackage(), await layoutIn())).manifest.digest;
    const changed = await writePackage({ 'src/main.mjs': 'console.log("bye");\n' });
    expect((await build(changed, await layoutIn())).manifest.digest).not.toBe(base);
    const renamed = await writePackage({ 'README.txt': '# demo\n' });
    expect((await build(renamed, await layoutIn())).manifest.digest).not.toBe(base);
  });

  it('changes the config and manifest, not the layers, when the config or annotations change', async () => {
    const pkg = await writePackage();
    const a = await build(pkg, await layoutIn());
    const b = await build(pkg, await layoutIn(), { config: { schemaVersion: 1, name: 'demo', version: '0.2.0' } });
    expect(b.layers).toEqual(a.layers);
    expect(b.manifest.digest).not.toBe(a.manifest.digest);
  });

  it('honours .dkignore, and always leaves out .git, node_modules, .dk and .DS_Store', async () => {
    const pkg = await writePackage({
      '.dkignore': '# comments are fine\n*.log\nbuild/\n!keep.log\n!node_modules/\n!.git\n',
      'debug.log': 'x',
      'keep.log': 'kept',
      'build/out.js': 'x',
      'src/build/inner.js': 'x',
      'node_modules/pkg/index.js': 'x',
      'src/node_modules/x.js': 'x',
      '.git/config': '[core]',
      '.dk/oci/index.json': '{}',
      '.DS_Store': 'x',
      'src/.DS_Store': 'x',
    });
    const target = await layoutIn();
    const built = await build(pkg, target);
    const manifest = JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest;
    const content = await layerNames(target, manifest, 1);
    expect(content).toContain('keep.log');
    for (const left of [
      'debug.log',
      'build/out.js',
      'src/build/inner.js',
      'node_modules/pkg/index.js',
      'src/node_modules/x.js',
      '.git/config',
    ]) {
      expect(content).not.toContain(left);
    }
    expect(content.filter((n) => n.includes('.DS_Store') || n.startsWith('.dk/'))).toEqual([]);
  });

  it('leaves out an output layout that lives inside the package', async () => {
    const pkg = await writePackage();
    const target = new OciLayoutTarget(path.join(pkg, 'out', 'oci'));
    await build(pkg, target);
    const built = await build(pkg, target);
    const manifest = JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest;
    expect((await layerNames(target, manifest, 1)).filter((n) => n.startsWith('out/'))).toEqual([]);
  });

  it('streams a 20 MB file: the layer reaches a target in bounded chunks, never as one buffer', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    const pkg = await writePackage({ 'data/blob.bin': big });
    const recording = new RecordingTarget();
    const built = await build(pkg, recording, { compressionLevel: 1 });
    expect(built.layers[1]!.size).toBeGreaterThan(20 * 1024 * 1024);
    expect(recording.largestChunk).toBeLessThanOrEqual(1024 * 1024);
    expect(recording.blobs.get(built.layers[1]!.digest)).toBe(built.layers[1]!.size);
    // The generic path and the layout fast path produce the same artifact.
    const target = await layoutIn();
    const again = await build(pkg, target, { compressionLevel: 1 });
    expect(again.manifest.digest).toBe(built.manifest.digest);
    const entry = (await listTarGz(await readLayer(target, again.layers[1]!.digest))).find((e) => e.name === 'data/blob.bin');
    expect(entry?.content.equals(big)).toBe(true);
    // No scratch files stay behind in the layout.
    expect((await readdir(target.root)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });
});

describe('secret files', () => {
  const secrets = [
    '.env',
    '.env.production',
    'config/.env.local',
    'certs/server.pem',
    'tls.key',
    'id_rsa',
    '.ssh/id_ed25519',
    'store.p12',
    'cert.pfx',
    'release.keystore',
    'kubeconfig',
    '.kube/config',
    'credentials.json',
    '.aws/credentials',
  ];

  it.each(secrets)('refuses %s, naming it', async (name) => {
    const pkg = await writePackage({ [name]: 'secret' });
    const error = await build(pkg, await layoutIn()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK512' });
    expect((error as Error).message).toContain(name);
  });

  it('accepts them with allowSecretFiles, and takes templates and public keys as they are', async () => {
    const pkg = await writePackage({ '.env': 'A=1', 'tls.key': 'k' });
    const target = await layoutIn();
    const built = await build(pkg, target, { allowSecretFiles: true });
    const manifest = JSON.parse(built.manifestBytes.toString('utf8')) as ImageManifest;
    expect(await layerNames(target, manifest, 1)).toEqual(expect.arrayContaining(['.env', 'tls.key']));
    for (const name of ['.env.example', '.env.sample', '.env.template', 'id_rsa.pub', 'keys.md', 'monkey.txt']) {
      expect(secretFileReason(name), name).toBeUndefined();
    }
  });

  it('does not refuse a secret file that .dkignore leaves out', async () => {
    const pkg = await writePackage({ '.dkignore': '.env\n*.pem\n', '.env': 'A=1', 'certs/a.pem': 'x' });
    await expect(build(pkg, await layoutIn())).resolves.toBeDefined();
  });

  it('refuses a Google service-account key by its content', async () => {
    const key = JSON.stringify({ type: 'service_account', project_id: 'p', private_key: '-----BEGIN PRIVATE KEY-----\n' });
    const pkg = await writePackage({ 'config/sa.json': key, 'config/other.json': '{"private_key_hint":"none"}' });
    await expect(build(pkg, await layoutIn())).rejects.toMatchObject({ code: 'DK512', message: expect.stringContaining('config/sa.json') });
  });
});

describe('symbolic links and paths', () => {
  it('stores a link inside the package as a link, an absolute one made relative', async () => {
    const pkg = await writePackage();
    await writeFiles(pkg, { 'src/abs': { link: path.join(pkg, 'src/lib/util.mjs') }, top: { link: '.' } });
    const files = await selectPackageFiles(pkg, { manifestFiles: sampleManifests.map((f) => path.join(pkg, f)) });
    const links = files.contentEntries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.linkTarget]);
    expect(links).toEqual([
      ['src/abs', 'lib/util.mjs'],
      ['src/current', 'lib'],
      ['top', '.'],
    ]);
  });

  it('refuses a link that leaves the package', async () => {
    const pkg = await writePackage({ 'src/evil': { link: '../../outside' } });
    await expect(build(pkg, await layoutIn())).rejects.toMatchObject({ code: 'DK513', message: expect.stringContaining('src/evil') });
    const abs = await writePackage({ passwd: { link: '/etc/passwd' } });
    await expect(build(abs, await layoutIn())).rejects.toMatchObject({ code: 'DK513' });
  });

  it('does not refuse an escaping link that .dkignore leaves out', async () => {
    const pkg = await writePackage({ '.dkignore': 'evil\n', evil: { link: '../../outside' } });
    await expect(build(pkg, await layoutIn())).resolves.toBeDefined();
  });

  it('refuses a manifest file outside the package directory', async () => {
    const pkg = await writePackage();
    const outside = await tempDir();
    await writeFile(path.join(outside, 'x.yaml'), 'kind: Store\n');
    await expect(build(pkg, await layoutIn(), { manifestFiles: [path.join(outside, 'x.yaml')] })).rejects.toMatchObject({
      code: 'DK513',
    });
  });

  it('reports a missing package directory as a file-system error', async () => {
    await expect(build('/nonexistent/dk/package', await layoutIn())).rejects.toMatchObject({ code: 'DK502' });
  });
});
