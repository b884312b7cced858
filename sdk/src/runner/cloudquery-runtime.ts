import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DataKitError } from '../core/errors';
import type { LoadedManifest } from '../manifest/load';
import { envName } from './env-names';
import type { RuntimeAdditions, RuntimeLocation } from './plan-runtime';
import { packageDirOf, type PlannedDataSet, type RunPlan } from './run-plan';
import { resolveReferences } from './secrets';
import type { StoreSpec } from './store-address';

/** A CloudQuery plugin as a sync spec names it. */
export interface CloudQueryPluginRef {
  registry: 'docker' | 'cloudquery' | 'grpc' | 'local';
  path: string;
  version?: string;
}

/** The plugin images a Store's Connector declares (spec.plugin.source / destination). */
export interface StorePlugins {
  connector: string;
  source?: string;
  destination?: string;
}

/** Where CloudQuery keeps its own files in a container, whose package mount is read-only. */
export const cloudqueryContainerDir = '/tmp/dk-cloudquery';

/** The sync spec's directory inside the runtime directory (`cloudquery sync <dir>` reads every file in it). */
export const cloudquerySpecDir = 'spec';

/**
 * Reads a Connector's plugin reference:
 * - an image (`ghcr.io/cloudquery/cq-source-postgresql:v8.0.0`, `docker:<image>`) → registry docker;
 * - a CloudQuery Hub plugin with a version (`cloudquery/postgresql@v8.14.1`) → registry cloudquery;
 * - `grpc://host:port` → registry grpc; `local:<path>`, `/path` or `./path` → registry local.
 */
export function parsePluginReference(reference: string): CloudQueryPluginRef {
  const ref = reference.trim();
  if (ref.startsWith('grpc://')) return { registry: 'grpc', path: ref.slice('grpc://'.length) };
  if (ref.startsWith('local:')) return { registry: 'local', path: ref.slice('local:'.length) };
  if (ref.startsWith('/') || ref.startsWith('./') || ref.startsWith('../')) return { registry: 'local', path: ref };
  if (ref.startsWith('docker:')) return { registry: 'docker', path: ref.slice('docker:'.length).replace(/^\/\//, '') };
  const hub = /^([a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*)@(v[0-9][^@/]*)$/i.exec(ref);
  if (hub) return { registry: 'cloudquery', path: hub[1]!, version: hub[2]! };
  return { registry: 'docker', path: ref };
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The plugins of each Store of the plan, from the Connector its Store manifest names. The Store
 * declared in the Store's own package wins, as in planRun.
 */
export function connectorPlugins(manifests: readonly LoadedManifest[], plan: RunPlan): Record<string, StorePlugins> {
  const plugins: Record<string, StorePlugins> = {};
  const nearest = (kind: string, name: string, home: string) => {
    const candidates = manifests.filter((m) => m.kind === kind && m.name === name);
    return candidates.find((m) => packageDirOf(m.file) === home) ?? candidates[0];
  };
  for (const store of plan.stores) {
    const storeManifest = nearest('Store', store.name, store.baseDir);
    const connectorName = record(storeManifest?.value.spec).connector;
    if (typeof connectorName !== 'string') continue;
    const connector = nearest('Connector', connectorName, store.baseDir);
    const plugin = record(record(connector?.value.spec).plugin);
    plugins[store.name] = {
      connector: connectorName,
      ...(typeof plugin.source === 'string' && plugin.source !== '' ? { source: plugin.source } : {}),
      ...(typeof plugin.destination === 'string' && plugin.destination !== '' ? { destination: plugin.destination } : {}),
    };
  }
  return plugins;
}

/** CloudQuery file formats by DataSet format. */
const cqFormats: Record<string, string> = { parquet: 'parquet', csv: 'csv', json: 'json', jsonl: 'json', ndjson: 'json' };

interface PluginSpec {
  spec: Record<string, unknown>;
  /** Variables the spec refers to as ${VAR}, with their values (secrets). */
  env: Record<string, string>;
}

/**
 * A plugin's own `spec:` for a Store. Postgres: `connection_string: ${DK_STORE_DSN_<STORE>}` (the
 * run contract's variable; CloudQuery expands ${VAR} when it reads the file). Files and S3
 * destinations: the Store's location plus a path template and the format of the output DataSet.
 * Other Stores: their connection fields. The Store's secrets stay ${VAR} references.
 */
function pluginSpec(
  plan: RunPlan,
  store: StoreSpec,
  role: 'source' | 'destination',
  datasets: PlannedDataSet[],
  env: Readonly<Record<string, string | undefined>>,
): PluginSpec {
  const dsnVariable = `DK_STORE_DSN_${envName(store.name)}`;
  if (store.type === 'postgres' || store.type === 'postgresql') return { spec: { connection_string: `\${${dsnVariable}}` }, env: {} };
  const spec: Record<string, unknown> = { ...store.connection };
  const passed: Record<string, string> = {};
  for (const [key, value] of Object.entries(store.secrets)) {
    spec[key] = value;
    for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      passed[match[1]!] = resolveReferences(match[0], env, `Store ${store.name}`).value;
    }
  }
  const first = datasets[0];
  const format = cqFormats[first?.format ?? 'parquet'] ?? first?.format ?? 'parquet';
  const prefix = first?.prefix ?? '';
  const template = `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}{{TABLE}}/{{UUID}}.{{FORMAT}}`;
  if (role === 'destination' && store.type === 'file') {
    const dsn = plan.contractEnv[dsnVariable];
    const dir = dsn?.startsWith('file:') ? fileURLToPath(dsn) : path.resolve(store.baseDir, String(store.connection.path ?? '.'));
    delete spec.path;
    delete spec.directory;
    delete spec.root;
    return { spec: { ...spec, path: path.posix.join(dir, template), format }, env: passed };
  }
  if (role === 'destination' && store.type === 's3') return { spec: { ...spec, path: template, format }, env: passed };
  return { spec, env: passed };
}

export interface SyncSpec {
  /** The YAML documents (kind: source…, kind: destination…), separated by ---. */
  content: string;
  /** Variables the spec refers to beyond the run contract's (Store secrets as ${VAR}), with their values. */
  env: Record<string, string>;
}

/**
 * The CloudQuery sync spec of a plan: one source per Store of the input DataSets (its Connector's
 * spec.plugin.source; tables: the DataSets' tables, else all), one destination per Store of the
 * output DataSets (spec.plugin.destination), every source writing to every destination.
 */
export function renderSyncSpec(
  plan: RunPlan,
  plugins: Readonly<Record<string, StorePlugins>>,
  env: Readonly<Record<string, string | undefined>>,
  header = '',
): SyncSpec {
  if (plan.inputs.length === 0 || plan.outputs.length === 0) {
    throw new DataKitError(
      'DK611',
      `${plan.packageName}: a CloudQuery Transform needs an input DataSet (the source) and an output DataSet (the destination)`,
      {
        hint: 'Declare spec.inputs and spec.outputs; their Stores become the sync source and destination.',
      },
    );
  }
  const byStore = (list: PlannedDataSet[]) => {
    const groups = new Map<string, PlannedDataSet[]>();
    for (const d of list) groups.set(d.store, [...(groups.get(d.store) ?? []), d]);
    return groups;
  };
  const sources = byStore(plan.inputs);
  const destinations = byStore(plan.outputs);
  const destinationName = (store: string) => (sources.has(store) ? `${store}-destination` : store);
  const plugin = (store: string, role: 'source' | 'destination'): CloudQueryPluginRef => {
    const found = plugins[store];
    const reference = found?.[role];
    if (!reference) {
      throw new DataKitError(
        'DK612',
        found
          ? `Connector ${found.connector} (of Store ${store}) has no spec.plugin.${role}: CloudQuery needs the ${role} plugin`
          : `Store ${store} names no Connector, so there is no CloudQuery ${role} plugin for it`,
        { hint: `Set spec.plugin.${role} on the Connector, e.g. ghcr.io/cloudquery/cq-${role}-postgresql:v8.0.0.` },
      );
    }
    return parsePluginReference(reference);
  };
  const storeOf = (name: string) =>
    plan.stores.find((s) => s.name === name) ?? { name, type: 'unknown', connection: {}, secrets: {}, baseDir: plan.packageDir };
  const passed: Record<string, string> = {};
  const documents: Array<Record<string, unknown>> = [];
  for (const [store, datasets] of sources) {
    const spec = pluginSpec(plan, storeOf(store), 'source', datasets, env);
    Object.assign(passed, spec.env);
    const tables = [...new Set(datasets.flatMap((d) => (d.table ? [d.table] : [])))];
    documents.push({
      kind: 'source',
      spec: {
        name: store,
        ...plugin(store, 'source'),
        tables: tables.length > 0 ? tables : ['*'],
        destinations: [...destinations.keys()].map(destinationName),
        spec: spec.spec,
      },
    });
  }
  for (const [store, datasets] of destinations) {
    const spec = pluginSpec(plan, storeOf(store), 'destination', datasets, env);
    Object.assign(passed, spec.env);
    documents.push({ kind: 'destination', spec: { name: destinationName(store), ...plugin(store, 'destination'), spec: spec.spec } });
  }
  // Double quotes everywhere: a value CloudQuery substitutes for ${VAR} stays one YAML string.
  const render = (doc: Record<string, unknown>) =>
    stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  return { content: header + documents.map(render).join('---\n'), env: passed };
}

export interface CloudQueryRuntimeOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** connectorPlugins(lint.manifests, plan). */
  plugins: Readonly<Record<string, StorePlugins>>;
  location: RuntimeLocation;
}

/**
 * What a CloudQuery run adds to a plan: the sync spec (no secret in it) for the runtime
 * directory, the Store secrets it refers to as variables, and
 * `cloudquery sync <dir> --log-console --no-log-file --cq-dir <scratch>` (logs go to stderr, and
 * nothing is written into the package).
 */
export function cloudqueryRuntime(plan: RunPlan, options: CloudQueryRuntimeOptions): RuntimeAdditions {
  const header = [
    `# Generated by dk run for ${plan.packageName} (run ${plan.runId}); removed after the run.`,
    '# ${VAR} values are read by CloudQuery from the environment, never written here.',
    '',
  ].join('\n');
  const sync = renderSyncSpec(plan, options.plugins, options.env, header);
  const { location } = options;
  const specDir = path.posix.join(location.configDir, cloudquerySpecDir);
  const cqDir = location.container ? cloudqueryContainerDir : path.join(location.configDir, 'cq');
  return {
    runtime: 'cloudquery',
    executable: 'cloudquery',
    installAdvice: 'see https://docs.cloudquery.io/docs/quickstart',
    files: { [`${cloudquerySpecDir}/sync.yml`]: sync.content },
    env: sync.env,
    command: [...(location.container ? [] : ['cloudquery']), 'sync', specDir, '--log-console', '--no-log-file', '--cq-dir', cqDir],
    secrets: Object.values(sync.env).filter((v) => v !== ''),
  };
}
