import { facet } from './facet';
import type {
  ErrorMessageRunContent,
  ErrorMessageRunFacet,
  NominalTimeRunContent,
  NominalTimeRunFacet,
  ParentRunContent,
  ParentRunFacet,
  ProcessingEngineRunFacet,
} from './openlineage-types';
import { engineName } from './producer';
import { redactText } from './redact';

/** The run this run belongs to: a pipeline run, with the root run when pipelines nest. */
export interface ParentRun {
  runId: string;
  job: { namespace: string; name: string };
  root?: { runId: string; job: { namespace: string; name: string } };
}

/** The schedule slot a scheduled run is for. */
export interface NominalTime {
  start: Date;
  end?: Date;
}

/** What went wrong, for FAIL (and, as the interruption, ABORT) events. */
export interface RunError {
  message: string;
  /** Default: the language of the Transform's runtime, else UNKNOWN. */
  programmingLanguage?: string;
  stackTrace?: string;
}

const runtimeLanguages: Record<string, string> = {
  'generic-node': 'JAVASCRIPT',
  'generic-python': 'PYTHON',
  'generic-go': 'GO',
  dbt: 'SQL',
  cloudquery: 'GO',
};

export function runtimeLanguage(runtime: string | undefined): string {
  return (runtime === undefined ? undefined : runtimeLanguages[runtime]) ?? 'UNKNOWN';
}

export function parentFacet(parent: ParentRun, producer: string): ParentRunFacet {
  const content: ParentRunContent = {
    run: { runId: parent.runId },
    job: { namespace: parent.job.namespace, name: parent.job.name },
  };
  if (parent.root) content.root = { run: { runId: parent.root.runId }, job: { ...parent.root.job } };
  return facet('ParentRunFacet', producer, content);
}

export function nominalTimeFacet(nominal: NominalTime, producer: string): NominalTimeRunFacet {
  const content: NominalTimeRunContent = { nominalStartTime: nominal.start.toISOString() };
  if (nominal.end) content.nominalEndTime = nominal.end.toISOString();
  return facet('NominalTimeRunFacet', producer, content);
}

export function processingEngineFacet(datakitVersion: string, producer: string): ProcessingEngineRunFacet {
  return facet('ProcessingEngineRunFacet', producer, {
    name: engineName,
    version: datakitVersion,
    openlineageAdapterVersion: datakitVersion,
  });
}

/** The error facet, with secrets, URL credentials and password=… masked in the message and stack trace. */
export function errorMessageFacet(
  error: RunError,
  options: { runtime?: string; secrets?: readonly string[]; producer: string },
): ErrorMessageRunFacet {
  const content: ErrorMessageRunContent = {
    message: redactText(error.message, options.secrets),
    programmingLanguage: error.programmingLanguage ?? runtimeLanguage(options.runtime),
  };
  if (error.stackTrace !== undefined) content.stackTrace = redactText(error.stackTrace, options.secrets);
  return facet('ErrorMessageRunFacet', options.producer, content);
}
