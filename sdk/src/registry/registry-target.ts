import { Readable, pipeline } from 'node:stream';
import { systemClock, type Clock } from '../core/clock';
import { silentLogger, type Logger } from '../core/logger';
import { realSleep, type Sleep } from '../core/retry';
import { RegistryAuth, type AuthCache } from './auth';
import { uploadBlob } from './blob-upload';
import type { CredentialProvider } from './credentials';
import type { Descriptor } from './descriptor';
import { verifyingStream } from './digest';
import { registryFetch, type FetchLike } from './https-fetch';
import { fetchManifest, manifestMediaTypes, putManifest, resolveManifest } from './manifests';
import { isLoopbackHost, validateDigest, validateHost, validateRepository, validateTag } from './reference';
import { indexReferrerByTag, listReferrers } from './referrers';
import { RegistryError, registryCodes } from './registry-errors';
import { defaultRetryPolicy, RegistryHttp, type RegistryRequest, type RetryPolicy } from './registry-http';
import { RegistryRepository } from './repository';
import { discard } from './responses';
import { listTags } from './tags';
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

export const defaultChunkSize = 8 * 1024 * 1024;

/** An OCI registry repository (oci://host/repo) over the distribution API. */
export class RegistryTarget implements Target {
  readonly location: string;
  readonly host: string;
  readonly repository: string;
  private readonly repo: RegistryRepository;
  private readonly chunkSize: number;

  constructor(options: RegistryTargetOptions) {
    validateHost(options.host);
    validateRepository(options.repository);
    this.host = options.host;
    this.repository = options.repository;
    const logger = options.logger ?? silentLogger;
    this.chunkSize = Math.max(1, options.chunkSize ?? defaultChunkSize);

    const plainHttp = options.plainHttp ?? (isLoopbackHost(options.host) && options.caFile === undefined);
    const fetch = options.fetch ?? registryFetch(options.caFile);
    const clock = options.clock ?? systemClock;
    const userAgent = options.userAgent ?? 'datakit';
    const auth = new RegistryAuth({
      host: options.host,
      credentials: options.credentials ?? (() => Promise.resolve(undefined)),
      fetch,
      logger,
      clock,
      userAgent,
      allowPlainHttpRealm: options.plainHttp === true,
      ...(options.authCache ? { cache: options.authCache } : {}),
    });
    const http = new RegistryHttp({
      host: options.host,
      scheme: plainHttp ? 'http' : 'https',
      fetch,
      auth,
      logger,
      sleep: options.sleep ?? realSleep,
      clock,
      userAgent,
      retry: { ...defaultRetryPolicy, ...options.retry },
    });
    this.repo = new RegistryRepository(http, options.repository, logger);
    this.location = this.repo.location;
  }

  /** GET /v2/: reachable, speaks the distribution API, and accepts our credentials. */
  async ping(): Promise<void> {
    await this.repo.http.expect({ method: 'GET', url: '/v2/', scopes: [], operation: `ping ${this.host}` }, [200]);
  }

  resolve(reference: string): Promise<Descriptor | undefined> {
    return resolveManifest(this.repo, reference);
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    validateDigest(descriptor.digest);
    const kind = manifestMediaTypes.has(descriptor.mediaType) ? 'manifests' : 'blobs';
    return this.repo.headExists(kind, descriptor.digest, this.repo.pullScopes);
  }

  /**
   * Uploads a blob unless the repository has it: mounted from `mountFrom` when possible, else one
   * PUT (up to chunkSize) or PATCHes of chunkSize then a PUT. A broken connection resumes from the
   * offset the registry reports, or restarts the session when the registry lost it.
   */
  pushBlob(source: BlobSource, options: PushBlobOptions = {}): Promise<void> {
    return uploadBlob(this.repo, source, this.chunkSize, options.mountFrom);
  }

  /** Stores the manifest; one with a subject also goes into the tag-schema referrers index unless the registry indexes it. */
  async pushManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor> {
    const { descriptor, subjectIndexed } = await putManifest(this.repo, bytes, mediaType, tag);
    if (!subjectIndexed) await indexReferrerByTag(this, descriptor, bytes);
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
    const { http } = this.repo;
    const request: RegistryRequest = {
      method: 'GET',
      url: this.repo.path('blobs', descriptor.digest),
      scopes: this.repo.pullScopes,
      operation: `fetch blob ${descriptor.digest} from ${this.location}`,
    };
    const response = await http.expect(request, [200]);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length > descriptor.size) {
      await discard(response);
      throw new RegistryError(
        registryCodes.sizeMismatch,
        `${request.operation}: the registry announces ${length} bytes, the descriptor says ${descriptor.size}`,
      );
    }
    const body = response.body;
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

  fetchManifest(reference: string): Promise<FetchedManifest> {
    return fetchManifest(this.repo, reference);
  }

  listTags(): Promise<string[]> {
    return listTags(this.repo);
  }

  /** Manifests whose subject is `descriptor`: the referrers API, else the sha256-<hex> tag holding an index. */
  referrers(descriptor: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    return listReferrers(this.repo, this, descriptor, artifactType);
  }
}
