import semver from 'semver';
import { annotations as annotationKeys } from '@datakit/contracts';
import { UsageError } from '../core/errors';
import { openArtifactLocation, packageLocation, type OpenTargetOptions } from '../registry/open-target';
import type { ArtifactPin } from './deployment-file';

/** Turns "0.2.0" or "sha256:…" into the pin a deployment file holds, checking the artifact exists. */
export interface ArtifactResolver {
  /** Where packages are looked up, for messages. */
  readonly description: string;
  resolve(packageName: string, versionOrDigest: string): Promise<ArtifactPin>;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** The reference a cluster pulls: host/repository@digest (oci:// dropped), or the layout path. */
function pullReference(location: string, digest: string): string {
  return `${location.replace(/^oci:\/\//, '')}@${digest}`;
}

function newestVersions(tags: readonly string[]): string {
  const versions = tags.filter((t) => semver.valid(t) !== null).sort(semver.rcompare);
  if (versions.length === 0) return 'none';
  return versions.slice(0, 8).join(', ') + (versions.length > 8 ? ', …' : '');
}

/** Resolves against the registry prefix packages are published under (oci://host/team or oci-layout:PATH). */
export function registryArtifactResolver(prefix: string, options: OpenTargetOptions): ArtifactResolver {
  return {
    description: prefix,
    async resolve(packageName, versionOrDigest) {
      const location = packageLocation(prefix, packageName);
      const { target } = openArtifactLocation(location, options);
      const isDigest = versionOrDigest.startsWith('sha256:');
      if (isDigest && !digestPattern.test(versionOrDigest)) {
        throw new UsageError('DK705', `${versionOrDigest}: not a digest (sha256: and 64 lowercase hex digits)`);
      }
      if (!isDigest && semver.valid(versionOrDigest) === null) {
        throw new UsageError('DK705', `${versionOrDigest}: not a version (x.y.z) or a digest (sha256:…)`, {
          hint: 'Promote a published version such as 0.1.0, or a digest.',
        });
      }
      const descriptor = await target.resolve(versionOrDigest);
      if (descriptor === undefined) {
        const tags = await target.listTags().catch(() => [] as string[]);
        if (tags.length === 0) {
          throw new UsageError('DK704', `unknown package ${packageName}: nothing is published at ${target.location}`, {
            hint: 'Check the package name, publish it first (dk publish), or pass --registry where it was published.',
          });
        }
        throw new UsageError(
          'DK705',
          `${packageName} ${versionOrDigest} is not in ${target.location} (published versions: ${newestVersions(tags)})`,
          {
            hint: isDigest
              ? 'Check the digest (dk inspect shows it).'
              : `Publish ${versionOrDigest} first (dk publish), or promote a published version.`,
          },
        );
      }
      let version = isDigest ? undefined : versionOrDigest;
      if (version === undefined) {
        const { bytes } = await target.fetchManifest(descriptor.digest);
        const manifest = JSON.parse(bytes.toString('utf8')) as { annotations?: Record<string, string> };
        version = manifest.annotations?.[annotationKeys.version] ?? descriptor.digest.slice(7, 19);
      }
      return { version, digest: descriptor.digest, ref: pullReference(target.location, descriptor.digest) };
    },
  };
}
