import type { Readable } from 'node:stream';
import type { Descriptor } from './descriptor';

/** Where blob bytes come from: opened as often as needed (retries, resumed uploads). */
export interface BlobSource {
  descriptor: Descriptor;
  /** A stream of the blob's bytes from `offset` (default 0). */
  open(offset?: number): Readable;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

/**
 * One interface over every place an artifact can live: a remote OCI registry (oci://host/repo)
 * or a local OCI image layout (oci-layout:path). Both verify digests and sizes of what they read.
 */
export interface Target {
  /** Human form, e.g. oci://localhost:5000/team/pkg or oci-layout:./.dk/oci. */
  readonly location: string;
  /** Descriptor of the manifest a tag or digest names; undefined when it does not exist. */
  resolve(reference: string): Promise<Descriptor | undefined>;
  exists(descriptor: Descriptor): Promise<boolean>;
  pushBlob(source: BlobSource): Promise<void>;
  /** Stores manifest bytes; tags them with `tag` when given. */
  pushManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor>;
  /** The blob's bytes, checked against the descriptor's size and digest as they stream. */
  fetchBlob(descriptor: Descriptor): Promise<Readable>;
  fetchManifest(reference: string): Promise<FetchedManifest>;
  listTags(): Promise<string[]>;
  /** Manifests whose subject is `descriptor` (referrers API, or the tag-schema fallback). */
  referrers(descriptor: Descriptor): Promise<Descriptor[]>;
}
