import { createHash } from 'node:crypto';
import { mediaTypes } from '@datakit/contracts';
import type { Descriptor } from './descriptor';
import { sha256Digest } from './digest';
import { isDigest, validateDigest, validateManifestReference, validateTag } from './reference';
import { RegistryError, registryCodes } from './registry-errors';
import type { RegistryRequest } from './registry-http';
import type { RegistryRepository } from './repository';
import { bareMediaType, discard, parseJsonObject, readBytes } from './responses';
import type { FetchedManifest } from './target';

/** The registry's limit (distribution: 4 MiB); refused before sending. */
export const maxRegistryManifestBytes = 4 * 1024 * 1024;

export const manifestMediaTypes = new Set<string>([
  mediaTypes.ociManifest,
  mediaTypes.ociIndex,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
export const manifestAccept = [...manifestMediaTypes].join(', ');

/** HEAD of a tag or digest: its descriptor, or undefined when the repository does not hold it. */
export async function resolveManifest(repo: RegistryRepository, reference: string): Promise<Descriptor | undefined> {
  validateManifestReference(reference);
  const request = manifestRequest(repo, 'HEAD', reference, `resolve ${repo.describe(reference)}`);
  const response = await repo.http.send(request);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw await repo.http.errorFor(response, request);
  const digest = response.headers.get('docker-content-digest');
  const length = response.headers.get('content-length');
  const mediaType = bareMediaType(response.headers.get('content-type'));
  if (!digest || length === null || !mediaType || !manifestMediaTypes.has(mediaType)) {
    return (await fetchManifest(repo, reference)).descriptor;
  }
  validateDigest(digest);
  if (isDigest(reference) && digest !== reference) {
    throw new RegistryError(registryCodes.digestMismatch, `${request.operation}: ${repo.host} answered with digest ${digest}`);
  }
  return { mediaType, digest, size: Number(length) };
}

/** The manifest's bytes, checked against the digest asked for or the one the registry announces. */
export async function fetchManifest(repo: RegistryRepository, reference: string): Promise<FetchedManifest> {
  validateManifestReference(reference);
  const request = manifestRequest(repo, 'GET', reference, `fetch manifest ${repo.describe(reference)}`);
  const response = await repo.http.expect(request, [200]);
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length > maxRegistryManifestBytes) {
    await discard(response);
    throw new RegistryError(
      registryCodes.manifestTooLarge,
      `${request.operation}: the manifest is ${length} bytes, over the limit of ${maxRegistryManifestBytes}`,
    );
  }
  const bytes = await readBytes(response, maxRegistryManifestBytes, request, repo.http);
  const digest = isDigest(reference) ? digestOf(reference, bytes) : sha256Digest(bytes);
  if (isDigest(reference) && digest !== reference) {
    throw new RegistryError(registryCodes.digestMismatch, `${request.operation}: the bytes served hash to ${digest}`, {
      hint: 'The registry served other content than asked for: it is corrupt or something in between altered it.',
    });
  }
  const announced = response.headers.get('docker-content-digest');
  if (!isDigest(reference) && announced && announced.startsWith('sha256:') && announced !== digest) {
    throw new RegistryError(
      registryCodes.digestMismatch,
      `${request.operation}: the registry says ${announced}, the bytes hash to ${digest}`,
    );
  }
  const declared = parseJsonObject(bytes)?.mediaType;
  const mediaType =
    typeof declared === 'string' ? declared : (bareMediaType(response.headers.get('content-type')) ?? mediaTypes.ociManifest);
  return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
}

export interface PutManifestResult {
  descriptor: Descriptor;
  /** The registry answered OCI-Subject: it indexes referrers itself (referrers API). */
  subjectIndexed: boolean;
}

/** PUTs manifest bytes under `tag`, or under their digest; refuses what the registry would. */
export async function putManifest(repo: RegistryRepository, bytes: Buffer, mediaType: string, tag?: string): Promise<PutManifestResult> {
  const digest = sha256Digest(bytes);
  const operation = `push manifest ${tag ?? digest} to ${repo.location}`;
  if (bytes.length > maxRegistryManifestBytes) {
    throw new RegistryError(
      registryCodes.manifestTooLarge,
      `${operation}: the manifest is ${bytes.length} bytes, over the registry limit of ${maxRegistryManifestBytes}`,
      {
        hint: 'Move content into layers (blobs); manifests only describe them.',
      },
    );
  }
  if (tag !== undefined) validateTag(tag);
  const request: RegistryRequest = {
    method: 'PUT',
    url: repo.path('manifests', tag ?? digest),
    headers: { 'content-type': mediaType },
    body: () => bytes,
    scopes: repo.pushScopes,
    operation,
  };
  const response = await repo.http.expect(request, [201]);
  await discard(response);
  const stored = response.headers.get('docker-content-digest');
  if (stored && stored !== digest) {
    throw new RegistryError(registryCodes.digestMismatch, `${operation}: ${repo.host} stored the manifest as ${stored}, not ${digest}`);
  }
  return { descriptor: { mediaType, digest, size: bytes.length }, subjectIndexed: response.headers.has('oci-subject') };
}

/** A HEAD or GET of a tag or digest, accepting every manifest media type. */
function manifestRequest(repo: RegistryRepository, method: 'HEAD' | 'GET', reference: string, operation: string): RegistryRequest {
  return { method, url: repo.path('manifests', reference), headers: { accept: manifestAccept }, scopes: repo.pullScopes, operation };
}

function digestOf(reference: string, bytes: Uint8Array): string {
  const algorithm = reference.slice(0, reference.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
