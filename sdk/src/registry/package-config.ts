import type { LintResult } from '../validate/lint';
import type { LoadedManifest } from '../manifest/load';

/** The artifact's config blob (application/vnd.datakit.package.config.v1+json). Secrets appear only as ${VAR} names. */
export interface PackageConfig {
  schemaVersion: 1;
  name: string;
  namespace: string;
  version: string;
  kind: 'Transform';
  runtime: string;
  mode: string;
  image?: string;
  inputs: PackageDataSetRef[];
  outputs: PackageDataSetRef[];
  datasets: PackageDataSet[];
  stores: PackageStore[];
  build: BuildInfo;
}

export interface PackageDataSetRef {
  dataset: string;
  version?: string;
}

export interface PackageDataSet {
  name: string;
  version?: string;
  store?: string;
  table?: string;
  prefix?: string;
  topic?: string;
  format?: string;
  classification?: string;
  schema?: unknown[];
}

export interface PackageStore {
  name: string;
  connector: string;
  /** Names of the environment variables the Store's secrets reference. */
  secretVariables: string[];
}

export interface BuildInfo {
  sourceRevision?: string;
  /** Seconds since the epoch (SOURCE_DATE_EPOCH or the commit time). */
  sourceDateEpoch?: number;
  dkVersion: string;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Every ${VAR} name a value mentions. */
export function referencedVariables(value: string): string[] {
  return [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}

/** The package of a lint result: exactly one Transform, in the package's own dk.yaml. */
export function packageTransform(result: LintResult): LoadedManifest | undefined {
  return result.transforms.length === 1 ? result.transforms[0]!.manifest : undefined;
}

/** Builds the config blob of the package linted in `result`, whose single Transform is the package. */
export function describePackage(result: LintResult, build: BuildInfo): PackageConfig {
  const transform = result.transforms[0]!;
  const value = transform.manifest.value;
  const metadata = record(value.metadata);
  const spec = record(value.spec);
  const refs = (direction: 'inputs' | 'outputs'): PackageDataSetRef[] =>
    (Array.isArray(spec[direction]) ? spec[direction] : []).map((raw, i) => {
      const ref = record(raw);
      const resolved = transform[direction][i];
      const version = optionalString(ref.version);
      return { dataset: resolved?.dataset ?? optionalString(ref.dataset) ?? '', ...(version ? { version } : {}) };
    });
  const datasetManifests = new Map<string, LoadedManifest>();
  for (const ref of [...transform.inputs, ...transform.outputs]) if (ref.manifest) datasetManifests.set(ref.dataset, ref.manifest);
  const datasets: PackageDataSet[] = [...datasetManifests.values()]
    .map((m) => {
      const s = record(m.value.spec);
      const entry: PackageDataSet = { name: m.name! };
      const version = optionalString(record(m.value.metadata).version);
      if (version) entry.version = version;
      for (const key of ['store', 'table', 'prefix', 'topic', 'format', 'classification'] as const) {
        const v = optionalString(s[key]);
        if (v !== undefined) entry[key] = v;
      }
      if (Array.isArray(s.schema)) entry.schema = s.schema;
      return entry;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const storeNames = new Set(datasets.flatMap((d) => (d.store ? [d.store] : [])));
  const stores: PackageStore[] = result.manifests
    .filter((m) => m.kind === 'Store' && m.name !== undefined && storeNames.has(m.name))
    .map((m) => {
      const s = record(m.value.spec);
      const secrets = Object.values(record(s.secrets)).flatMap((v) => (typeof v === 'string' ? referencedVariables(v) : []));
      return { name: m.name!, connector: optionalString(s.connector) ?? '', secretVariables: [...new Set(secrets)].sort() };
    })
    .filter((store, i, all) => all.findIndex((o) => o.name === store.name) === i)
    .sort((a, b) => a.name.localeCompare(b.name));
  const image = optionalString(spec.image);
  return {
    schemaVersion: 1,
    name: optionalString(metadata.name) ?? '',
    namespace: optionalString(metadata.namespace) ?? 'default',
    version: optionalString(metadata.version) ?? '0.0.0',
    kind: 'Transform',
    runtime: optionalString(spec.runtime) ?? '',
    mode: optionalString(spec.mode) ?? 'batch',
    ...(image ? { image } : {}),
    inputs: refs('inputs'),
    outputs: refs('outputs'),
    datasets,
    stores,
    build,
  };
}
