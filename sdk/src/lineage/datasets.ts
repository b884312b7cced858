import { silentLogger, type Logger } from '../core/logger';
import { columnLineageFields } from './column-lineage';
import type { LineageJob } from './datakit-job';
import { datasetFacets } from './dataset-facets';
import { nameDataset, type NamingOptions } from './dataset-naming';
import type { InputDataset, LineageDatasetRef, OutputDataset } from './openlineage-types';

export interface EventDatasets {
  inputs: InputDataset[];
  outputs: OutputDataset[];
}

/**
 * The job's inputs and outputs as OpenLineage datasets: physical names and facets, with column
 * lineage on the outputs. Throws DK650 when a DataSet cannot be named.
 */
export function eventDatasets(job: LineageJob, options: { producer: string; naming?: NamingOptions; logger?: Logger }): EventDatasets {
  const { producer } = options;
  const logger = options.logger ?? silentLogger;
  const byName = new Map<string, LineageDatasetRef>();
  const inputs = job.inputs.map((dataset): InputDataset => {
    const named = nameDataset(dataset, options.naming);
    byName.set(dataset.name, { namespace: named.namespace, name: named.name });
    const facets = datasetFacets({ dataset, sourceUri: named.sourceUri, producer });
    return { namespace: named.namespace, name: named.name, ...(facets ? { facets } : {}) };
  });
  const outputs = job.outputs.map((dataset): OutputDataset => {
    const named = nameDataset(dataset, options.naming);
    const columnLineage = columnLineageFields(dataset, byName, logger);
    const facets = datasetFacets({ dataset, sourceUri: named.sourceUri, producer, columnLineage });
    return { namespace: named.namespace, name: named.name, ...(facets ? { facets } : {}) };
  });
  return { inputs, outputs };
}
