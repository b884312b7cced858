import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactLocation, type OpenTargetOptions, type Target } from '@datakit/sdk/registry';
import { ArtifactLookup, compareVersions, orderTags } from '../src/artifact-lookup';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import { publishPackage } from './helpers/commands-world';

const sha = (name: string) => createHash('sha1').update(name).digest('hex');
const options: OpenTargetOptions = { cwd: process.cwd(), credentials: { env: {} } };

/** A lookup whose registry calls are counted. */
function countingLookup() {
  const calls = { listTags: 0, resolve: 0, fetchManifest: 0 };
  const lookup = new ArtifactLookup(options, {
    concurrency: 1,
    openTarget(location) {
      const { target } = openArtifactLocation(location, options);
      const counted: Target = Object.create(target) as Target;
      counted.listTags = () => (calls.listTags++, target.listTags());
      counted.resolve = (reference) => (calls.resolve++, target.resolve(reference));
      counted.fetchManifest = (reference) => (calls.fetchManifest++, target.fetchManifest(reference));
      return counted;
    },
  });
  return { lookup, calls };
}

describe('ArtifactLookup (real registry)', () => {
  let registry: TestRegistry;
  let prefix: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    registry = await startRegistry();
    prefix = `oci://${registry.host}/lookup`;
    for (const [version, revision] of [
      ['0.1.0', sha('one')],
      ['0.2.0', sha('two')],
      ['0.10.0', sha('ten')],
      ['0.11.0-rc.1', sha('eleven')],
    ] as const) {
      digests[version] = await publishPackage(prefix, 'orders', version, revision);
    }
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('finds the manifest whose org.opencontainers.image.revision is the commit', async () => {
    const lookup = new ArtifactLookup(options);
    const found = await lookup.findByRevision(prefix, 'orders', sha('two'));
    expect(found).toEqual({
      package: 'orders',
      location: `${prefix}/orders`,
      tag: '0.2.0',
      version: '0.2.0',
      digest: digests['0.2.0'],
      revision: sha('two'),
    });
    expect(await lookup.findByRevision(prefix, 'orders', sha('never published'))).toBeUndefined();
    expect(await lookup.findByRevision(prefix, 'nothing-here', sha('two'))).toBeUndefined();
  });

  it('scans newest version first and stops at the first match', async () => {
    const { lookup, calls } = countingLookup();
    const found = await lookup.findByRevision(prefix, 'orders', sha('eleven'));
    expect(found?.version).toBe('0.11.0-rc.1');
    // 0.11.0-rc.1 is the newest: one manifest fetched, not four.
    expect(calls).toEqual({ listTags: 1, resolve: 1, fetchManifest: 1 });
    await lookup.findByRevision(prefix, 'orders', sha('ten'));
    expect(calls.fetchManifest).toBe(2);
  });

  it('caches manifests by digest and release tags by name: a repeated lookup only lists the tags', async () => {
    const { lookup, calls } = countingLookup();
    expect(await lookup.findByRevision(prefix, 'orders', sha('one'))).toMatchObject({ tag: '0.1.0' });
    expect(calls).toEqual({ listTags: 1, resolve: 4, fetchManifest: 4 });
    expect(lookup.cachedManifests).toBe(4);
    expect(await lookup.findByRevision(prefix, 'orders', sha('one'))).toMatchObject({ digest: digests['0.1.0'] });
    // Again: the prerelease tag (which may move) is resolved again, release tags and manifests are not.
    expect(calls).toEqual({ listTags: 2, resolve: 5, fetchManifest: 4 });
  });
});

describe('tag order', () => {
  it('puts versions newest first by semantic version precedence, then other tags, never referrer tags', () => {
    expect(
      orderTags([
        '0.9.0',
        'latest',
        '0.10.0',
        '1.0.0-rc.1',
        '1.0.0',
        '1.0.0-alpha',
        '1.0.0-alpha.1',
        '1.0.0-rc.10',
        '1.0.0-rc.2',
        `sha256-${'a'.repeat(64)}`,
        'edge',
      ]),
    ).toEqual(['1.0.0', '1.0.0-rc.10', '1.0.0-rc.2', '1.0.0-rc.1', '1.0.0-alpha.1', '1.0.0-alpha', '0.10.0', '0.9.0', 'latest', 'edge']);
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareVersions('1.0.0-1', '1.0.0-alpha')).toBe(-1);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
  });
});
