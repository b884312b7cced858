import type { Clock } from '../core/clock';
import type { DataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import { RetriesExhaustedError, retry, type RetryDecision, type Sleep } from '../core/retry';
import type { RegistryAuth } from './auth';
import type { FetchInit, FetchLike } from './https-fetch';
import { describeNetworkFailure, isConnectionError, networkFailureError, ownError } from './network-errors';
import { answerError, type ErrorAnswer, type RegistryError } from './registry-errors';
import { discard, readLimited } from './responses';

/**
 * Request plumbing for one registry host: authorization, redirects, retries with backoff, and the
 * one place where HTTP and network failures become DataKitErrors.
 */

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
    const answer: ErrorAnswer = {
      status: response.status,
      body,
      contentType: response.headers.get('content-type') ?? '',
      wwwAuthenticate: response.headers.get('www-authenticate'),
    };
    return this.statusError(answer, request, suffix);
  }

  /** Converts any failure of send() (retries exhausted, network, TLS) into a RegistryError. */
  convertFailure(error: unknown, request: RequestSummary): DataKitError {
    const attempts = error instanceof RetriesExhaustedError ? error.attempts : 1;
    const last = error instanceof RetriesExhaustedError ? error.lastError : error;
    const after = attempts > 1 ? ` after ${attempts} attempts` : '';
    const own = ownError(last);
    if (own) return own;
    if (last instanceof RetryableStatusError) {
      const { status, body, contentType, retryAfterMs } = last;
      return this.statusError({ status, body, contentType, wwwAuthenticate: null, retryAfterMs }, last.request, after);
    }
    return networkFailureError(last, this, request.operation, after);
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

  private statusError(answer: ErrorAnswer, request: RequestSummary, suffix: string): RegistryError {
    const path = new URL(this.resolveUrl(request.url)).pathname;
    return answerError(answer, request, { host: this.host, path, credentialSource: this.options.auth.credentialSource }, suffix);
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof RetryableStatusError) return `status ${error.status}`;
  return describeNetworkFailure(error);
}
