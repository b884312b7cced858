import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialProvider, dockerCredentialHelperRunner, type CredentialHelperRunner } from '../../src/registry/credentials';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dk-credentials-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dockerConfig(config: object): Promise<string> {
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config));
  return file;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const noHelper: CredentialHelperRunner = () => Promise.reject(new Error('no helper expected'));

describe('credential lookup', () => {
  it('takes DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD before anything else', async () => {
    const dockerConfigPath = await dockerConfig({ auths: { 'reg.example.com': { auth: b64('docker:pw') } } });
    const provider = createCredentialProvider({
      env: { DK_REGISTRY_USERNAME: 'env-user', DK_REGISTRY_PASSWORD: 'env-pw', GITHUB_TOKEN: 'gh' },
      dockerConfigPath,
      runCredentialHelper: noHelper,
    });
    expect(await provider('reg.example.com')).toEqual({
      username: 'env-user',
      secret: 'env-pw',
      source: 'DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD',
    });
  });

  it('refuses half of the environment pair', async () => {
    const provider = createCredentialProvider({ env: { DK_REGISTRY_USERNAME: 'env-user' } });
    await expect(provider('reg.example.com')).rejects.toMatchObject({
      code: 'DK529',
      message: expect.stringContaining('DK_REGISTRY_PASSWORD is not set'),
    });
  });

  it('reads base64 auth and username/password entries, whatever form the key takes', async () => {
    const dockerConfigPath = await dockerConfig({
      auths: {
        'https://reg.example.com/v1/': { auth: b64('alice:pa:ss') },
        'localhost:5000': { username: 'bob', password: 'secret' },
        'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
      },
    });
    const provider = createCredentialProvider({ env: {}, dockerConfigPath, runCredentialHelper: noHelper });
    expect(await provider('reg.example.com')).toMatchObject({ username: 'alice', secret: 'pa:ss' });
    expect(await provider('localhost:5000')).toMatchObject({
      username: 'bob',
      secret: 'secret',
      source: `${dockerConfigPath} (auths.localhost:5000)`,
    });
    expect(await provider('registry-1.docker.io')).toMatchObject({ username: 'hub', secret: 'hubpw' });
    expect(await provider('other.example.com')).toBeUndefined();
  });

  it('asks credHelpers for their host and credsStore for the rest', async () => {
    const calls: string[] = [];
    const runCredentialHelper: CredentialHelperRunner = (name, host) => {
      calls.push(`${name} ${host}`);
      return Promise.resolve(
        name === 'ecr-login'
          ? { username: 'AWS', secret: 'ecr-token' }
          : host === 'known.example.com'
            ? { username: 'u', secret: 's' }
            : undefined,
      );
    };
    const dockerConfigPath = await dockerConfig({
      credsStore: 'desktop',
      credHelpers: { '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' },
      auths: { 'inline.example.com': { auth: b64('in:line') } },
    });
    const provider = createCredentialProvider({ env: {}, dockerConfigPath, runCredentialHelper });

    expect(await provider('123.dkr.ecr.us-east-1.amazonaws.com')).toEqual({
      username: 'AWS',
      secret: 'ecr-token',
      source: 'docker-credential-ecr-login',
    });
    expect(await provider('known.example.com')).toEqual({ username: 'u', secret: 's', source: 'docker-credential-desktop' });
    expect(await provider('inline.example.com')).toMatchObject({ username: 'in', secret: 'line' });
    expect(await provider('unknown.example.com')).toBeUndefined();
    expect(calls).toEqual(['ecr-login 123.dkr.ecr.us-east-1.amazonaws.com', 'desktop known.example.com', 'desktop unknown.example.com']);
  });

  it('uses GITHUB_TOKEN for ghcr.io only, with a placeholder user name', async () => {
    const provider = createCredentialProvider({ env: { GITHUB_TOKEN: 'ghs_abc' } });
    expect(await provider('ghcr.io')).toEqual({ username: 'x-access-token', secret: 'ghs_abc', source: 'GITHUB_TOKEN' });
    expect(await provider('reg.example.com')).toBeUndefined();
  });

  it('finds the Docker config through DOCKER_CONFIG or HOME of the injected environment', async () => {
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'a.example.com': { auth: b64('x:y') } } }));
    expect(await createCredentialProvider({ env: { DOCKER_CONFIG: dir } })('a.example.com')).toMatchObject({ username: 'x' });
    expect(await createCredentialProvider({ env: {} })('a.example.com')).toBeUndefined();
  });

  it('reports a malformed Docker config without quoting it', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"auths": {"a": {"auth": "c2VjcmV0LXZhbHVl"}},,}');
    const error = await createCredentialProvider({ env: {}, dockerConfigPath: file })('a')
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DK529', message: `the Docker config ${file} is not valid JSON` });
    expect(JSON.stringify(error) + String((error as Error).cause)).not.toContain('c2VjcmV0');
  });
});

describe('docker-credential-<name> helpers', () => {
  async function helper(name: string, script: string): Promise<Record<string, string>> {
    const bin = path.join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const file = path.join(bin, `docker-credential-${name}`);
    await writeFile(file, `#!/bin/sh\n${script}\n`);
    await chmod(file, 0o755);
    return { PATH: `${bin}:/usr/bin:/bin` };
  }

  it('runs `get` with the host on stdin and reads Username/Secret', async () => {
    const env = await helper(
      'fake',
      'read host; printf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-%s"}\' "$host" "$host"',
    );
    const run = dockerCredentialHelperRunner(env);
    expect(await run('fake', 'reg.example.com')).toEqual({ username: 'helper-user', secret: 'helper-reg.example.com' });
  });

  it('treats "credentials not found" as no credentials', async () => {
    const env = await helper('empty', 'echo "credentials not found in native keychain"; exit 1');
    expect(await dockerCredentialHelperRunner(env)('empty', 'reg.example.com')).toBeUndefined();
  });

  it('reports a failing or missing helper', async () => {
    const env = await helper('broken', 'echo boom >&2; exit 3');
    await expect(dockerCredentialHelperRunner(env)('broken', 'h')).rejects.toMatchObject({
      code: 'DK529',
      message: expect.stringContaining('exit code 3'),
    });
    await expect(dockerCredentialHelperRunner(env)('absent', 'h')).rejects.toMatchObject({
      code: 'DK529',
      message: 'credential helper docker-credential-absent is not on PATH',
    });
  });

  it('is used from the Docker config through the provider', async () => {
    const env = await helper('store', 'read host; printf \'{"Username":"u","Secret":"s3"}\'');
    const dockerConfigPath = await dockerConfig({ credsStore: 'store' });
    const provider = createCredentialProvider({ env, dockerConfigPath });
    expect(await provider('reg.example.com')).toEqual({ username: 'u', secret: 's3', source: 'docker-credential-store' });
  });

  it('refuses a helper name that is a path', async () => {
    const dockerConfigPath = await dockerConfig({ credsStore: '../../bin/sh' });
    await expect(createCredentialProvider({ env: {}, dockerConfigPath })('h')).rejects.toMatchObject({ code: 'DK529' });
  });
});
