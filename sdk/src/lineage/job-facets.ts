import { facet, facetsOf } from './facet';
import type { LineageJob } from './datakit-job';
import type { BaseFacet, JobTypeJobFacet } from './openlineage-types';
import { ownerOf } from './ownership';
import { integrationName } from './producer';

export function jobTypeFacet(job: LineageJob, producer: string): JobTypeJobFacet {
  return facet('JobTypeJobFacet', producer, {
    processingType: job.mode === 'streaming' ? 'STREAMING' : 'BATCH',
    integration: integrationName,
    jobType: job.jobType ?? 'TASK',
  } as const);
}

/** The job's facets: jobType, and documentation and ownership when the Transform says. */
export function jobFacets(job: LineageJob, producer: string): Record<string, BaseFacet> | undefined {
  return facetsOf([
    ['JobTypeJobFacet', jobTypeFacet(job, producer)],
    ['DocumentationJobFacet', job.description ? facet('DocumentationJobFacet', producer, { description: job.description }) : undefined],
    ['OwnershipJobFacet', job.owner ? facet('OwnershipJobFacet', producer, { owners: [ownerOf(job.owner)] }) : undefined],
  ]);
}
