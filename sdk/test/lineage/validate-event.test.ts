import { describe, expect, it } from 'vitest';
import { fixedClock, isDataKitError } from '../../src/core';
import { assertValidRunEvent, createRunEvents, validateRunEvent, type RunEvent } from '../../src/lineage';
import { enrichJob, officialSchemaProblems } from '../helpers/lineage';

const valid = (): RunEvent =>
  createRunEvents({ job: enrichJob(), clock: fixedClock(new Date('2025-01-01T00:00:00Z')), datakitVersion: '0.1.0' }).start();

/** An event as JSON to break in arbitrary places. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutations reach anywhere into the JSON
type Json = Record<string, any>;
type Mutation = [string, (event: Json) => void, { path: string; message: RegExp }];

const mutations: Mutation[] = [
  ['missing producer', (e) => delete e.producer, { path: 'producer', message: /is required/ }],
  ['a producer that is not a URI', (e) => (e.producer = 'datakit 0.1.0'), { path: 'producer', message: /format "uri"/ }],
  ['missing schemaURL', (e) => delete e.schemaURL, { path: 'schemaURL', message: /is required/ }],
  ['an eventTime that is not a date-time', (e) => (e.eventTime = '2025-01-01 00:00'), { path: 'eventTime', message: /date-time/ }],
  [
    'an unknown eventType',
    (e) => (e.eventType = 'DONE'),
    { path: 'eventType', message: /allowed values: START, RUNNING, COMPLETE, ABORT, FAIL, OTHER/ },
  ],
  ['a runId that is not a UUID', (e) => (e.run.runId = 'run-1'), { path: 'run.runId', message: /format "uuid"/ }],
  ['a job without namespace', (e) => delete e.job.namespace, { path: 'job.namespace', message: /is required/ }],
  ['a dataset without name', (e) => delete e.inputs[1].name, { path: 'inputs[1].name', message: /is required/ }],
  [
    'a facet without _producer',
    (e) => delete e.run.facets.processing_engine._producer,
    { path: 'run.facets.processing_engine._producer', message: /is required/ },
  ],
  [
    'a facet without _schemaURL',
    (e) => delete e.job.facets.jobType._schemaURL,
    { path: 'job.facets.jobType._schemaURL', message: /is required/ },
  ],
  [
    'jobType without integration',
    (e) => delete e.job.facets.jobType.integration,
    { path: 'job.facets.jobType.integration', message: /is required/ },
  ],
  [
    'a schema field without name',
    (e) => delete e.outputs[0].facets.schema.fields[2].name,
    { path: 'outputs[0].facets.schema.fields[2].name', message: /is required/ },
  ],
  [
    'a tag without value',
    (e) => delete e.outputs[0].facets.tags.tags[1].value,
    { path: 'outputs[0].facets.tags.tags[1].value', message: /is required/ },
  ],
  [
    'column lineage without field',
    (e) => delete e.outputs[0].facets.columnLineage.fields.user_email.inputFields[0].field,
    { path: 'outputs[0].facets.columnLineage.fields.user_email.inputFields[0].field', message: /is required/ },
  ],
  [
    'a dataSource uri that is not a URI',
    (e) => (e.inputs[0].facets.dataSource.uri = 'not a uri'),
    { path: 'inputs[0].facets.dataSource.uri', message: /format "uri"/ },
  ],
  [
    'the dataset documentation schema on the job',
    (e) => (e.job.facets.documentation._schemaURL = e.inputs[1].facets.documentation._schemaURL),
    {
      path: 'job.facets.documentation._schemaURL',
      message: /must be https:\/\/openlineage\.io\/spec\/facets\/1-1-0\/DocumentationJobFacet\.json/,
    },
  ],
  [
    'processing_engine without version',
    (e) => delete e.run.facets.processing_engine.version,
    { path: 'run.facets.processing_engine.version', message: /is required/ },
  ],
];

describe('validateRunEvent', () => {
  it('finds no problem in a DataKit event', () => {
    expect(validateRunEvent(valid())).toEqual([]);
    expect(() => assertValidRunEvent(valid())).not.toThrow();
  });

  it.each(mutations)('catches %s, with its path', (_what, mutate, expected) => {
    const event = structuredClone(valid()) as unknown as Json;
    mutate(event);
    const problems = validateRunEvent(event);
    expect(problems).toContainEqual({ path: expected.path, message: expect.stringMatching(expected.message) });
    // The independent oracle (a fresh ajv over ../shared) agrees that the event is invalid.
    expect(officialSchemaProblems(event)).not.toEqual([]);
  });

  it('rejects what is not an event at all', () => {
    expect(validateRunEvent(null)).toEqual([{ path: '', message: 'must be object' }]);
    expect(validateRunEvent({}).map((p) => p.path)).toEqual(['eventTime', 'producer', 'schemaURL', 'run', 'job']);
  });

  it('checks a custom facet as a BaseFacet only, and a known facet under another key by its _schemaURL', () => {
    const event = structuredClone(valid()) as unknown as Json;
    event.run.facets.datakit_run = { _producer: 'https://x.example/p', _schemaURL: 'https://x.example/s.json#/$defs/F', anything: 1 };
    expect(validateRunEvent(event)).toEqual([]);
    event.run.facets.other_parent = {
      ...event.run.facets.processing_engine,
      _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
    };
    expect(validateRunEvent(event).map((p) => p.path)).toEqual(['run.facets.other_parent.run', 'run.facets.other_parent.job']);
  });

  it('throws DK651 with every problem from assertValidRunEvent', () => {
    const event = { ...valid(), producer: undefined };
    try {
      assertValidRunEvent(event);
      expect.unreachable();
    } catch (error) {
      expect(isDataKitError(error) && error.code).toBe('DK651');
      expect((error as Error).message).toBe('invalid OpenLineage RunEvent: producer is required');
    }
  });
});
