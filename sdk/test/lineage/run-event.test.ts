import { describe, expect, it } from 'vitest';
import { fixedClock, isDataKitError, type Clock } from '../../src/core';
import {
  createRunEvent,
  createRunEvents,
  isUuid,
  newRunId,
  producerUri,
  validateRunEvent,
  type LineageJob,
  type RunEvent,
  type RunEventType,
} from '../../src/lineage';
import {
  enrichJob,
  expectValidRunEvent,
  recordingLogger,
  referenceDataSet,
  stores,
  streamingJob,
  users,
  warehousePassword,
} from '../helpers/lineage';

const clock = fixedClock(new Date('2025-03-04T05:06:07.089Z'));
const context = { clock, datakitVersion: '0.1.0' };
const parent = { runId: '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', job: { namespace: 'analytics', name: 'reactive-pipeline' } };

function facetsOf(event: RunEvent, dataset: string) {
  const found = [...event.inputs, ...event.outputs].find((d) => d.name === dataset);
  if (!found) throw new Error(`no dataset ${dataset}`);
  return found.facets ?? {};
}

describe('RunEvents of a batch job built from the reference DataSets', () => {
  const events = createRunEvents({
    ...context,
    job: enrichJob(),
    parent,
    nominalTime: { start: new Date('2025-03-04T00:00:00Z'), end: new Date('2025-03-04T06:00:00Z') },
  });
  const all: Array<[RunEventType, RunEvent]> = [
    ['START', events.start()],
    ['RUNNING', events.running()],
    ['COMPLETE', events.complete()],
    ['FAIL', events.fail({ message: 'exit code 3', stackTrace: 'Traceback (most recent call last):\n  File "main.py", line 3' })],
    ['ABORT', events.abort({ message: 'interrupted (SIGINT)' })],
  ];

  it.each(all)('%s validates against the official RunEvent schema and each facet against its own', (type, event) => {
    expect(event.eventType).toBe(type);
    expectValidRunEvent(event);
    expect(validateRunEvent(event)).toEqual([]);
  });

  it('shares one v7 run id, the producer, the schemaURL and the injected time', () => {
    for (const [, event] of all) {
      expect(event.run.runId).toBe(events.runId);
      expect(event.producer).toBe('https://github.com/datakit/datakit/tree/0.1.0');
      expect(event.schemaURL).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
      expect(event.eventTime).toBe('2025-03-04T05:06:07.089Z');
    }
    expect(events.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('names every facet with _producer and the _schemaURL of its own schema', () => {
    const [, event] = all[3]!;
    const facets = [
      ...Object.entries(event.run.facets ?? {}),
      ...Object.entries(event.job.facets ?? {}),
      ...[...event.inputs, ...event.outputs].flatMap((d) => Object.entries(d.facets ?? {})),
    ];
    expect(facets.length).toBeGreaterThan(15);
    for (const [key, facet] of facets) {
      expect(facet._producer, key).toBe(producerUri('0.1.0'));
      expect(facet._schemaURL, key).toMatch(/^https:\/\/openlineage\.io\/spec\/facets\/\d+-\d+-\d+\/\w+Facet\.json#\/\$defs\/\w+Facet$/);
    }
    expect(Object.keys(event.run.facets ?? {}).sort()).toEqual(['errorMessage', 'nominalTime', 'parent', 'processing_engine']);
    expect(Object.keys(event.job.facets ?? {}).sort()).toEqual(['documentation', 'jobType', 'ownership']);
  });

  it('writes run facets: processing_engine, parent, nominalTime, errorMessage', () => {
    const [, failed] = all[3]!;
    expect(failed.run.facets?.processing_engine).toMatchObject({ name: 'datakit', version: '0.1.0' });
    expect(failed.run.facets?.parent).toMatchObject({ run: { runId: parent.runId }, job: parent.job });
    expect(failed.run.facets?.nominalTime).toMatchObject({
      nominalStartTime: '2025-03-04T00:00:00.000Z',
      nominalEndTime: '2025-03-04T06:00:00.000Z',
    });
    expect(failed.run.facets?.errorMessage).toMatchObject({ message: 'exit code 3', programmingLanguage: 'PYTHON' });
    expect(failed.run.facets?.errorMessage?.stackTrace).toContain('main.py');
    expect(all[0]![1].run.facets?.errorMessage).toBeUndefined();
    expect(all[4]![1].run.facets?.errorMessage).toMatchObject({ message: 'interrupted (SIGINT)' });
  });

  it('writes job facets: jobType BATCH/DATAKIT/TASK, documentation, ownership', () => {
    const [, event] = all[0]!;
    expect(event.job).toMatchObject({ namespace: 'analytics', name: 'enrich' });
    expect(event.job.facets?.jobType).toMatchObject({ processingType: 'BATCH', integration: 'DATAKIT', jobType: 'TASK' });
    expect(event.job.facets?.documentation).toMatchObject({ description: 'Joins raw events with user records.' });
    expect(event.job.facets?.ownership).toMatchObject({ owners: [{ name: 'team:data-platform' }] });
  });

  it('names datasets physically and describes them: schema, dataSource, tags with per-field pii, ownership, documentation', () => {
    const [, event] = all[0]!;
    expect(event.inputs.map((d) => `${d.namespace} ${d.name}`)).toEqual([
      's3://dk-data-lake data/raw-events',
      'postgres://warehouse.example.com:5433 datakit.crm.users',
    ]);
    expect(event.outputs.map((d) => `${d.namespace} ${d.name}`)).toEqual(['s3://dk-data-lake data/enriched-events']);
    const output = facetsOf(event, 'data/enriched-events');
    expect(output.schema?.fields).toContainEqual({ name: 'user_email', type: 'string' });
    expect(output.dataSource).toMatchObject({ name: 'data-lake', uri: 's3://dk-data-lake' });
    expect(output.tags?.tags).toEqual([
      { key: 'classification', value: 'confidential', source: 'DATAKIT' },
      { key: 'pii', value: 'true', source: 'DATAKIT', field: 'user_email' },
    ]);
    expect(output.ownership).toMatchObject({ owners: [{ name: 'user:analytics@example.com' }] });
    expect(output.documentation).toMatchObject({ description: 'Events with user details.' });
    const usersFacets = facetsOf(event, 'datakit.crm.users');
    expect(usersFacets.dataSource).toMatchObject({ name: 'warehouse', uri: 'postgres://warehouse.example.com:5433/datakit' });
    expect(usersFacets.schema?.fields).toContainEqual({ name: 'name', type: 'string', description: 'Full name' });
  });

  it('turns `from: users.email` into column lineage with the input dataset’s physical name', () => {
    const [, event] = all[0]!;
    expect(facetsOf(event, 'data/enriched-events').columnLineage?.fields).toEqual({
      user_name: { inputFields: [{ namespace: 'postgres://warehouse.example.com:5433', name: 'datakit.crm.users', field: 'name' }] },
      user_email: { inputFields: [{ namespace: 'postgres://warehouse.example.com:5433', name: 'datakit.crm.users', field: 'email' }] },
    });
    for (const input of event.inputs) expect(input.facets?.columnLineage).toBeUndefined();
  });
});

describe('column lineage from a DataSet that is not an input', () => {
  it('is left out with a warning (the reference enriched-events come `from` users, which enrich does not read)', () => {
    const logger = recordingLogger();
    const job: LineageJob = { ...enrichJob(), inputs: [referenceDataSet('raw-events-parquet', stores.dataLake)] };
    const event = createRunEvent('START', job, { runId: newRunId(clock) }, { ...context, logger });
    expectValidRunEvent(event);
    expect(event.outputs[0]!.facets?.columnLineage).toBeUndefined();
    expect(logger.warnings().map((w) => w.fields)).toEqual([
      { dataset: 'enriched-events', field: 'user_name', from: 'users.name' },
      { dataset: 'enriched-events', field: 'user_email', from: 'users.email' },
    ]);
  });
});

describe('a streaming job', () => {
  it('is STREAMING in jobType; its RUNNING heartbeats validate; kafka and postgres datasets are named physically', () => {
    const events = createRunEvents({ ...context, job: streamingJob() });
    const heartbeat = events.running();
    expectValidRunEvent(heartbeat);
    expect(heartbeat.job.facets?.jobType).toMatchObject({ processingType: 'STREAMING' });
    expect(heartbeat.inputs[0]).toMatchObject({ namespace: 'kafka://kafka-1.internal:9092', name: 'raw.events.v1' });
    expect(heartbeat.outputs[0]).toMatchObject({
      namespace: 'postgres://warehouse.example.com:5433',
      name: 'datakit.analytics.event_summary',
    });
  });
});

describe('secrets never appear in events', () => {
  const secretJob = (): LineageJob => ({
    ...enrichJob(),
    inputs: [
      users,
      {
        name: 'legacy',
        table: 'legacy_orders',
        store: {
          name: 'legacy-db',
          type: 'postgres',
          connection: {
            host: 'legacy.db',
            database: 'shop',
            user: '${LEGACY_USER}',
            password: 'hunter2-plain',
            sslkey: '${LEGACY_SSL_KEY}',
          },
        },
      },
      referenceDataSet('raw-events-parquet', stores.dataLake),
      referenceDataSet('raw-events', stores.eventsKafka),
    ],
  });

  it('has no password, user, query secret or ${VAR} from any store connection, in any event kind', () => {
    const runSecret = 'run-time-secret-value';
    const events = createRunEvents({ ...context, job: secretJob(), secrets: [runSecret, warehousePassword] });
    const failure = `psycopg2.OperationalError: connection to postgresql://dkuser:${warehousePassword}@warehouse:5433/datakit failed; password=hunter2-plain token: ${runSecret}`;
    const json = JSON.stringify([
      events.start(),
      events.running(),
      events.complete(),
      events.fail({ message: failure, stackTrace: failure }),
      events.abort(),
    ]);
    for (const secret of [
      warehousePassword,
      'dkuser',
      'qs-secret-1',
      'hunter2-plain',
      runSecret,
      '${',
      'LEGACY_USER',
      'AWS_ACCESS_KEY_ID',
      'KAFKA_PASSWORD',
      'sslmode',
    ]) {
      expect(json, secret).not.toContain(secret);
    }
    expect(json).toContain('postgresql://****@warehouse:5433/datakit');
  });

  it('has no environment-variables facet', () => {
    const event = createRunEvents({ ...context, job: secretJob() }).start();
    expect(JSON.stringify(event)).not.toContain('environmentVariables');
  });
});

describe('run ids', () => {
  it('are version 7 UUIDs ordered by time', () => {
    const at = (ms: number): Clock => fixedClock(new Date(ms));
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((ms) => newRunId(at(ms)));
    for (const id of ids) expect(isUuid(id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(0, 13).replace('-', '')).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
  });

  it('can be given (DK_RUN_ID), and must then be a UUID (DK651)', () => {
    const runId = '3f1c2b8e-4d5a-4c6b-9e7f-0a1b2c3d4e5f';
    expect(createRunEvents({ ...context, job: enrichJob(), runId }).start().run.runId).toBe(runId);
    try {
      createRunEvents({ ...context, job: enrichJob(), runId: 'run-42' });
      expect.unreachable();
    } catch (error) {
      expect(isDataKitError(error) && error.code).toBe('DK651');
    }
  });
});

describe('producer', () => {
  it('can be overridden (a fork, a build from a commit)', () => {
    const event = createRunEvents({ ...context, producer: 'https://github.com/acme/datakit/tree/abc123', job: enrichJob() }).start();
    expect(event.producer).toBe('https://github.com/acme/datakit/tree/abc123');
    expect(event.job.facets?.jobType?._producer).toBe('https://github.com/acme/datakit/tree/abc123');
    expectValidRunEvent(event);
  });
});
