import { DataKitError } from '../core/errors';
import type { LineageDataSet } from '../lineage/datakit-job';
import { nameDataset, type NamingOptions } from '../lineage/dataset-naming';
import type { RunEvent } from '../lineage/openlineage-types';
import type { LoadedManifest } from '../manifest/load';
import { packageDirOf } from '../runner/run-plan';
import type { LintResult } from '../validate/lint';
import { datasetKey, latestRun, summarizeRuns, type RunSummary } from './run-history';
import type { Catalog, CatalogDataset, CatalogField, CatalogJob, CatalogRun } from './types';

export interface BuildCatalogOptions {
  /** Lineage events (read with readLineageEvents): they give each job and dataset its last run. */
  lineageEvents?: readonly RunEvent[];
  /** The host written into file:// namespaces; default empty, as dk run names them. */
  fileHost?: string;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort((a, b) => a.localeCompare(b));

function fieldsOf(spec: Record<string, unknown>): CatalogField[] {
  const schema = Array.isArray(spec.schema) ? spec.schema : [];
  return schema.map(record).flatMap((f): CatalogField[] => {
    const name = text(f.name);
    if (name === undefined) return [];
    const field: CatalogField = { name, pii: f.pii === true };
    const type = text(f.type);
    if (type !== undefined) field.type = type;
    const description = text(f.description);
    if (description !== undefined) field.description = description;
    const from = text(f.from);
    if (from !== undefined) field.from = from;
    const tags = strings(f.tags);
    if (tags.length > 0) field.tags = tags;
    return [field];
  });
}

/** Stores, Connectors and DataSets of the tree, looked up the way dk run does. */
function manifestLookup(manifests: readonly LoadedManifest[]) {
  const of = (kind: string) => manifests.filter((m) => m.kind === kind && m.name !== undefined);
  const stores = of('Store');
  const connectors = of('Connector');
  const datasets = of('DataSet');
  return {
    /** The Store of that name declared nearest to `near` (each flat package carries its own). */
    store(name: string, near: string | undefined): LoadedManifest | undefined {
      const candidates = stores.filter((m) => m.name === name);
      const home = near === undefined ? undefined : packageDirOf(near);
      return candidates.find((m) => packageDirOf(m.file) === home) ?? candidates[0];
    },
    connectorType(name: string): string {
      const connector = connectors.find((m) => m.name === name);
      const spec = connector ? record(connector.value.spec) : {};
      return text(spec.type) ?? text(spec.provider) ?? name;
    },
    dataset(name: string): LoadedManifest | undefined {
      return datasets.find((m) => m.name === name);
    },
  };
}

/** The physical name of a declared DataSet whose Store is declared too; a DK650 message otherwise. */
function physicalName(
  dataset: LoadedManifest,
  spec: Record<string, unknown>,
  store: LoadedManifest,
  storeType: string,
  naming: NamingOptions,
): { namespace: string; name: string } | { problem: string } {
  const lineage: LineageDataSet = {
    name: dataset.name!,
    store: { name: store.name!, type: storeType, connection: record(record(store.value.spec).connection) },
  };
  for (const key of ['table', 'prefix', 'topic'] as const) {
    const value = text(spec[key]);
    if (value !== undefined) lineage[key] = value;
  }
  try {
    const named = nameDataset(lineage, { ...naming, baseDir: packageDirOf(store.file) });
    return { namespace: named.namespace, name: named.name };
  } catch (error) {
    if (error instanceof DataKitError) return { problem: `${error.code}: ${error.message}` };
    throw error;
  }
}

/**
 * The catalog of a linted tree: a record per DataSet (declared, or referenced as external) and per
 * Transform. Physical names come from nameDataset, exactly as dk run names datasets in its events,
 * so that the last run of each can be found in `lineageEvents`. Lint errors do not stop it: what
 * could be read is catalogued.
 */
export function buildCatalog(lint: LintResult, options: BuildCatalogOptions = {}): Catalog {
  const lookup = manifestLookup(lint.manifests);
  const naming: NamingOptions = options.fileHost === undefined ? {} : { fileHost: options.fileHost };
  const runs = [...summarizeRuns(options.lineageEvents ?? []).values()];

  const producers = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  /** The declaration each DataSet name resolved to, as its Transforms see it. */
  const resolved = new Map<string, LoadedManifest>();
  for (const t of lint.transforms) {
    for (const ref of t.outputs) {
      producers.set(ref.dataset, [...(producers.get(ref.dataset) ?? []), t.name]);
      if (ref.manifest && !resolved.has(ref.dataset)) resolved.set(ref.dataset, ref.manifest);
    }
  }
  for (const t of lint.transforms) {
    for (const ref of t.inputs) {
      consumers.set(ref.dataset, [...(consumers.get(ref.dataset) ?? []), t.name]);
      if (ref.manifest && !resolved.has(ref.dataset)) resolved.set(ref.dataset, ref.manifest);
    }
  }

  const jobs: CatalogJob[] = lint.transforms.map((t) => {
    const metadata = record(t.manifest.value.metadata);
    const spec = record(t.manifest.value.spec);
    const job: CatalogJob = {
      name: t.name,
      namespace: text(metadata.namespace) ?? 'default',
      file: t.manifest.file,
      inputs: t.inputs.map((r) => r.dataset),
      outputs: t.outputs.map((r) => r.dataset),
    };
    for (const [key, value] of [
      ['version', metadata.version],
      ['runtime', spec.runtime],
      ['mode', spec.mode],
      ['owner', spec.owner],
      ['description', spec.description],
    ] as const) {
      const v = text(value);
      if (v !== undefined) job[key] = v;
    }
    const last = latestRun(runs.filter((r) => r.job.name === job.name && r.job.namespace === job.namespace));
    if (last) job.lastRun = last;
    return job;
  });
  jobs.sort((a, b) => a.name.localeCompare(b.name));
  const jobByName = new Map(jobs.map((j) => [j.name, j]));

  const names = sorted([...lint.graph.datasets.map((d) => d.name), ...producers.keys(), ...consumers.keys()]);
  const datasets = names.map((name): CatalogDataset => {
    const manifest = resolved.get(name) ?? lookup.dataset(name);
    const producedBy = sorted(producers.get(name) ?? []);
    const consumedBy = sorted(consumers.get(name) ?? []);
    const dataset: CatalogDataset = {
      name,
      tags: [],
      external: manifest === undefined,
      schema: [],
      producers: producedBy,
      consumers: consumedBy,
      upstream: sorted(producedBy.flatMap((p) => jobByName.get(p)?.inputs ?? [])).filter((d) => d !== name),
      downstream: sorted(consumedBy.flatMap((c) => jobByName.get(c)?.outputs ?? [])).filter((d) => d !== name),
    };
    if (manifest) {
      const spec = record(manifest.value.spec);
      const metadata = record(manifest.value.metadata);
      dataset.file = manifest.file;
      for (const [key, value] of [
        ['version', metadata.version],
        ['store', spec.store],
        ['format', spec.format],
        ['classification', spec.classification],
        ['owner', spec.owner],
        ['description', spec.description],
      ] as const) {
        const v = text(value);
        if (v !== undefined) dataset[key] = v;
      }
      dataset.tags = strings(spec.tags);
      dataset.schema = fieldsOf(spec);
      const store = dataset.store === undefined ? undefined : lookup.store(dataset.store, manifest.file);
      if (store) {
        const storeType = lookup.connectorType(text(record(store.value.spec).connector) ?? '');
        dataset.storeType = storeType;
        const named = physicalName(manifest, spec, store, storeType, naming);
        if ('problem' in named) dataset.namingProblem = named.problem;
        else {
          dataset.namespace = named.namespace;
          dataset.physicalName = named.name;
        }
      }
    }
    const last = lastRunOf(dataset, runs, jobByName);
    if (last) dataset.lastRun = last;
    return dataset;
  });
  return { datasets, jobs };
}

/** The latest run that wrote the dataset (by physical name), else the latest last run of its producers. */
function lastRunOf(dataset: CatalogDataset, runs: readonly RunSummary[], jobs: ReadonlyMap<string, CatalogJob>): CatalogRun | undefined {
  if (dataset.namespace !== undefined && dataset.physicalName !== undefined) {
    const key = datasetKey(dataset.namespace, dataset.physicalName);
    const writers = latestRun(runs.filter((r) => r.outputs.has(key)));
    if (writers) return writers;
  }
  return latestRun(dataset.producers.flatMap((p) => (jobs.get(p)?.lastRun ? [jobs.get(p)!.lastRun!] : [])));
}
