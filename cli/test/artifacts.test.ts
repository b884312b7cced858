import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

const run = promisify(execFile);
let cwd: string;
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-artifacts-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dk(...argv: string[]): Promise<InProcessResult> {
  return runInProcess(cwd, argv);
}

async function json<T>(...argv: string[]): Promise<T> {
  const result = await dk(...argv);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function listFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of (await readdir(dir, { recursive: true, withFileTypes: true })) as Dirent[]) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(
      path.relative(dir, full),
      createHash('sha256')
        .update(await readFile(full))
        .digest('hex'),
    );
  }
  return files;
}

interface Published {
  digest: string;
  reference: string;
  pushed: boolean;
}

describe('publish, pull, rebuild', () => {
  it('publishes a scaffolded package to a registry and pulls back the same files', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const prefix = `oci://${registry.host}/team`;
    const published = await json<Published>('publish', 'demo', '--registry', prefix, '--json');
    expect(published.pushed).toBe(true);
    expect(published.reference).toBe(`oci://${registry.host}/team/demo@${published.digest}`);

    const pulled = await dk('pull', `oci://${registry.host}/team/demo@${published.digest}`, '--output', 'copy');
    expect(pulled.code, pulled.stderr).toBe(0);
    const original = await listFiles(path.join(cwd, 'demo'));
    expect(await listFiles(path.join(cwd, 'copy'))).toEqual(original);

    // skopeo, a second implementation, reads what dk pushed.
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/team/demo:0.1.0`]);
    expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(published.digest);
    expect(JSON.parse(stdout).artifactType).toBe('application/vnd.datakit.package.v1');
  });

  it('rebuilds the same digest after touching every file and changing modes; republishing uploads nothing', async () => {
    await dk('init', 'demo', '--runtime', 'generic-python');
    const first = await json<{ digest: string }>('build', 'demo', '--json');
    let day = 1;
    for (const file of (await readdir(path.join(cwd, 'demo'), { recursive: true })) as string[]) {
      const full = path.join(cwd, 'demo', file);
      await utimes(full, new Date(2020, 0, day), new Date(2021, 0, day++));
      if (!file.includes('/') || file.endsWith('.py')) await chmod(full, 0o777).catch(() => undefined);
    }
    await rm(path.join(cwd, '.dk'), { recursive: true });
    expect((await json<{ digest: string }>('build', 'demo', '--json')).digest).toBe(first.digest);

    const prefix = `oci://${registry.host}/rebuild`;
    expect((await json<Published>('publish', 'demo', '--registry', prefix, '--json')).pushed).toBe(true);
    const again = await json<Published>('publish', 'demo', '--registry', prefix, '--json');
    expect(again).toMatchObject({ pushed: false, digest: first.digest });
  });

  it('an output layout inside the package is never packaged, so rebuilds stay identical', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const first = await json<{ digest: string }>('build', 'demo', '--output', 'oci-layout:demo/out', '--json');
    const second = await json<{ digest: string }>('build', 'demo', '--output', 'oci-layout:demo/out', '--json');
    expect(second.digest).toBe(first.digest);
  });

  it('refuses changed content under a published version, naming both digests, and the tag stays', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const prefix = `oci://${registry.host}/immutable`;
    const first = await json<Published>('publish', 'demo', '--registry', prefix, '--json');
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), '// changed\n');
    const refused = await dk('publish', 'demo', '--registry', prefix);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('DK530');
    expect(refused.stderr).toContain(first.digest);
    const inspected = await json<{ descriptor: { digest: string } }>(
      'inspect',
      `oci://${registry.host}/immutable/demo:0.1.0`,
      '-o',
      'json',
    );
    expect(inspected.descriptor.digest).toBe(first.digest);
  });

  it('lets a prerelease move only with --allow-overwrite', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const dkYaml = path.join(cwd, 'demo/dk.yaml');
    await writeFile(dkYaml, (await readFile(dkYaml, 'utf8')).replace('version: 0.1.0', 'version: 0.2.0-rc.1'));
    const prefix = `oci://${registry.host}/pre`;
    await json<Published>('publish', 'demo', '--registry', prefix, '--json');
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), '// changed\n');
    expect((await dk('publish', 'demo', '--registry', prefix)).code).toBe(1);
    const moved = await dk('publish', 'demo', '--registry', prefix, '--allow-overwrite');
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('moved from sha256:');
  });

  it('without a registry, publishes to the local layout .dk/oci and says so', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const result = await dk('publish', 'demo');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('no registry configured');
    const index = JSON.parse(await readFile(path.join(cwd, '.dk/oci/demo/index.json'), 'utf8'));
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('0.1.0');
  });

  it('does not build a package with lint errors', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    await writeFile(path.join(cwd, 'demo/dataset/demo-output.yaml'), 'kind: DataSet\n');
    const result = await dk('build', 'demo');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was built');
    await expect(readdir(path.join(cwd, '.dk'))).rejects.toThrow();
  });
});

describe('pull verifies', () => {
  it('refuses a corrupted blob and extracts nothing', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const published = await json<Published>('publish', 'demo', '--registry', `oci://${registry.host}/corrupt`, '--json');
    const manifest = JSON.parse((await dk('inspect', `oci://${registry.host}/corrupt/demo:0.1.0`, '-o', 'json')).stdout).manifest as {
      layers: { digest: string }[];
    };
    const blob = registry.blobPath(manifest.layers[1]!.digest);
    const bytes = await readFile(blob);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(blob, bytes);
    const pulled = await dk('pull', `oci://${registry.host}/corrupt/demo@${published.digest}`, '--output', 'out');
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain('DK510');
    await expect(readdir(path.join(cwd, 'out'))).rejects.toThrow();
    expect((await readdir(cwd)).filter((f) => f.startsWith('out') || f.startsWith('.out'))).toEqual([]);
  });
});

describe('copy and inspect', () => {
  it('copies layout → registry → layout, and reads what skopeo pushed', async () => {
    await dk('init', 'demo', '--runtime', 'generic-go');
    const built = await json<{ digest: string }>('build', 'demo', '--json');
    const toRegistry = await dk('copy', 'oci-layout:.dk/build/demo:0.1.0', `oci://${registry.host}/copied/demo:0.1.0`);
    expect(toRegistry.code, toRegistry.stderr).toBe(0);
    const back = await dk('copy', `oci://${registry.host}/copied/demo@${built.digest}`, 'oci-layout:airgap:0.1.0');
    expect(back.code, back.stderr).toBe(0);
    const inspected = await json<{ descriptor: { digest: string }; config: { name: string; runtime: string } }>(
      'inspect',
      'oci-layout:airgap:0.1.0',
      '-o',
      'json',
    );
    expect(inspected.descriptor.digest).toBe(built.digest);
    expect(inspected.config).toMatchObject({ name: 'demo', runtime: 'generic-go' });

    await run('skopeo', [
      '--insecure-policy',
      'copy',
      '--dest-tls-verify=false',
      `oci:${path.join(cwd, '.dk/build/demo')}:0.1.0`,
      `docker://${registry.host}/by-skopeo/demo:0.1.0`,
    ]);
    const pulled = await dk('pull', `oci://${registry.host}/by-skopeo/demo:0.1.0`, '--output', 'from-skopeo');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect((await listFiles(path.join(cwd, 'from-skopeo'))).get('dk.yaml')).toBe((await listFiles(path.join(cwd, 'demo'))).get('dk.yaml'));
  });

  it('inspect prints manifest, layers, annotations and the package', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    await dk('build', 'demo');
    const result = await dk('inspect', 'oci-layout:.dk/build/demo:0.1.0');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('application/vnd.datakit.manifests.v1.tar+gzip');
    expect(result.stdout).toContain('dev.datakit.package.name: demo');
    expect(result.stdout).toContain('inputs:  demo-input');
  });

  it('refuses invalid references before any request, and reports missing artifacts', async () => {
    for (const ref of [
      `oci://${registry.host}/UPPER/demo:1.0.0`,
      `oci://${registry.host}/team/demo:1.0.0+build`,
      `oci://${registry.host}/team/demo:${'x'.repeat(129)}`,
    ]) {
      const result = await dk('inspect', ref);
      expect(result.code, ref).toBe(2);
      expect(result.stderr).toContain('DK520');
    }
    const missing = await dk('inspect', `oci://${registry.host}/team/nothing:1.0.0`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
