/** OCI media types of a DataKit package artifact (ARCHITECTURE.md §3). */
export const mediaTypes = {
  artifact: 'application/vnd.datakit.package.v1',
  config: 'application/vnd.datakit.package.config.v1+json',
  manifestsLayer: 'application/vnd.datakit.manifests.v1.tar+gzip',
  contentLayer: 'application/vnd.datakit.content.v1.tar+gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;
