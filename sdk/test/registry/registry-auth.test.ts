import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes } from '@datakit/contracts';
import { createCredentialProvider } from '../../src/registry/credentials';
import { RegistryError } from '../../src/registry/registry-errors';
import { RegistryTarget, type RegistryTargetOptions } from '../../src/registry/registry-target';
import {
  bufferSource,
  describeBytes,
  fastSleep,
  imageManifest,
  randomBlob,
  readAll,
  spyFetch,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry';

const envCredentials = (username: string, password: string) =>
  createCredentialProvider({ env: { DK_REGISTRY_USERNAME: username, DK_REGISTRY_PASSWORD: password } });

/** Everything an error exposes as text: message, hint, and the whole cause chain with its properties. */
function errorText(error: unknown): string {
  return `${String(error)}\n${(error as RegistryError).hint ?? ''}\n${inspect(error, { depth: Infinity, showHidden: true })}\n${JSON.stringify(error)}`;
}

async function roundTrip(repo: RegistryTarget): Promise<void> {
  const layer = randomBlob(20_000);
  const config = Buffer.from('{"name":"demo"}');
  const layerDescriptor = describeBytes(layer);
  const configDescriptor = describeBytes(config, mediaTypes.config);
  await repo.pushBlob(bufferSource(layer, layerDescriptor));
  await repo.pushBlob(bufferSource(config, configDescriptor));
  const manifest = await repo.pushManifest(imageManifest(configDescriptor, [layerDescriptor]), mediaTypes.ociManifest, '1.0.0');
  expect((await repo.resolve('1.0.0'))?.digest).toBe(manifest.digest);
  expect((await readAll(await repo.fetchBlob(layerDescriptor))).equals(layer)).toBe(true);
}

describe('htpasswd over TLS with a custom CA', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', tls: true });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const target = (options: Partial<RegistryTargetOptions> = {}) =>
    new RegistryTarget({ host: registry.host, repository: 'team/secure', sleep: fastSleep().sleep, ...options });

  it('pushes and pulls with Basic credentials, trusting the given CA', async () => {
    const repo = target({ caFile: registry.caFile, credentials: envCredentials(registry.username, registry.password) });
    await repo.ping();
    await roundTrip(repo);
    expect(await repo.listTags()).toEqual(['1.0.0']);
  });

  it('streams chunked uploads over TLS with the custom CA', async () => {
    const repo = target({
      caFile: registry.caFile,
      credentials: envCredentials(registry.username, registry.password),
      chunkSize: 16 * 1024,
    });
    const bytes = randomBlob(50_000);
    const source = bufferSource(bytes);
    await repo.pushBlob(source);
    expect(source.opens).toEqual([0, 16384, 32768, 49152]);
    expect((await readAll(await repo.fetchBlob(source.descriptor))).equals(bytes)).toBe(true);
  });

  it('fails with a TLS error naming the fix when the CA is not given, without retrying', async () => {
    const sleep = fastSleep();
    const repo = target({ plainHttp: false, credentials: envCredentials(registry.username, registry.password), sleep: sleep.sleep });
    const error = await repo.ping().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK522' });
    expect((error as Error).message).toContain(`TLS connection to registry ${registry.host} failed`);
    expect((error as RegistryError).hint).toContain('--ca-file');
    expect(sleep.delays).toEqual([]);
  });

  it('says authentication failed, and where to fix it, without revealing the wrong password', async () => {
    const wrong = 'Wr0ng-S3cret-Pa55word';
    const repo = target({ caFile: registry.caFile, credentials: envCredentials(registry.username, wrong) });
    const error = await repo.resolve('1.0.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'DK523', status: 401 });
    expect((error as Error).message).toBe(
      `authentication failed for ${registry.host} (the credentials from DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD were rejected)`,
    );
    expect((error as { hint?: string }).hint).toContain(`docker login ${registry.host}`);
    const text = errorText(error);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(Buffer.from(`${registry.username}:${wrong}`).toString('base64'));
  });

  it('says no credentials were found when there are none', async () => {
    const error = await target({ caFile: registry.caFile })
      .ping()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK523' });
    expect((error as Error).message).toContain('no credentials were found');
  });

  it('reports an unreadable CA file as a file error', async () => {
    await expect(target({ caFile: '/nonexistent/ca.pem' }).ping()).rejects.toMatchObject({ code: 'DK503' });
  });
});

describe('token auth (distribution auth.token with a token server)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({
      auth: 'token',
      // team/readonly is pull-only, whatever is asked.
      grant: (user, _type, name, actions) =>
        user === undefined ? [] : name === 'team/readonly' ? actions.filter((a) => a === 'pull') : actions,
    });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const target = (repository: string, options: Partial<RegistryTargetOptions> = {}) =>
    new RegistryTarget({
      host: registry.host,
      repository,
      sleep: fastSleep().sleep,
      credentials: envCredentials(registry.username, registry.password),
      ...options,
    });

  it('fetches a token for the challenged scope and pushes and pulls with it', async () => {
    const before = registry.tokenServer?.requests.length ?? 0;
    await roundTrip(target('team/tokens'));
    const requests = registry.tokenServer?.requests.slice(before) ?? [];
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.user === registry.username && r.service === 'dk-test-registry' && r.status === 200)).toBe(true);
    expect(requests.map((r) => r.scopes)).toContainEqual(['repository:team/tokens:pull,push']);
  });

  it('caches tokens per scope set: one token request for many pushes', async () => {
    const repo = target('team/cache');
    const before = registry.tokenServer?.requests.length ?? 0;
    for (let i = 0; i < 5; i++) await repo.pushBlob(bufferSource(randomBlob(100)));
    expect((registry.tokenServer?.requests.length ?? 0) - before).toBe(1);
  });

  it('asks for both scopes of a cross-repository mount as separate scope parameters', async () => {
    const source = bufferSource(randomBlob(4000));
    await target('team/mount-a').pushBlob(source);
    const spy = spyFetch();
    const before = registry.tokenServer?.requests.length ?? 0;
    await target('team/mount-b', { fetch: spy.fetch }).pushBlob(source, { mountFrom: 'team/mount-a' });

    const requests = registry.tokenServer?.requests.slice(before) ?? [];
    expect(requests.map((r) => r.scopes)).toEqual([['repository:team/mount-a:pull', 'repository:team/mount-b:pull,push']]);
    expect(spy.requests.filter((r) => r.path.startsWith('/v2/')).map((r) => `${r.method} ${r.status}`)).toEqual([
      'HEAD 401',
      'HEAD 404',
      'POST 201',
    ]);
  });

  it('fails with access denied when the token lacks push (insufficient_scope), without asking again', async () => {
    const before = registry.tokenServer?.requests.length ?? 0;
    const error = await target('team/readonly')
      .pushBlob(bufferSource(randomBlob(100)))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK524', status: 401 });
    expect((error as Error).message).toContain('insufficient scope');
    expect((registry.tokenServer?.requests.length ?? 0) - before).toBe(1);
  });

  it('reports rejected credentials at the token server without the password', async () => {
    const wrong = 'N0t-The-Right-0ne';
    const error = await target('team/tokens', { credentials: envCredentials(registry.username, wrong) })
      .ping()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK523' });
    expect((error as Error).message).toContain(`authentication failed for ${registry.host}: the token server`);
    expect(errorText(error)).not.toContain(wrong);
  });

  it('pulls anonymously only what the token server grants anonymously (nothing here)', async () => {
    const error = await target('team/tokens', { credentials: () => Promise.resolve(undefined) })
      .resolve('1.0.0')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK523' });
  });
});
