import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../core/clock';
import { DataKitError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import type { LoadedManifest } from '../manifest/load';
import type { PlannedDataSet, RunPlan } from '../runner/run-plan';
import { storeAddress, type StoreSpec } from '../runner/store-address';
import type { LintResult } from '../validate/lint';
import { seedChecksum } from './checksum';
import { checkRows, columnsFromSchema, inferColumns, type SeedColumn, type SeedValue } from './columns';
import { formatLocation, SeedError, seedCodes, SeedUsageError } from './errors';
import { cleanFileStore, fileSeedFormat, seedFilePath, seedFileStore, type FileSeedFormat } from './file-target';
import { postgresEndpoint, PostgresSeeder, type PostgresEndpoint } from './postgres-target';
import { defaultProfile, profilesOf, readSeedRows, seedOf, selectSeed } from './source';

export interface SeedOptions {
  /** Where ${VAR} secrets of the Stores are resolved: the environment of the command, passed in. */
  env: Readonly<Record<string, string | undefined>>;
  /** Load this profile where a DataSet declares it (others load their own seed). */
  profile?: string;
  /** Remove what dk seeded (rows and _dk_seed_meta entries) instead of loading. */
  clean?: boolean;
  logger?: Logger;
  /** For loaded_at. */
  clock?: Clock;
  /** File paths in messages are shown relative to this directory (absolute otherwise). */
  cwd?: string;
  /** How long to wait for a database connection (default 10 s). */
  connectTimeoutMs?: number;
}

export type SeedStatus = 'loaded' | 'unchanged' | 'cleaned' | 'not-seeded' | 'skipped' | 'failed';

/** What happened to one DataSet. */
export interface SeedOutcome {
  dataset: string;
  store: string;
  storeType: string;
  /** schema.table for a database, the seed file (shown relative to cwd) for a file Store. */
  target: string;
  /** The profile loaded: `default` for the DataSet's own seed. */
  profile: string;
  status: SeedStatus;
  /** Rows loaded (loaded), present (unchanged) or removed (cleaned). */
  rows: number;
  checksum?: string;
  /** Why a DataSet was skipped. */
  note?: string;
  /** The first problem, for status failed. */
  error?: DataKitError;
}

export interface SeedReport {
  profile: string | undefined;
  clean: boolean;
  outcomes: SeedOutcome[];
  /** Every problem, each once (one unreachable database is one error for all its DataSets). */
  errors: DataKitError[];
  /** Secret values met while resolving Stores: mask them wherever the report is shown. */
  secrets: string[];
}

/** A DataSet with a seed, and where it goes. */
interface SeedTarget {
  dataset: PlannedDataSet;
  manifest: LoadedManifest;
  store: StoreSpec | undefined;
}

interface PreparedTarget extends SeedTarget {
  outcome: SeedOutcome;
  columns: SeedColumn[];
  rows: SeedValue[][];
}

const postgresTypes = new Set(['postgres', 'postgresql']);

/**
 * `dk run --seed`: loads the `spec.dev.seed` of every input and output DataSet of the plan that
 * has one. Problems are collected in the report (nothing thrown for a bad seed or an unreachable
 * database); only --profile naming a profile no DataSet declares throws (SeedUsageError, DK665).
 */
export function seedPackage(plan: RunPlan, lint: LintResult, options: SeedOptions): Promise<SeedReport> {
  return seedPlans([plan], lint, options);
}

/** Like seedPackage, for the DataSets of several plans (each seeded once). */
export async function seedPlans(plans: readonly RunPlan[], lint: LintResult, options: SeedOptions): Promise<SeedReport> {
  const logger = options.logger ?? silentLogger;
  const display = (file: string) => (options.cwd ? path.relative(options.cwd, file) || '.' : file);
  const report: SeedReport = { profile: options.profile, clean: options.clean ?? false, outcomes: [], errors: [], secrets: [] };
  const addError = (error: DataKitError) => {
    if (!report.errors.includes(error)) report.errors.push(error);
  };

  for (const transform of transformManifests(plans, lint)) {
    if (!seedOf(transform)) continue;
    const where = transform.document.locate(['spec', 'dev', 'seed']);
    const location = {
      file: where.file ?? transform.file,
      ...(where.line !== undefined ? { line: where.line, column: where.column } : {}),
    };
    addError(
      new SeedError(
        seedCodes.transformSeed,
        `${formatLocation(location, display)}: spec.dev.seed on a Transform is not loaded: a seed belongs to the DataSet it fills`,
        {
          location,
          hint: 'Move the seed to spec.dev.seed of the input DataSet (dataset/<name>.yaml); its rows go into that DataSet’s table or prefix.',
        },
      ),
    );
  }

  const targets = seedTargets(plans, lint);
  if (options.profile !== undefined && options.profile !== defaultProfile) {
    const known = [...new Set(targets.flatMap((t) => profilesOf(t.manifest)))].sort();
    if (!known.includes(options.profile)) {
      throw new SeedUsageError(
        seedCodes.unknownProfile,
        `no DataSet declares the seed profile ${JSON.stringify(options.profile)}${known.length > 0 ? ` (profiles: ${known.join(', ')})` : ''}`,
        { hint: 'Profiles are declared under spec.dev.seed.profiles.<name> of a DataSet; leave out --profile to load the default seeds.' },
      );
    }
  }

  const prepared: PreparedTarget[] = [];
  for (const target of targets) {
    const { dataset, manifest, store } = target;
    const selected = selectSeed(manifest, options.profile);
    const outcome: SeedOutcome = {
      dataset: dataset.name,
      store: dataset.store,
      storeType: store?.type ?? '',
      target: dataset.table ?? dataset.prefix ?? dataset.topic ?? '',
      profile: selected?.profile ?? options.profile ?? defaultProfile,
      status: 'skipped',
      rows: 0,
    };
    report.outcomes.push(outcome);
    const fail = (error: DataKitError) => {
      outcome.status = 'failed';
      outcome.error ??= error;
      addError(error);
    };
    if (!selected && !options.clean) {
      outcome.note = `no default seed (profiles: ${profilesOf(manifest).join(', ')})`;
      continue;
    }
    const problem = seedability(dataset, store);
    if (problem) {
      fail(problem);
      continue;
    }
    if (options.clean || !selected) {
      prepared.push({ ...target, outcome, columns: [], rows: [] });
      continue;
    }
    const read = await readSeedRows(manifest, selected, { dataset: dataset.name, display });
    read.errors.forEach(fail);
    const declared = columnsFromSchema(dataset.schema);
    const columns = declared ?? inferColumns(read.rows);
    const checked = checkRows(read.rows, columns, declared !== undefined, { dataset: dataset.name, display });
    checked.errors.forEach(fail);
    if (outcome.status === 'failed') continue;
    prepared.push({ ...target, outcome, columns, rows: checked.values });
  }

  // One connection per Store; each DataSet in its own transaction.
  const byStore = new Map<string, PreparedTarget[]>();
  for (const p of prepared) byStore.set(p.store!.name, [...(byStore.get(p.store!.name) ?? []), p]);
  const loadedAt = (options.clock ?? systemClock).now();
  for (const [, group] of byStore) {
    const store = group[0]!.store!;
    if (postgresTypes.has(store.type)) await seedPostgresStore(store, group, options, loadedAt, report, addError, logger);
    else await seedFileStoreGroup(store, group, options, loadedAt, report, addError, display, logger);
  }
  report.secrets = [...new Set(report.secrets.filter((s) => s !== ''))];
  return report;
}

/** Why a DataSet cannot be seeded, if it cannot. */
function seedability(dataset: PlannedDataSet, store: StoreSpec | undefined): SeedError | undefined {
  const fail = (message: string, hint: string) =>
    new SeedError(seedCodes.notSeedable, `DataSet ${dataset.name}: ${message}`, { dataset: dataset.name, hint });
  if (!store) return fail(`its Store ${dataset.store} is not declared in the package`, 'Declare the Store in store/<name>.yaml.');
  if (postgresTypes.has(store.type)) {
    if (!dataset.table) return fail(`a seed for a postgres Store needs spec.table`, 'Set spec.table: schema.table on the DataSet.');
    return undefined;
  }
  if (store.type === 'file') {
    if (!dataset.prefix)
      return fail('a seed for a file Store needs spec.prefix', 'Set spec.prefix (a folder inside the Store path) on the DataSet.');
    if (!fileSeedFormat(dataset.format)) {
      return fail(
        `format ${dataset.format} cannot be seeded (jsonl and csv can)`,
        'Use format: jsonl or csv for seeded DataSets, or remove spec.dev.seed.',
      );
    }
    return undefined;
  }
  return fail(
    `its Store ${store.name} is of type ${store.type || '(unknown)'}, and seeding loads postgres tables and file Stores only`,
    'Remove spec.dev.seed, or keep the development copy of this DataSet in a postgres or file Store.',
  );
}

async function seedPostgresStore(
  store: StoreSpec,
  group: PreparedTarget[],
  options: SeedOptions,
  loadedAt: Date,
  report: SeedReport,
  addError: (e: DataKitError) => void,
  logger: Logger,
): Promise<void> {
  const failAll = (error: DataKitError) => {
    for (const p of group) {
      p.outcome.status = 'failed';
      p.outcome.error = error;
    }
    addError(error);
  };
  let endpoint: PostgresEndpoint;
  let seeder: PostgresSeeder;
  try {
    const resolved = postgresEndpoint(store, options.env);
    endpoint = resolved.endpoint;
    report.secrets.push(...resolved.secrets);
    logger.debug({ store: store.name, host: endpoint.host, port: endpoint.port, database: endpoint.database }, 'seed: connecting');
    seeder = await PostgresSeeder.connect(
      endpoint,
      options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {},
    );
  } catch (error) {
    if (!(error instanceof DataKitError)) throw error;
    failAll(error);
    return;
  }
  try {
    for (const p of group) {
      p.outcome.target = seeder.target(p.dataset.table!).display;
      try {
        if (options.clean) {
          const result = await seeder.clean({ dataset: p.dataset.name, table: p.dataset.table! });
          Object.assign(p.outcome, { status: result.status, rows: result.rows, target: result.target });
          continue;
        }
        const checksum = seedChecksum({
          dataset: p.dataset.name,
          target: p.outcome.target,
          profile: p.outcome.profile,
          columns: p.columns,
          rows: p.rows,
        });
        const result = await seeder.seed(
          { dataset: p.dataset.name, table: p.dataset.table!, profile: p.outcome.profile, columns: p.columns, rows: p.rows, checksum },
          loadedAt,
        );
        Object.assign(p.outcome, { status: result.status, rows: result.rows, target: result.target, checksum });
        logger.info({ dataset: p.dataset.name, target: result.target, status: result.status, rows: result.rows }, 'seed');
      } catch (error) {
        if (!(error instanceof DataKitError)) throw error;
        p.outcome.status = 'failed';
        p.outcome.error = error;
        addError(error);
      }
    }
  } finally {
    await seeder.close();
  }
}

async function seedFileStoreGroup(
  store: StoreSpec,
  group: PreparedTarget[],
  options: SeedOptions,
  loadedAt: Date,
  report: SeedReport,
  addError: (e: DataKitError) => void,
  display: (file: string) => string,
  logger: Logger,
): Promise<void> {
  let storeDir: string;
  try {
    const address = storeAddress(store, options.env);
    report.secrets.push(...address.secrets);
    storeDir = fileURLToPath(address.value);
  } catch (error) {
    if (!(error instanceof DataKitError)) throw error;
    for (const p of group) Object.assign(p.outcome, { status: 'failed', error });
    addError(error);
    return;
  }
  for (const p of group) {
    const format = fileSeedFormat(p.dataset.format) as FileSeedFormat;
    const job = { dataset: p.dataset.name, storeDir, prefix: p.dataset.prefix!, format };
    try {
      p.outcome.target = display(seedFilePath(storeDir, job.prefix, format, job.dataset));
      if (options.clean) {
        const result = await cleanFileStore(job, display);
        Object.assign(p.outcome, { status: result.status, rows: result.rows });
        continue;
      }
      const relative = path
        .relative(storeDir, seedFilePath(storeDir, job.prefix, format, job.dataset))
        .split(path.sep)
        .join('/');
      const checksum = seedChecksum({
        dataset: p.dataset.name,
        target: relative,
        profile: p.outcome.profile,
        columns: p.columns,
        rows: p.rows,
      });
      const result = await seedFileStore(
        { ...job, profile: p.outcome.profile, columns: p.columns, rows: p.rows, checksum },
        loadedAt,
        display,
      );
      Object.assign(p.outcome, { status: result.status, rows: result.rows, checksum });
      logger.info({ dataset: p.dataset.name, target: p.outcome.target, status: result.status, rows: result.rows }, 'seed');
    } catch (error) {
      if (!(error instanceof DataKitError)) throw error;
      p.outcome.status = 'failed';
      p.outcome.error = error;
      addError(error);
    }
  }
}

/** The Transform manifests behind the plans. */
function transformManifests(plans: readonly RunPlan[], lint: LintResult): LoadedManifest[] {
  return lint.transforms
    .filter((t) => plans.some((p) => p.packageName === t.name && p.packageDir === path.dirname(t.manifest.file)))
    .map((t) => t.manifest);
}

/** Every input and output DataSet of the plans that declares a seed, once each. */
function seedTargets(plans: readonly RunPlan[], lint: LintResult): SeedTarget[] {
  const manifests = [
    ...lint.manifests.filter((m) => m.kind === 'DataSet'),
    // DataSets of an enclosing project are only reachable through the resolved references.
    ...lint.transforms.flatMap((t) => [...t.inputs, ...t.outputs].flatMap((r) => (r.manifest ? [r.manifest] : []))),
  ];
  const seen = new Set<string>();
  const targets: SeedTarget[] = [];
  for (const plan of plans) {
    for (const dataset of [...plan.inputs, ...plan.outputs]) {
      const key = `${dataset.declaredIn}\0${dataset.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const manifest = manifests.find((m) => m.file === dataset.declaredIn && m.name === dataset.name);
      if (!manifest || !seedOf(manifest)) continue;
      targets.push({ dataset, manifest, store: plan.stores.find((s) => s.name === dataset.store) });
    }
  }
  return targets;
}
