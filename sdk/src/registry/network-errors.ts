import { DataKitError, systemErrorCode } from '../core/errors';
import { TokenServerUnreachableError } from './auth';
import { RegistryError, registryCodes } from './registry-errors';

/**
 * Failures without an answer (refused or broken connections, TLS, token servers): which ones a
 * retry may fix, and the RegistryError each becomes.
 */

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
export function ownError(error: unknown): DataKitError | undefined {
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

/** The network error code of a failure, else its message. */
export function describeNetworkFailure(error: unknown): string {
  return networkErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Converts a failure that got no answer from `host` into a RegistryError; `after` tells how many
 * attempts were made (" after 3 attempts", or '').
 */
export function networkFailureError(
  last: unknown,
  registry: { host: string; origin: string },
  operation: string,
  after: string,
): RegistryError {
  const { host, origin } = registry;
  const code = networkErrorCode(last);
  if (last instanceof TokenServerUnreachableError) {
    return new RegistryError(
      registryCodes.unreachable,
      `token server ${last.realmOrigin} of registry ${host} unreachable (${code ?? 'network error'})${after}`,
      {
        cause: last,
        hint: 'Check the network and that the token service is running.',
      },
    );
  }
  if (code !== undefined && tlsErrorCodes.has(code)) {
    return new RegistryError(registryCodes.tls, `TLS connection to registry ${host} failed: ${code}`, {
      cause: last,
      hint:
        code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO'
          ? 'The registry may not speak TLS: pass --plain-http if it is meant to be reached over plain HTTP.'
          : "The registry's certificate is not trusted: pass its CA certificate with --ca-file.",
    });
  }
  if (code !== undefined && connectionErrorCodes.has(code)) {
    return new RegistryError(registryCodes.unreachable, `registry ${host} unreachable (${code})${after}`, {
      cause: last,
      hint: `Check that the registry runs and that ${origin} is the right address.`,
    });
  }
  return new RegistryError(
    registryCodes.unreachable,
    `${operation}: request to registry ${host} failed (${describeNetworkFailure(last)})`,
    {
      cause: last,
    },
  );
}
