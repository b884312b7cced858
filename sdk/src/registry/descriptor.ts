/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An OCI image manifest (image-spec manifest.md), as DataKit writes and reads it. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: 'application/vnd.oci.image.manifest.v1+json';
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index (image-spec image-index.md). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType: 'application/vnd.oci.image.index.v1+json';
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export const sha256Pattern = /^sha256:[a-f0-9]{64}$/;
