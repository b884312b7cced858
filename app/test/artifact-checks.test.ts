import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryTarget, type CredentialProvider, type Target } from '@datakit/sdk/registry';
import { freePort, startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import { createArtifactChecks, registryHost, registryLocation, type ArtifactChecksOptions } from '../src/artifact-checks';
import { publishPackage, pushRawArtifact } from './helpers/gates-world';

let registry: TestRegistry;
let prefix: string;
let scratch: string;

beforeAll(async () => {
  registry = await startRegistry();
  prefix = `oci://${registry.host}/checks`;
  scratch = await mkdtemp(path.join(tmpdir(), 'dk-app-artifact-checks-'));
});

afterAll(async () => {
  await registry?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Checks whose registry calls are counted, extracting below a fresh temp dir; no retry waits. */
async function counted(options: Partial<ArtifactChecksOptions> = {}) {
  const calls: string[] = [];
  const providers: CredentialProvider[] = [];
  const tempDir = await mkdtemp(path.join(scratch, 'run-'));
  const checks = createArtifactChecks({
    registryOptions: { cwd: scratch, credentials: { env: {} } },
    tempDir,
    openTarget(location, credentials) {
      providers.push(credentials);
      const target = new RegistryTarget({ ...location, credentials, sleep: async () => {}, retry: { attempts: 2 } });
      return new Proxy(target, {
        get(object, property, receiver) {
          const value = Reflect.get(object, property, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(property));
            return (value as (...a: unknown[]) => unknown).apply(object, args);
          };
        },
      }) as Target;
    },
    ...options,
  });
  return { checks, calls, providers, tempDir };
}

const trusted = (): { trustedHosts: Set<string> } => ({ trustedHosts: new Set([registry.host]) });

describe('artifact checks', () => {
  it('finds a published package and lints its manifests, then answers from the cache', async () => {
    const pin = await publishPackage(prefix, 'orders', '1.0.0');
    const { checks, calls, tempDir } = await counted();

    const first = await checks.check(pin, trusted());
    expect(first.artifact).toEqual({ rule: 'artifact', passed: true, message: `${pin.ref} is in the registry` });
    expect(first.lint).toEqual({ rule: 'lint', passed: true, message: '5 manifest files lint clean' });
    expect(calls).toContain('resolve');

    calls.length = 0;
    expect(await checks.check(pin, trusted())).toEqual(first);
    expect(calls).toEqual([]);
    expect(checks.cached).toBe(2);
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('shares one lookup between checks of the same artifact at once', async () => {
    const pin = await publishPackage(prefix, 'shared', '1.0.0');
    const { checks, calls } = await counted();

    const [a, b] = await Promise.all([checks.check(pin, trusted()), checks.check(pin, trusted())]);

    expect(a).toEqual(b);
    expect(calls.filter((call) => call === 'resolve')).toHaveLength(1);
  });

  it('fails a digest that is not in the registry, and looks again next time', async () => {
    const pin = await publishPackage(prefix, 'missing', '1.0.0');
    const digest = `sha256:${'2'.repeat(64)}`;
    const missing = { ref: pin.ref.replace(pin.digest, digest), digest };
    const { checks, calls } = await counted();

    const result = await checks.check(missing, trusted());
    expect(result.artifact.passed).toBe(false);
    expect(result.artifact.message).toBe(
      `${registry.host}/checks/missing@${digest} is not in the registry: publish it (datakit/publish) or pin a published digest`,
    );
    expect(result.lint).toEqual({ rule: 'lint', passed: false, message: 'not checked: the artifact is not in the registry' });
    await checks.check(missing, trusted());
    expect(calls.filter((call) => call === 'resolve')).toHaveLength(2);
  });

  it('lists the first lint errors of manifests that do not lint clean', async () => {
    const broken = `apiVersion: datakit.dev/v1alpha1
kind: Transform
metadata:
  name: broken
  namespace: default
  version: 1.0.0
spec:
  runtime: no-such-runtime
`;
    const pin = await pushRawArtifact(prefix, 'broken', '1.0.0', { 'dk.yaml': broken });
    const { checks, tempDir } = await counted();

    const result = await checks.check(pin, trusted());

    expect(result.artifact.passed).toBe(true);
    expect(result.lint.passed).toBe(false);
    expect(result.lint.message).toMatch(/^\d+ lint errors?: DK\d{3} dk\.yaml:\d+ /);
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('fails an artifact without a manifests layer', async () => {
    const pin = await pushRawArtifact(prefix, 'content-only', '1.0.0', undefined);
    const { checks } = await counted();

    const result = await checks.check(pin, trusted());

    expect(result.artifact.passed).toBe(true);
    expect(result.lint).toEqual({
      rule: 'lint',
      passed: false,
      message: `${registry.host}/checks/content-only@${pin.digest} has no manifests layer (application/vnd.datakit.manifests.v1.tar+gzip): not a DataKit package`,
    });
  });

  it('says so when the registry cannot be reached, without remembering it', async () => {
    const port = await freePort();
    const digest = `sha256:${'3'.repeat(64)}`;
    const pin = { ref: `127.0.0.1:${port}/team/orders@${digest}`, digest };
    const { checks, calls, tempDir } = await counted();

    const result = await checks.check(pin, { trustedHosts: new Set() });

    expect(result.artifact.passed).toBe(false);
    expect(result.artifact.message).toMatch(new RegExp(`^could not check 127\\.0\\.0\\.1:${port}/team/orders@sha256:3{64}: DK5\\d\\d `));
    expect(result.artifact.message).toContain('re-run the check once the registry answers');
    expect(result.lint.message).toBe('not checked: the registry could not be reached');
    await checks.check(pin, { trustedHosts: new Set() });
    expect(calls.filter((call) => call === 'resolve')).toHaveLength(2);
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('hands registry credentials only to trusted hosts', async () => {
    const { checks, providers } = await counted({
      registryOptions: { cwd: scratch, credentials: { env: { DK_REGISTRY_USERNAME: 'robot', DK_REGISTRY_PASSWORD: 'secret' } } },
    });
    const pin = await publishPackage(prefix, 'credentials', '1.0.0');
    await checks.check(pin, { trustedHosts: new Set(['registry.example.com']) });

    const provider = providers[0]!;
    expect(await provider('registry.example.com')).toMatchObject({ username: 'robot', secret: 'secret' });
    expect(await provider('evil.example.com')).toBeUndefined();
    expect(await provider(registry.host)).toBeUndefined();
  });

  it('refuses refs that are not registry references pinned by their digest', () => {
    const digest = `sha256:${'4'.repeat(64)}`;
    expect(registryLocation({ ref: `oci-layout:/etc@${digest}`, digest })).toEqual({
      problem: `oci-layout:/etc@${digest} is not a registry reference (host/repository@digest)`,
    });
    expect(registryLocation({ ref: `registry.example.com/team/orders@sha256:${'5'.repeat(64)}`, digest })).toEqual({
      problem: `registry.example.com/team/orders@sha256:${'5'.repeat(64)} does not pin ${digest}`,
    });
    expect(registryLocation({ ref: `Registry.Example.com:5000/team/orders@${digest}`, digest })).toEqual({
      host: 'registry.example.com:5000',
      repository: 'team/orders',
    });
    expect(registryHost('oci://Registry.example.com/team')).toBe('registry.example.com');
    expect(registryHost('orders')).toBeUndefined();
  });
});
