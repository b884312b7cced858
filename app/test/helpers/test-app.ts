import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Probot } from 'probot';
import type { Clock } from '@datakit/sdk/core';
import { dataKitApp } from '../../src/app';
import { readAppConfig, type AppConfig } from '../../src/config';
import { DeliveryLog } from '../../src/delivery-log';
import { createAppOctokit } from '../../src/github/app-octokit';

let cachedKey: string | undefined;

/** One RSA key per test process: generating one takes a while. */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return cachedKey;
}

export const testWebhookSecret = 'test-webhook-secret-0123456789';

/** A config as readAppConfig makes it from the environment, with overrides. */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  return readAppConfig(
    {
      APP_ID: '4242',
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: testWebhookSecret,
      PORT: '0',
      HOST: '127.0.0.1',
      DATAKIT_RENDER_DIFF: 'false',
      ...env,
    },
    { cwd: process.cwd() },
  );
}

export interface TestApp {
  probot: Probot;
  config: AppConfig;
  deliveries: DeliveryLog;
  /** Every JSON log line written. */
  logs: Record<string, unknown>[];
  logText(): string;
  receive(name: string, payload: unknown, id?: string): Promise<void>;
}

let deliveryCounter = 0;

/**
 * The app as Probot runs it, for tests that call probot.receive directly (Probot's testing
 * convention) against nock or the fake GitHub at `baseUrl`. Retries do not wait.
 */
export async function createTestApp(
  options: { baseUrl?: string; env?: Record<string, string>; clock?: Clock; sleep?: (ms: number) => Promise<void> } = {},
): Promise<TestApp> {
  const baseUrl = options.baseUrl ?? 'https://api.github.com';
  const config = { ...testConfig(options.env), githubApiUrl: baseUrl };
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const log = pino({ level: 'debug' }, destination);
  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecrets[0]!,
    baseUrl,
    log,
    Octokit: createAppOctokit({ baseUrl, logger: log, sleep: options.sleep ?? (async () => {}), retry: { baseDelayMs: 1, maxDelayMs: 5 } }),
  });
  const deliveries = new DeliveryLog(config.deliveryCacheSize);
  await probot.load(dataKitApp({ config, clock: options.clock ?? { now: () => new Date() }, deliveries }));
  return {
    probot,
    config,
    deliveries,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    receive: (name, payload, id) =>
      probot.receive({ id: id ?? `delivery-${++deliveryCounter}`, name, payload } as Parameters<Probot['receive']>[0]),
  };
}
