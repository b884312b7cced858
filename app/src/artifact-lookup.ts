import { annotations as annotationKeys } from '@datakit/contracts';
import type { Logger } from '@datakit/sdk/core';
import { silentLogger } from '@datakit/sdk/core';
import { openArtifactLocation, packageLocation, type OpenTargetOptions, type Target } from '@datakit/sdk/registry';

/** The artifact a package repository commit was published as. */
export interface ArtifactMatch {
  package: string;
  /** The package's repository, oci://host/prefix/package. */
  location: string;
  /** The (newest) tag the match was found under. */
  tag: string;
  /** org.opencontainers.image.version, else the tag. */
  version: string;
  digest: string;
  /** The commit (org.opencontainers.image.revision). */
  revision: string;
}

export interface ArtifactLookupOptions {
  /** Manifests fetched at once while scanning tags (default 4). */
  concurrency?: number;
  /** Manifests remembered by digest (default 10 000). */
  cacheSize?: number;
  logger?: Logger;
  /** Opens a package's repository (default: openArtifactLocation with the registry options). */
  openTarget?: (location: string) => Target;
}

/** What the lookup needs of a manifest: digests name immutable content, so this never goes stale. */
interface ManifestFacts {
  revision: string | undefined;
  version: string | undefined;
}

const releasePattern = /^v?(\d+)\.(\d+)\.(\d+)$/;
const versionPattern = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

/**
 * Finds the artifact of a commit: in `<registry>/<package>`, the manifest whose
 * org.opencontainers.image.revision is the commit. Tags are scanned newest version first (other
 * tags after, referrer tags never) and the scan stops at the first match. Manifests are cached by
 * digest and release tags by name, both immutable, so a repeated lookup only lists the tags.
 */
export class ArtifactLookup {
  private readonly manifests = new Map<string, Promise<ManifestFacts>>();
  /** `location:tag` → digest, for release versions (which never move). */
  private readonly releaseTags = new Map<string, string>();
  private readonly concurrency: number;
  private readonly cacheSize: number;
  private readonly logger: Logger;
  private readonly openTarget: (location: string) => Target;

  /** `optionsFor` picks the registry options (credentials) per location; default: registryOptions everywhere. */
  constructor(
    registryOptions: OpenTargetOptions,
    options: ArtifactLookupOptions & { optionsFor?: (location: string) => OpenTargetOptions } = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.cacheSize = Math.max(1, options.cacheSize ?? 10_000);
    this.logger = options.logger ?? silentLogger;
    const optionsFor = options.optionsFor ?? (() => registryOptions);
    this.openTarget = options.openTarget ?? ((location) => openArtifactLocation(location, optionsFor(location)).target);
  }

  /** The newest-tagged artifact of `packageName` published from `revision`; undefined when there is none. */
  async findByRevision(
    registry: string,
    packageName: string,
    revision: string,
    logger: Logger = this.logger,
  ): Promise<ArtifactMatch | undefined> {
    const location = packageLocation(registry, packageName);
    const target = this.openTarget(location);
    const tags = orderTags(await target.listTags());
    const wanted = revision.toLowerCase();
    let fetched = 0;
    for (let start = 0; start < tags.length; start += this.concurrency) {
      const batch = tags.slice(start, start + this.concurrency);
      const facts = await Promise.all(
        batch.map(async (tag) => {
          const digest = await this.digestOf(target, location, tag);
          if (digest === undefined) return undefined;
          if (!this.manifests.has(digest)) fetched++;
          return { tag, digest, facts: await this.factsOf(target, digest) };
        }),
      );
      const match = facts.find((entry) => entry?.facts.revision?.toLowerCase() === wanted);
      if (match !== undefined) {
        logger.debug(
          { location, tag: match.tag, digest: match.digest, scanned: start + batch.length, fetched },
          'artifact found for commit',
        );
        return {
          package: packageName,
          location,
          tag: match.tag,
          version: match.facts.version ?? match.tag,
          digest: match.digest,
          revision: match.facts.revision!,
        };
      }
    }
    logger.debug({ location, tags: tags.length, fetched }, 'no artifact for commit');
    return undefined;
  }

  /** How many manifests are cached (for tests and metrics). */
  get cachedManifests(): number {
    return this.manifests.size;
  }

  private async digestOf(target: Target, location: string, tag: string): Promise<string | undefined> {
    const key = `${location}:${tag}`;
    const known = this.releaseTags.get(key);
    if (known !== undefined) return known;
    const descriptor = await target.resolve(tag);
    if (descriptor === undefined) return undefined; // deleted since the listing
    if (releasePattern.test(tag)) this.remember(this.releaseTags, key, descriptor.digest);
    return descriptor.digest;
  }

  private factsOf(target: Target, digest: string): Promise<ManifestFacts> {
    const cached = this.manifests.get(digest);
    if (cached !== undefined) return cached;
    const facts = (async (): Promise<ManifestFacts> => {
      const { bytes } = await target.fetchManifest(digest);
      let annotations: Record<string, unknown> = {};
      try {
        const parsed = JSON.parse(bytes.toString('utf8')) as { annotations?: unknown };
        if (typeof parsed.annotations === 'object' && parsed.annotations !== null)
          annotations = parsed.annotations as Record<string, unknown>;
      } catch {
        // not JSON: no annotations (and no revision) to match
      }
      const text = (key: string) => (typeof annotations[key] === 'string' ? (annotations[key] as string) : undefined);
      return { revision: text(annotationKeys.revision), version: text(annotationKeys.version) };
    })();
    this.remember(this.manifests, digest, facts);
    facts.catch(() => this.manifests.delete(digest));
    return facts;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.cacheSize) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}

/** Versions newest first (by semantic version precedence), then other tags (newest name first); referrer tags (sha256-…) left out. */
export function orderTags(tags: readonly string[]): string[] {
  const versions = tags.filter((tag) => versionPattern.test(tag)).sort((a, b) => compareVersions(b, a));
  const others = tags
    .filter((tag) => !versionPattern.test(tag) && !/^sha256-[0-9a-f]{64}/.test(tag))
    .sort()
    .reverse();
  return [...versions, ...others];
}

/** Semantic version precedence (semver.org §11) of x.y.z[-pre] tags. */
export function compareVersions(a: string, b: string): number {
  const pa = versionPattern.exec(a);
  const pb = versionPattern.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 1; i <= 3; i++) {
    const diff = Number(pa[i]) - Number(pb[i]);
    if (diff !== 0) return Math.sign(diff);
  }
  const [preA, preB] = [pa[4], pb[4]];
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const idsA = preA.split('.');
  const idsB = preB.split('.');
  for (let i = 0; i < Math.max(idsA.length, idsB.length); i++) {
    const [x, y] = [idsA[i], idsB[i]];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return Math.sign(diff);
    } else if (nx !== ny) return nx ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
