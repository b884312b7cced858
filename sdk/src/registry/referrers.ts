import { mediaTypes } from '@datakit/contracts';
import type { Descriptor, ImageIndex } from './descriptor';
import { maxRegistryManifestBytes } from './manifests';
import { validateDigest } from './reference';
import type { RegistryRequest } from './registry-http';
import type { RegistryRepository } from './repository';
import { bareMediaType, discard, parseJsonObject, readBytes } from './responses';
import type { Target } from './target';

/** The manifest operations the tag-schema fallback works through. */
export type ManifestStore = Pick<Target, 'resolve' | 'fetchManifest' | 'pushManifest'>;

/** The tag the referrers tag schema uses for a subject: <alg>-<hex>, at most 128 characters. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-').slice(0, 128);
}

/** Manifests whose subject is `descriptor`: the referrers API, else the sha256-<hex> tag holding an index. */
export async function listReferrers(
  repo: RegistryRepository,
  store: ManifestStore,
  descriptor: Descriptor,
  artifactType?: string,
): Promise<Descriptor[]> {
  validateDigest(descriptor.digest);
  const request: RegistryRequest = {
    method: 'GET',
    url: `/v2/${repo.repository}/referrers/${descriptor.digest}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`,
    headers: { accept: mediaTypes.ociIndex },
    scopes: repo.pullScopes,
    operation: `list referrers of ${descriptor.digest} in ${repo.location}`,
  };
  const response = await repo.http.send(request);
  let manifests: Descriptor[];
  if (response.status === 200 && bareMediaType(response.headers.get('content-type')) === mediaTypes.ociIndex) {
    manifests = indexManifests(await readBytes(response, maxRegistryManifestBytes, request, repo.http));
  } else if (response.status === 200 || response.status === 400 || response.status === 404 || response.status === 405) {
    // No referrers API (distribution 2.8 answers a plain-text 404; the spec says only a 200 with an index counts).
    await discard(response);
    manifests = await referrersFromTag(store, descriptor.digest);
  } else {
    throw await repo.http.errorFor(response, request);
  }
  return artifactType === undefined ? manifests : manifests.filter((entry) => entry.artifactType === artifactType);
}

/**
 * After pushing a manifest to a registry that did not index its subject (no OCI-Subject answer):
 * adds it to the subject's sha256-<hex> index, the tag-schema fallback. Manifests without a
 * subject are left alone.
 */
export async function indexReferrerByTag(store: ManifestStore, descriptor: Descriptor, bytes: Buffer): Promise<void> {
  const manifest = parseJsonObject(bytes);
  const subject = manifest?.subject as Descriptor | undefined;
  if (subject && typeof subject.digest === 'string') {
    await addToReferrersTag(store, subject, referrerDescriptor(descriptor, manifest ?? {}));
  }
}

async function referrersFromTag(store: ManifestStore, subjectDigest: string): Promise<Descriptor[]> {
  const tag = referrersTag(subjectDigest);
  if (!(await store.resolve(tag))) return [];
  return indexManifests((await store.fetchManifest(tag)).bytes);
}

/** The tag-schema fallback for registries without a referrers API: keep the sha256-<hex> index up to date. */
async function addToReferrersTag(store: ManifestStore, subject: Descriptor, referrer: Descriptor): Promise<void> {
  const tag = referrersTag(subject.digest);
  const index: ImageIndex = { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [] };
  if (await store.resolve(tag)) index.manifests = indexManifests((await store.fetchManifest(tag)).bytes);
  if (index.manifests.some((entry) => entry.digest === referrer.digest)) return;
  index.manifests.push(referrer);
  await store.pushManifest(Buffer.from(JSON.stringify(index), 'utf8'), mediaTypes.ociIndex, tag);
}

function referrerDescriptor(descriptor: Descriptor, manifest: Record<string, unknown>): Descriptor {
  const config = manifest.config as { mediaType?: unknown } | undefined;
  const artifactType =
    typeof manifest.artifactType === 'string'
      ? manifest.artifactType
      : typeof config?.mediaType === 'string'
        ? config.mediaType
        : undefined;
  const annotations = manifest.annotations;
  return {
    ...descriptor,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(annotations && typeof annotations === 'object' ? { annotations: annotations as Record<string, string> } : {}),
  };
}

function indexManifests(bytes: Buffer): Descriptor[] {
  const manifests = parseJsonObject(bytes)?.manifests;
  if (!Array.isArray(manifests)) return [];
  return manifests.filter(
    (entry: unknown): entry is Descriptor =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as Descriptor).digest === 'string' &&
      typeof (entry as Descriptor).mediaType === 'string',
  );
}
