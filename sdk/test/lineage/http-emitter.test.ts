import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, isDataKitError, type DataKitError } from '../../src/core';
import { createHttpEmitter, createLineageEmitter, createRunEvents, type LineageEmitter, type RunEvent } from '../../src/lineage';
import {
  enrichJob,
  expectValidRunEvent,
  recordingLogger,
  startFakeMarquez,
  type FakeMarquez,
  type RecordingLogger,
} from '../helpers/lineage';

const clock = fixedClock(new Date('2025-05-06T07:08:09Z'));
const noWait = async () => {};
const fastRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
const runEvents = () => createRunEvents({ job: enrichJob(), clock, datakitVersion: '0.1.0' });

async function failure(promise: Promise<unknown>): Promise<DataKitError> {
  try {
    await promise;
  } catch (error) {
    if (isDataKitError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

let marquez: FakeMarquez;
let logger: RecordingLogger;

beforeEach(async () => {
  marquez = await startFakeMarquez({ token: 'lineage-token' });
  logger = recordingLogger();
});
afterEach(() => marquez.close());

const http = (overrides: Partial<Parameters<typeof createHttpEmitter>[0]> = {}): LineageEmitter =>
  createHttpEmitter({
    url: marquez.url,
    token: 'lineage-token',
    fetch,
    logger,
    sleep: noWait,
    retry: fastRetry,
    timeoutMs: 2_000,
    ...overrides,
  });

describe('HTTP emitter against a fake Marquez', () => {
  it('POSTs each event as JSON to /api/v1/lineage with the bearer token; 201 is delivered', async () => {
    const events = runEvents();
    const emitter = http();
    await emitter.emit(events.start());
    await emitter.emit(events.complete());
    expect(marquez.events.map((e) => (e as RunEvent).eventType)).toEqual(['START', 'COMPLETE']);
    for (const event of marquez.events) expectValidRunEvent(event);
    expect(marquez.requests.map((r) => [r.method, r.path, r.status, r.contentType, r.authorization])).toEqual([
      ['POST', '/api/v1/lineage', 201, 'application/json', 'Bearer lineage-token'],
      ['POST', '/api/v1/lineage', 201, 'application/json', 'Bearer lineage-token'],
    ]);
    expect(emitter.target).toBe(`${marquez.url}/api/v1/lineage`);
  });

  it('reports 422 with the body Marquez sent, without retrying (DK653)', async () => {
    const invalid = { ...runEvents().start(), producer: 'not a uri' };
    const error = await failure(http().emit(invalid));
    expect(error.code).toBe('DK653');
    expect(error.message).toMatch(
      /^lineage backend http:\/\/127\.0\.0\.1:\d+\/api\/v1\/lineage rejected the START event of run [0-9a-f-]{36} \(analytics\/enrich\): HTTP 422: /,
    );
    expect(error.message).toContain('{"errors":["/producer must match format \\"uri\\""]}');
    expect(marquez.requests).toHaveLength(1);
    expect(marquez.events).toEqual([]);
  });

  it('reports a refused token as 401 (DK653), never showing the token', async () => {
    const error = await failure(http({ token: 'wrong-token' }).emit(runEvents().start()));
    expect(error.code).toBe('DK653');
    expect(error.message).toContain('HTTP 401');
    expect(error.hint).toBe('Check the lineage API token.');
    expect(JSON.stringify({ message: error.message, hint: error.hint })).not.toContain('wrong-token');
  });

  it('retries 500 and delivers when the backend recovers', async () => {
    marquez.setMode({ kind: 'fail', status: 500, times: 2 });
    await http().emit(runEvents().start());
    expect(marquez.requests.map((r) => r.status)).toEqual([500, 500, 201]);
    expect(marquez.events).toHaveLength(1);
  });

  it('reports 500 after the retries (DK654), with the body', async () => {
    marquez.setMode({ kind: 'fail', status: 500, body: 'database is down' });
    const error = await failure(http().emit(runEvents().start()));
    expect(error.code).toBe('DK654');
    expect(error.message).toMatch(/answered HTTP 500: database is down after 3 attempts; could not deliver the START event/);
    expect(marquez.requests).toHaveLength(3);
    expect(logger.entries.filter((e) => e.message === 'lineage request failed; retrying')).toHaveLength(2);
  });

  it('gives up on a backend that never answers (timeout per attempt)', async () => {
    marquez.setMode({ kind: 'hang' });
    const error = await failure(http({ timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).emit(runEvents().start()));
    expect(error.code).toBe('DK654');
    expect(error.message).toMatch(/unreachable \(timed out\) after 2 attempts/);
    expect(marquez.requests.map((r) => r.status)).toEqual(['hung', 'hung']);
  });

  it('reports a backend that is down (connection refused) after the retries', async () => {
    await marquez.stop();
    const error = await failure(http().emit(runEvents().start()));
    expect(error.code).toBe('DK654');
    expect(error.message).toMatch(/unreachable \(ECONNREFUSED\) after 3 attempts/);
  });

  it("sends to DataHub's OpenLineage endpoint for datahub+http://", async () => {
    const emitter = createLineageEmitter(
      { targets: [`datahub+${marquez.url}`], token: 'lineage-token', retry: fastRetry },
      { cwd: '/', logger, clock, sleep: noWait },
    );
    await emitter.emit(runEvents().start());
    expect(marquez.requests.map((r) => [r.path, r.status])).toEqual([['/openapi/openlineage/api/v1/lineage', 200]]);
  });
});

describe('an unreachable backend and the run', () => {
  const settings = () => ({ targets: [marquez.url], token: 'lineage-token', retry: fastRetry, retryIntervalMs: 0 });

  it('does not fail the run by default: the events are buffered, a warning is logged, and they go out once it is back', async () => {
    const events = runEvents();
    const emitter = createLineageEmitter(settings(), { cwd: '/', logger, clock, sleep: noWait });
    await marquez.stop();
    await expect(emitter.emit(events.start())).resolves.toBeUndefined();
    await expect(emitter.emit(events.running())).resolves.toBeUndefined();
    const warnings = logger.warnings();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.fields).toMatchObject({ code: 'DK654' });
    expect(warnings[1]!.message).toMatch(
      /unreachable \(ECONNREFUSED\) after 3 attempts; could not deliver the START event .*; 2 event\(s\) kept for a later attempt/,
    );

    await marquez.start();
    await emitter.emit(events.complete());
    await emitter.close();
    expect(marquez.events.map((e) => (e as RunEvent).eventType)).toEqual(['START', 'RUNNING', 'COMPLETE']);
  });

  it('fails the run with failOnError', async () => {
    const emitter = createLineageEmitter({ ...settings(), failOnError: true }, { cwd: '/', logger, clock, sleep: noWait });
    await marquez.stop();
    const error = await failure(emitter.emit(runEvents().start()));
    expect(error.code).toBe('DK654');
  });

  it('warns at close about events never delivered (never silently)', async () => {
    const emitter = createLineageEmitter(settings(), { cwd: '/', logger, clock, sleep: noWait });
    await marquez.stop();
    const events = runEvents();
    await emitter.emit(events.start());
    await emitter.emit(events.complete());
    await emitter.close();
    const last = logger.warnings().at(-1)!;
    expect(last.fields).toMatchObject({ code: 'DK655' });
    expect(last.message).toMatch(/^2 lineage event\(s\) not delivered to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/lineage: /);
  });
});
