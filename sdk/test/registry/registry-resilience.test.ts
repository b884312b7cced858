import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes } from '@datakit/contracts';
import { fixedClock } from '../../src/core/clock';
import type { Logger } from '../../src/core/logger';
import type { FetchInit, FetchLike } from '../../src/registry/https-fetch';
import { RegistryTarget, type RegistryTargetOptions } from '../../src/registry/registry-target';
import {
  bufferSource,
  fastSleep,
  freePort,
  randomBlob,
  readAll,
  startCuttingProxy,
  startRegistry,
  type CuttingProxy,
  type TestRegistry,
} from '../helpers/registry';

let registry: TestRegistry;
let proxy: CuttingProxy | undefined;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const log = (obj: object | string, msg?: string) => messages.push(msg ?? (typeof obj === 'string' ? obj : ''));
  return { messages, debug: () => {}, info: log, warn: log, error: log };
}

describe('broken connections during an upload', () => {
  const chunkSize = 64 * 1024;
  const through = (p: CuttingProxy, options: Partial<RegistryTargetOptions> = {}) =>
    new RegistryTarget({ host: p.host, repository: 'team/resume', chunkSize, sleep: fastSleep().sleep, ...options });

  it('resumes from the Range the registry reports when a PATCH is cut before its body arrived', async () => {
    proxy = await startCuttingProxy({ host: '127.0.0.1', port: registry.port }, { method: 'PATCH', occurrence: 2, afterBodyBytes: 0 });
    const logger = recordingLogger();
    const bytes = randomBlob(3 * chunkSize + 1000);
    const source = bufferSource(bytes);

    await through(proxy, { logger }).pushBlob(source);

    expect(proxy.cuts).toBe(1);
    expect(logger.messages).toContain('resuming upload');
    // Resumed in the same session: one POST; the second chunk was reopened at its offset.
    expect(proxy.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
    expect(proxy.requests.filter((r) => r.startsWith('GET /v2/team/resume/blobs/uploads/'))).toHaveLength(1);
    expect(source.opens).toEqual([0, chunkSize, chunkSize, 2 * chunkSize, 3 * chunkSize]);
    const pulled = await readAll(await new RegistryTarget({ host: registry.host, repository: 'team/resume' }).fetchBlob(source.descriptor));
    expect(pulled.equals(bytes)).toBe(true);
  });

  it('restarts the upload when the registry lost the session to a body cut mid-way (distribution 2.8)', async () => {
    proxy = await startCuttingProxy({ host: '127.0.0.1', port: registry.port }, { method: 'PATCH', occurrence: 2, afterBodyBytes: 10_000 });
    const logger = recordingLogger();
    const bytes = randomBlob(3 * chunkSize + 1000);
    const source = bufferSource(bytes);

    await through(proxy, { logger }).pushBlob(source);

    expect(proxy.cuts).toBe(1);
    expect(logger.messages).toContain('upload session lost; restarting the upload');
    expect(proxy.requests.filter((r) => r.startsWith('POST'))).toHaveLength(2);
    expect(source.opens[source.opens.length - 4]).toBe(0);
    const pulled = await readAll(await new RegistryTarget({ host: registry.host, repository: 'team/resume' }).fetchBlob(source.descriptor));
    expect(pulled.equals(bytes)).toBe(true);
  });

  it('restarts a monolithic PUT cut mid-body', async () => {
    proxy = await startCuttingProxy({ host: '127.0.0.1', port: registry.port }, { method: 'PUT', afterBodyBytes: 5_000 });
    const bytes = randomBlob(20_000);
    const source = bufferSource(bytes);

    await through(proxy).pushBlob(source);

    expect(proxy.cuts).toBe(1);
    const pulled = await readAll(await new RegistryTarget({ host: registry.host, repository: 'team/resume' }).fetchBlob(source.descriptor));
    expect(pulled.equals(bytes)).toBe(true);
  });
});

describe('retries', () => {
  it('retries a registry that is down with backoff, then names it unreachable', async () => {
    const port = await freePort();
    const sleep = fastSleep();
    const repo = new RegistryTarget({
      host: `127.0.0.1:${port}`,
      repository: 'team/down',
      sleep: sleep.sleep,
      retry: { attempts: 4, random: () => 0.5 },
    });

    const error = await repo.pushBlob(bufferSource(randomBlob(10))).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'DK521', message: `registry 127.0.0.1:${port} unreachable (ECONNREFUSED) after 4 attempts` });
    expect(sleep.delays).toEqual([188, 375, 750]);
  });

  it('retries 503 answers and succeeds', async () => {
    const sleep = fastSleep();
    let failures = 2;
    const flaky: FetchLike = (url, init) => {
      if (failures > 0) {
        failures--;
        return Promise.resolve(new Response('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}', { status: 503 }));
      }
      return globalThis.fetch(url, init);
    };
    await new RegistryTarget({ host: registry.host, repository: 'team/flaky', fetch: flaky, sleep: sleep.sleep }).ping();
    expect(sleep.delays).toHaveLength(2);
  });

  it('honours Retry-After on 429, in seconds and as an HTTP date', async () => {
    const sleep = fastSleep();
    const now = new Date('2030-01-01T00:00:00Z');
    const answers = [
      new Response('', { status: 429, headers: { 'retry-after': '3' } }),
      new Response('', { status: 429, headers: { 'retry-after': new Date(now.getTime() + 7000).toUTCString() } }),
    ];
    const limited: FetchLike = (url: string, init: FetchInit) => Promise.resolve(answers.shift() ?? globalThis.fetch(url, init));
    await new RegistryTarget({
      host: registry.host,
      repository: 'team/limited',
      fetch: limited,
      sleep: sleep.sleep,
      clock: fixedClock(now),
    }).ping();
    expect(sleep.delays).toEqual([3000, 7000]);
  });

  it('does not wait for a Retry-After beyond the limit, and says so', async () => {
    const sleep = fastSleep();
    const limited: FetchLike = () => Promise.resolve(new Response('', { status: 429, headers: { 'retry-after': '3600' } }));
    const error = await new RegistryTarget({ host: registry.host, repository: 'team/limited', fetch: limited, sleep: sleep.sleep })
      .ping()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK528', status: 429 });
    expect((error as Error).message).toContain('rate-limiting requests (it asks to retry after 3600 s)');
    expect(sleep.delays).toEqual([]);
  });

  it('gives up on a registry failing with 500 and names the registry', async () => {
    const sleep = fastSleep();
    const broken: FetchLike = () => Promise.resolve(new Response('{"errors":[{"code":"UNKNOWN","message":"disk full"}]}', { status: 500 }));
    const error = await new RegistryTarget({ host: registry.host, repository: 'team/broken', fetch: broken, sleep: sleep.sleep })
      .pushManifest(Buffer.from('{}'), mediaTypes.ociManifest, 'x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK528', status: 500 });
    expect((error as Error).message).toBe(
      `push manifest x to oci://${registry.host}/team/broken: registry ${registry.host} failed with 500: UNKNOWN disk full after 5 attempts`,
    );
    expect(sleep.delays).toHaveLength(4);
  });

  it('does not retry a client error', async () => {
    const sleep = fastSleep();
    const error = await new RegistryTarget({ host: registry.host, repository: 'team/none', sleep: sleep.sleep })
      .fetchManifest('nope')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK525' });
    expect(sleep.delays).toEqual([]);
  });
});
