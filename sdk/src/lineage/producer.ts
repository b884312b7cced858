/** Who DataKit says it is in events: the source tree of the version that wrote them. */
export function producerUri(datakitVersion: string): string {
  return `https://github.com/datakit/datakit/tree/${encodeURIComponent(datakitVersion)}`;
}

/** The OpenLineage integration name DataKit uses in the jobType facet. */
export const integrationName = 'DATAKIT';

/** The processing engine name in the processing_engine run facet. */
export const engineName = 'datakit';
