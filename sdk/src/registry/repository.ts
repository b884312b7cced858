import type { Logger } from '../core/logger';
import { manifestAccept } from './manifests';
import type { RegistryHttp, RegistryRequest } from './registry-http';
import { isDigest } from './reference';
import { repositoryScope } from './scopes';

/** One repository on a registry host, as the operations on it (manifests, blobs, tags, referrers) address it. */
export class RegistryRepository {
  /** oci://host/repository */
  readonly location: string;
  readonly pullScopes: string[];
  readonly pushScopes: string[];

  constructor(
    readonly http: RegistryHttp,
    readonly repository: string,
    readonly logger: Logger,
  ) {
    this.location = `oci://${http.host}/${repository}`;
    this.pullScopes = [repositoryScope(repository, ['pull'])];
    this.pushScopes = [repositoryScope(repository, ['pull', 'push'])];
  }

  get host(): string {
    return this.http.host;
  }

  path(kind: 'manifests' | 'blobs', reference: string): string {
    return `/v2/${this.repository}/${kind}/${reference}`;
  }

  /** The location with a tag or digest, for messages. */
  describe(reference: string): string {
    return `${this.location}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  async headExists(kind: 'blobs' | 'manifests', digest: string, scopes: readonly string[]): Promise<boolean> {
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
}
