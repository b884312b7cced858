import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyArtifact } from '../../src/registry/copy';
import type { Descriptor } from '../../src/registry/descriptor';
import { OciLayoutTarget } from '../../src/registry/oci-layout';
import { isChannelTag, isMovableTag, pushArtifact } from '../../src/registry/publish';
import { RegistryTarget } from '../../src/registry/registry-target';
import { bufferSource, describeBytes, imageManifest, startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from './helpers/bundle-fixtures';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

/** An artifact (config + one layer) and a signature-like referrer whose subject is it. */
async function seedLayout(layout: OciLayoutTarget, content: string): Promise<{ artifact: Descriptor; referrer: Descriptor }> {
  const config = Buffer.from('{"name":"demo"}');
  const layer = Buffer.from(content);
  const configDesc = describeBytes(config, 'application/vnd.datakit.package.config.v1+json');
  const layerDesc = describeBytes(layer);
  await layout.pushBlob(bufferSource(config, configDesc));
  await layout.pushBlob(bufferSource(layer, layerDesc));
  const artifact = await layout.pushManifest(imageManifest(configDesc, [layerDesc]), manifestType, '1.0.0');
  const empty = Buffer.from('{}');
  const emptyDesc = describeBytes(empty, 'application/vnd.oci.empty.v1+json');
  const signature = Buffer.from(`signature of ${artifact.digest}`);
  const signatureDesc = describeBytes(signature, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  await layout.pushBlob(bufferSource(empty, emptyDesc));
  await layout.pushBlob(bufferSource(signature, signatureDesc));
  const referrer = await layout.pushManifest(
    imageManifest(emptyDesc, [signatureDesc], { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', subject: artifact }),
    manifestType,
  );
  return { artifact, referrer };
}

describe('copyArtifact', () => {
  it('copies layout → registry → layout with referrers, digests unchanged', async () => {
    const source = new OciLayoutTarget(await tempDir());
    const { artifact, referrer } = await seedLayout(source, 'payload');
    const remote = new RegistryTarget({ host: registry.host, repository: 'copy/demo' });
    const copied = await copyArtifact(source, '1.0.0', remote, { tag: '1.0.0' });
    expect(copied.digest).toBe(artifact.digest);
    expect((await remote.resolve('1.0.0'))?.digest).toBe(artifact.digest);
    expect((await remote.referrers(artifact)).map((d) => d.digest)).toEqual([referrer.digest]);

    const airgap = new OciLayoutTarget(await tempDir());
    await copyArtifact(remote, artifact.digest, airgap, { tag: '1.0.0' });
    expect((await airgap.resolve('1.0.0'))?.digest).toBe(artifact.digest);
    expect((await airgap.referrers(artifact)).map((d) => d.digest)).toEqual([referrer.digest]);
  });

  it('reports a missing artifact', async () => {
    const source = new OciLayoutTarget(await tempDir());
    await expect(copyArtifact(source, '9.9.9', new OciLayoutTarget(await tempDir()))).rejects.toMatchObject({ code: 'DK532' });
  });
});

describe('pushArtifact', () => {
  it('is a no-op for the same digest, refuses another digest under a release tag, moves a prerelease only when allowed', async () => {
    const first = new OciLayoutTarget(await tempDir());
    const second = new OciLayoutTarget(await tempDir());
    const a = (await seedLayout(first, 'one')).artifact;
    const b = (await seedLayout(second, 'two')).artifact;
    const remote = new RegistryTarget({ host: registry.host, repository: 'push/demo' });

    expect(await pushArtifact({ source: first, manifest: a, destination: remote, tag: '1.0.0' })).toEqual({
      digest: a.digest,
      pushed: true,
    });
    expect(await pushArtifact({ source: first, manifest: a, destination: remote, tag: '1.0.0' })).toEqual({
      digest: a.digest,
      pushed: false,
    });
    const refused = pushArtifact({ source: second, manifest: b, destination: remote, tag: '1.0.0', allowOverwrite: true });
    await expect(refused).rejects.toMatchObject({ code: 'DK530' });
    await expect(refused).rejects.toThrow(a.digest);
    await expect(refused).rejects.toThrow(b.digest);
    expect((await remote.resolve('1.0.0'))?.digest).toBe(a.digest);

    await pushArtifact({ source: first, manifest: a, destination: remote, tag: '1.1.0-rc.1' });
    await expect(pushArtifact({ source: second, manifest: b, destination: remote, tag: '1.1.0-rc.1' })).rejects.toMatchObject({
      code: 'DK530',
    });
    expect(await pushArtifact({ source: second, manifest: b, destination: remote, tag: '1.1.0-rc.1', allowOverwrite: true })).toEqual({
      digest: b.digest,
      pushed: true,
      replaced: a.digest,
    });
  });

  it('only prerelease versions are movable tags; channel tags follow every publish', async () => {
    expect(isMovableTag('1.0.0-rc.1')).toBe(true);
    expect(isMovableTag('1.0.0')).toBe(false);
    expect(isChannelTag('latest')).toBe(true);
    expect(isChannelTag('1.0.0')).toBe(false);
    const first = new OciLayoutTarget(await tempDir());
    const second = new OciLayoutTarget(await tempDir());
    const a = (await seedLayout(first, 'one')).artifact;
    const b = (await seedLayout(second, 'two')).artifact;
    const remote = new RegistryTarget({ host: registry.host, repository: 'channel/demo' });
    await pushArtifact({ source: first, manifest: a, destination: remote, tag: 'latest' });
    expect(await pushArtifact({ source: second, manifest: b, destination: remote, tag: 'latest' })).toMatchObject({
      pushed: true,
      replaced: a.digest,
    });
    expect((await remote.resolve('latest'))?.digest).toBe(b.digest);
  });
});
