import { DataKitError } from '../core/errors';
import { authenticationHint } from './auth';
import type { RequestSummary } from './registry-http';

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

/** An answer with an unexpected status, as far as an error needs it. */
export interface ErrorAnswer {
  status: number;
  body: string;
  contentType: string;
  wwwAuthenticate: string | null;
  retryAfterMs?: number;
}

/** Where an answer came from, for messages: host[:port], the request's path, and whose credentials were sent. */
export interface AnswerOrigin {
  host: string;
  path: string;
  credentialSource: string | undefined;
}

/**
 * The RegistryError for an answer with an unexpected status: the registry's error codes (in the
 * JSON body) pick the code and message; `suffix` says how often it was tried.
 */
export function answerError(answer: ErrorAnswer, request: RequestSummary, origin: AnswerOrigin, suffix: string): RegistryError {
  const { status, body, contentType, wwwAuthenticate, retryAfterMs } = answer;
  const { host, path, credentialSource: source } = origin;
  const errors = parseRegistryErrors(body, contentType);
  const codes = errors.map((error) => error.code);
  const cause = new RegistryResponseError(request.method, path, status, body.slice(0, 2000));
  const detail = errors.length > 0 ? `: ${errors.map(formatRegistryError).join('; ')}` : '';
  const base = { cause, status, registryErrors: codes };
  const what = request.operation;

  if (status === 401) {
    if (source !== undefined && /error="?insufficient_scope/.test(wwwAuthenticate ?? '')) {
      return new RegistryError(registryCodes.denied, `${what}: access denied by ${host} (insufficient scope)${detail}`, {
        ...base,
        hint: 'The credentials are valid but lack the permission this needs (pull or push on the repository).',
      });
    }
    const which = source ? `the credentials from ${source} were rejected` : 'no credentials were found';
    return new RegistryError(registryCodes.unauthorized, `authentication failed for ${host} (${which})`, {
      ...base,
      hint: authenticationHint(host),
    });
  }
  if (status === 403 || codes.includes('DENIED')) {
    return new RegistryError(registryCodes.denied, `${what}: access denied by ${host}${detail}`, {
      ...base,
      hint: 'The credentials are valid but lack the permission this needs (pull or push on the repository).',
    });
  }
  if (codes.includes('DIGEST_INVALID')) {
    return new RegistryError(registryCodes.digestMismatch, `${what}: ${host} computed another digest for the uploaded bytes${detail}`, {
      ...base,
      hint: 'The content changed while it was uploaded, or its descriptor is wrong. Build and push again.',
    });
  }
  if (codes.includes('SIZE_INVALID')) {
    return new RegistryError(registryCodes.sizeMismatch, `${what}: ${host} received another size than declared${detail}`, base);
  }
  if (status === 404) {
    if (errors.length === 0) {
      return new RegistryError(
        registryCodes.notFound,
        `${what}: ${host} answered "404 page not found" to ${request.method} ${path}: it does not accept this repository name or tag, or does not serve this API`,
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
    return new RegistryError(registryCodes.notFound, `${what}: ${noun} on ${host}${detail}`, base);
  }
  if (status === 400 && /HTTP request to an HTTPS server/i.test(body)) {
    return new RegistryError(registryCodes.tls, `${what}: registry ${host} speaks TLS, not plain HTTP`, {
      ...base,
      hint: 'Drop --plain-http (and pass --ca-file if its certificate is not publicly trusted).',
    });
  }
  if (status === 413) {
    return new RegistryError(registryCodes.manifestTooLarge, `${what}: ${host} refused the request as too large${detail}`, base);
  }
  if (status === 429) {
    const wait = retryAfterMs !== undefined ? ` (it asks to retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';
    return new RegistryError(registryCodes.serverError, `${what}: ${host} is rate-limiting requests${wait}${suffix}`, {
      ...base,
      hint: 'Wait and try again, or authenticate to get a higher rate limit.',
    });
  }
  if (status >= 500) {
    return new RegistryError(registryCodes.serverError, `${what}: registry ${host} failed with ${status}${detail}${suffix}`, {
      ...base,
      hint: 'The registry has a problem; try again later or ask its operators.',
    });
  }
  if (status >= 400) {
    const reason =
      codes.includes('UNSUPPORTED') || status === 405 ? `${host} does not support this` : `${host} rejected the request (${status})`;
    return new RegistryError(registryCodes.rejected, `${what}: ${reason}${detail}`, base);
  }
  return new RegistryError(registryCodes.serverError, `${what}: unexpected answer ${status} from ${host}`, base);
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
