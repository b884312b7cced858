import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config';
import { createScrubber, REDACTED, scrubLogLine } from './scrub';

export type { Logger } from 'pino';

/** Where log lines go: one JSON document per write, newline-terminated. */
export interface LogDestination {
  write(line: string): void;
}

export interface AppLoggerOptions {
  level: LogLevel | 'silent';
  /** Values that must never appear in a log line: the private key, each webhook secret, the registry password. */
  secrets: readonly (string | undefined)[];
  /** Defaults to stdout, written synchronously so nothing is lost when the process exits. */
  destination?: LogDestination;
}

const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', '"x-hub-signature"', '"x-hub-signature-256"'];
const headerContainers = ['headers', '*.headers', '*.*.headers', 'err.request.headers', 'err.response.headers', 'err.*.request.headers'];

/** pino redact paths for credential headers: headers.authorization, req.headers.cookie, err.request.headers["x-hub-signature-256"], … */
export const redactPaths: readonly string[] = headerContainers.flatMap((container) =>
  credentialHeaders.map((header) => (header.startsWith('"') ? `${container}[${header}]` : `${container}.${header}`)),
);

/**
 * The app's logger: pino writing JSON lines, with credential headers redacted by path and, as the
 * last step before a line is written, every configured secret, GitHub token (ghs_…, ghp_…), JWT
 * and PEM private key replaced by [REDACTED] wherever it occurs (messages, errors, bindings).
 */
export function createAppLogger(options: AppLoggerOptions): Logger {
  const secrets = options.secrets.filter((s): s is string => typeof s === 'string' && s.trim() !== '');
  const scrub = createScrubber(secrets);
  const secretSet = new Set(secrets.map((s) => s.trim()));
  return pino(
    {
      level: options.level,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...redactPaths], censor: REDACTED },
      serializers: { err: serializeError, event: serializeEvent },
      hooks: { streamWrite: (line) => scrubLogLine(line, scrub, secretSet) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A webhook delivery as Probot receives it. */
export interface DeliveryRef {
  id: string;
  name: string;
  payload: unknown;
}

/**
 * A child logger for one delivery: deliveryId, event (name.action), repository (owner/name) and
 * installationId, so every line of its handling can be found from the delivery id GitHub shows.
 */
export function deliveryLogger(base: Logger, delivery: DeliveryRef): Logger {
  return base.child(deliveryFields(delivery));
}

/** The fields deliveryLogger binds; absent ones are left out. */
export function deliveryFields(delivery: DeliveryRef): Record<string, string | number> {
  const payload = (typeof delivery.payload === 'object' && delivery.payload !== null ? delivery.payload : {}) as {
    action?: unknown;
    repository?: { full_name?: unknown } | null;
    installation?: { id?: unknown } | null;
  };
  const fields: Record<string, string | number> = {
    deliveryId: delivery.id,
    event: typeof payload.action === 'string' && payload.action !== '' ? `${delivery.name}.${payload.action}` : delivery.name,
  };
  const repository = payload.repository?.full_name;
  if (typeof repository === 'string') fields.repository = repository;
  const installationId = payload.installation?.id;
  if (typeof installationId === 'number') fields.installationId = installationId;
  return fields;
}

/**
 * pino's error serializer, minus the webhook event @octokit/webhooks attaches to handler errors
 * (the whole payload on every error line): only its id and name are kept.
 */
export function serializeError(error: unknown): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.err(error) : error;
  return trimEvents(serialized, 0);
}

/**
 * A webhook event logged whole (Probot logs {event} at debug on every delivery) becomes its id
 * and name: payloads (comment bodies, …) are never logged. Event names (strings) pass unchanged.
 */
export function serializeEvent(event: unknown): unknown {
  if (event !== null && typeof event === 'object' && 'payload' in event) {
    const { id, name } = event as { id?: unknown; name?: unknown };
    return { id, name };
  }
  return event;
}

function trimEvents(value: unknown, depth: number): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => trimEvents(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key === 'event') return [key, serializeEvent(item)];
      return [key, key === 'aggregateErrors' || key === 'cause' ? trimEvents(item, depth + 1) : item];
    }),
  );
}
