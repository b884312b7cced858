import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built app as it is deployed: `probot run ./app/dist/index.js` and `node app/dist/server.js`.

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = path.join(root, 'app/dist');
const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const webhookSecret = 'probot-run-webhook-secret-5150';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

describe('probot run ./app/dist/index.js', () => {
  let probot: Running;

  beforeAll(async () => {
    // `probot run` takes the log format from --log-format or LOG_FORMAT (default pretty), not from NODE_ENV.
    probot = start([probotBin(), 'run', './app/dist/index.js'], { ...(await appEnv()), LOG_FORMAT: 'json' as const });
    await waitForHealth(probot);
  }, 60_000);
  afterAll(async () => {
    await probot?.stop();
  });

  it('answers /healthz and /readyz through the added handler', async () => {
    const health = await fetch(`${probot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${probot.url}/readyz`)).status).toBe(200);
  });

  it('accepts a signed ping and rejects an unsigned one', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const headers = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'probot-run-ping-1' };
    const signed = await fetch(`${probot.url}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers: { ...headers, 'x-hub-signature-256': await sign(webhookSecret, body) },
    });
    expect(signed.status).toBe(200);
    const unsigned = await fetch(`${probot.url}/api/github/webhooks`, { method: 'POST', body, headers });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
    const wrong = await fetch(`${probot.url}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers: { ...headers, 'x-hub-signature-256': await sign('another-secret', body) },
    });
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.status).toBeLessThan(500);
  });

  it('writes JSON log lines without the secrets', () => {
    const lines = probot
      .stdout()
      .split('\n')
      .filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    for (const text of [probot.stdout(), probot.stderr()]) {
      expect(text).not.toContain(webhookSecret);
      expect(text).not.toContain(privateKey.split('\n')[1]!);
    }
  });
});

describe('probot run with a wrong DataKit setting', () => {
  it('logs DK800 and exits non-zero', async () => {
    const env = { ...(await appEnv()), LOG_FORMAT: 'json' as const, DATAKIT_GITOPS_REPOSITORY: 'not-owner-slash-name' };
    const result = spawnSync(process.execPath, [probotBin(), 'run', './app/dist/index.js'], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('DK800: the DataKit app cannot start');
    expect(result.stdout).toContain('DATAKIT_GITOPS_REPOSITORY must be owner/name');
    expect(result.stdout + result.stderr).not.toContain(webhookSecret);
  });
});

describe('node app/dist/server.js', () => {
  it('exits 2 with DK800 and no stack trace when APP_ID is missing', async () => {
    const env = await appEnv();
    delete env.APP_ID;
    const result = spawnSync(process.execPath, [path.join(dist, 'server.js')], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error DK800: the DataKit app cannot start:\n/);
    expect(result.stderr).toContain('APP_ID is not set');
    expect(result.stderr).toContain('hint: ');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain(webhookSecret);
    expect(result.stdout).toBe('');
  });

  it('serves deliveries, logs JSON and exits 0 on SIGTERM', async () => {
    const server = start([path.join(dist, 'server.js')], { ...(await appEnv()), WEBHOOK_SECRETS: 'rotated-secret-6160' });
    try {
      await waitForHealth(server);
      const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 2 });
      const response = await fetch(`${server.url}/api/github/webhooks`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': 'standalone-ping-1',
          'x-hub-signature-256': await sign('rotated-secret-6160', body),
        },
      });
      expect(response.status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const code = await server.stop();
      expect(code).toBe(0);
      const lines = server
        .stdout()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'listening', url: server.url }));
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: 'request', deliveryId: 'standalone-ping-1', event: 'ping', status: 200 }),
      );
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));
      expect(server.stdout()).not.toContain(webhookSecret);
      expect(server.stdout()).not.toContain('rotated-secret-6160');
    } finally {
      await server.stop();
    }
  }, 60_000);
});

interface Running {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after 10 s; the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

async function appEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {}),
    APP_ID: '123456',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: webhookSecret,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    // Nothing listens there: no request can reach github.com.
    GHE_HOST: `127.0.0.1:${await freePort()}`,
    GHE_PROTOCOL: 'http',
    DATAKIT_RENDER_DIFF: 'false',
    NO_SMEE_SETUP: 'true',
  };
}

function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url: `http://127.0.0.1:${env.PORT}`,
    child,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

async function waitForHealth(running: Running, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      throw new Error(`the app exited (${running.child.exitCode ?? running.child.signalCode}):\n${running.stderr()}\n${running.stdout()}`);
    }
    try {
      const response = await fetch(`${running.url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no /healthz answer within ${timeoutMs} ms:\n${running.stderr()}\n${running.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** probot's bin script, found from the package as the app workspace resolves it. */
function probotBin(): string {
  let dir = path.dirname(createRequire(path.join(root, 'app/package.json')).resolve('probot'));
  while (
    !existsSync(path.join(dir, 'package.json')) ||
    (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== 'probot'
  ) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the probot package');
    dir = parent;
  }
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.probot;
  if (!bin) throw new Error('probot declares no bin');
  return path.join(dir, bin);
}

/**
 * Builds app/dist unless it is newer than every source it is made from (the root test script may
 * have built it already; building again while another process runs the dist would break that one).
 */
function ensureBuilt(): void {
  const outputs = ['index.js', 'server.js'].map((file) => path.join(dist, file));
  const builtAt = Math.min(...outputs.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)));
  const sources = [
    path.join(root, 'scripts/build-app.mjs'),
    path.join(root, 'app/package.json'),
    ...['app/src', 'sdk/src', 'contracts/src'].flatMap((dir) => listFiles(path.join(root, dir))),
  ];
  if (builtAt > 0 && sources.every((file) => statSync(file).mtimeMs <= builtAt)) return;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/build-app.mjs')], { cwd: root, encoding: 'utf8', timeout: 110_000 });
  if (result.status !== 0) throw new Error(`node scripts/build-app.mjs failed (${result.status}):\n${result.stderr}${result.stdout}`);
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
