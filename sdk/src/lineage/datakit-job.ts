/**
 * What the lineage library needs to know about a DataKit job: plain data, filled in by the caller
 * (the runner) from the Transform, its DataSets and their Stores. Secrets are never passed in:
 * a Store's `secrets` stay with the runner.
 */

export type ProcessingMode = 'batch' | 'streaming';

/** A Store: where a DataSet lives. `type` is its Connector's type (postgres, s3, kafka, file, …). */
export interface LineageStore {
  name: string;
  type: string;
  /** The Store's `spec.connection`. Only host, port, database, bucket, brokers and paths are read from it. */
  connection: Readonly<Record<string, unknown>>;
}

/** One field of a DataSet's schema. */
export interface LineageField {
  name: string;
  type?: string;
  description?: string;
  pii?: boolean;
  /** Column lineage: `<dataset>.<column>` this field is derived from. */
  from?: string;
  tags?: readonly string[];
}

export interface LineageDataSet {
  name: string;
  store: LineageStore;
  table?: string;
  prefix?: string;
  topic?: string;
  format?: string;
  classification?: string;
  description?: string;
  owner?: string;
  tags?: readonly string[];
  schema?: readonly LineageField[];
}

export interface LineageJob {
  /** The Transform's name. */
  name: string;
  /** The Transform's metadata.namespace (the OpenLineage job namespace). */
  namespace: string;
  mode: ProcessingMode;
  owner?: string;
  description?: string;
  /** The Transform's runtime (generic-node, generic-python, dbt, …), for error facets. */
  runtime?: string;
  /** OpenLineage jobType; default TASK. */
  jobType?: string;
  inputs: readonly LineageDataSet[];
  outputs: readonly LineageDataSet[];
}
