import { systemErrorCode } from '../core/errors';
import type { Logger } from '../core/logger';
import { RetriesExhaustedError, retry, type RetryDecision, type Sleep } from '../core/retry';
import { LineageDeliveryError, lineageCodes } from './codes';
import { describeEvent, type LineageEmitter } from './emitter';
import type { RunEvent } from './openlineage-types';
import { publicUri } from './redact';

/** The subset of fetch the emitter uses; globalThis.fetch fits. */
export type LineageFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<Response>;

export interface LineageRetryPolicy {
  /** Total attempts per event, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}

export const defaultLineageRetryPolicy: LineageRetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 };

/** Marquez (and the OpenLineage HTTP transport's default). */
export const marquezEndpoint = '/api/v1/lineage';
/** DataHub's OpenLineage endpoint. */
export const dataHubEndpoint = '/openapi/openlineage/api/v1/lineage';

export interface HttpEmitterOptions {
  /** The backend's base URL (http://localhost:5000), or the full endpoint URL. */
  url: string;
  /** Appended to `url` unless it already ends with it. Default: /api/v1/lineage. */
  endpoint?: string;
  /** Sent as Authorization: Bearer <token>. */
  token?: string;
  fetch: LineageFetch;
  logger: Logger;
  sleep: Sleep;
  retry?: LineageRetryPolicy;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  userAgent?: string;
}

const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);
const maxBodyInMessage = 2_000;

/** An answer with a status other than 2xx, thrown inside the retry loop. */
class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}${body ? `: ${body}` : ''}`);
    this.name = 'LineageHttpStatusError';
  }
}

/** The endpoint URL: base + endpoint, unless the base already ends with it. */
export function endpointUrl(base: string, endpoint: string = marquezEndpoint): string {
  const url = new URL(base);
  const pathname = url.pathname.replace(/\/+$/, '');
  if (!pathname.endsWith(endpoint)) url.pathname = `${pathname}${endpoint}`;
  return url.href;
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = error instanceof Error ? error.cause : undefined;
  return systemErrorCode(cause) ?? systemErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

async function readBody(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.length > maxBodyInMessage ? `${text.slice(0, maxBodyInMessage)}…` : text;
  } catch {
    return '';
  }
}

/**
 * Sends each event as one POST with a JSON body. 2xx is delivered; 408/429/5xx and network failures
 * are retried with backoff; other 4xx mean the backend refused the event (Marquez answers 422 with
 * the reasons in its body, which the error shows).
 */
export function createHttpEmitter(options: HttpEmitterOptions): LineageEmitter {
  const url = endpointUrl(options.url, options.endpoint);
  // What messages show: no query (where a key may be).
  const shown = publicUri(url) ?? url;
  const policy = options.retry ?? defaultLineageRetryPolicy;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.userAgent) headers['user-agent'] = options.userAgent;
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  const classify = (error: unknown): RetryDecision => ({ retry: !(error instanceof StatusError) || retryableStatuses.has(error.status) });

  async function post(body: string): Promise<void> {
    const response = await options.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    throw new StatusError(response.status, await readBody(response));
  }

  function convert(error: unknown, event: RunEvent): LineageDeliveryError {
    const attempts = error instanceof RetriesExhaustedError ? error.attempts : 1;
    const last = error instanceof RetriesExhaustedError ? error.lastError : error;
    const what = describeEvent(event);
    const after = attempts > 1 ? ` after ${attempts} attempts` : '';
    if (last instanceof StatusError && !retryableStatuses.has(last.status)) {
      return new LineageDeliveryError(lineageCodes.rejected, `lineage backend ${shown} rejected the ${what}: ${last.message}`, {
        cause: last,
        status: last.status,
        retryable: false,
        hint:
          last.status === 401 || last.status === 403
            ? 'Check the lineage API token.'
            : 'The backend said why in its answer; the event is not sent again.',
      });
    }
    const reason = last instanceof StatusError ? `answered ${last.message}` : `unreachable (${networkReason(last)})`;
    return new LineageDeliveryError(lineageCodes.unreachable, `lineage backend ${shown} ${reason}${after}; could not deliver the ${what}`, {
      cause: last,
      ...(last instanceof StatusError ? { status: last.status } : {}),
      retryable: true,
      hint: `Check that the lineage backend runs at ${new URL(url).origin}.`,
    });
  }

  return {
    target: shown,
    async emit(event) {
      const body = JSON.stringify(event);
      try {
        await retry(() => post(body), {
          ...policy,
          sleep: options.sleep,
          classify,
          onRetry: ({ attempt, delayMs, error }) =>
            options.logger.debug(
              { target: shown, attempt, delayMs, reason: error instanceof StatusError ? `HTTP ${error.status}` : networkReason(error) },
              'lineage request failed; retrying',
            ),
        });
      } catch (error) {
        throw convert(error, event);
      }
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
