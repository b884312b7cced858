import type { Clock } from '../core/clock';
import { DataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import { lineageCodes } from './codes';
import type { LineageJob } from './datakit-job';
import type { NamingOptions } from './dataset-naming';
import { eventDatasets, type EventDatasets } from './datasets';
import { facetsOf } from './facet';
import { runEventSchemaURL } from './generated/openlineage-validators.js';
import { jobFacets } from './job-facets';
import type { OpenLineageJob, RunEvent, RunEventType } from './openlineage-types';
import { producerUri } from './producer';
import {
  errorMessageFacet,
  nominalTimeFacet,
  parentFacet,
  processingEngineFacet,
  type NominalTime,
  type ParentRun,
  type RunError,
} from './run-facets';
import { isUuid, newRunId, type RandomBytes } from './run-id';

/** What every event of a DataKit process shares: who writes it, and when it is. */
export interface EventContext {
  clock: Clock;
  /** DataKit's version: the processing_engine facet and, unless `producer` is set, the producer URI. */
  datakitVersion: string;
  producer?: string;
  naming?: NamingOptions;
  /** Resolved secret values of the run, masked wherever free text (error messages) is emitted. */
  secrets?: readonly string[];
  /** Warnings, such as a `from` that names no input. */
  logger?: Logger;
}

/** The run the events are about. */
export interface RunInfo {
  runId: string;
  parent?: ParentRun;
  nominalTime?: NominalTime;
}

export interface EventDetails {
  /** FAIL: the error; ABORT: why the run was interrupted. */
  error?: RunError;
}

export const schemaURL: string = runEventSchemaURL;

function checkRunId(runId: string): void {
  if (!isUuid(runId)) throw new DataKitError(lineageCodes.invalidEvent, `run id ${JSON.stringify(runId)} is not a UUID`);
}

function eventJob(job: LineageJob, producer: string): OpenLineageJob {
  const facets = jobFacets(job, producer);
  return { namespace: job.namespace, name: job.name, ...(facets ? { facets } : {}) };
}

function assemble(
  eventType: RunEventType,
  job: LineageJob,
  datasets: EventDatasets,
  run: RunInfo,
  context: EventContext,
  details: EventDetails,
): RunEvent {
  const producer = context.producer ?? producerUri(context.datakitVersion);
  const runFacets = facetsOf([
    ['ProcessingEngineRunFacet', processingEngineFacet(context.datakitVersion, producer)],
    ['ParentRunFacet', run.parent ? parentFacet(run.parent, producer) : undefined],
    ['NominalTimeRunFacet', run.nominalTime ? nominalTimeFacet(run.nominalTime, producer) : undefined],
    [
      'ErrorMessageRunFacet',
      details.error ? errorMessageFacet(details.error, { producer, runtime: job.runtime, secrets: context.secrets }) : undefined,
    ],
  ]);
  return {
    eventTime: context.clock.now().toISOString(),
    producer,
    schemaURL,
    eventType,
    run: { runId: run.runId, ...(runFacets ? { facets: runFacets } : {}) },
    job: eventJob(job, producer),
    inputs: structuredClone(datasets.inputs),
    outputs: structuredClone(datasets.outputs),
  };
}

/** One RunEvent for `job`. Throws DK650 when a DataSet cannot be named, DK651 when the run id is not a UUID. */
export function createRunEvent(
  eventType: RunEventType,
  job: LineageJob,
  run: RunInfo,
  context: EventContext,
  details: EventDetails = {},
): RunEvent {
  checkRunId(run.runId);
  const producer = context.producer ?? producerUri(context.datakitVersion);
  const datasets = eventDatasets(job, { producer, naming: context.naming, logger: context.logger });
  return assemble(eventType, job, datasets, run, context, details);
}

export interface RunEventsOptions extends EventContext {
  job: LineageJob;
  /** Default: a new time-ordered (v7) UUID. */
  runId?: string;
  parent?: ParentRun;
  nominalTime?: NominalTime;
  randomBytes?: RandomBytes;
}

/** The events of one run, sharing its run id and its datasets (named once, at creation). */
export interface RunEvents {
  readonly runId: string;
  start(): RunEvent;
  /** A heartbeat of a streaming run. */
  running(): RunEvent;
  complete(): RunEvent;
  fail(error: RunError): RunEvent;
  /** The run was interrupted (SIGINT, SIGTERM, a timeout). */
  abort(reason?: RunError): RunEvent;
}

/** The lifecycle events of one run. Throws DK650/DK651 at once, so that a runner learns before it starts. */
export function createRunEvents(options: RunEventsOptions): RunEvents {
  const { job } = options;
  const runId = options.runId ?? newRunId(options.clock, options.randomBytes);
  checkRunId(runId);
  const producer = options.producer ?? producerUri(options.datakitVersion);
  const datasets = eventDatasets(job, { producer, naming: options.naming, logger: options.logger });
  const run: RunInfo = { runId };
  if (options.parent) run.parent = options.parent;
  if (options.nominalTime) run.nominalTime = options.nominalTime;
  const event = (eventType: RunEventType, details: EventDetails = {}) => assemble(eventType, job, datasets, run, options, details);
  return {
    runId,
    start: () => event('START'),
    running: () => event('RUNNING'),
    complete: () => event('COMPLETE'),
    fail: (error) => event('FAIL', { error }),
    abort: (reason) => event('ABORT', reason ? { error: reason } : {}),
  };
}
