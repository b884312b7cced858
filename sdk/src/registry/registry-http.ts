import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import tls from 'node:tls';
import type { Clock } from '../core/clock';
import { DataKitError, systemErrorCode } from '../core/errors';
import type { Logger } from '../core/logger';
import { RetriesExhaustedError, retry, type RetryDecision, type Sleep } from '../core/retry';
import { authenticationHint, TokenServerUnreachableError, type FetchInit, type FetchLike, type RegistryAuth } from './auth';

/**
 * Request plumbing for one registry host: authorization, redirects, retries with backoff, and the
 * one place where HTTP and network failures become DataKitErrors.
 */

/** Codes of the registry client (the catalogue lives in @datakit/contracts). */
export const registryCodes = {
  invalidReference: 'DK520',
  unreachable: 'DK521',
  tls: 'DK522',
  unauthorized: 'DK523',
  denied: 'DK524',
  notFound: 'DK525',
  rejected: 'DK526',
  manifestTooLarge: 'DK527',
  serverError: 'DK528',
  credentials: 'DK529',
  digestMismatch: 'DK510',
  sizeMismatch: 'DK511',
} as const;

export type RegistryCode = (typeof registryCodes)[keyof typeof registryCodes];

/** A registry failure: the stable code, plus the HTTP status and registry error codes when there was an answer. */
export class RegistryError extends DataKitError {
  constructor(
    code: RegistryCode,
    message: string,
    options: { cause?: unknown; hint?: string; status?: number; registryErrors?: string[] } = {},
  ) {
    super(code, message, options);
    this.status = options.status;
    this.registryErrors = options.registryErrors ?? [];
  }
  readonly status: number | undefined;
  readonly registryErrors: string[];
}

/** The registry's answer, kept as the `cause` of a RegistryError: no headers, so no secrets. */
export class RegistryResponseError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}${body ? `: ${body}` : ''}`);
    this.name = 'RegistryResponseError';
  }
}

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** What a message needs to know about a request. */
export interface RequestSummary {
  method: HttpMethod;
  /** A path below the registry (/v2/…) or an absolute URL the registry gave (Location, Link). */
  url: string;
  /** What is being done, for messages: "fetch manifest 1.0.0 from oci://host/repo". */
  operation: string;
}

export interface RegistryRequest extends RequestSummary {
  headers?: Record<string, string>;
  /** Called for every (re)send, so streamed bodies are reopened. */
  body?: () => Uint8Array | AsyncIterable<Uint8Array>;
  /** Token scopes the request needs, e.g. repository:team/pkg:pull. */
  scopes: readonly string[];
}

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After longer than this is not waited for: the request fails instead. */
  maxRetryAfterMs: number;
  random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

export interface RegistryHttpOptions {
  /** host[:port] */
  host: string;
  scheme: 'http' | 'https';
  fetch: FetchLike;
  auth: RegistryAuth;
  logger: Logger;
  sleep: Sleep;
  clock: Clock;
  userAgent: string;
  retry: RetryPolicy;
}

const retryableStatuses = new Set([429, 500, 502, 503, 504]);
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 5;
const maxErrorBodyBytes = 64 * 1024;

const connectionErrorCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const tlsErrorCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** A 429 or 5xx answer, thrown inside the retry loop. */
class RetryableStatusError extends Error {
  constructor(
    readonly request: RequestSummary,
    readonly status: number,
    readonly body: string,
    readonly contentType: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`answered ${status}`);
    this.name = 'RetryableStatusError';
  }
}

export class RegistryHttp {
  readonly host: string;
  readonly origin: string;

  constructor(private readonly options: RegistryHttpOptions) {
    this.host = options.host;
    this.origin = `${options.scheme}://${options.host}`;
  }

  /** An absolute URL for a registry path, or for a Location/Link value relative to `base`. */
  resolveUrl(url: string, base: string = this.origin): string {
    return new URL(url, base).toString();
  }

  /**
   * Sends the request (authorizing and following GET/HEAD redirects), retrying transient
   * failures. Returns the answer whatever its status; throws RegistryError when there was none.
   */
  async send(request: RegistryRequest): Promise<Response> {
    try {
      return await this.withRetries(request.operation, () => this.sendOnce(request));
    } catch (error) {
      throw this.convertFailure(error, request);
    }
  }

  /**
   * Runs `operation` with the client's retry policy and classification; failures stay raw
   * (convert them with convertFailure). For multi-request operations such as uploads.
   */
  withRetries<T>(operation: string, run: (attempt: number) => Promise<T>): Promise<T> {
    const { retry: policy, logger } = this.options;
    return retry(run, {
      ...policy,
      sleep: this.options.sleep,
      classify: (error) => this.classify(error),
      onRetry: ({ attempt, delayMs, error }) =>
        logger.warn({ host: this.host, operation, attempt, delayMs, reason: describeFailure(error) }, 'registry request failed; retrying'),
    });
  }

  /** One attempt without retries: a 429 or 5xx answer is thrown (as a retryable failure), other answers returned. */
  async sendOnce(request: RegistryRequest): Promise<Response> {
    const response = await this.authorizedExchange(request);
    if (retryableStatuses.has(response.status)) {
      const body = request.method === 'HEAD' ? '' : await readLimited(response, maxErrorBodyBytes);
      throw new RetryableStatusError(
        request,
        response.status,
        body,
        response.headers.get('content-type') ?? '',
        this.retryAfterMs(response),
      );
    }
    return response;
  }

  /** send(), then a RegistryError unless the status is one of `statuses`. */
  async expect(request: RegistryRequest, statuses: readonly number[]): Promise<Response> {
    const response = await this.send(request);
    if (statuses.includes(response.status)) return response;
    throw await this.errorFor(response, request);
  }

  /** Whether a failure is worth another attempt: a connection error or a 429/5xx answer. */
  classify(error: unknown): RetryDecision {
    if (error instanceof RetryableStatusError) {
      if (error.retryAfterMs !== undefined && error.retryAfterMs > this.options.retry.maxRetryAfterMs) return { retry: false };
      return error.retryAfterMs === undefined ? { retry: true } : { retry: true, delayMs: error.retryAfterMs };
    }
    return { retry: isConnectionError(error) };
  }

  /** Converts an answer with an unexpected status into a RegistryError (reads the body). */
  async errorFor(response: Response, request: RequestSummary, suffix = ''): Promise<RegistryError> {
    const body = request.method === 'HEAD' ? '' : await readLimited(response, maxErrorBodyBytes);
    return this.statusError(
      response.status,
      body,
      response.headers.get('content-type') ?? '',
      response.headers.get('www-authenticate'),
      request,
      suffix,
    );
  }

  /** Converts any failure of send() (retries exhausted, network, TLS) into a RegistryError. */
  convertFailure(error: unknown, request: RequestSummary): DataKitError {
    const attempts = error instanceof RetriesExhaustedError ? error.attempts : 1;
    const last = error instanceof RetriesExhaustedError ? error.lastError : error;
    const after = attempts > 1 ? ` after ${attempts} attempts` : '';
    const own = ownError(last);
    if (own) return own;
    if (last instanceof RetryableStatusError) {
      return this.statusError(last.status, last.body, last.contentType, null, last.request, after, last.retryAfterMs);
    }
    const code = networkErrorCode(last);
    if (last instanceof TokenServerUnreachableError) {
      return new RegistryError(
        registryCodes.unreachable,
        `token server ${last.realmOrigin} of registry ${this.host} unreachable (${code ?? 'network error'})${after}`,
        {
          cause: last,
          hint: 'Check the network and that the token service is running.',
        },
      );
    }
    if (code !== undefined && tlsErrorCodes.has(code)) {
      return new RegistryError(registryCodes.tls, `TLS connection to registry ${this.host} failed: ${code}`, {
        cause: last,
        hint:
          code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO'
            ? 'The registry may not speak TLS: pass --plain-http if it is meant to be reached over plain HTTP.'
            : "The registry's certificate is not trusted: pass its CA certificate with --ca-file.",
      });
    }
    if (code !== undefined && connectionErrorCodes.has(code)) {
      return new RegistryError(registryCodes.unreachable, `registry ${this.host} unreachable (${code})${after}`, {
        cause: last,
        hint: `Check that the registry runs and that ${this.origin} is the right address.`,
      });
    }
    return new RegistryError(
      registryCodes.unreachable,
      `${request.operation}: request to registry ${this.host} failed (${describeFailure(last)})`,
      {
        cause: last,
      },
    );
  }

  /** One exchange, with at most two authorization rounds (a challenge, then insufficient_scope) and redirects. */
  private async authorizedExchange(request: RegistryRequest): Promise<Response> {
    const { auth } = this.options;
    let url = this.resolveUrl(request.url);
    let authorization = await auth.authorization(request.scopes);
    let rounds = 0;
    let redirects = 0;
    for (;;) {
      const sameOrigin = new URL(url).origin === this.origin;
      const response = await this.exchange(url, request, sameOrigin ? authorization : undefined);
      this.options.logger.debug(
        { host: this.host, method: request.method, path: new URL(url).pathname, status: response.status },
        'registry request',
      );
      if (response.status === 401 && sameOrigin && rounds < 2) {
        rounds++;
        const next = await auth.onUnauthorized(response.headers.get('www-authenticate'), request.scopes, authorization);
        if (next !== undefined) {
          await discard(response);
          authorization = next;
          continue;
        }
      }
      const location = response.headers.get('location');
      if (redirectStatuses.has(response.status) && location && (request.method === 'GET' || request.method === 'HEAD')) {
        if (++redirects > maxRedirects) return response;
        await discard(response);
        url = new URL(location, url).toString();
        continue;
      }
      return response;
    }
  }

  private exchange(url: string, request: RegistryRequest, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...request.headers };
    if (authorization !== undefined) headers.authorization = authorization;
    const init: FetchInit = { method: request.method, headers, redirect: 'manual' };
    const body = request.body?.();
    if (body !== undefined) {
      init.body = body;
      if (!(body instanceof Uint8Array)) init.duplex = 'half';
    }
    return this.options.fetch(url, init);
  }

  private retryAfterMs(response: Response): number | undefined {
    const value = response.headers.get('retry-after');
    if (value === null) return undefined;
    if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - this.options.clock.now().getTime());
  }

  private statusError(
    status: number,
    body: string,
    contentType: string,
    wwwAuthenticate: string | null,
    request: RequestSummary,
    suffix: string,
    retryAfterMs?: number,
  ): RegistryError {
    const path = new URL(this.resolveUrl(request.url)).pathname;
    const errors = parseRegistryErrors(body, contentType);
    const codes = errors.map((error) => error.code);
    const cause = new RegistryResponseError(request.method, path, status, body.slice(0, 2000));
    const detail = errors.length > 0 ? `: ${errors.map(formatRegistryError).join('; ')}` : '';
    const base = { cause, status, registryErrors: codes };
    const what = request.operation;

    if (status === 401) {
      const source = this.options.auth.credentialSource;
      if (source !== undefined && /error="?insufficient_scope/.test(wwwAuthenticate ?? '')) {
        return new RegistryError(registryCodes.denied, `${what}: access denied by ${this.host} (insufficient scope)${detail}`, {
          ...base,
          hint: 'The credentials are valid but lack the permission this needs (pull or push on the repository).',
        });
      }
      const which = source ? `the credentials from ${source} were rejected` : 'no credentials were found';
      return new RegistryError(
        registryCodes.unauthorized,
        `authentication failed for ${this.host} (${which}): check DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD or docker login ${this.host}`,
        {
          ...base,
          hint: authenticationHint(this.host),
        },
      );
    }
    if (status === 403 || codes.includes('DENIED')) {
      return new RegistryError(registryCodes.denied, `${what}: access denied by ${this.host}${detail}`, {
        ...base,
        hint: 'The credentials are valid but lack the permission this needs (pull or push on the repository).',
      });
    }
    if (codes.includes('DIGEST_INVALID')) {
      return new RegistryError(
        registryCodes.digestMismatch,
        `${what}: ${this.host} computed another digest for the uploaded bytes${detail}`,
        {
          ...base,
          hint: 'The content changed while it was uploaded, or its descriptor is wrong. Build and push again.',
        },
      );
    }
    if (codes.includes('SIZE_INVALID')) {
      return new RegistryError(registryCodes.sizeMismatch, `${what}: ${this.host} received another size than declared${detail}`, base);
    }
    if (status === 404) {
      if (errors.length === 0) {
        return new RegistryError(
          registryCodes.notFound,
          `${what}: ${this.host} answered "404 page not found" to ${request.method} ${path}: it does not accept this repository name or tag, or does not serve this API`,
          {
            ...base,
            hint: 'Check the repository name (lower case) and tag (no "+", at most 128 characters), and that the address is a registry.',
          },
        );
      }
      const noun = codes.includes('MANIFEST_UNKNOWN')
        ? 'manifest not found'
        : codes.includes('BLOB_UNKNOWN')
          ? 'blob not found'
          : codes.includes('NAME_UNKNOWN')
            ? 'repository not found'
            : codes.includes('BLOB_UPLOAD_UNKNOWN') || codes.includes('BLOB_UPLOAD_INVALID')
              ? 'upload session not found'
              : 'not found';
      return new RegistryError(registryCodes.notFound, `${what}: ${noun} on ${this.host}${detail}`, base);
    }
    if (status === 400 && /HTTP request to an HTTPS server/i.test(body)) {
      return new RegistryError(registryCodes.tls, `${what}: registry ${this.host} speaks TLS, not plain HTTP`, {
        ...base,
        hint: 'Drop --plain-http (and pass --ca-file if its certificate is not publicly trusted).',
      });
    }
    if (status === 413) {
      return new RegistryError(registryCodes.manifestTooLarge, `${what}: ${this.host} refused the request as too large${detail}`, base);
    }
    if (status === 429) {
      const wait = retryAfterMs !== undefined ? ` (it asks to retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';
      return new RegistryError(registryCodes.serverError, `${what}: ${this.host} is rate-limiting requests${wait}${suffix}`, {
        ...base,
        hint: 'Wait and try again, or authenticate to get a higher rate limit.',
      });
    }
    if (status >= 500) {
      return new RegistryError(registryCodes.serverError, `${what}: registry ${this.host} failed with ${status}${detail}${suffix}`, {
        ...base,
        hint: 'The registry has a problem; try again later or ask its operators.',
      });
    }
    if (status >= 400) {
      const reason =
        codes.includes('UNSUPPORTED') || status === 405
          ? `${this.host} does not support this`
          : `${this.host} rejected the request (${status})`;
      return new RegistryError(registryCodes.rejected, `${what}: ${reason}${detail}`, base);
    }
    return new RegistryError(registryCodes.serverError, `${what}: unexpected answer ${status} from ${this.host}`, base);
  }
}

interface RegistryErrorEntry {
  code: string;
  message: string;
  detail: unknown;
}

function parseRegistryErrors(body: string, contentType: string): RegistryErrorEntry[] {
  if (!body.trimStart().startsWith('{') && !contentType.includes('json')) return [];
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors.flatMap((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return [];
      const record = entry as { code?: unknown; message?: unknown; detail?: unknown };
      return typeof record.code === 'string'
        ? [{ code: record.code, message: typeof record.message === 'string' ? record.message : '', detail: record.detail }]
        : [];
    });
  } catch {
    return [];
  }
}

function formatRegistryError(error: RegistryErrorEntry): string {
  let detail = '';
  if (typeof error.detail === 'string' && error.detail !== '') detail = ` (${error.detail})`;
  else if (error.detail && typeof error.detail === 'object' && Object.keys(error.detail).length > 0) {
    detail = ` (${JSON.stringify(error.detail).slice(0, 300)})`;
  }
  return `${error.code} ${error.message}${detail}`.trim();
}

/** The system error code (ECONNREFUSED, UND_ERR_SOCKET, a TLS code…) somewhere in an error's cause chain. */
export function networkErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    const code = systemErrorCode(current);
    if (code !== undefined && (connectionErrorCodes.has(code) || tlsErrorCodes.has(code))) return code;
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const innerCode = networkErrorCode(inner);
        if (innerCode !== undefined) return innerCode;
      }
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** A DataKitError anywhere in the cause chain: fetch wraps errors thrown by a streamed body (ours). */
function ownError(error: unknown): DataKitError | undefined {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (current instanceof DataKitError) return current;
  }
  return undefined;
}

/** A broken or refused connection (TLS verification failures are not: retrying cannot fix them). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DataKitError) return false;
  const code = networkErrorCode(error);
  return code !== undefined && connectionErrorCodes.has(code);
}

function describeFailure(error: unknown): string {
  if (error instanceof RetryableStatusError) return `status ${error.status}`;
  return networkErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

/** Reads at most `limit` bytes of a body as text and drops the rest. */
export async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) break;
    }
  } catch {
    // A body cut short still tells what arrived.
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Frees the connection of an answer whose body is not needed. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already consumed or closed
  }
}

/**
 * A fetch over node:http/https that trusts `ca` as well as the usual roots (token realms and blob
 * redirects may live elsewhere). Node 20's global fetch cannot take a CA without undici's Agent,
 * and the undici module is not importable unless installed.
 */
export function fetchWithCa(ca: string | Buffer): FetchLike {
  const agent = new https.Agent({ ca: [...tls.rootCertificates, ca.toString()], keepAlive: false });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const body = init.body;
      const secure = target.protocol === 'https:';
      const headers = body instanceof Uint8Array ? { ...init.headers, 'content-length': String(body.length) } : init.headers;
      const request = (secure ? https : http).request(
        target,
        { method: init.method, headers, ...(secure ? { agent } : {}) },
        (incoming) => {
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined) continue;
            for (const item of Array.isArray(value) ? value : [value]) answerHeaders.append(name, item);
          }
          const status = incoming.statusCode ?? 502;
          const empty = init.method === 'HEAD' || status === 204 || status === 304;
          if (empty) incoming.resume();
          const answerBody = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
          resolve(new Response(answerBody, { status, statusText: incoming.statusMessage ?? '', headers: answerHeaders }));
        },
      );
      request.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      if (body === undefined) request.end();
      else if (body instanceof Uint8Array) request.end(body);
      else pipeline(Readable.from(body), request, (error) => error && request.destroy(error));
    });
}
