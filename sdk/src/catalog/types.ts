/**
 * The catalog: one record per DataSet and per Transform (job) of a linted tree, from the manifests
 * (schema, classification, owners, the data flow) and, when given, lineage events (the last run).
 */

/** A run's state as Marquez names it: START/RUNNING → RUNNING, COMPLETE → COMPLETED, FAIL → FAILED, ABORT → ABORTED. */
export type CatalogRunState = 'NEW' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';

export interface CatalogRun {
  runId: string;
  state: CatalogRunState;
  /** The time of the run's latest event (ISO 8601, as the event says it). */
  time: string;
  /** The OpenLineage job of the run. */
  job: { namespace: string; name: string };
}

export interface CatalogField {
  name: string;
  type?: string;
  /** Declared `pii: true`. */
  pii: boolean;
  description?: string;
  /** Column lineage: `<dataset>.<column>` it is derived from. */
  from?: string;
  tags?: string[];
}

export interface CatalogDataset {
  /** The DataKit name (metadata.name). */
  name: string;
  version?: string;
  /**
   * The OpenLineage namespace (postgres://host:port, s3://bucket, kafka://host:port, file://…),
   * named by nameDataset from the Store; absent when the Store is not declared in the tree.
   */
  namespace?: string;
  /** The OpenLineage dataset name paired with `namespace` (database.schema.table, key prefix, topic, path). */
  physicalName?: string;
  /** Why a declared Store could not give a physical name (DK650), e.g. no literal host. */
  namingProblem?: string;
  /** The Store's name, as the DataSet writes it. */
  store?: string;
  /** The Store's connector type (postgres, s3, kafka, file, …), when the Store is declared. */
  storeType?: string;
  format?: string;
  classification?: string;
  owner?: string;
  description?: string;
  tags: string[];
  /** Referenced by a Transform but not declared in the tree: nothing but the flow is known. */
  external: boolean;
  /** The manifest declaring it. */
  file?: string;
  schema: CatalogField[];
  /** Transforms writing it. */
  producers: string[];
  /** Transforms reading it. */
  consumers: string[];
  /** DataSets its producers read (one hop). */
  upstream: string[];
  /** DataSets its consumers write (one hop). */
  downstream: string[];
  /** The latest run that wrote it: matched on its physical name in the events, else its producers' last run. */
  lastRun?: CatalogRun;
}

export interface CatalogJob {
  name: string;
  /** The OpenLineage job namespace: metadata.namespace, default `default` (as dk run emits it). */
  namespace: string;
  version?: string;
  runtime?: string;
  mode?: string;
  owner?: string;
  description?: string;
  file?: string;
  inputs: string[];
  outputs: string[];
  lastRun?: CatalogRun;
}

export interface Catalog {
  datasets: CatalogDataset[];
  jobs: CatalogJob[];
}
