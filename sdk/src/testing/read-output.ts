import { fileURLToPath } from 'node:url';
import { envName } from '../runner/env-names';
import type { PlannedDataSet, RunPlan } from '../runner/run-plan';
import { maskSecrets } from '../runner/secrets';
import { readFileOutput } from './read-files';
import { readPostgresOutput, type PostgresOutputOptions } from './read-postgres';
import type { OutputReading } from './reading';

export interface ReadOutputOptions {
  /** How file paths are shown (e.g. relative to the working directory). */
  show?: (absolute: string) => string;
  /** Rows per FETCH from Postgres. */
  batchSize?: number;
  /** Loads the pg module (tests). */
  loadPg?: PostgresOutputOptions['loadPg'];
}

/**
 * Opens an output DataSet of a run for checking, where the run wrote it: the Store's address is the
 * one the transform was given (DK_STORE_DSN_<STORE>, secrets resolved). Never throws.
 */
export async function readOutput(dataset: PlannedDataSet, plan: RunPlan, options: ReadOutputOptions = {}): Promise<OutputReading> {
  const store = plan.stores.find((s) => s.name === dataset.store);
  const dsn = plan.contractEnv[`DK_STORE_DSN_${envName(dataset.store)}`];
  const type = (store?.type ?? '').toLowerCase();
  const where = dataset.table ?? dataset.prefix ?? dataset.topic ?? dataset.name;
  const mask = (text: string) => maskSecrets(text, plan.secrets);
  if (!store || dsn === undefined) return { kind: 'unsupported', location: where, reason: `Store ${dataset.store} is not part of the run` };
  if (type === 'file' || dsn.startsWith('file:')) {
    if (!dsn.startsWith('file:')) return { kind: 'unsupported', location: where, reason: `Store ${store.name} has no local directory` };
    const prefix = dataset.prefix ?? dataset.table;
    if (prefix === undefined)
      return { kind: 'unsupported', location: where, reason: `DataSet ${dataset.name} has no prefix in file Store ${store.name}` };
    return readFileOutput({ root: fileURLToPath(dsn), prefix, format: dataset.format, ...(options.show ? { show: options.show } : {}) });
  }
  if (type === 'postgres' || type === 'postgresql') {
    if (dataset.table === undefined)
      return { kind: 'unsupported', location: where, reason: `DataSet ${dataset.name} has no table in postgres Store ${store.name}` };
    return readPostgresOutput({
      dsn,
      table: dataset.table,
      storeName: store.name,
      mask,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.loadPg ? { loadPg: options.loadPg } : {}),
    });
  }
  return {
    kind: 'unsupported',
    location: where,
    reason: `dk test cannot read outputs in ${store.type || 'unknown'} Stores yet (it reads file and postgres Stores)`,
  };
}
