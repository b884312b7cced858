import type { Descriptor } from './descriptor';
import { validateDigest, validateRepository } from './reference';
import { RegistryError, registryCodes } from './registry-errors';
import type { RegistryRequest, RequestSummary } from './registry-http';
import type { RegistryRepository } from './repository';
import { discard } from './responses';
import { repositoryScope } from './scopes';
import type { BlobSource } from './target';

/**
 * The blob upload state machine of the distribution API: POST opens a session (or mounts the blob
 * from another repository), then one PUT, or PATCHes and a closing PUT; after a failed request the
 * upload resumes from the Range the registry reports, or restarts when the session is gone.
 */

interface UploadState {
  /** The newest Location the registry gave for the session. */
  location: string;
  /** Bytes the registry holds. */
  offset: number;
}

/**
 * Uploads a blob unless the repository has it: mounted from `mountFrom` when possible, else one
 * PUT (up to chunkSize) or PATCHes of chunkSize then a PUT. A broken connection resumes from the
 * offset the registry reports, or restarts the session when the registry lost it.
 */
export async function uploadBlob(repo: RegistryRepository, source: BlobSource, chunkSize: number, mountFrom?: string): Promise<void> {
  const { descriptor } = source;
  validateDigest(descriptor.digest);
  if (mountFrom !== undefined) validateRepository(mountFrom);
  const scopes = mountFrom !== undefined ? [...repo.pushScopes, repositoryScope(mountFrom, ['pull'])] : repo.pushScopes;
  if (await repo.headExists('blobs', descriptor.digest, scopes)) {
    repo.logger.debug({ digest: descriptor.digest, target: repo.location }, 'blob exists; not uploaded');
    return;
  }
  const upload = new BlobUpload(repo, source, scopes, chunkSize);
  const started = await upload.start(mountFrom);
  if (started === 'mounted') {
    repo.logger.debug({ digest: descriptor.digest, from: mountFrom, target: repo.location }, 'blob mounted');
    return;
  }

  let state: UploadState | 'done' = started;
  let last: RequestSummary = { method: 'PATCH', url: started.location, operation: upload.operation };
  try {
    await repo.http.withRetries(last.operation, async (attempt) => {
      if (attempt > 1 && state !== 'done') state = await upload.recover(state);
      if (state === 'done') return;
      await upload.send(state, (request) => (last = request));
    });
  } catch (error) {
    throw repo.http.convertFailure(error, last);
  }
}

/** The requests of one blob's upload. */
class BlobUpload {
  readonly operation: string;
  private readonly descriptor: Descriptor;

  constructor(
    private readonly repo: RegistryRepository,
    private readonly source: BlobSource,
    private readonly scopes: readonly string[],
    private readonly chunkSize: number,
  ) {
    this.descriptor = source.descriptor;
    this.operation = `push blob ${this.descriptor.digest} to ${repo.location}`;
  }

  async start(mountFrom?: string): Promise<UploadState | 'mounted'> {
    const { descriptor, repo } = this;
    const query = mountFrom !== undefined ? `?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const request: RegistryRequest = {
      method: 'POST',
      url: `/v2/${repo.repository}/blobs/uploads/${query}`,
      scopes: this.scopes,
      operation:
        mountFrom !== undefined
          ? `mount blob ${descriptor.digest} from ${mountFrom} into ${repo.location}`
          : `start upload to ${repo.location}`,
    };
    const response = await repo.http.expect(request, [201, 202]);
    await discard(response);
    if (response.status === 201) return 'mounted';
    return { location: this.uploadLocation(response, request), offset: 0 };
  }

  /** Sends what the registry lacks: one PUT for small blobs, else PATCH chunks and a closing PUT. */
  async send(state: UploadState, track: (request: RequestSummary) => void): Promise<void> {
    const { source, descriptor } = this;
    if (state.offset === 0 && descriptor.size <= this.chunkSize) {
      const bytes = await readSource(source, descriptor.size);
      await this.finish(state, bytes, track);
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
        scopes: this.scopes,
        operation: this.operation,
      };
      const response = await this.sendPart(request, [202, 204], track);
      state.location = this.uploadLocation(response, request);
      state.offset = rangeEnd(response.headers.get('range')) ?? offset + length;
    }
    await this.finish(state, undefined, track);
  }

  /**
   * After a failed upload request: done if the blob arrived after all; else continue from the
   * registry's Range; else (distribution forgets the session when a request body was cut) start over.
   */
  async recover(state: UploadState): Promise<UploadState | 'done'> {
    const { descriptor, repo } = this;
    if (await this.arrived()) return 'done';
    const request: RegistryRequest = {
      method: 'GET',
      url: state.location,
      scopes: this.scopes,
      operation: `check upload of ${descriptor.digest}`,
    };
    const response = await repo.http.sendOnce(request);
    await discard(response);
    const range = response.headers.get('range');
    const end = rangeEnd(range);
    if ((response.status === 204 || response.status === 202) && end !== undefined && range !== '0-0' && end <= descriptor.size) {
      repo.logger.info({ digest: descriptor.digest, offset: end, target: repo.location }, 'resuming upload');
      return { location: this.uploadLocation(response, request), offset: end };
    }
    if (response.status !== 404 && response.status !== 204 && response.status !== 202) throw await repo.http.errorFor(response, request);
    repo.logger.info({ digest: descriptor.digest, target: repo.location }, 'upload session lost; restarting the upload');
    const restarted = await this.start();
    return restarted === 'mounted' ? 'done' : restarted;
  }

  private async finish(state: UploadState, bytes: Buffer | undefined, track: (request: RequestSummary) => void): Promise<void> {
    const separator = state.location.includes('?') ? '&' : '?';
    const request: RegistryRequest = {
      method: 'PUT',
      url: `${state.location}${separator}digest=${encodeURIComponent(this.descriptor.digest)}`,
      headers: { 'content-type': 'application/octet-stream' },
      body: () => bytes ?? new Uint8Array(0),
      scopes: this.scopes,
      operation: this.operation,
    };
    await this.sendPart(request, [201, 204], track);
  }

  /** One PATCH or PUT, sent once: the retry loop around the whole upload recovers from failures. */
  private async sendPart(
    request: RegistryRequest,
    statuses: readonly number[],
    track: (request: RequestSummary) => void,
  ): Promise<Response> {
    track(request);
    const response = await this.repo.http.sendOnce(request);
    if (!statuses.includes(response.status)) throw await this.repo.http.errorFor(response, request);
    await discard(response);
    return response;
  }

  /** One HEAD of the blob, without retries (the upload's own retry loop is running). */
  private async arrived(): Promise<boolean> {
    const { digest } = this.descriptor;
    const request: RegistryRequest = {
      method: 'HEAD',
      url: this.repo.path('blobs', digest),
      scopes: this.scopes,
      operation: `check blob ${digest}`,
    };
    const response = await this.repo.http.sendOnce(request);
    await discard(response);
    return response.status === 200;
  }

  private uploadLocation(response: Response, request: RequestSummary): string {
    const location = response.headers.get('location');
    if (!location) {
      throw new RegistryError(
        registryCodes.serverError,
        `${request.operation}: ${this.repo.host} answered ${response.status} without a Location`,
      );
    }
    return this.repo.http.resolveUrl(location, this.repo.http.resolveUrl(request.url));
  }
}

/** Range: 0-<last> (inclusive) as the number of bytes held. */
function rangeEnd(range: string | null): number | undefined {
  const match = /(\d+)-(\d+)\s*$/.exec(range ?? '');
  return match ? Number(match[2]) + 1 : undefined;
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
