import path from 'node:path';
import { systemClock, type Clock } from '../core/clock';
import { DataKitError } from '../core/errors';
import { newRunId } from '../lineage/run-id';
import type { LoadedManifest } from '../manifest/load';
import type { LintResult } from '../validate/lint';
import type { ResolvedTransform } from '../validate/reference-layer';
import { parseDuration } from './duration';
import { envName } from './env-names';
import { storeAddress, type StoreSpec } from './store-address';

/** A DataSet as the run sees it: where it is and what it holds. */
export interface PlannedDataSet {
  name: string;
  store: string;
  table?: string;
  prefix?: string;
  topic?: string;
  format?: string;
  classification?: string;
  schema: Array<Record<string, unknown>>;
  /** The manifest file declaring it. */
  declaredIn: string;
}

export interface RunPlan {
  runId: string;
  packageName: string;
  namespace: string;
  version: string;
  runtime: string;
  mode: 'batch' | 'streaming';
  packageDir: string;
  image?: string;
  command?: string[];
  /** The run contract's variables (DK_*), secrets resolved. Never print these unmasked. */
  contractEnv: Record<string, string>;
  /** Every secret string the contract's variables hold, for masking. */
  secrets: string[];
  timeoutMs?: number;
  inputs: PlannedDataSet[];
  outputs: PlannedDataSet[];
  stores: StoreSpec[];
  description?: string;
  owner?: string;
  /** Only with `lenient`: what would stop the run. */
  problems: DataKitError[];
}

export interface PlanOptions {
  env: Readonly<Record<string, string | undefined>>;
  /**
   * For --dry-run: record what would stop the run in `problems` (an undeclared Store, an unset
   * secret) instead of throwing, so the whole plan can be shown.
   */
  lenient?: boolean;
  clock?: Clock;
  /** Overrides spec.timeout. */
  timeoutMs?: number;
  runId?: string;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function optional(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The single Transform of a linted package and its DataSets, Stores and Connectors, as a runnable plan. */
export function planRun(lint: LintResult, transform: ResolvedTransform, options: PlanOptions): RunPlan {
  const value = transform.manifest.value;
  const metadata = record(value.metadata);
  const spec = record(value.spec);
  const packageDir = path.dirname(transform.manifest.file);
  const manifests = [...lint.manifests];
  const byKind = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.name === name);
  /** The Store of that name declared nearest to the DataSet naming it (each flat package carries its own). */
  const storeFor = (name: string, near: string | undefined) => {
    const candidates = manifests.filter((m) => m.kind === 'Store' && m.name === name);
    const home = near ? packageDirOf(near) : packageDir;
    return candidates.find((m) => packageDirOf(m.file) === home) ?? candidates[0];
  };
  const problems: DataKitError[] = [];
  const attempt = <T>(work: () => T, fallback: T): T => {
    try {
      return work();
    } catch (error) {
      if (!options.lenient || !(error instanceof DataKitError)) throw error;
      problems.push(error);
      return fallback;
    }
  };

  const datasets = (direction: 'inputs' | 'outputs'): PlannedDataSet[] =>
    transform[direction].flatMap((ref) =>
      attempt(() => {
        if (!ref.manifest) {
          throw new DataKitError('DK603', `DataSet ${ref.dataset} is not declared in the package, so the run cannot say where it is`, {
            hint: 'Declare it in dataset/<name>.yaml (or run from the project root so datasets/ is found).',
          });
        }
        return [plannedDataSet(ref.manifest)];
      }, [] as PlannedDataSet[]),
    );
  const inputs = datasets('inputs');
  const outputs = datasets('outputs');

  const storeNames = [...new Set([...inputs, ...outputs].map((d) => d.store))];
  const stores = storeNames.flatMap((name): StoreSpec[] =>
    attempt(() => {
      const store = storeFor(name, [...inputs, ...outputs].find((d) => d.store === name)?.declaredIn);
      if (!store) {
        throw new DataKitError('DK603', `Store ${name} is not declared in the package`, { hint: 'Declare it in store/<name>.yaml.' });
      }
      const s = record(store.value.spec);
      const connectorName = optional(s.connector) ?? '';
      const connector = byKind('Connector', connectorName);
      const c = connector ? record(connector.value.spec) : {};
      const type = optional(c.type) ?? optional(c.provider) ?? connectorName;
      const secrets = Object.fromEntries(Object.entries(record(s.secrets)).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return [{ name, type, connection: record(s.connection), secrets, baseDir: packageDirOf(store.file) }];
    }, [] as StoreSpec[]),
  );

  const runId = options.runId ?? newRunId(options.clock ?? systemClock);
  const mode = spec.mode === 'streaming' ? 'streaming' : 'batch';
  const contractEnv: Record<string, string> = {
    DK_RUN_ID: runId,
    DK_PACKAGE: optional(metadata.name) ?? '',
    DK_NAMESPACE: optional(metadata.namespace) ?? 'default',
    DK_MODE: mode,
  };
  const secrets: string[] = [];
  for (const store of stores) {
    const address = attempt(() => storeAddress(store, options.env), { value: '(unresolved)', secrets: [] as string[] });
    contractEnv[`DK_STORE_DSN_${envName(store.name)}`] = address.value;
    contractEnv[`DK_STORE_TYPE_${envName(store.name)}`] = store.type;
    secrets.push(...address.secrets);
  }
  for (const [prefix, list] of [
    ['DK_INPUT_', inputs],
    ['DK_OUTPUT_', outputs],
  ] as const) {
    for (const d of list) contractEnv[`${prefix}${envName(d.name)}`] = JSON.stringify(locator(d));
  }

  const specTimeout = optional(spec.timeout);
  const timeoutMs = options.timeoutMs ?? (specTimeout ? parseDuration(specTimeout) : undefined);
  const command = Array.isArray(spec.command)
    ? spec.command.map(String)
    : typeof spec.command === 'string'
      ? ['sh', '-c', spec.command]
      : undefined;
  const args = Array.isArray(spec.args) ? spec.args.map(String) : [];
  const image = optional(spec.image);
  const description = optional(spec.description);
  const owner = optional(spec.owner);
  return {
    runId,
    packageName: contractEnv.DK_PACKAGE!,
    namespace: contractEnv.DK_NAMESPACE!,
    version: optional(metadata.version) ?? '0.0.0',
    runtime: optional(spec.runtime) ?? '',
    mode,
    packageDir,
    ...(image ? { image } : {}),
    ...(command ? { command: [...command, ...args] } : {}),
    contractEnv,
    secrets: [...new Set(secrets.filter((s) => s !== ''))],
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    inputs,
    outputs,
    stores,
    ...(description ? { description } : {}),
    ...(owner ? { owner } : {}),
    problems,
  };
}

function plannedDataSet(manifest: LoadedManifest): PlannedDataSet {
  const s = record(manifest.value.spec);
  const d: PlannedDataSet = {
    declaredIn: manifest.file,
    name: manifest.name!,
    store: optional(s.store) ?? '',
    schema: Array.isArray(s.schema) ? s.schema.map(record) : [],
  };
  for (const key of ['table', 'prefix', 'topic', 'format', 'classification'] as const) {
    const v = optional(s[key]);
    if (v !== undefined) d[key] = v;
  }
  return d;
}

const manifestFolders = new Set(['store', 'stores', 'dataset', 'datasets', 'connector', 'connectors']);

/**
 * The package a manifest file belongs to: dk.yaml's folder, or the folder holding the
 * store/ (dataset/, …) folder it sits in.
 */
export function packageDirOf(file: string): string {
  const dir = path.dirname(file);
  const parent = path.dirname(dir);
  if (path.basename(file) === 'dk.yaml' || path.basename(file) === 'dk.yml') {
    // datasets/<n>/dk.yaml in a project: paths start at the project.
    return manifestFolders.has(path.basename(parent)) ? path.dirname(parent) : dir;
  }
  if (manifestFolders.has(path.basename(dir))) return parent;
  if (manifestFolders.has(path.basename(parent))) return path.dirname(parent);
  return dir;
}

/** The JSON locator of DK_INPUT_<NAME> / DK_OUTPUT_<NAME>. */
export function locator(d: PlannedDataSet): Record<string, string> {
  const out: Record<string, string> = { name: d.name, store: d.store };
  for (const key of ['table', 'prefix', 'topic', 'format'] as const) if (d[key] !== undefined) out[key] = d[key]!;
  return out;
}
