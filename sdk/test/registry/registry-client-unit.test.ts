import { describe, expect, it } from 'vitest';
import { mediaTypes } from '@datakit/contracts';
import type { Clock } from '../../src/core/clock';
import type { Logger } from '../../src/core/logger';
import { AuthCache } from '../../src/registry/auth';
import type { FetchInit, FetchLike } from '../../src/registry/https-fetch';
import { normalizeScopes, splitScopes } from '../../src/registry/scopes';
import { parseWwwAuthenticate } from '../../src/registry/www-authenticate';
import { RegistryTarget, type RegistryTargetOptions } from '../../src/registry/registry-target';
import { describeBytes, fastSleep, readAll } from '../helpers/registry';

/** A request as a fake server sees it. */
interface Seen {
  method: string;
  url: URL;
  authorization: string | undefined;
}

/** A fetch answering from `handler`, recording every request. */
function fakeServer(handler: (request: Seen) => Response | Promise<Response>): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url: string, init: FetchInit) => {
    const request = { method: init.method, url: new URL(url), authorization: init.headers.authorization };
    seen.push(request);
    return handler(request);
  };
  return { fetch, seen };
}

const json = (value: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(value), {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });

function mutableClock(start = Date.parse('2030-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (obj: object | string, msg?: string) => lines.push(JSON.stringify(obj) + (msg ?? ''));
  return { lines, debug: log, info: log, warn: log, error: log };
}

const target = (options: Partial<RegistryTargetOptions> & { fetch: FetchLike }) =>
  new RegistryTarget({ host: 'reg.example.com', repository: 'team/pkg', sleep: fastSleep().sleep, ...options });

const credentials = (username: string, secret: string) => () => Promise.resolve({ username, secret, source: 'test' });

describe('WWW-Authenticate parsing', () => {
  it('reads a Bearer challenge with quoted values holding commas and spaces', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.example.com/token",service="reg.example.com",scope="repository:a/b:pull,push repository:c:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'reg.example.com',
          scope: 'repository:a/b:pull,push repository:c:pull',
        },
      },
    ]);
  });

  it('reads several challenges, bare values and escaped quotes', () => {
    expect(
      parseWwwAuthenticate('Basic realm="Registry \\"Realm\\"", Bearer realm=https://auth.example.com/token, error="insufficient_scope"'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', error: 'insufficient_scope' } },
    ]);
    expect(parseWwwAuthenticate('')).toEqual([]);
  });

  it('splits a multi-scope value and merges actions per resource', () => {
    expect(splitScopes('repository:a:pull  repository:b:push ')).toEqual(['repository:a:pull', 'repository:b:push']);
    expect(normalizeScopes(['repository:b:push', 'repository:a:pull', 'repository:b:pull', 'repository:a:pull'])).toEqual([
      'repository:a:pull',
      'repository:b:pull,push',
    ]);
    expect(normalizeScopes(['repository:a:pull', 'repository:a:*'])).toEqual(['repository:a:*']);
  });
});

describe('token auth against a fake registry', () => {
  const realm = 'https://auth.example.com/token';

  /** A registry wanting a token that grants `needed`, from a token server granting what is asked. */
  function tokenRegistry(challengeScope: string) {
    let issued = 0;
    return fakeServer((request) => {
      if (request.url.origin === 'https://auth.example.com') {
        issued++;
        const scopes = request.url.searchParams.getAll('scope');
        return json({ access_token: `token-${issued}:${scopes.join(' ')}`, expires_in: 300 });
      }
      const granted = request.authorization?.replace(/^Bearer token-\d+:/, '').split(' ') ?? [];
      if (!splitScopes(challengeScope).every((scope) => granted.includes(scope))) {
        return new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': `Bearer realm="${realm}",service="reg.example.com",scope="${challengeScope}"${request.authorization ? ',error="insufficient_scope"' : ''}`,
          },
        });
      }
      return new Response(null, { status: 200 });
    });
  }

  it('sends each scope of a multi-scope challenge as its own scope parameter, with the service', async () => {
    const server = tokenRegistry('repository:team/pkg:pull repository:team/other:pull');
    await target({ fetch: server.fetch, credentials: credentials('u', 'p') }).ping();
    const tokenRequest = server.seen.find((r) => r.url.origin === 'https://auth.example.com');
    expect(tokenRequest?.url.searchParams.getAll('scope')).toEqual(['repository:team/other:pull', 'repository:team/pkg:pull']);
    expect(tokenRequest?.url.searchParams.get('service')).toBe('reg.example.com');
    expect(tokenRequest?.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('retries once with the scopes an insufficient_scope challenge names', async () => {
    // The first challenge asks for less than the request needs; the second (insufficient_scope) for all of it.
    let issued = 0;
    const server = fakeServer((request) => {
      if (request.url.origin === 'https://auth.example.com') return json({ token: `t${++issued}` });
      if (request.authorization === 'Bearer t2') return new Response(null, { status: 200 });
      const challenge = request.authorization
        ? `Bearer realm="${realm}",scope="repository:team/pkg:pull repository:team/base:pull",error="insufficient_scope"`
        : `Bearer realm="${realm}",scope="repository:team/pkg:pull"`;
      return new Response(null, { status: 401, headers: { 'www-authenticate': challenge } });
    });
    await target({ fetch: server.fetch }).ping();
    const tokenScopes = server.seen
      .filter((r) => r.url.origin === 'https://auth.example.com')
      .map((r) => r.url.searchParams.getAll('scope'));
    expect(tokenScopes).toEqual([['repository:team/pkg:pull'], ['repository:team/base:pull', 'repository:team/pkg:pull']]);
    expect(server.seen.filter((r) => r.url.pathname === '/v2/').map((r) => r.authorization)).toEqual([undefined, 'Bearer t1', 'Bearer t2']);
  });

  it('caches a token per scope set until shortly before it expires', async () => {
    const clock = mutableClock();
    const server = tokenRegistry('repository:team/pkg:pull');
    const repo = target({ fetch: server.fetch, clock });
    const tokenRequests = () => server.seen.filter((r) => r.url.origin === 'https://auth.example.com').length;

    await repo.exists(describeBytes(Buffer.from('a')));
    await repo.exists(describeBytes(Buffer.from('b')));
    expect(tokenRequests()).toBe(1);
    clock.advance(299_000);
    await repo.exists(describeBytes(Buffer.from('c')));
    expect(tokenRequests()).toBe(2);
  });

  it('shares challenges and tokens between clients given the same AuthCache', async () => {
    const server = tokenRegistry('repository:team/pkg:pull');
    const cache = new AuthCache();
    await target({ fetch: server.fetch, authCache: cache }).exists(describeBytes(Buffer.from('a')));
    await target({ fetch: server.fetch, authCache: cache }).exists(describeBytes(Buffer.from('b')));
    // The second client neither met a 401 nor asked for a token.
    expect(server.seen.map((r) => `${r.url.host} ${r.authorization ? 'auth' : 'anonymous'}`)).toEqual([
      'reg.example.com anonymous',
      'auth.example.com anonymous',
      'reg.example.com auth',
      'reg.example.com auth',
    ]);
  });

  it('refuses to send credentials to a plain-HTTP token realm off loopback', async () => {
    const server = fakeServer(
      () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://auth.example.com/token"' } }),
    );
    const error = await target({ fetch: server.fetch, credentials: credentials('u', 'secret-pw') })
      .ping()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK523', message: expect.stringContaining('credentials were not sent') });
    expect(server.seen.filter((r) => r.url.origin === 'http://auth.example.com')).toEqual([]);
  });

  it('never logs the credentials or the token', async () => {
    const logger = capturingLogger();
    const server = fakeServer((request) => {
      if (request.url.origin === 'https://auth.example.com') return json({ token: 'tok-SECRET-123' });
      if (request.authorization === 'Bearer tok-SECRET-123') return new Response(null, { status: 200 });
      return new Response(null, { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}"` } });
    });
    await target({ fetch: server.fetch, logger, credentials: credentials('user', 'pw-SECRET-456') }).ping();
    const logged = logger.lines.join('\n');
    expect(logged).toContain('fetching registry token');
    expect(logged).not.toMatch(/SECRET|dXNlcjpwdy1TRUNSRVQtNDU2/);
  });
});

describe('Basic auth against a fake registry', () => {
  it('answers a Basic challenge with the credentials, then sends them up front', async () => {
    const expected = `Basic ${Buffer.from('user:pw').toString('base64')}`;
    const server = fakeServer((request) =>
      request.authorization === expected
        ? new Response(null, { status: 200 })
        : new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }),
    );
    const repo = target({ fetch: server.fetch, credentials: credentials('user', 'pw') });
    await repo.ping();
    await repo.ping();
    expect(server.seen.map((r) => r.authorization)).toEqual([undefined, expected, expected]);
  });
});

describe('transport choices', () => {
  const schemeOf = async (options: Partial<RegistryTargetOptions>): Promise<string> => {
    const server = fakeServer(() => new Response(null, { status: 200 }));
    await target({ fetch: server.fetch, ...options }).ping();
    return server.seen[0]?.url.protocol ?? '';
  };

  it('uses TLS except for loopback hosts, unless told', async () => {
    expect(await schemeOf({ host: 'reg.example.com' })).toBe('https:');
    expect(await schemeOf({ host: 'localhost:5000' })).toBe('http:');
    expect(await schemeOf({ host: '127.0.0.1:5000' })).toBe('http:');
    expect(await schemeOf({ host: '[::1]:5000' })).toBe('http:');
    expect(await schemeOf({ host: '127.0.0.1:5000', plainHttp: false })).toBe('https:');
    expect(await schemeOf({ host: '127.0.0.1:5000', caFile: '/unused-with-an-injected-fetch' })).toBe('https:');
    expect(await schemeOf({ host: 'reg.example.com', plainHttp: true })).toBe('http:');
  });

  it('follows a blob redirect to another origin without the Authorization header', async () => {
    const bytes = Buffer.from('blob bytes');
    const descriptor = describeBytes(bytes);
    const server = fakeServer((request) => {
      if (request.url.origin === 'https://cdn.example.com') return new Response(bytes, { status: 200 });
      if (!request.authorization) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      return new Response(null, { status: 307, headers: { location: 'https://cdn.example.com/blobs/x?sig=1' } });
    });
    const repo = target({ fetch: server.fetch, credentials: credentials('u', 'p') });
    expect((await readAll(await repo.fetchBlob(descriptor))).equals(bytes)).toBe(true);
    expect(server.seen.map((r) => `${r.url.host} ${r.authorization ? 'auth' : 'anonymous'}`)).toEqual([
      'reg.example.com anonymous',
      'reg.example.com auth',
      'cdn.example.com anonymous',
    ]);
  });
});

describe('reading', () => {
  it('follows Link pagination of tags/list and sorts the union', async () => {
    const server = fakeServer((request) => {
      if (request.url.searchParams.get('last') === 'b') return json({ name: 'team/pkg', tags: ['a', 'c'] });
      return json({ name: 'team/pkg', tags: ['b', '10'] }, { headers: { link: '</v2/team/pkg/tags/list?n=2&last=b>; rel="next"' } });
    });
    expect(await target({ fetch: server.fetch }).listTags()).toEqual(['10', 'a', 'b', 'c']);
    expect(server.seen).toHaveLength(2);
  });

  it('uses the referrers API when the registry has one', async () => {
    const subject = describeBytes(Buffer.from('subject'), mediaTypes.ociManifest);
    const referrer = {
      mediaType: mediaTypes.ociManifest,
      digest: describeBytes(Buffer.from('sig')).digest,
      size: 3,
      artifactType: 'application/x-sig',
    };
    const server = fakeServer(() =>
      json(
        { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [referrer] },
        { headers: { 'content-type': mediaTypes.ociIndex } },
      ),
    );
    expect(await target({ fetch: server.fetch }).referrers(subject)).toEqual([referrer]);
    expect(server.seen.map((r) => r.url.pathname)).toEqual([`/v2/team/pkg/referrers/${subject.digest}`]);
  });

  it('fails a blob stream as soon as it exceeds the declared size, without waiting for its end', async () => {
    const descriptor = describeBytes(Buffer.alloc(100));
    const server = fakeServer(() => {
      // No Content-Length, 150 bytes, and a stream that never ends.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(60));
          controller.enqueue(new Uint8Array(90));
        },
      });
      return new Response(body, { status: 200 });
    });
    const stream = await target({ fetch: server.fetch }).fetchBlob(descriptor);
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'DK511' });
  });

  it('refuses manifest bytes that do not hash to the digest asked for', async () => {
    const asked = describeBytes(Buffer.from('{"a":1}')).digest;
    const server = fakeServer(() => new Response('{"a":2}', { status: 200, headers: { 'content-type': mediaTypes.ociManifest } }));
    await expect(target({ fetch: server.fetch }).fetchManifest(asked)).rejects.toMatchObject({ code: 'DK510' });
  });

  it('refuses a manifest announced over 4 MiB without reading it', async () => {
    const server = fakeServer(() => new Response('{}', { status: 200, headers: { 'content-length': String(5 * 1024 * 1024) } }));
    await expect(target({ fetch: server.fetch }).fetchManifest('big')).rejects.toMatchObject({ code: 'DK527' });
  });
});
