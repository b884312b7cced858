import { facet, facetsOf } from './facet';
import type { LineageDataSet } from './datakit-job';
import type {
  BaseFacet,
  ColumnLineageDatasetFacet,
  DatasourceDatasetFacet,
  DocumentationFacet,
  InputField,
  OwnershipFacet,
  SchemaDatasetFacet,
  SchemaField,
  Tag,
  TagsDatasetFacet,
} from './openlineage-types';
import { ownerOf } from './ownership';

/** The source written into tags, so that consumers know DataKit set them. */
export const tagSource = 'DATAKIT';

export function schemaFacet(dataset: LineageDataSet, producer: string): SchemaDatasetFacet | undefined {
  const schema = dataset.schema ?? [];
  if (schema.length === 0) return undefined;
  const fields = schema.map((field) => {
    const out: SchemaField = { name: field.name };
    if (field.type !== undefined) out.type = field.type;
    if (field.description !== undefined) out.description = field.description;
    return out;
  });
  return facet('SchemaDatasetFacet', producer, { fields });
}

/**
 * Tags: the DataSet's classification and tags, and per field `pii` and the field's tags (a field
 * tag is a tag with `field` set, as TagsDatasetFacet defines).
 */
export function tagsFacet(dataset: LineageDataSet, producer: string): TagsDatasetFacet | undefined {
  const tags: Tag[] = [];
  if (dataset.classification !== undefined) tags.push({ key: 'classification', value: dataset.classification, source: tagSource });
  for (const tag of dataset.tags ?? []) tags.push({ key: tag, value: 'true', source: tagSource });
  for (const field of dataset.schema ?? []) {
    if (field.pii === true) tags.push({ key: 'pii', value: 'true', source: tagSource, field: field.name });
    for (const tag of field.tags ?? []) tags.push({ key: tag, value: 'true', source: tagSource, field: field.name });
  }
  return tags.length === 0 ? undefined : facet('TagsDatasetFacet', producer, { tags });
}

export function columnLineageFacet(
  fields: Record<string, { inputFields: InputField[] }>,
  producer: string,
): ColumnLineageDatasetFacet | undefined {
  return Object.keys(fields).length === 0 ? undefined : facet('ColumnLineageDatasetFacet', producer, { fields });
}

export function dataSourceFacet(dataset: LineageDataSet, sourceUri: string, producer: string): DatasourceDatasetFacet {
  return facet('DatasourceDatasetFacet', producer, { name: dataset.store.name, uri: sourceUri });
}

export function datasetOwnershipFacet(dataset: LineageDataSet, producer: string): OwnershipFacet | undefined {
  return dataset.owner ? facet('OwnershipDatasetFacet', producer, { owners: [ownerOf(dataset.owner)] }) : undefined;
}

export function datasetDocumentationFacet(dataset: LineageDataSet, producer: string): DocumentationFacet | undefined {
  return dataset.description ? facet('DocumentationDatasetFacet', producer, { description: dataset.description }) : undefined;
}

export interface DatasetFacetInput {
  dataset: LineageDataSet;
  sourceUri: string;
  producer: string;
  /** Output DataSets only: the column lineage of their fields. */
  columnLineage?: Record<string, { inputFields: InputField[] }>;
}

/** The facets of one DataSet in an event. */
export function datasetFacets({ dataset, sourceUri, producer, columnLineage }: DatasetFacetInput): Record<string, BaseFacet> | undefined {
  return facetsOf([
    ['SchemaDatasetFacet', schemaFacet(dataset, producer)],
    ['DatasourceDatasetFacet', dataSourceFacet(dataset, sourceUri, producer)],
    ['TagsDatasetFacet', tagsFacet(dataset, producer)],
    ['ColumnLineageDatasetFacet', columnLineage === undefined ? undefined : columnLineageFacet(columnLineage, producer)],
    ['OwnershipDatasetFacet', datasetOwnershipFacet(dataset, producer)],
    ['DocumentationDatasetFacet', datasetDocumentationFacet(dataset, producer)],
  ]);
}
