import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes } from '@datakit/contracts';
import { systemClock } from '../../src/core/clock';
import { silentLogger } from '../../src/core/logger';
import { RegistryAuth } from '../../src/registry/auth';
import type { Descriptor } from '../../src/registry/descriptor';
import { RegistryError } from '../../src/registry/registry-errors';
import { defaultRetryPolicy, RegistryHttp } from '../../src/registry/registry-http';
import { RegistryTarget, type RegistryTargetOptions } from '../../src/registry/registry-target';
import {
  bufferSource,
  describeBytes,
  fastSleep,
  forbiddenFetch,
  imageManifest,
  randomBlob,
  readAll,
  spyFetch,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry';

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

function target(repository: string, options: Partial<RegistryTargetOptions> = {}): RegistryTarget {
  return new RegistryTarget({ host: registry.host, repository, sleep: fastSleep().sleep, ...options });
}

const configMediaType = mediaTypes.config;

/** Pushes a config and one layer, then a manifest naming them; returns the manifest's descriptor. */
async function pushArtifact(
  repo: RegistryTarget,
  tag?: string,
  extra: Record<string, unknown> = {},
): Promise<{ manifest: Descriptor; bytes: Buffer }> {
  const config = Buffer.from(JSON.stringify({ name: 'demo', nonce: Math.random() }));
  const layer = randomBlob(1000);
  const configDescriptor = describeBytes(config, configMediaType);
  const layerDescriptor = describeBytes(layer, mediaTypes.contentLayer);
  await repo.pushBlob(bufferSource(config, configDescriptor));
  await repo.pushBlob(bufferSource(layer, layerDescriptor));
  const bytes = imageManifest(configDescriptor, [layerDescriptor], { artifactType: mediaTypes.artifact, ...extra });
  const manifest = await repo.pushManifest(bytes, mediaTypes.ociManifest, tag);
  return { manifest, bytes };
}

describe('blobs', () => {
  it('pings the registry', async () => {
    await expect(target('team/ping').ping()).resolves.toBeUndefined();
  });

  it('uploads a small blob in one PUT and reads it back verified', async () => {
    const spy = spyFetch();
    const repo = target('team/small', { fetch: spy.fetch });
    const bytes = randomBlob(10_000);
    const source = bufferSource(bytes);

    await repo.pushBlob(source);

    expect(spy.requests.map((r) => r.method)).toEqual(['HEAD', 'POST', 'PUT']);
    expect(spy.requests[2]?.query.get('digest')).toBe(source.descriptor.digest);
    expect(await repo.exists(source.descriptor)).toBe(true);
    expect((await readAll(await repo.fetchBlob(source.descriptor))).equals(bytes)).toBe(true);
  });

  it('uploads a blob above the chunk size in PATCH requests, following the newest Location', async () => {
    const spy = spyFetch();
    const repo = target('team/large', { fetch: spy.fetch, chunkSize: 64 * 1024 });
    const bytes = randomBlob(200 * 1024 + 17);
    const source = bufferSource(bytes);

    await repo.pushBlob(source);

    const methods = spy.requests.map((r) => r.method);
    expect(methods).toEqual(['HEAD', 'POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH', 'PUT']);
    expect(spy.requests.map((r) => r.status)).toEqual([404, 202, 202, 202, 202, 202, 201]);
    // Every PATCH carried a fresh upload state: distribution rejects a stale one.
    const states = spy.requests.filter((r) => r.method === 'PATCH' || r.method === 'PUT').map((r) => r.query.get('_state'));
    expect(new Set(states).size).toBe(states.length);
    expect(source.opens).toEqual([0, 65536, 131072, 196608]);
    expect((await readAll(await repo.fetchBlob(source.descriptor))).equals(bytes)).toBe(true);
  });

  it('skips a blob the repository already has after one HEAD', async () => {
    const repo = target('team/skip');
    const source = bufferSource(randomBlob(5000));
    await repo.pushBlob(source);

    const spy = spyFetch();
    await target('team/skip', { fetch: spy.fetch }).pushBlob(source);
    expect(spy.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 200']);
  });

  it('uploads an empty blob', async () => {
    const repo = target('team/empty');
    const source = bufferSource(Buffer.alloc(0));
    await repo.pushBlob(source);
    expect((await readAll(await repo.fetchBlob(source.descriptor))).length).toBe(0);
  });

  it('mounts a blob from another repository of the registry (201, nothing uploaded)', async () => {
    const source = bufferSource(randomBlob(3000));
    await target('team/mount-src').pushBlob(source);

    const spy = spyFetch();
    const destination = target('team/mount-dst', { fetch: spy.fetch });
    await destination.pushBlob(source, { mountFrom: 'team/mount-src' });

    expect(spy.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 404', 'POST 201']);
    expect(spy.requests[1]?.query.get('mount')).toBe(source.descriptor.digest);
    expect(spy.requests[1]?.query.get('from')).toBe('team/mount-src');
    expect(await destination.exists(source.descriptor)).toBe(true);
  });

  it('uploads normally when the mount source lacks the blob (202)', async () => {
    const spy = spyFetch();
    const source = bufferSource(randomBlob(3000));
    const destination = target('team/mount-dst2', { fetch: spy.fetch });
    await destination.pushBlob(source, { mountFrom: 'team/nothing-here' });

    expect(spy.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 404', 'POST 202', 'PUT 201']);
    expect(await destination.exists(source.descriptor)).toBe(true);
  });

  it('refuses bytes that do not match the digest (registry DIGEST_INVALID)', async () => {
    const bytes = randomBlob(2000);
    const wrong = { ...describeBytes(bytes), digest: describeBytes(randomBlob(2000)).digest };
    const error = await target('team/wrong')
      .pushBlob(bufferSource(bytes, wrong))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'DK510', status: 400, registryErrors: ['DIGEST_INVALID'] });
  });

  it('refuses a source shorter than its descriptor before finishing the upload', async () => {
    const bytes = randomBlob(2000);
    const source = bufferSource(bytes.subarray(0, 1500), describeBytes(bytes));
    await expect(target('team/short').pushBlob(source)).rejects.toMatchObject({ code: 'DK511' });
  });

  it('fails on a corrupted blob at the end of the stream (digest mismatch)', async () => {
    const repo = target('team/corrupt');
    const bytes = randomBlob(50_000);
    const source = bufferSource(bytes);
    await repo.pushBlob(source);
    const corrupted = Buffer.from(bytes);
    corrupted[1234] = (corrupted[1234] ?? 0) ^ 0xff;
    await writeFile(registry.blobPath(source.descriptor.digest), corrupted);

    const stream = await repo.fetchBlob(source.descriptor);
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'DK510', message: expect.stringContaining('digest mismatch') });
  });

  it('fails as soon as a blob exceeds its declared size', async () => {
    const repo = target('team/oversize');
    const bytes = randomBlob(50_000);
    const source = bufferSource(bytes);
    await repo.pushBlob(source);
    const smaller = { ...source.descriptor, size: 10 };
    await expect(repo.fetchBlob(smaller)).rejects.toMatchObject({ code: 'DK511' });
  });

  it('reports a missing blob as not found', async () => {
    const missing = describeBytes(randomBlob(10));
    const error = await target('team/small')
      .fetchBlob(missing)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK525', status: 404, registryErrors: ['BLOB_UNKNOWN'] });
    expect((error as Error).message).toContain('blob not found');
    expect(await target('team/small').exists(missing)).toBe(false);
  });
});

describe('manifests and tags', () => {
  it('pushes a manifest under a tag, resolves and fetches it by tag and by digest', async () => {
    const repo = target('team/pkg');
    const { manifest, bytes } = await pushArtifact(repo, '1.0.0');

    expect(manifest).toEqual({ mediaType: mediaTypes.ociManifest, digest: describeBytes(bytes).digest, size: bytes.length });
    expect(await repo.resolve('1.0.0')).toEqual(manifest);
    expect(await repo.resolve(manifest.digest)).toEqual(manifest);
    expect(await repo.exists(manifest)).toBe(true);

    const byTag = await repo.fetchManifest('1.0.0');
    expect(byTag.bytes.equals(bytes)).toBe(true);
    expect(byTag.descriptor).toEqual(manifest);
    const byDigest = await repo.fetchManifest(manifest.digest);
    expect(byDigest.bytes.equals(bytes)).toBe(true);
  });

  it('resolves a missing tag to undefined and fetching it fails as not found', async () => {
    const repo = target('team/pkg');
    expect(await repo.resolve('9.9.9')).toBeUndefined();
    const error = await repo.fetchManifest('9.9.9').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK525', registryErrors: ['MANIFEST_UNKNOWN'] });
    expect((error as Error).message).toMatch(/fetch manifest oci:\/\/127\.0\.0\.1:\d+\/team\/pkg:9\.9\.9: manifest not found/);
  });

  it('tags an existing manifest and lists tags sorted', async () => {
    const repo = target('team/tags');
    const { manifest } = await pushArtifact(repo, 'b-2');
    await repo.tag(manifest, 'a-1');
    await repo.tag(manifest, 'c-3');
    await repo.tag(manifest, '0.1.0');
    expect(await repo.listTags()).toEqual(['0.1.0', 'a-1', 'b-2', 'c-3']);
    expect((await repo.resolve('c-3'))?.digest).toBe(manifest.digest);
  });

  it('lists no tags for a repository that does not exist', async () => {
    expect(await target('team/never-pushed').listTags()).toEqual([]);
  });

  it('refuses a manifest over 4 MiB before sending it', async () => {
    const spy = spyFetch();
    const repo = target('team/big', { fetch: spy.fetch });
    const bytes = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    await expect(repo.pushManifest(bytes, mediaTypes.ociManifest, 'big')).rejects.toMatchObject({ code: 'DK527' });
    expect(spy.requests).toEqual([]);
  });

  it('explains a manifest naming a blob the repository lacks', async () => {
    const repo = target('team/dangling');
    const config = describeBytes(Buffer.from('{}'), configMediaType);
    const error = await repo.pushManifest(imageManifest(config, []), mediaTypes.ociManifest, 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK526', status: 400, registryErrors: ['MANIFEST_BLOB_UNKNOWN'] });
    expect((error as Error).message).toContain(config.digest);
  });

  it('maps the wrong Content-Type (MANIFEST_INVALID) to a rejected-request error', async () => {
    const repo = target('team/invalid');
    const { bytes } = await pushArtifact(repo);
    const error = await repo.pushManifest(bytes, 'application/json', 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK526', registryErrors: ['MANIFEST_INVALID'] });
  });

  it('maps distribution\'s plain-text "404 page not found" to a clear message', async () => {
    const http = new RegistryHttp({
      host: registry.host,
      scheme: 'http',
      fetch: globalThis.fetch,
      auth: new RegistryAuth({
        host: registry.host,
        credentials: () => Promise.resolve(undefined),
        fetch: globalThis.fetch,
        logger: silentLogger,
        clock: systemClock,
        userAgent: 'test',
      }),
      logger: silentLogger,
      sleep: fastSleep().sleep,
      clock: systemClock,
      userAgent: 'test',
      retry: defaultRetryPolicy,
    });
    // An upper-case repository name, which RegistryTarget refuses before sending.
    const error = await http
      .expect({ method: 'GET', url: '/v2/Team/Pkg/manifests/latest', scopes: [], operation: 'fetch manifest' }, [200])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK525', status: 404, registryErrors: [] });
    expect((error as Error).message).toContain('answered "404 page not found" to GET /v2/Team/Pkg/manifests/latest');
    expect((error as RegistryError).hint).toContain('lower case');
    expect(((error as Error).cause as Error).message).toContain('404 page not found');
  });
});

describe('referrers', () => {
  it('falls back to the sha256-<hex> tag schema on distribution 2.8 (no referrers API)', async () => {
    const repo = target('team/signed');
    const { manifest: subject } = await pushArtifact(repo, '1.0.0');
    const subjectDescriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };

    expect(await repo.referrers(subject)).toEqual([]);

    const empty = Buffer.from('{}');
    const emptyDescriptor = describeBytes(empty, mediaTypes.ociEmpty);
    await repo.pushBlob(bufferSource(empty, emptyDescriptor));
    const signatureType = 'application/vnd.datakit.signature.v1';
    const sbomType = 'application/vnd.datakit.sbom.v1';
    const signature = await repo.pushManifest(
      imageManifest(emptyDescriptor, [emptyDescriptor], {
        artifactType: signatureType,
        subject: subjectDescriptor,
        annotations: { 'dev.datakit.signer': 'ci' },
      }),
      mediaTypes.ociManifest,
    );
    const sbom = await repo.pushManifest(
      imageManifest(emptyDescriptor, [emptyDescriptor], { artifactType: sbomType, subject: subjectDescriptor }),
      mediaTypes.ociManifest,
    );

    const referrers = await repo.referrers(subject);
    expect(referrers).toEqual([
      { ...signature, artifactType: signatureType, annotations: { 'dev.datakit.signer': 'ci' } },
      { ...sbom, artifactType: sbomType },
    ]);
    expect(await repo.referrers(subject, sbomType)).toEqual([{ ...sbom, artifactType: sbomType }]);
    expect(await repo.listTags()).toContain(`sha256-${subject.digest.slice('sha256:'.length)}`);

    // Pushing the same referrer again does not duplicate it.
    await repo.pushManifest(
      imageManifest(emptyDescriptor, [emptyDescriptor], { artifactType: sbomType, subject: subjectDescriptor }),
      mediaTypes.ociManifest,
    );
    expect(await repo.referrers(subject)).toHaveLength(2);
  });
});

describe('names are checked before any request', () => {
  it.each<[string, () => unknown]>([
    ['an upper-case repository', () => new RegistryTarget({ host: '127.0.0.1:1', repository: 'Team/pkg', fetch: forbiddenFetch })],
    ['a tag with +', () => target('team/pkg', { fetch: forbiddenFetch }).resolve('1.0.0+build')],
    ['a tag over 128 characters', () => target('team/pkg', { fetch: forbiddenFetch }).fetchManifest('a'.repeat(129))],
    [
      'a pushed tag with +',
      () => target('team/pkg', { fetch: forbiddenFetch }).pushManifest(Buffer.from('{}'), mediaTypes.ociManifest, 'v1+x'),
    ],
    ['a malformed digest', () => target('team/pkg', { fetch: forbiddenFetch }).fetchManifest('sha256:abc')],
    [
      'a bad mount source',
      () => target('team/pkg', { fetch: forbiddenFetch }).pushBlob(bufferSource(Buffer.from('x')), { mountFrom: 'Other' }),
    ],
  ])('%s', async (_name, action) => {
    await expect(Promise.resolve().then(action)).rejects.toMatchObject({ code: 'DK520', exitCode: 2 });
  });
});
