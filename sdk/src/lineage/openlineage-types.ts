/**
 * The shape of OpenLineage 2-0-2 RunEvents and of the facets DataKit emits
 * (../shared/conformance/openlineage). The JSON Schemas stay the source of truth: see validate-event.ts.
 */

export type RunEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/** Every facet names who wrote it and the schema it follows. */
export interface BaseFacet {
  _producer: string;
  _schemaURL: string;
  [key: string]: unknown;
}

export type Facets = Record<string, BaseFacet>;

export interface LineageDatasetRef {
  namespace: string;
  name: string;
}

export interface OpenLineageDataset extends LineageDatasetRef {
  facets?: Facets;
}

export interface InputDataset extends OpenLineageDataset {
  inputFacets?: Facets;
}

export interface OutputDataset extends OpenLineageDataset {
  outputFacets?: Facets;
}

export interface OpenLineageJob {
  namespace: string;
  name: string;
  facets?: Facets;
}

export interface OpenLineageRun {
  runId: string;
  facets?: Facets;
}

export interface RunEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  eventType: RunEventType;
  run: OpenLineageRun;
  job: OpenLineageJob;
  inputs: InputDataset[];
  outputs: OutputDataset[];
}

// Facets DataKit writes (only the properties it sets).

export interface SchemaField {
  name: string;
  type?: string;
  description?: string;
}

export interface SchemaDatasetContent {
  fields: SchemaField[];
}

export type SchemaDatasetFacet = SchemaDatasetContent & BaseFacet;

export interface Tag {
  key: string;
  value: string;
  source?: string;
  /** The field the tag applies to; absent for a tag on the whole dataset. */
  field?: string;
}

export interface TagsDatasetContent {
  tags: Tag[];
}

export type TagsDatasetFacet = TagsDatasetContent & BaseFacet;

export interface InputField extends LineageDatasetRef {
  field: string;
}

export interface ColumnLineageDatasetContent {
  fields: Record<string, { inputFields: InputField[] }>;
}

export type ColumnLineageDatasetFacet = ColumnLineageDatasetContent & BaseFacet;

export interface DatasourceDatasetContent {
  name: string;
  uri: string;
}

export type DatasourceDatasetFacet = DatasourceDatasetContent & BaseFacet;

export interface Owner {
  name: string;
  type?: string;
}

export interface OwnershipContent {
  owners: Owner[];
}

export type OwnershipFacet = OwnershipContent & BaseFacet;

export interface DocumentationContent {
  description: string;
  contentType?: string;
}

export type DocumentationFacet = DocumentationContent & BaseFacet;

export interface ErrorMessageRunContent {
  message: string;
  programmingLanguage: string;
  stackTrace?: string;
}

export type ErrorMessageRunFacet = ErrorMessageRunContent & BaseFacet;

export interface ParentRunContent {
  run: { runId: string };
  job: { namespace: string; name: string };
  root?: { run: { runId: string }; job: { namespace: string; name: string } };
}

export type ParentRunFacet = ParentRunContent & BaseFacet;

export interface NominalTimeRunContent {
  nominalStartTime: string;
  nominalEndTime?: string;
}

export type NominalTimeRunFacet = NominalTimeRunContent & BaseFacet;

export interface ProcessingEngineRunContent {
  version: string;
  name?: string;
  openlineageAdapterVersion?: string;
}

export type ProcessingEngineRunFacet = ProcessingEngineRunContent & BaseFacet;

export interface JobTypeJobContent {
  processingType: 'BATCH' | 'STREAMING';
  integration: string;
  jobType?: string;
}

export type JobTypeJobFacet = JobTypeJobContent & BaseFacet;
