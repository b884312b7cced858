import type { Clock } from '../core/clock';
import { DataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { CredentialProvider, RegistryCredential } from './credentials';
import type { FetchLike } from './https-fetch';
import { isLoopbackHost } from './reference';
import { normalizeScopes, splitScopes } from './scopes';
import { parseWwwAuthenticate } from './www-authenticate';

export interface RegistryAuthOptions {
  /** host[:port] of the registry. */
  host: string;
  credentials: CredentialProvider;
  fetch: FetchLike;
  logger: Logger;
  clock: Clock;
  userAgent: string;
  /** The user asked for plain HTTP: credentials may then go to an http:// token realm off loopback. */
  allowPlainHttpRealm?: boolean;
  /** Default: a cache of this client's own. */
  cache?: AuthCache;
}

/** A token server could not be reached; the registry client retries these like its own connection errors. */
export class TokenServerUnreachableError extends Error {
  constructor(
    readonly realmOrigin: string,
    options: { cause: unknown },
  ) {
    super(`token server ${realmOrigin} unreachable`, options);
    this.name = 'TokenServerUnreachableError';
  }
}

export type HostChallenge = { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service: string | undefined };

interface CachedToken {
  header: string;
  expiresAt: number;
}

/**
 * What clients learn about registries: each host's challenge and Bearer tokens per (host, scope
 * set). Share one between clients using the same credentials (copying between repositories,
 * publishing many packages) to save token round trips.
 */
export class AuthCache {
  readonly challenges = new Map<string, HostChallenge>();
  readonly tokens = new Map<string, CachedToken>();
}

const defaultTokenLifetimeSeconds = 60;

/**
 * Authorization for one registry host: Basic from credentials, or Bearer tokens fetched from the
 * challenge's realm and cached per scope set. Secrets live only in request headers: never in logs,
 * messages or errors.
 */
export class RegistryAuth {
  private readonly cache: AuthCache;
  private credential: Promise<RegistryCredential | undefined> | undefined;
  private usedCredentialSource: string | undefined;

  constructor(private readonly options: RegistryAuthOptions) {
    this.cache = options.cache ?? new AuthCache();
  }

  private tokenKey(wanted: readonly string[]): string {
    return `${this.options.host} ${wanted.join(' ')}`;
  }

  /** Where the credentials in use came from (never the secret), for messages; undefined when anonymous. */
  get credentialSource(): string | undefined {
    return this.usedCredentialSource;
  }

  /** The header for a request needing `scopes`, once the host's scheme is known (saves a 401 round trip). */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.cache.challenges.get(this.options.host);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return this.basicHeader();
    const wanted = normalizeScopes(scopes);
    return this.cachedToken(wanted) ?? (await this.fetchToken(challenge, wanted));
  }

  /**
   * Called with a 401's WWW-Authenticate header. Returns the header to retry with, or undefined
   * when there is nothing new to try (no usable challenge, no credentials, the same header again).
   */
  async onUnauthorized(
    wwwAuthenticate: string | null,
    scopes: readonly string[],
    previous: string | undefined,
  ): Promise<string | undefined> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? '');
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    const basic = challenges.find((challenge) => challenge.scheme === 'basic');
    let header: string | undefined;
    if (bearer?.params.realm) {
      const challenge: HostChallenge = { scheme: 'bearer', realm: bearer.params.realm, service: bearer.params.service };
      this.cache.challenges.set(this.options.host, challenge);
      const wanted = normalizeScopes([...scopes, ...splitScopes(bearer.params.scope)]);
      const key = this.tokenKey(wanted);
      const refused = previous !== undefined && this.cache.tokens.get(key)?.header === previous;
      // A token for exactly these scopes was refused as insufficient: a new one would be no better.
      if (refused && bearer.params.error === 'insufficient_scope') return undefined;
      this.cache.tokens.delete(key);
      header = await this.fetchToken(challenge, wanted);
    } else if (basic) {
      this.cache.challenges.set(this.options.host, { scheme: 'basic' });
      header = await this.basicHeader();
    }
    return header === previous ? undefined : header;
  }

  private lookupCredential(): Promise<RegistryCredential | undefined> {
    this.credential ??= this.options.credentials(this.options.host).then((credential) => {
      this.usedCredentialSource = credential?.source;
      return credential;
    });
    return this.credential;
  }

  private async basicHeader(): Promise<string | undefined> {
    const credential = await this.lookupCredential();
    return credential ? basicAuthorization(credential) : undefined;
  }

  private cachedToken(wanted: readonly string[]): string | undefined {
    const key = this.tokenKey(wanted);
    const cached = this.cache.tokens.get(key);
    if (!cached) return undefined;
    if (cached.expiresAt <= this.options.clock.now().getTime()) {
      this.cache.tokens.delete(key);
      return undefined;
    }
    return cached.header;
  }

  private async fetchToken(challenge: { realm: string; service: string | undefined }, wanted: readonly string[]): Promise<string> {
    const { host, logger } = this.options;
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch (error) {
      throw new DataKitError('DK523', `${host} asked for a token from an invalid realm`, { cause: error });
    }
    if (challenge.service !== undefined) realm.searchParams.set('service', challenge.service);
    for (const scope of wanted) realm.searchParams.append('scope', scope);

    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, accept: 'application/json' };
    const credential = await this.lookupCredential();
    if (credential) {
      const plain = realm.protocol === 'http:' && !isLoopbackHost(realm.host) && !this.options.allowPlainHttpRealm;
      if (plain) {
        throw new DataKitError(
          'DK523',
          `${host} sends clients to a token server over plain HTTP (${realm.origin}); credentials were not sent`,
          {
            hint: 'Use an https token realm, or pass --plain-http if this registry is meant to be reached without TLS.',
          },
        );
      }
      headers.authorization = basicAuthorization(credential);
    }

    logger.debug({ host, realm: realm.origin + realm.pathname, scopes: wanted }, 'fetching registry token');
    let response: Response;
    try {
      response = await this.options.fetch(realm.toString(), { method: 'GET', headers, redirect: 'manual' });
    } catch (error) {
      throw new TokenServerUnreachableError(realm.origin, { cause: error });
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new DataKitError(
        'DK523',
        credential
          ? `authentication failed for ${host}: the token server ${realm.origin} rejected the credentials from ${credential.source}`
          : `authentication failed for ${host}: the token server ${realm.origin} wants credentials and none were found`,
        { hint: authenticationHint(host) },
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new DataKitError('DK528', `the token server ${realm.origin} of ${host} answered ${response.status}`);
    }
    const token = parseTokenResponse(await response.text());
    if (!token) throw new DataKitError('DK528', `the token server ${realm.origin} of ${host} answered without a token`);
    const header = `Bearer ${token.token}`;
    const lifetime = Math.max(token.expiresIn ?? defaultTokenLifetimeSeconds, 10);
    // Refresh a little early so a token does not expire between the check and the request.
    const expiresAt = this.options.clock.now().getTime() + lifetime * 900;
    this.cache.tokens.set(this.tokenKey(wanted), { header, expiresAt });
    return header;
  }
}

export function authenticationHint(host: string): string {
  return `Check DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD, or run docker login ${host}.`;
}

function basicAuthorization(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.secret}`, 'utf8').toString('base64')}`;
}

function parseTokenResponse(text: string): { token: string; expiresIn: number | undefined } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof record.token === 'string' && record.token !== '' ? record.token : record.access_token;
  if (typeof token !== 'string' || token === '') return undefined;
  return { token, expiresIn: typeof record.expires_in === 'number' ? record.expires_in : undefined };
}
