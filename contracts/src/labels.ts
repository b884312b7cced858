/** Label and annotation keys written on artifacts and Kubernetes objects. */
export const annotations = {
  title: 'org.opencontainers.image.title',
  version: 'org.opencontainers.image.version',
  revision: 'org.opencontainers.image.revision',
  source: 'org.opencontainers.image.source',
  created: 'org.opencontainers.image.created',
  packageName: 'dev.datakit.package.name',
  packageNamespace: 'dev.datakit.package.namespace',
  packageKind: 'dev.datakit.package.kind',
} as const;

export const labels = {
  package: 'datakit.dev/package',
  namespace: 'datakit.dev/namespace',
  version: 'datakit.dev/version',
  environment: 'datakit.dev/environment',
  cell: 'datakit.dev/cell',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;
