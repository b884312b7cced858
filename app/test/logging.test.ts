import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAppLogger, deliveryLogger, redactPaths } from '../src/logging/logger';
import { createScrubber } from '../src/logging/scrub';

const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const webhookSecret = 'whsec-first-0123456789abcdef';
const rotatedSecret = 'whsec-second-fedcba9876543210';
const registryPassword = 'registry-p@ss"word\\with-quotes';
const installationToken = `ghs_${'A1b2C3d4E5f6G7h8I9j0'.repeat(2)}`;
const userToken = `ghp_${'Z9y8X7w6V5u4T3s2R1q0'.repeat(2)}`;
const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IjQyIn0.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWp3dA';
const basicAuth = 'Basic dXNlcjpzdXBlcnNlY3JldHBhc3N3b3Jk';

function capture(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const log = createAppLogger({
    level,
    secrets: [privateKey, webhookSecret, rotatedSecret, registryPassword, undefined, ''],
    destination: { write: (line) => void lines.push(line) },
  });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, parsed, text: () => lines.join('') };
}

const forbidden = [
  privateKey,
  privateKey.trim(),
  privateKey.split('\n')[1]!,
  webhookSecret,
  rotatedSecret,
  registryPassword,
  installationToken,
  userToken,
  jwt,
  'dXNlcjpzdXBlcnNlY3JldHBhc3N3b3Jk',
  'MIIE',
  'sha256=0123456789abcdef',
];

function expectClean(text: string): void {
  for (const value of forbidden) expect(text).not.toContain(value);
  // The JSON-escaped forms as well (a PEM's newlines, the password's quote and backslash).
  for (const value of forbidden) expect(text).not.toContain(JSON.stringify(value).slice(1, -1));
}

describe('createAppLogger', () => {
  it('writes one JSON document per line', () => {
    const { log, lines, parsed } = capture();
    log.info('started');
    log.warn({ a: 1 }, 'careful');
    log.child({ name: 'child' }).error(new Error('failed'));
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.endsWith('\n')).toBe(true);
    const [first, second, third] = parsed();
    expect(first).toMatchObject({ level: 'info', msg: 'started' });
    expect(second).toMatchObject({ level: 'warn', a: 1, msg: 'careful' });
    expect(third).toMatchObject({ level: 'error', name: 'child', err: { message: 'failed' } });
    expect(typeof first!.time).toBe('string');
  });

  it('respects the level', () => {
    const { log, lines } = capture('info');
    log.debug('hidden');
    log.info('shown');
    expect(lines).toHaveLength(1);
  });

  it('never writes the private key, the webhook secrets, the registry password, tokens, JWTs or credential headers', () => {
    const { log, text, parsed } = capture('debug');
    log.info(`key is ${privateKey}`);
    log.info(
      { env: { PRIVATE_KEY: privateKey, WEBHOOK_SECRET: webhookSecret, WEBHOOK_SECRETS: `${webhookSecret},${rotatedSecret}` } },
      'env',
    );
    log.info({ escaped: privateKey.replace(/\n/g, '\\n'), base64: Buffer.from(privateKey).toString('base64') }, 'key forms');
    log.info({ line: privateKey.split('\n')[3] }, 'one line of the key');
    log.info({ truncated: privateKey.slice(0, 200) }, 'a cut-off key');
    log.info({ otherPem: '-----BEGIN PRIVATE KEY-----\nMIIEabc\n-----END PRIVATE KEY-----' }, 'any PEM key');
    log.warn({ password: registryPassword, nested: { deeper: [{ value: `x${registryPassword}y` }] } }, 'registry');
    log.info(`token ${installationToken} and ${userToken}`);
    log.info({ jwt, bearer: `Bearer ${jwt}` }, `JWT ${jwt}`);
    log.info({ headers: { authorization: basicAuth, cookie: 'session=abc', 'x-hub-signature-256': 'sha256=0123456789abcdef' } }, 'headers');
    log.info({ req: { headers: { Authorization: basicAuth } }, request: { headers: { 'x-hub-signature': 'sha1=x' } } }, 'nested headers');
    log.child({ secret: webhookSecret, token: installationToken }).info('bindings');
    log.info({ [webhookSecret]: 'as a key' }, 'keys');
    const error = Object.assign(new Error(`request failed with token ${installationToken} and secret ${webhookSecret}`), {
      request: { headers: { authorization: `token ${installationToken}` }, url: 'https://api.github.com/app' },
      response: { headers: { 'set-cookie': 'a=b' } },
    });
    log.error({ err: error }, 'octokit error');
    log.error(error);
    log.error(new AggregateError([error], `aggregate ${rotatedSecret}`));

    const all = text();
    expectClean(all);
    expect(all).toContain('[REDACTED]');
    const lines = parsed();
    expect(lines.length).toBe(16);
    expect(lines[9]).toMatchObject({ headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-hub-signature-256': '[REDACTED]' } });
    expect(lines[10]).toMatchObject({ req: { headers: { Authorization: '[REDACTED]' } } });
    expect(lines[13]).toMatchObject({ err: { request: { url: 'https://api.github.com/app' } } });
  });

  it('keeps the JSON valid whatever the secret contains', () => {
    const lines: string[] = [];
    const log = createAppLogger({ level: 'info', secrets: ['"', '{', '\\', ':'], destination: { write: (line) => void lines.push(line) } });
    log.info({ quote: 'a"b', brace: '{x}', backslash: 'c\\d', colon: 'e:f' }, 'odd secrets');
    const line = JSON.parse(lines[0]!) as Record<string, string>;
    expect(line.quote).toBe('a[REDACTED]b');
    expect(line.brace).toBe('[REDACTED]x}');
    expect(line.backslash).toBe('c[REDACTED]d');
  });

  it('drops the webhook payload attached to handler errors, keeping the event id and name', () => {
    const { log, parsed, text } = capture();
    const inner = Object.assign(new Error('handler failed'), { event: { id: 'd-1', name: 'issues', payload: { big: 'x'.repeat(1000) } } });
    log.error(Object.assign(new AggregateError([inner], 'handler failed'), { event: inner.event }));
    expect(text()).not.toContain('x'.repeat(100));
    expect(parsed()[0]).toMatchObject({
      err: { event: { id: 'd-1', name: 'issues' }, aggregateErrors: [{ event: { id: 'd-1', name: 'issues' } }] },
    });
  });

  it('has pino redact paths for the credential headers', () => {
    expect(redactPaths).toEqual(expect.arrayContaining(['headers.authorization', '*.headers.cookie', 'headers["x-hub-signature-256"]']));
  });
});

describe('createScrubber', () => {
  it('replaces secrets, tokens, JWTs and PEM blocks in text', () => {
    const scrub = createScrubber([webhookSecret, privateKey]);
    expect(scrub(`a ${webhookSecret} b`)).toBe('a [REDACTED] b');
    expect(scrub(`x ${installationToken} y ${jwt}`)).toBe('x [REDACTED] y [REDACTED]');
    expect(scrub(`pem: ${privateKey}!`)).not.toContain('MII');
    expect(scrub('nothing to hide')).toBe('nothing to hide');
  });
});

describe('deliveryLogger', () => {
  it('binds deliveryId, event (name.action), repository and installationId', () => {
    const { log, parsed } = capture();
    const child = deliveryLogger(log, {
      id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      name: 'issue_comment',
      payload: {
        action: 'created',
        repository: { full_name: 'acme/orders' },
        installation: { id: 99 },
        comment: { body: '/promote prod' },
      },
    });
    child.info('handling');
    child.child({ step: 'authorize' }).warn('denied');
    const [first, second] = parsed();
    expect(first).toMatchObject({
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      event: 'issue_comment.created',
      repository: 'acme/orders',
      installationId: 99,
      msg: 'handling',
    });
    expect(second).toMatchObject({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', step: 'authorize' });
    expect(JSON.stringify(first)).not.toContain('/promote prod');
  });

  it('leaves out what the payload does not have', () => {
    const { log, parsed } = capture();
    deliveryLogger(log, { id: 'd-2', name: 'ping', payload: { zen: 'Keep it logically awesome.' } }).info('pong');
    const [line] = parsed();
    expect(line).toMatchObject({ deliveryId: 'd-2', event: 'ping' });
    expect(line).not.toHaveProperty('repository');
    expect(line).not.toHaveProperty('installationId');
  });
});
