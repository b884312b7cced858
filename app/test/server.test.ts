import { generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { request as httpRequest } from 'node:http';
import { sign } from '@octokit/webhooks-methods';
import type { ApplicationFunction } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '@datakit/sdk/core';
import { AppConfigError, readAppConfig, type AppConfig } from '../src/config';
import type { AppServer } from '../src/http/app-server';
import { configSecrets, shutdownOnSignals, startStandalone, startupErrorMessage } from '../src/http/standalone';
import { deliveryLogger } from '../src/logging/logger';

const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const webhookSecret = 'server-test-webhook-secret-42';
const rotatedSecret = 'server-test-rotated-secret-43';
const registryPassword = 'server-test-registry-password-44';

const config: AppConfig = readAppConfig(
  {
    APP_ID: '12345',
    // As a Kubernetes Secret often holds it: one line with \n escapes.
    PRIVATE_KEY: privateKey.trim().replace(/\n/g, '\\n'),
    WEBHOOK_SECRET: webhookSecret,
    WEBHOOK_SECRETS: `${rotatedSecret},${webhookSecret}`,
    DATAKIT_REGISTRY_PASSWORD: registryPassword,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'debug',
    GHE_HOST: '127.0.0.1:9',
    GHE_PROTOCOL: 'http',
  },
  { cwd: process.cwd() },
);

const payload = {
  action: 'opened',
  repository: { full_name: 'acme/orders', name: 'orders', owner: { login: 'acme' } },
  installation: { id: 31337 },
  issue: { number: 5, body: 'please do not log me' },
};

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let gate = deferred();
let started = deferred();

const testApp: ApplicationFunction = (app) => {
  app.on('issues.opened', async (context) => {
    const log = deliveryLogger(context.log, context);
    log.info({ secretEcho: webhookSecret, key: privateKey }, `handling with ${registryPassword}`);
  });
  app.on('issues.closed', async () => {
    throw new Error(`boom: failed with ${rotatedSecret}`);
  });
  app.on('issues.edited', async () => {
    started.resolve();
    await gate.promise;
  });
};

const running: AppServer[] = [];
afterEach(async () => {
  gate.resolve();
  await Promise.all(running.splice(0).map((server) => server.close(1_000)));
  gate = deferred();
  started = deferred();
});

async function start(): Promise<{ server: AppServer; lines: string[] }> {
  const lines: string[] = [];
  const { server } = await startStandalone({
    config,
    clock: fixedClock(new Date('2026-01-01T00:00:00Z')),
    createApp: () => testApp,
    destination: { write: (line) => void lines.push(line) },
  });
  running.push(server);
  return { server, lines };
}

async function deliver(server: AppServer, id: string, body: unknown, secret = webhookSecret): Promise<Response> {
  const text = JSON.stringify(body);
  return fetch(`${server.url}${config.webhookPath}`, {
    method: 'POST',
    body: text,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': id,
      'x-hub-signature-256': await sign(secret, text),
    },
  });
}

function parse(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectNoSecrets(text: string): void {
  for (const value of [webhookSecret, rotatedSecret, registryPassword, privateKey.trim(), privateKey.split('\n')[1]!]) {
    expect(text).not.toContain(value);
    expect(text).not.toContain(JSON.stringify(value).slice(1, -1));
  }
}

describe('the standalone server', () => {
  it('logs "listening" with its URL', async () => {
    const { server, lines } = await start();
    expect(parse(lines)).toContainEqual(expect.objectContaining({ msg: 'listening', url: server.url }));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('logs one line per request with deliveryId, event and repository, and no secret or payload', async () => {
    const { server, lines } = await start();
    const response = await deliver(server, 'delivery-abc', payload);
    expect(response.status).toBe(200);
    const entries = parse(lines);
    const requestLines = entries.filter((entry) => entry.msg === 'request');
    expect(requestLines).toEqual([
      expect.objectContaining({
        level: 'info',
        method: 'POST',
        path: '/api/github/webhooks',
        status: 200,
        ms: 0,
        deliveryId: 'delivery-abc',
        event: 'issues.opened',
        repository: 'acme/orders',
        installationId: 31337,
      }),
    ]);
    expect(entries).toContainEqual(
      expect.objectContaining({ deliveryId: 'delivery-abc', event: 'issues.opened', repository: 'acme/orders', secretEcho: '[REDACTED]' }),
    );
    const all = lines.join('');
    expectNoSecrets(all);
    expect(all).not.toContain('please do not log me');
    expect(all).not.toContain('sha256=');
  });

  it('answers 500 with a short JSON message when a handler throws, and logs the error with the delivery id', async () => {
    const { server, lines } = await start();
    const response = await deliver(server, 'delivery-fail', { ...payload, action: 'closed' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: expect.any(String), deliveryId: 'delivery-fail' });
    expect(text).not.toContain('boom:');
    expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+/);
    const errors = parse(lines).filter((entry) => entry.level === 'error');
    expect(errors).toContainEqual(expect.objectContaining({ deliveryId: 'delivery-fail', event: 'issues.closed', msg: 'delivery failed' }));
    expect(parse(lines)).toContainEqual(expect.objectContaining({ msg: 'request', status: 500, deliveryId: 'delivery-fail' }));
    expectNoSecrets(lines.join(''));
  });

  it('accepts the rotated secret too', async () => {
    const { server } = await start();
    expect((await deliver(server, 'delivery-rotated', payload, rotatedSecret)).status).toBe(200);
  });

  it('closes gracefully: in-flight deliveries finish, new connections are refused', async () => {
    const { server } = await start();
    const inFlight = deliver(server, 'delivery-slow', { ...payload, action: 'edited' });
    await started.promise;
    expect(server.inFlight).toBe(1);
    const closing = server.close(10_000);
    expect(server.state).toBe('stopping');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    gate.resolve();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    await closing;
    expect(server.inFlight).toBe(0);
  });

  it('gives up on in-flight deliveries after the timeout', async () => {
    const { server, lines } = await start();
    const inFlight = rawPost(server, 'delivery-stuck', { ...payload, action: 'edited' });
    await started.promise;
    const before = Date.now();
    await server.close(200);
    expect(Date.now() - before).toBeLessThan(5_000);
    await expect(inFlight).rejects.toThrow();
    expect(parse(lines)).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'shutdown: in-flight requests abandoned' }));
  });

  it('shuts down on SIGTERM and exits 0', async () => {
    const { server, lines } = await start();
    const signals = new EventEmitter();
    const exited = new Promise<number>((resolve) => {
      shutdownOnSignals(server, parseLogger(lines), { emitter: signals as unknown as NodeJS.Process, exit: resolve, timeoutMs: 1_000 });
    });
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await exited).toBe(0);
    expect(server.state).toBe('stopping');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('startup errors', () => {
  it('formats a DataKitError as "error DK800: …" with the hint and no stack', () => {
    let error: unknown;
    try {
      readAppConfig({ PRIVATE_KEY: privateKey, WEBHOOK_SECRET: webhookSecret }, { cwd: process.cwd() });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppConfigError);
    const text = startupErrorMessage(error);
    expect(text).toMatch(/^error DK800: the DataKit app cannot start:\n {2}- APP_ID is not set/);
    expect(text).toContain('  hint: Set the variables named above');
    expect(text).not.toMatch(/\n\s+at /);
    expectNoSecrets(text);
  });

  it('formats other errors by message alone', () => {
    expect(startupErrorMessage(new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000'))).toBe(
      'error: listen EADDRINUSE: address already in use 127.0.0.1:3000\n',
    );
  });

  it('lists every secret of the configuration for the logger', () => {
    expect(configSecrets(config)).toEqual([config.privateKey, webhookSecret, rotatedSecret, registryPassword]);
  });
});

function parseLogger(lines: string[]) {
  // A logger writing to the same capture, for shutdownOnSignals.
  return {
    info: (obj: unknown, msg?: string) =>
      void lines.push(JSON.stringify({ level: 'info', ...(typeof obj === 'object' ? obj : { msg: obj }), msg })),
    warn: (obj: unknown, msg?: string) =>
      void lines.push(JSON.stringify({ level: 'warn', ...(typeof obj === 'object' ? obj : { msg: obj }), msg })),
    error: (obj: unknown, msg?: string) =>
      void lines.push(JSON.stringify({ level: 'error', ...(typeof obj === 'object' ? obj : { msg: obj }), msg })),
  } as unknown as Parameters<typeof shutdownOnSignals>[1];
}

/** A POST over node:http, whose promise rejects when the server drops the connection. */
function rawPost(server: AppServer, id: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return sign(webhookSecret, text).then(
    (signature) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}${config.webhookPath}`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'issues',
              'x-github-delivery': id,
              'x-hub-signature-256': signature,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(text);
      }),
  );
}
