import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { mediaTypes } from '@datakit/contracts';
import { systemClock, type Clock } from '../core/clock';
import { FileSystemError, systemErrorCode } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { realSleep, type Sleep } from '../core/retry';
import { RegistryAuth, repositoryScope, type AuthCache, type FetchLike } from './auth';
import type { CredentialProvider } from './credentials';
import type { Descriptor, ImageIndex } from './descriptor';
import { verifyingStream } from './digest';
import {
  isDigest,
  isLoopbackHost,
  validateDigest,
  validateHost,
  validateManifestReference,
  validateRepository,
  validateTag,
} from './reference';
import {
  defaultRetryPolicy,
  discard,
  fetchWithCa,
  RegistryError,
  registryCodes,
  RegistryHttp,
  type RegistryRequest,
  type RequestSummary,
  type RetryPolicy,
} from './registry-http';
import type { BlobSource, FetchedManifest, Target } from './target';

export interface RegistryTargetOptions {
  /** host[:port] */
  host: string;
  repository: string;
  /**
   * true: plain HTTP; false: TLS. Unset: plain HTTP for loopback hosts (localhost, 127.0.0.0/8, ::1)
   * without a caFile, TLS for everything else.
   */
  plainHttp?: boolean;
  /** PEM file of the CA that signed the registry's certificate; trusted for this client only. */
  caFile?: string;
  /** Default: anonymous. */
  credentials?: CredentialProvider;
  /** Default: globalThis.fetch, or a node:https client trusting caFile when one is given. */
  fetch?: FetchLike;
  logger?: Logger;
  sleep?: Sleep;
  clock?: Clock;
  /** Blobs up to this size go up in one PUT; larger ones in PATCH requests of this size. Default 8 MiB. */
  chunkSize?: number;
  userAgent?: string;
  retry?: Partial<RetryPolicy>;
  /** Share challenges and tokens with other clients using the same credentials. */
  authCache?: AuthCache;
}

export interface PushBlobOptions {
  /** A repository on the same registry that may hold the blob: mounted instead of uploaded when it does. */
  mountFrom?: string;
}

/** The registry's limit (distribution: 4 MiB); refused before sending. */
export const maxRegistryManifestBytes = 4 * 1024 * 1024;
export const defaultChunkSize = 8 * 1024 * 1024;

const manifestMediaTypes = new Set<string>([
  mediaTypes.ociManifest,
  mediaTypes.ociIndex,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const manifestAccept = [...manifestMediaTypes].join(', ');
const maxTagPages = 10_000;

interface UploadState {
  /** The newest Location the registry gave for the session. */
  location: string;
  /** Bytes the registry holds. */
  offset: number;
}

/** An OCI registry repository (oci://host/repo) over the distribution API. */
export class RegistryTarget implements Target {
  readonly location: string;
  readonly host: string;
  readonly repository: string;
  private readonly http: RegistryHttp;
  private readonly logger: Logger;
  private readonly chunkSize: number;
  private readonly pullScopes: string[];
  private readonly pushScopes: string[];

  constructor(options: RegistryTargetOptions) {
    validateHost(options.host);
    validateRepository(options.repository);
    this.host = options.host;
    this.repository = options.repository;
    this.location = `oci://${options.host}/${options.repository}`;
    this.logger = options.logger ?? silentLogger;
    this.chunkSize = Math.max(1, options.chunkSize ?? defaultChunkSize);
    this.pullScopes = [repositoryScope(this.repository, ['pull'])];
    this.pushScopes = [repositoryScope(this.repository, ['pull', 'push'])];

    const plainHttp = options.plainHttp ?? (isLoopbackHost(options.host) && options.caFile === undefined);
    const fetch = options.fetch ?? (options.caFile !== undefined ? lazyCaFetch(options.caFile) : (globalThis.fetch as FetchLike));
    const clock = options.clock ?? systemClock;
    const userAgent = options.userAgent ?? 'datakit';
    const auth = new RegistryAuth({
      host: options.host,
      credentials: options.credentials ?? (() => Promise.resolve(undefined)),
      fetch,
      logger: this.logger,
      clock,
      userAgent,
      allowPlainHttpRealm: options.plainHttp === true,
      ...(options.authCache ? { cache: options.authCache } : {}),
    });
    this.http = new RegistryHttp({
      host: options.host,
      scheme: plainHttp ? 'http' : 'https',
      fetch,
      auth,
      logger: this.logger,
      sleep: options.sleep ?? realSleep,
      clock,
      userAgent,
      retry: { ...defaultRetryPolicy, ...options.retry },
    });
  }

  /** GET /v2/: reachable, speaks the distribution API, and accepts our credentials. */
  async ping(): Promise<void> {
    await this.http.expect({ method: 'GET', url: '/v2/', scopes: [], operation: `ping ${this.host}` }, [200]);
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    validateManifestReference(reference);
    const request: RegistryRequest = {
      method: 'HEAD',
      url: this.path('manifests', reference),
      headers: { accept: manifestAccept },
      scopes: this.pullScopes,
      operation: `resolve ${this.describe(reference)}`,
    };
    const response = await this.http.send(request);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw await this.http.errorFor(response, request);
    const digest = response.headers.get('docker-content-digest');
    const length = response.headers.get('content-length');
    const mediaType = bareMediaType(response.headers.get('content-type'));
    if (!digest || length === null || !mediaType || !manifestMediaTypes.has(mediaType)) {
      return (await this.fetchManifest(reference)).descriptor;
    }
    validateDigest(digest);
    if (isDigest(reference) && digest !== reference) {
      throw new RegistryError(registryCodes.digestMismatch, `${request.operation}: ${this.host} answered with digest ${digest}`);
    }
    return { mediaType, digest, size: Number(length) };
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    validateDigest(descriptor.digest);
    const kind = manifestMediaTypes.has(descriptor.mediaType) ? 'manifests' : 'blobs';
    return this.headExists(kind, descriptor.digest, this.pullScopes);
  }

  /**
   * Uploads a blob unless the repository has it: mounted from `mountFrom` when possible, else one
   * PUT (up to chunkSize) or PATCHes of chunkSize then a PUT. A broken connection resumes from the
   * offset the registry reports, or restarts the session when the registry lost it.
   */
  async pushBlob(source: BlobSource, options: PushBlobOptions = {}): Promise<void> {
    const { descriptor } = source;
    validateDigest(descriptor.digest);
    if (options.mountFrom !== undefined) validateRepository(options.mountFrom);
    const scopes = options.mountFrom !== undefined ? [...this.pushScopes, repositoryScope(options.mountFrom, ['pull'])] : this.pushScopes;
    if (await this.headExists('blobs', descriptor.digest, scopes)) {
      this.logger.debug({ digest: descriptor.digest, target: this.location }, 'blob exists; not uploaded');
      return;
    }
    const started = await this.startUpload(descriptor, scopes, options.mountFrom);
    if (started === 'mounted') {
      this.logger.debug({ digest: descriptor.digest, from: options.mountFrom, target: this.location }, 'blob mounted');
      return;
    }

    let state: UploadState | 'done' = started;
    let last: RequestSummary = { method: 'PATCH', url: started.location, operation: `push blob ${descriptor.digest} to ${this.location}` };
    try {
      await this.http.withRetries(last.operation, async (attempt) => {
        if (attempt > 1 && state !== 'done') state = await this.recoverUpload(state, descriptor, scopes);
        if (state === 'done') return;
        await this.upload(source, state, scopes, (request) => (last = request));
      });
    } catch (error) {
      throw this.http.convertFailure(error, last);
    }
  }

  async pushManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor> {
    const digest = sha256(bytes);
    const operation = `push manifest ${tag ?? digest} to ${this.location}`;
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
      url: this.path('manifests', tag ?? digest),
      headers: { 'content-type': mediaType },
      body: () => bytes,
      scopes: this.pushScopes,
      operation,
    };
    const response = await this.http.expect(request, [201]);
    await discard(response);
    const stored = response.headers.get('docker-content-digest');
    if (stored && stored !== digest) {
      throw new RegistryError(registryCodes.digestMismatch, `${operation}: ${this.host} stored the manifest as ${stored}, not ${digest}`);
    }
    const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
    const manifest = parseJsonObject(bytes);
    const subject = manifest?.subject as Descriptor | undefined;
    if (subject && typeof subject.digest === 'string' && !response.headers.has('oci-subject')) {
      await this.addToReferrersTag(subject, referrerDescriptor(descriptor, manifest ?? {}));
    }
    return descriptor;
  }

  /** Tags an existing manifest: the same bytes PUT under another tag. */
  async tag(descriptor: Descriptor, tag: string): Promise<void> {
    validateTag(tag);
    const { bytes, descriptor: fetched } = await this.fetchManifest(descriptor.digest);
    await this.pushManifest(bytes, fetched.mediaType, tag);
  }

  async fetchBlob(descriptor: Descriptor): Promise<Readable> {
    validateDigest(descriptor.digest);
    const request: RegistryRequest = {
      method: 'GET',
      url: this.path('blobs', descriptor.digest),
      scopes: this.pullScopes,
      operation: `fetch blob ${descriptor.digest} from ${this.location}`,
    };
    const response = await this.http.expect(request, [200]);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length > descriptor.size) {
      await discard(response);
      throw new RegistryError(
        registryCodes.sizeMismatch,
        `${request.operation}: the registry announces ${length} bytes, the descriptor says ${descriptor.size}`,
      );
    }
    const body = response.body;
    const http = this.http;
    async function* converted(): AsyncGenerator<Uint8Array> {
      if (!body) return;
      try {
        for await (const chunk of body) yield chunk as Uint8Array;
      } catch (error) {
        throw http.convertFailure(error, request);
      }
    }
    const verifier = verifyingStream(descriptor);
    pipeline(Readable.from(converted(), { objectMode: false }), verifier, () => {});
    return verifier;
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    validateManifestReference(reference);
    const request: RegistryRequest = {
      method: 'GET',
      url: this.path('manifests', reference),
      headers: { accept: manifestAccept },
      scopes: this.pullScopes,
      operation: `fetch manifest ${this.describe(reference)}`,
    };
    const response = await this.http.expect(request, [200]);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length > maxRegistryManifestBytes) {
      await discard(response);
      throw new RegistryError(
        registryCodes.manifestTooLarge,
        `${request.operation}: the manifest is ${length} bytes, over the limit of ${maxRegistryManifestBytes}`,
      );
    }
    const bytes = await readBytes(response, maxRegistryManifestBytes, request.operation, this.http, request);
    const digest = isDigest(reference) ? digestOf(reference, bytes) : sha256(bytes);
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

  /** Every tag of the repository, following Link pagination, sorted; [] when the repository does not exist. */
  async listTags(): Promise<string[]> {
    const tags = new Set<string>();
    let url: string | undefined = `/v2/${this.repository}/tags/list`;
    for (let page = 0; url !== undefined && page < maxTagPages; page++) {
      const request: RegistryRequest = { method: 'GET', url, scopes: this.pullScopes, operation: `list tags of ${this.location}` };
      const response = await this.http.send(request);
      if (response.status === 404 && page === 0) {
        const error = await this.http.errorFor(response, request);
        if (error.registryErrors.includes('NAME_UNKNOWN')) return [];
        throw error;
      }
      if (response.status !== 200) throw await this.http.errorFor(response, request);
      const body = parseJsonObject(Buffer.from(await readBytes(response, 64 * 1024 * 1024, request.operation, this.http, request)));
      const list = body?.tags;
      if (Array.isArray(list)) for (const tag of list) if (typeof tag === 'string') tags.add(tag);
      const next = nextLink(response.headers.get('link'));
      url = next === undefined ? undefined : this.http.resolveUrl(next, this.http.resolveUrl(url));
    }
    return [...tags].sort();
  }

  /** Manifests whose subject is `descriptor`: the referrers API, else the sha256-<hex> tag holding an index. */
  async referrers(descriptor: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    validateDigest(descriptor.digest);
    const request: RegistryRequest = {
      method: 'GET',
      url: `/v2/${this.repository}/referrers/${descriptor.digest}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`,
      headers: { accept: mediaTypes.ociIndex },
      scopes: this.pullScopes,
      operation: `list referrers of ${descriptor.digest} in ${this.location}`,
    };
    const response = await this.http.send(request);
    let manifests: Descriptor[];
    if (response.status === 200 && bareMediaType(response.headers.get('content-type')) === mediaTypes.ociIndex) {
      manifests = indexManifests(await readBytes(response, maxRegistryManifestBytes, request.operation, this.http, request));
    } else if (response.status === 200 || response.status === 400 || response.status === 404 || response.status === 405) {
      // No referrers API (distribution 2.8 answers a plain-text 404; the spec says only a 200 with an index counts).
      await discard(response);
      manifests = await this.referrersFromTag(descriptor.digest);
    } else {
      throw await this.http.errorFor(response, request);
    }
    return artifactType === undefined ? manifests : manifests.filter((entry) => entry.artifactType === artifactType);
  }

  private async referrersFromTag(subjectDigest: string): Promise<Descriptor[]> {
    const tag = referrersTag(subjectDigest);
    if (!(await this.resolve(tag))) return [];
    return indexManifests((await this.fetchManifest(tag)).bytes);
  }

  /** The tag-schema fallback for registries without a referrers API: keep the sha256-<hex> index up to date. */
  private async addToReferrersTag(subject: Descriptor, referrer: Descriptor): Promise<void> {
    const tag = referrersTag(subject.digest);
    const index: ImageIndex = { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [] };
    if (await this.resolve(tag)) index.manifests = indexManifests((await this.fetchManifest(tag)).bytes);
    if (index.manifests.some((entry) => entry.digest === referrer.digest)) return;
    index.manifests.push(referrer);
    await this.pushManifest(Buffer.from(JSON.stringify(index), 'utf8'), mediaTypes.ociIndex, tag);
  }

  private async headExists(kind: 'blobs' | 'manifests', digest: string, scopes: readonly string[]): Promise<boolean> {
    const request: RegistryRequest = {
      method: 'HEAD',
      url: this.path(kind, digest),
      scopes,
      operation: `check ${kind === 'blobs' ? 'blob' : 'manifest'} ${digest} in ${this.location}`,
      ...(kind === 'manifests' ? { headers: { accept: manifestAccept } } : {}),
    };
    const response = await this.http.send(request);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.http.errorFor(response, request);
  }

  private async startUpload(descriptor: Descriptor, scopes: readonly string[], mountFrom?: string): Promise<UploadState | 'mounted'> {
    const query = mountFrom !== undefined ? `?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const request: RegistryRequest = {
      method: 'POST',
      url: `/v2/${this.repository}/blobs/uploads/${query}`,
      scopes,
      operation:
        mountFrom !== undefined
          ? `mount blob ${descriptor.digest} from ${mountFrom} into ${this.location}`
          : `start upload to ${this.location}`,
    };
    const response = await this.http.expect(request, [201, 202]);
    await discard(response);
    if (response.status === 201) return 'mounted';
    return { location: this.uploadLocation(response, request), offset: 0 };
  }

  /** Sends what the registry lacks: one PUT for small blobs, else PATCH chunks and a closing PUT. */
  private async upload(
    source: BlobSource,
    state: UploadState,
    scopes: readonly string[],
    track: (request: RequestSummary) => void,
  ): Promise<void> {
    const { descriptor } = source;
    const operation = `push blob ${descriptor.digest} to ${this.location}`;
    if (state.offset === 0 && descriptor.size <= this.chunkSize) {
      const bytes = await readSource(source, descriptor.size);
      await this.finishUpload(state, descriptor, scopes, operation, bytes, track);
      return;
    }
    while (state.offset < descriptor.size) {
      const offset = state.offset;
      const length = Math.min(this.chunkSize, descriptor.size - offset);
      const request: RegistryRequest = {
        method: 'PATCH',
        url: state.location,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + length - 1}` },
        body: () => sliceSource(source, offset, length),
        scopes,
        operation,
      };
      track(request);
      const response = await this.http.sendOnce(request);
      if (response.status !== 202 && response.status !== 204) throw await this.http.errorFor(response, request);
      await discard(response);
      state.location = this.uploadLocation(response, request);
      state.offset = rangeEnd(response.headers.get('range')) ?? offset + length;
    }
    await this.finishUpload(state, descriptor, scopes, operation, undefined, track);
  }

  private async finishUpload(
    state: UploadState,
    descriptor: Descriptor,
    scopes: readonly string[],
    operation: string,
    bytes: Buffer | undefined,
    track: (request: RequestSummary) => void,
  ): Promise<void> {
    const separator = state.location.includes('?') ? '&' : '?';
    const request: RegistryRequest = {
      method: 'PUT',
      url: `${state.location}${separator}digest=${encodeURIComponent(descriptor.digest)}`,
      headers: { 'content-type': 'application/octet-stream' },
      body: () => bytes ?? new Uint8Array(0),
      scopes,
      operation,
    };
    track(request);
    const response = await this.http.sendOnce(request);
    if (response.status !== 201 && response.status !== 204) throw await this.http.errorFor(response, request);
    await discard(response);
  }

  /**
   * After a failed upload request: done if the blob arrived after all; else continue from the
   * registry's Range; else (distribution forgets the session when a request body was cut) start over.
   */
  private async recoverUpload(state: UploadState, descriptor: Descriptor, scopes: readonly string[]): Promise<UploadState | 'done'> {
    if (await this.headExistsOnce(descriptor.digest, scopes)) return 'done';
    const request: RegistryRequest = { method: 'GET', url: state.location, scopes, operation: `check upload of ${descriptor.digest}` };
    const response = await this.http.sendOnce(request);
    await discard(response);
    const range = response.headers.get('range');
    const end = rangeEnd(range);
    if ((response.status === 204 || response.status === 202) && end !== undefined && range !== '0-0' && end <= descriptor.size) {
      this.logger.info({ digest: descriptor.digest, offset: end, target: this.location }, 'resuming upload');
      return { location: this.uploadLocation(response, request), offset: end };
    }
    if (response.status !== 404 && response.status !== 204 && response.status !== 202) throw await this.http.errorFor(response, request);
    this.logger.info({ digest: descriptor.digest, target: this.location }, 'upload session lost; restarting the upload');
    const restarted = await this.startUpload(descriptor, scopes);
    return restarted === 'mounted' ? 'done' : restarted;
  }

  private async headExistsOnce(digest: string, scopes: readonly string[]): Promise<boolean> {
    const request: RegistryRequest = { method: 'HEAD', url: this.path('blobs', digest), scopes, operation: `check blob ${digest}` };
    const response = await this.http.sendOnce(request);
    await discard(response);
    return response.status === 200;
  }

  private uploadLocation(response: Response, request: RequestSummary): string {
    const location = response.headers.get('location');
    if (!location) {
      throw new RegistryError(
        registryCodes.serverError,
        `${request.operation}: ${this.host} answered ${response.status} without a Location`,
      );
    }
    return this.http.resolveUrl(location, this.http.resolveUrl(request.url));
  }

  private path(kind: 'manifests' | 'blobs', reference: string): string {
    return `/v2/${this.repository}/${kind}/${reference}`;
  }

  private describe(reference: string): string {
    return `${this.location}${isDigest(reference) ? '@' : ':'}${reference}`;
  }
}

/** A fetch trusting the CA in `caFile`, read on first use. */
function lazyCaFetch(caFile: string): FetchLike {
  let inner: Promise<FetchLike> | undefined;
  return async (url, init) => {
    inner ??= readFile(caFile).then(
      (ca) => fetchWithCa(ca),
      (error: unknown) => {
        throw new FileSystemError('DK503', `CA file ${caFile} cannot be read (${systemErrorCode(error) ?? String(error)})`, {
          cause: error,
        });
      },
    );
    return (await inner)(url, init);
  };
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function digestOf(reference: string, bytes: Uint8Array): string {
  const algorithm = reference.slice(0, reference.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** The tag the referrers tag schema uses for a subject: <alg>-<hex>, at most 128 characters. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-').slice(0, 128);
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

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function bareMediaType(contentType: string | null): string | undefined {
  const bare = contentType?.split(';')[0]?.trim();
  return bare ? bare : undefined;
}

/** Range: 0-<last> (inclusive) as the number of bytes held. */
function rangeEnd(range: string | null): number | undefined {
  const match = /(\d+)-(\d+)\s*$/.exec(range ?? '');
  return match ? Number(match[2]) + 1 : undefined;
}

/** The rel="next" target of a Link header. */
function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /rel="?next"?/.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}

async function readBytes(
  response: Response,
  limit: number,
  operation: string,
  http: RegistryHttp,
  request: RequestSummary,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        const buffer = Buffer.from(chunk as Uint8Array);
        size += buffer.length;
        if (size > limit) {
          await response.body.cancel();
          throw new RegistryError(registryCodes.manifestTooLarge, `${operation}: the answer exceeds ${limit} bytes`);
        }
        chunks.push(buffer);
      }
    }
  } catch (error) {
    throw http.convertFailure(error, request);
  }
  return Buffer.concat(chunks);
}

/** Bytes [offset, offset + length) of a blob source, failing if the source ends early. */
async function* sliceSource(source: BlobSource, offset: number, length: number): AsyncGenerator<Uint8Array> {
  const stream = source.open(offset);
  let remaining = length;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (buffer.length >= remaining) {
        yield buffer.subarray(0, remaining);
        remaining = 0;
        break;
      }
      yield buffer;
      remaining -= buffer.length;
    }
  } finally {
    stream.destroy();
  }
  if (remaining > 0) {
    throw new RegistryError(
      registryCodes.sizeMismatch,
      `the content of blob ${source.descriptor.digest} ended ${remaining} bytes before its declared size ${source.descriptor.size}`,
    );
  }
}

async function readSource(source: BlobSource, size: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of sliceSource(source, 0, size)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
