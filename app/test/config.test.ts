import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppConfigError, readAppConfig, type AppConfig } from '../src/config';

const rsaKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const pkcs8Key = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const webhookSecret = 'config-test-webhook-secret-aaaa';
const rotatedSecret = 'config-test-rotated-secret-bbbb';
const registryPassword = 'config-test-registry-password-cccc';

const dir = mkdtempSync(path.join(tmpdir(), 'dk-app-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = { APP_ID: '4242', PRIVATE_KEY: rsaKey, WEBHOOK_SECRET: webhookSecret };

/** Probot types LOG_LEVEL and LOG_FORMAT in NodeJS.ProcessEnv; these tests set any string. */
type Env = Record<string, string | undefined>;

function read(env: Env, cwd = dir): AppConfig {
  return readAppConfig(env as NodeJS.ProcessEnv, { cwd });
}

/** The AppConfigError readAppConfig throws for env; fails the test when it does not throw one. */
function problemsOf(env: Env, cwd = dir): AppConfigError {
  try {
    read(env, cwd);
  } catch (error) {
    expect(error).toBeInstanceOf(AppConfigError);
    return error as AppConfigError;
  }
  throw new Error('readAppConfig accepted the configuration');
}

/** Neither the message, the hint nor a problem shows a secret value. */
function expectNoValues(error: AppConfigError, values: readonly string[]): void {
  const text = [error.message, error.hint ?? '', ...error.problems].join('\n');
  for (const value of values) {
    expect(text).not.toContain(value);
    for (const line of value.split('\n')) if (line.length > 20 && !line.startsWith('-----')) expect(text).not.toContain(line);
  }
}

describe('readAppConfig: valid configurations', () => {
  it('reads a PEM key and applies the defaults', () => {
    const config = read(baseEnv);
    expect(config).toEqual({
      appId: 4242,
      privateKey: rsaKey.trim() + '\n',
      webhookSecrets: [webhookSecret],
      githubApiUrl: 'https://api.github.com',
      logLevel: 'info',
      host: '0.0.0.0',
      port: 3000,
      webhookPath: '/api/github/webhooks',
      registryEnv: { DK_REGISTRY_USERNAME: undefined, DK_REGISTRY_PASSWORD: undefined },
      renderDiff: true,
      deliveryCacheSize: 10_000,
    });
  });

  it('reads a PKCS#8 key', () => {
    expect(read({ ...baseEnv, PRIVATE_KEY: pkcs8Key }).privateKey).toBe(pkcs8Key.trim() + '\n');
  });

  it('reads a PEM written on one line with \\n escapes', () => {
    const oneLine = rsaKey.trim().replace(/\n/g, '\\n');
    expect(oneLine).not.toContain('\n');
    expect(read({ ...baseEnv, PRIVATE_KEY: oneLine }).privateKey).toBe(rsaKey.trim() + '\n');
  });

  // BUG in config.ts (reported, not fixed here): the escapes are replaced after trim(), so the
  // trailing "\n" that `awk '{printf "%s\\n", $0}' key.pem` writes becomes a real newline after the
  // END line and the PEM pattern (anchored with $) rejects the key. Flip to `it` once fixed.
  it('reads a one-line PEM that ends with a \\n escape', () => {
    expect(read({ ...baseEnv, PRIVATE_KEY: rsaKey.replace(/\n/g, '\\n') }).privateKey).toBe(rsaKey.trim() + '\n');
  });

  it('reads a base64-encoded PEM', () => {
    const encoded = Buffer.from(rsaKey, 'utf8').toString('base64');
    expect(read({ ...baseEnv, PRIVATE_KEY: encoded }).privateKey).toBe(rsaKey.trim() + '\n');
  });

  it('reads PRIVATE_KEY_PATH relative to cwd, PRIVATE_KEY taking precedence', () => {
    writeFileSync(path.join(dir, 'app.pem'), rsaKey);
    const withoutKey = { ...baseEnv, PRIVATE_KEY: undefined };
    expect(read({ ...withoutKey, PRIVATE_KEY_PATH: 'app.pem' }).privateKey).toBe(rsaKey.trim() + '\n');
    expect(read({ ...withoutKey, PRIVATE_KEY_PATH: path.join(dir, 'app.pem') }, '/').privateKey).toBe(rsaKey.trim() + '\n');
    expect(read({ ...baseEnv, PRIVATE_KEY: pkcs8Key, PRIVATE_KEY_PATH: 'app.pem' }).privateKey).toBe(pkcs8Key.trim() + '\n');
  });

  it('uses the injected readFile for PRIVATE_KEY_PATH', () => {
    const files: string[] = [];
    const config = readAppConfig(
      { APP_ID: '1', PRIVATE_KEY_PATH: 'keys/app.pem', WEBHOOK_SECRET: webhookSecret },
      {
        cwd: '/srv',
        readFile: (file) => {
          files.push(file);
          return rsaKey;
        },
      },
    );
    expect(files).toEqual([path.resolve('/srv', 'keys/app.pem')]);
    expect(config.privateKey).toBe(rsaKey.trim() + '\n');
  });

  it('merges WEBHOOK_SECRET and WEBHOOK_SECRETS, trimmed, without duplicates or empty entries', () => {
    const config = read({ ...baseEnv, WEBHOOK_SECRETS: ` ${rotatedSecret} ,,${webhookSecret}, third-secret ,${rotatedSecret}` });
    expect(config.webhookSecrets).toEqual([webhookSecret, rotatedSecret, 'third-secret']);
    expect(read({ ...baseEnv, WEBHOOK_SECRET: undefined, WEBHOOK_SECRETS: `${rotatedSecret},${webhookSecret}` }).webhookSecrets).toEqual([
      rotatedSecret,
      webhookSecret,
    ]);
  });

  it('builds the GitHub Enterprise API URL from GHE_HOST and GHE_PROTOCOL', () => {
    expect(read({ ...baseEnv, GHE_HOST: 'github.example.com' }).githubApiUrl).toBe('https://github.example.com/api/v3');
    expect(read({ ...baseEnv, GHE_HOST: 'ghe.local:8443', GHE_PROTOCOL: 'http' }).githubApiUrl).toBe('http://ghe.local:8443/api/v3');
    expect(read({ ...baseEnv, GHE_HOST: 'ghe.local', GHE_PROTOCOL: 'https:' }).githubApiUrl).toBe('https://ghe.local/api/v3');
  });

  it('reads the server and DataKit settings', () => {
    const config = read({
      ...baseEnv,
      LOG_LEVEL: 'DEBUG',
      HOST: '127.0.0.1',
      PORT: '0',
      WEBHOOK_PATH: '/hooks',
      DATAKIT_GITOPS_REPOSITORY: 'acme/gitops.prod',
      DATAKIT_REGISTRY: 'oci://registry.example.com/data',
      DATAKIT_REGISTRY_USERNAME: 'robot',
      DATAKIT_REGISTRY_PASSWORD: registryPassword,
      DATAKIT_REGISTRY_PLAIN_HTTP: 'true',
      DATAKIT_RENDER_DIFF: 'false',
      KUBECTL: '/usr/local/bin/kubectl',
      DATAKIT_DELIVERY_CACHE_SIZE: '50',
    });
    expect(config).toMatchObject({
      logLevel: 'debug',
      host: '127.0.0.1',
      port: 0,
      webhookPath: '/hooks',
      gitopsRepository: 'acme/gitops.prod',
      registry: 'oci://registry.example.com/data',
      registryEnv: { DK_REGISTRY_USERNAME: 'robot', DK_REGISTRY_PASSWORD: registryPassword },
      registryPlainHttp: true,
      renderDiff: false,
      kubectl: '/usr/local/bin/kubectl',
      deliveryCacheSize: 50,
    });
    expect(read({ ...baseEnv, PORT: '65535' }).port).toBe(65_535);
  });
});

describe('readAppConfig: invalid configurations', () => {
  it('throws AppConfigError DK800 with a hint', () => {
    const error = problemsOf({ ...baseEnv, APP_ID: undefined });
    expect(error.code).toBe('DK800');
    expect(error.message).toMatch(/^the DataKit app cannot start:\n {2}- APP_ID is not set/);
    expect(error.hint).toContain('Set the variables named above');
  });

  it.each(['abc', '12a', '-1', '0', '1.5', '1e3'])('rejects APP_ID=%s', (appId) => {
    expect(problemsOf({ ...baseEnv, APP_ID: appId }).problems).toEqual(['APP_ID must be a positive integer (the GitHub App ID)']);
  });

  it('rejects a missing key', () => {
    expect(problemsOf({ ...baseEnv, PRIVATE_KEY: undefined }).problems).toEqual([
      'neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set (the GitHub App private key, PEM)',
    ]);
    expect(problemsOf({ ...baseEnv, PRIVATE_KEY: '  \n ' }).problems).toHaveLength(1);
  });

  it('rejects an unreadable PRIVATE_KEY_PATH with the error code only', () => {
    const missing = problemsOf({ ...baseEnv, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'missing.pem' });
    expect(missing.problems).toEqual(['PRIVATE_KEY_PATH (missing.pem) cannot be read (ENOENT)']);
    const isDirectory = problemsOf({ ...baseEnv, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '.' });
    expect(isDirectory.problems).toEqual(['PRIVATE_KEY_PATH (.) cannot be read (EISDIR)']);
    if (process.getuid?.() !== 0) {
      writeFileSync(path.join(dir, 'locked.pem'), rsaKey);
      chmodSync(path.join(dir, 'locked.pem'), 0o000);
      const locked = problemsOf({ ...baseEnv, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'locked.pem' });
      expect(locked.problems).toEqual(['PRIVATE_KEY_PATH (locked.pem) cannot be read (EACCES)']);
    }
  });

  it('rejects a key that is not a PEM private key, without showing it', () => {
    const notPem = 'super-secret-but-not-a-pem-key-material';
    const error = problemsOf({ ...baseEnv, PRIVATE_KEY: notPem });
    expect(error.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY is not a PEM private key/)]);
    expectNoValues(error, [notPem]);
    const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(problemsOf({ ...baseEnv, PRIVATE_KEY: publicKey }).problems).toHaveLength(1);
    const truncated = rsaKey.slice(0, rsaKey.indexOf('-----END'));
    expectNoValues(problemsOf({ ...baseEnv, PRIVATE_KEY: truncated }), [truncated]);
    writeFileSync(path.join(dir, 'not-a-key.pem'), notPem);
    const fromFile = problemsOf({ ...baseEnv, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'not-a-key.pem' });
    expect(fromFile.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY_PATH \(not-a-key\.pem\) is not a PEM private key/)]);
    expectNoValues(fromFile, [notPem]);
  });

  it('rejects a configuration without webhook secrets', () => {
    const expected = ['neither WEBHOOK_SECRET nor WEBHOOK_SECRETS is set: unsigned deliveries would be accepted'];
    expect(problemsOf({ ...baseEnv, WEBHOOK_SECRET: undefined }).problems).toEqual(expected);
    expect(problemsOf({ ...baseEnv, WEBHOOK_SECRET: ' ', WEBHOOK_SECRETS: ' , ,' }).problems).toEqual(expected);
  });

  it('rejects a bad GHE_PROTOCOL or GHE_HOST', () => {
    expect(problemsOf({ ...baseEnv, GHE_HOST: 'ghe.local', GHE_PROTOCOL: 'ftp' }).problems).toEqual([
      'GHE_PROTOCOL must be https or http, not "ftp"',
    ]);
    expect(problemsOf({ ...baseEnv, GHE_HOST: 'https://ghe.local' }).problems).toEqual([
      'GHE_HOST must be a host name (and port), without scheme or path',
    ]);
    expect(problemsOf({ ...baseEnv, GHE_HOST: 'ghe.local/api' }).problems).toHaveLength(1);
  });

  it('rejects a bad LOG_LEVEL', () => {
    expect(problemsOf({ ...baseEnv, LOG_LEVEL: 'verbose' }).problems).toEqual([
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal',
    ]);
    expect(problemsOf({ ...baseEnv, LOG_LEVEL: 'silent' }).problems).toHaveLength(1);
  });

  it.each(['65536', '70000', '-1', 'abc', '3.5'])('rejects PORT=%s', (port) => {
    expect(problemsOf({ ...baseEnv, PORT: port }).problems).toEqual(['PORT must be an integer from 0 to 65535']);
  });

  it.each(['acme', 'acme/gitops/extra', 'https://github.com/acme/gitops', 'acme/git ops', '/gitops'])(
    'rejects DATAKIT_GITOPS_REPOSITORY=%s',
    (repository) => {
      expect(problemsOf({ ...baseEnv, DATAKIT_GITOPS_REPOSITORY: repository }).problems).toEqual([
        'DATAKIT_GITOPS_REPOSITORY must be owner/name',
      ]);
    },
  );

  it('rejects a WEBHOOK_PATH without a leading slash and a bad delivery cache size', () => {
    expect(problemsOf({ ...baseEnv, WEBHOOK_PATH: 'hooks' }).problems).toEqual(['WEBHOOK_PATH must start with /']);
    expect(problemsOf({ ...baseEnv, DATAKIT_DELIVERY_CACHE_SIZE: '0' }).problems).toEqual([
      'DATAKIT_DELIVERY_CACHE_SIZE must be an integer from 1 to 10000000',
    ]);
  });

  it('lists every problem at once and never a secret value', () => {
    const env = {
      APP_ID: 'x',
      PRIVATE_KEY: `not-a-key ${webhookSecret}`,
      WEBHOOK_SECRET: webhookSecret,
      WEBHOOK_SECRETS: rotatedSecret,
      DATAKIT_REGISTRY_PASSWORD: registryPassword,
      LOG_LEVEL: 'loud',
      PORT: '99999',
      GHE_HOST: 'ghe.local',
      GHE_PROTOCOL: 'gopher',
      DATAKIT_GITOPS_REPOSITORY: 'nope',
    };
    const error = problemsOf(env);
    expect(error.problems).toHaveLength(6);
    for (const problem of error.problems) expect(error.message).toContain(`  - ${problem}`);
    expectNoValues(error, [webhookSecret, rotatedSecret, registryPassword, env.PRIVATE_KEY]);
  });

  it('never shows a valid key or the secrets when another setting is wrong', () => {
    const error = problemsOf({ ...baseEnv, WEBHOOK_SECRETS: rotatedSecret, DATAKIT_REGISTRY_PASSWORD: registryPassword, PORT: 'x' });
    expectNoValues(error, [rsaKey, webhookSecret, rotatedSecret, registryPassword]);
  });
});
