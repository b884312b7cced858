import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot, type ApplicationFunction, type Logger, type Options as ProbotOptions } from 'probot';
import { systemClock, type Clock } from '@datakit/sdk/core';
import type { AppConfig } from '../config';
import { createAppOctokit } from '../github/app-octokit';
import { deliveryFields } from '../logging/logger';
import { maxWebhookBodyBytes, readBody } from './body';
import { healthHandler, requestPath, sendJson, type ReadinessState } from './health';
import { verifyWebhookSignature } from './signature';

/** A Probot-style extra route: true when it answered the request. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | boolean | Promise<void | boolean>;

/** The catalogue code of a rejected webhook signature (contracts/src/codes.ts). */
const signatureRejected = 'DK805';

export interface AppServerOptions {
  config: AppConfig;
  /** The Probot application function; it may add routes with options.addHandler. */
  appFn: ApplicationFunction;
  log: Logger;
  /** Overrides of the Probot options (Octokit, request, …). */
  probotOptions?: Partial<ProbotOptions>;
  /** Measures request durations; the system clock by default. */
  clock?: Clock;
  /** Passed to the application function as options.cwd; process.cwd() by default. */
  cwd?: string;
  /** 25 MB (GitHub's cap) by default. */
  maxBodyBytes?: number;
}

export interface AppServer {
  /** http://host:port as bound (the real port when config.port is 0). */
  url: string;
  port: number;
  probot: Probot;
  /** starting, ready, or stopping once close() was called. */
  readonly state: ReadinessState;
  /** Requests being answered now (deliveries included). */
  readonly inFlight: number;
  /**
   * Stops accepting connections, answers 503 to new requests on open ones, waits for in-flight
   * requests (up to timeoutMs, 10 s by default), then closes every connection. Idempotent.
   */
  close(timeoutMs?: number): Promise<void>;
}

interface RequestNote {
  deliveryId?: string;
  event?: string;
  fields?: Record<string, string | number>;
}

/**
 * The standalone webhook server: a plain node:http server in front of a Probot instance. It checks
 * X-Hub-Signature-256 against every configured webhook secret (rotation), then hands the delivery
 * to probot.receive. Repeated deliveries are passed on (the app drops them itself). Every request
 * is logged as one JSON line without its body or signature.
 */
export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const { config, log } = options;
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? maxWebhookBodyBytes;
  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecrets[0],
    baseUrl: config.githubApiUrl,
    log,
    Octokit: createAppOctokit({ baseUrl: config.githubApiUrl, logger: log }),
    ...options.probotOptions,
  });

  let state: ReadinessState = 'starting';
  const inFlight = new Set<Promise<void>>();
  const pendingResponses = new Set<ServerResponse>();
  const extraRoutes: RouteHandler[] = [];
  const health = healthHandler(() => state);

  const handleWebhook = async (req: IncomingMessage, res: ServerResponse, note: RequestNote): Promise<void> => {
    const name = singleHeader(req, 'x-github-event');
    const id = singleHeader(req, 'x-github-delivery');
    if (name !== undefined && /^[a-z_]{1,64}$/.test(name)) note.event = name;
    if (id !== undefined && /^[\w-]{1,128}$/.test(id)) note.deliveryId = id;
    if (state !== 'ready') return sendJson(res, 503, { error: `the app is ${state}` }, { 'retry-after': '5' });
    if (note.event === undefined || note.deliveryId === undefined || name === undefined || id === undefined) {
      return sendJson(res, 400, { error: 'X-GitHub-Event and X-GitHub-Delivery headers are required' });
    }
    const signature = singleHeader(req, 'x-hub-signature-256');
    if (signature === undefined) {
      log.warn(
        { deliveryId: id, event: name, reason: 'missing' },
        `${signatureRejected}: webhook delivery without X-Hub-Signature-256 rejected`,
      );
      return sendJson(res, 401, { error: `${signatureRejected}: the X-Hub-Signature-256 header is missing` });
    }
    const body = await readBody(req, maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'aborted') return sendJson(res, 400, { error: 'the request body was not received' });
      return sendJson(res, 413, { error: `the payload is larger than ${Math.floor(maxBodyBytes / 1024 / 1024)} MB` });
    }
    const text = body.body.toString('utf8');
    if (!(await verifyWebhookSignature(config.webhookSecrets, text, signature))) {
      log.warn({ deliveryId: id, event: name, reason: 'mismatch' }, `${signatureRejected}: webhook signature matches no configured secret`);
      return sendJson(res, 401, { error: `${signatureRejected}: the signature matches none of the configured webhook secrets` });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return sendJson(res, 400, { error: 'the payload is not a JSON object' });
    }
    note.fields = deliveryFields({ id, name, payload });
    try {
      await probot.receive({ id, name, payload } as unknown as Parameters<Probot['receive']>[0]);
    } catch (error) {
      log.error({ ...note.fields, err: error }, 'delivery failed');
      return sendJson(res, 500, { error: 'a handler failed on this delivery; see the app log', deliveryId: id });
    }
    sendJson(res, 200, { ok: true });
  };

  const route = async (req: IncomingMessage, res: ServerResponse, note: RequestNote): Promise<void> => {
    if (state === 'stopping') res.setHeader('connection', 'close');
    if (health(req, res)) return;
    if (req.method === 'POST' && requestPath(req) === config.webhookPath) return handleWebhook(req, res, note);
    for (const handler of extraRoutes) {
      if (await handler(req, res)) return;
    }
    sendJson(res, 404, { error: 'not found' });
  };

  const server: Server = createServer((req, res) => {
    const started = clock.now().getTime();
    const note: RequestNote = {};
    const done = route(req, res, note)
      .catch((error: unknown) => {
        log.error({ err: error, deliveryId: note.deliveryId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      })
      .finally(() => {
        inFlight.delete(done);
        log.info(
          {
            method: req.method,
            path: requestPath(req),
            status: res.statusCode,
            ms: clock.now().getTime() - started,
            ...(note.fields ?? { deliveryId: note.deliveryId, event: note.event }),
          },
          'request',
        );
      });
    inFlight.add(done);
    pendingResponses.add(res);
    res.once('close', () => pendingResponses.delete(res));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: config.host, port: config.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = (timeoutMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      state = 'stopping';
      // Answers still to come end their connection: clients reconnect to another replica.
      for (const res of pendingResponses) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled([...inFlight]).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) log.warn({ inFlight: inFlight.size, timeoutMs }, 'shutdown: in-flight requests abandoned');
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };

  try {
    await probot.load(options.appFn, { cwd: options.cwd ?? process.cwd(), addHandler: (handler) => extraRoutes.push(handler) });
  } catch (error) {
    await close(0);
    throw error;
  }
  state = 'ready';

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    probot,
    get state() {
      return state;
    },
    get inFlight() {
      return inFlight.size;
    },
    close,
  };
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}
