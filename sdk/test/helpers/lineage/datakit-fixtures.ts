import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { LineageDataSet, LineageField, LineageJob, LineageStore } from '../../../src/lineage';

/**
 * DataKit jobs for lineage tests, built from the reference examples read in place
 * (../shared/conformance/datakit-reference/examples/reactive-pipeline), with Stores shaped like the
 * reference ones (a postgres connection_string carrying a password, as lint would flag).
 */

export const referenceDir = path.resolve(import.meta.dirname, '../../../../../shared/conformance/datakit-reference');

/** The password in the warehouse connection string: must never appear in an event. */
export const warehousePassword = 'dkpassword';

export const stores = {
  warehouse: {
    name: 'warehouse',
    type: 'postgres',
    connection: {
      connection_string: `postgresql://dkuser:${warehousePassword}@Warehouse.Example.com:5433/datakit?sslmode=require&password=qs-secret-1`,
    },
  },
  dataLake: {
    name: 'data-lake',
    type: 's3',
    connection: { bucket: 'dk-data-lake', region: 'us-east-1', endpoint: 'http://localstack:4566', accessKeyId: '${AWS_ACCESS_KEY_ID}' },
  },
  eventsKafka: {
    name: 'events-kafka',
    type: 'kafka',
    connection: { bootstrapServers: 'kafka-1.internal:9092,kafka-2.internal:9092', saslPassword: '${KAFKA_PASSWORD}' },
  },
  localFiles: { name: 'local', type: 'file', connection: { path: './data' } },
} satisfies Record<string, LineageStore>;

interface DataSetManifest {
  metadata: { name: string };
  spec: {
    table?: string;
    prefix?: string;
    topic?: string;
    format?: string;
    classification?: string;
    description?: string;
    owner?: string;
    schema?: LineageField[];
  };
}

/** A reference DataSet (datasets/<name>/dk.yaml of reactive-pipeline) on `store`. */
export function referenceDataSet(name: string, store: LineageStore): LineageDataSet {
  const file = path.join(referenceDir, 'examples/reactive-pipeline/datasets', name, 'dk.yaml');
  const manifest = parse(readFileSync(file, 'utf8')) as DataSetManifest;
  const { spec } = manifest;
  const dataset: LineageDataSet = { name: manifest.metadata.name, store };
  for (const key of ['table', 'prefix', 'topic', 'format', 'classification', 'description', 'owner'] as const) {
    if (spec[key] !== undefined) dataset[key] = spec[key];
  }
  if (spec.schema) dataset.schema = spec.schema;
  return dataset;
}

/** The `users` DataSet the reference's enriched-events fields come `from` (the reference tree does not declare it). */
export const users: LineageDataSet = {
  name: 'users',
  store: stores.warehouse,
  table: 'crm.users',
  classification: 'confidential',
  description: 'Customers, one row per account.',
  owner: 'crm-team',
  schema: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string', pii: true, description: 'Full name' },
    { name: 'email', type: 'string', pii: true },
  ],
};

/** The reference `enrich` Transform (batch, generic-python), with `users` as a second input. */
export function enrichJob(overrides: Partial<LineageJob> = {}): LineageJob {
  const output = referenceDataSet('enriched-events', stores.dataLake);
  return {
    name: 'enrich',
    namespace: 'analytics',
    mode: 'batch',
    runtime: 'generic-python',
    owner: 'data-platform',
    description: 'Joins raw events with user records.',
    inputs: [referenceDataSet('raw-events-parquet', stores.dataLake), users],
    outputs: [{ ...output, classification: 'confidential', owner: 'analytics@example.com', description: 'Events with user details.' }],
    ...overrides,
  };
}

/** A streaming job: the reference raw-events topic into the reference event-summary table. */
export function streamingJob(): LineageJob {
  return {
    name: 'summarise',
    namespace: 'analytics',
    mode: 'streaming',
    runtime: 'generic-go',
    inputs: [referenceDataSet('raw-events', stores.eventsKafka)],
    outputs: [referenceDataSet('event-summary', stores.warehouse)],
  };
}
