import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import type { ApplicationFunction } from 'probot';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAppConfig, type AppConfig } from '../src/config';
import { startAppServer, type AppServer } from '../src/http/app-server';
import { createAppLogger } from '../src/logging/logger';

const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const firstSecret = 'first-webhook-secret-1111';
const secondSecret = 'second-webhook-secret-2222';

function testConfig(env: Record<string, string> = {}): AppConfig {
  return readAppConfig(
    {
      APP_ID: '4242',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: firstSecret,
      WEBHOOK_SECRETS: secondSecret,
      HOST: '127.0.0.1',
      PORT: '0',
      // Nothing listens there: no request may reach github.com.
      GHE_HOST: '127.0.0.1:9',
      GHE_PROTOCOL: 'http',
      ...env,
    },
    { cwd: process.cwd() },
  );
}

interface Received {
  id: string;
  name: string;
  payload: unknown;
}

const received: Received[] = [];
const recordingApp: ApplicationFunction = (app) => {
  app.onAny(async (context) => {
    received.push({ id: context.id, name: context.name, payload: context.payload });
  });
};

const logLines: string[] = [];
const log = createAppLogger({
  level: 'info',
  secrets: [privateKey, firstSecret, secondSecret],
  destination: { write: (line) => void logLines.push(line) },
});

let server: AppServer;
let webhookUrl: string;

beforeAll(async () => {
  server = await startAppServer({ config: testConfig(), appFn: recordingApp, log });
  webhookUrl = `${server.url}/api/github/webhooks`;
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  received.length = 0;
});

const payload = { action: 'opened', repository: { full_name: 'acme/orders' }, issue: { number: 7 } };
const body = JSON.stringify(payload);

function deliver(text: string, headers: Record<string, string | undefined>, url = webhookUrl): Promise<Response> {
  const defined = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return fetch(url, { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...defined } });
}

async function signedHeaders(secret: string, text: string, id = 'delivery-1'): Promise<Record<string, string>> {
  return { 'x-github-event': 'issues', 'x-github-delivery': id, 'x-hub-signature-256': await sign(secret, text) };
}

describe('webhook signatures', () => {
  it('rejects an unsigned delivery with 401 before any handler runs', async () => {
    const response = await deliver(body, { 'x-github-event': 'issues', 'x-github-delivery': 'unsigned-1' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/^DK805: /) });
    expect(received).toEqual([]);
  });

  it('rejects a delivery signed with another secret', async () => {
    const response = await deliver(body, await signedHeaders('not-the-secret', body, 'wrong-1'));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/^DK805: /) });
    expect(received).toEqual([]);
  });

  it('logs a rejected signature as a warning without the signature', async () => {
    const headers = await signedHeaders('not-the-secret', body, 'wrong-logged');
    await deliver(body, headers);
    const lines = logLines.filter((line) => line.includes('wrong-logged'));
    expect(lines.some((line) => (JSON.parse(line) as { level: string }).level === 'warn')).toBe(true);
    const signatureHex = headers['x-hub-signature-256']!.slice('sha256='.length);
    for (const line of lines) expect(line).not.toContain(signatureHex);
  });

  it.each([
    ['WEBHOOK_SECRET', firstSecret],
    ['WEBHOOK_SECRETS', secondSecret],
  ])('accepts a delivery signed with %s and hands the parsed payload to the app', async (_name, secret) => {
    const response = await deliver(body, await signedHeaders(secret, body, `ok-${secret}`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(received).toEqual([{ id: `ok-${secret}`, name: 'issues', payload }]);
  });

  it('passes a repeated delivery on (the app drops duplicates itself)', async () => {
    const headers = await signedHeaders(firstSecret, body, 'repeated-1');
    expect((await deliver(body, headers)).status).toBe(200);
    expect((await deliver(body, headers)).status).toBe(200);
    expect(received.map((r) => r.id)).toEqual(['repeated-1', 'repeated-1']);
  });

  it('rejects a tampered body', async () => {
    const headers = await signedHeaders(firstSecret, body, 'tampered-1');
    const tampered = body.replace('"number":7', '"number":8');
    const response = await deliver(tampered, headers);
    expect(response.status).toBe(401);
    expect(received).toEqual([]);
  });

  it('rejects a malformed signature header', async () => {
    const response = await deliver(body, { ...(await signedHeaders(firstSecret, body)), 'x-hub-signature-256': 'sha1=abc' });
    expect(response.status).toBe(401);
    expect(received).toEqual([]);
  });

  it('answers 400 without X-GitHub-Event or X-GitHub-Delivery', async () => {
    const headers = await signedHeaders(firstSecret, body, 'headers-1');
    const noEvent = await deliver(body, { ...headers, 'x-github-event': undefined });
    const noDelivery = await deliver(body, { ...headers, 'x-github-delivery': undefined });
    expect(noEvent.status).toBe(400);
    expect(noDelivery.status).toBe(400);
    expect(await noEvent.json()).toEqual({ error: expect.stringContaining('X-GitHub-Event') });
    expect(received).toEqual([]);
  });

  it('answers 400 to a correctly signed body that is not a JSON object', async () => {
    for (const text of ['{"action":', '[1,2]', 'null']) {
      const response = await deliver(text, await signedHeaders(firstSecret, text, 'json-1'));
      expect(response.status).toBe(400);
    }
    expect(received).toEqual([]);
  });

  it('answers 413 to a body over 25 MB, declared or streamed', async () => {
    const big = Buffer.alloc(25 * 1024 * 1024 + 1, 'a');
    const headers = { 'x-github-event': 'issues', 'x-github-delivery': 'big-1', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
    const declared = await fetch(webhookUrl, { method: 'POST', body: big, headers });
    expect(declared.status).toBe(413);

    const chunk = Buffer.alloc(1024 * 1024, 'b');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 27) controller.close();
        else {
          sent += 1;
          controller.enqueue(chunk);
        }
      },
    });
    const streamed = await fetch(webhookUrl, { method: 'POST', body: stream, headers, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(received).toEqual([]);
    // The server still answers afterwards.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers 404 to other paths and methods', async () => {
    const headers = await signedHeaders(firstSecret, body, 'path-1');
    expect((await deliver(body, headers, `${server.url}/api/github/other`)).status).toBe(404);
    expect((await fetch(webhookUrl)).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect(received).toEqual([]);
  });
});

describe('health endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers /readyz with 503, and deliveries with 503, until the app function has loaded', async () => {
    const port = await freePort();
    let release!: () => void;
    const loaded = new Promise<void>((resolve) => (release = resolve));
    const slowApp: ApplicationFunction = async (app) => {
      await loaded;
      app.onAny(async (context) => void received.push({ id: context.id, name: context.name, payload: context.payload }));
    };
    const starting = startAppServer({ config: testConfig({ PORT: String(port) }), appFn: slowApp, log });
    const base = `http://127.0.0.1:${port}`;
    const notReady = await poll(() => fetch(`${base}/readyz`));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'starting' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const early = await deliver(body, await signedHeaders(firstSecret, body, 'early-1'), `${base}/api/github/webhooks`);
    expect(early.status).toBe(503);

    release();
    const slow = await starting;
    try {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await deliver(body, await signedHeaders(firstSecret, body, 'late-1'), `${base}/api/github/webhooks`)).status).toBe(200);
      expect(received.map((r) => r.id)).toEqual(['late-1']);
    } finally {
      await slow.close();
    }
    expect(slow.state).toBe('stopping');
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function poll(request: () => Promise<Response>, timeoutMs = 10_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
