import { describe, expect, it } from 'vitest';
import { isDataKitError, type Clock } from '../../src/core';
import {
  createBufferedEmitter,
  createRunEvents,
  LineageDeliveryError,
  withFailurePolicy,
  type LineageEmitter,
  type RunEvent,
} from '../../src/lineage';
import { enrichJob, recordingLogger } from '../helpers/lineage';

/** A backend that is up or down at will, and refuses events whose eventType is in `refuse`. */
function fakeBackend() {
  const delivered: RunEvent[] = [];
  const state = { up: false, refuse: new Set<string>(), attempts: 0, closed: false };
  const emitter: LineageEmitter = {
    target: 'fake://backend',
    emit(event) {
      state.attempts++;
      if (!state.up) return Promise.reject(new LineageDeliveryError('DK654', 'fake backend unreachable', { retryable: true }));
      if (state.refuse.has(event.eventType))
        return Promise.reject(new LineageDeliveryError('DK653', `refused ${event.eventType}`, { retryable: false, status: 422 }));
      delivered.push(event);
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    close() {
      state.closed = true;
      return Promise.resolve();
    },
  };
  return { emitter, delivered, state };
}

function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

const events = () => createRunEvents({ job: enrichJob(), clock: manualClock(1_700_000_000_000), datakitVersion: '0.1.0' });

describe('buffered emitter', () => {
  it('drops the oldest events when full, with a warning counting them', async () => {
    const backend = fakeBackend();
    const logger = recordingLogger();
    const buffered = createBufferedEmitter(backend.emitter, { maxBuffered: 2, retryIntervalMs: 0, logger, clock: manualClock() });
    const run = events();
    const sent = [run.start(), run.running(), run.running(), run.running(), run.complete()];
    for (const event of sent) await buffered.emit(event).catch(() => undefined);
    expect(buffered.pending).toBe(2);
    expect(buffered.dropped).toBe(3);
    expect(logger.warnings().map((w) => [w.message, w.fields])).toEqual(
      [1, 2, 3].map((total) => [
        `lineage buffer full (2 events): dropped the 1 oldest event(s), ${total} dropped so far`,
        { code: 'DK655', target: 'fake://backend', dropped: 1, droppedTotal: total, maxBuffered: 2 },
      ]),
    );
    backend.state.up = true;
    await buffered.flush();
    expect(backend.delivered).toEqual(sent.slice(3));
    expect(buffered.pending).toBe(0);
  });

  it('keeps the order of events across an outage', async () => {
    const backend = fakeBackend();
    const buffered = createBufferedEmitter(backend.emitter, { retryIntervalMs: 0, logger: recordingLogger(), clock: manualClock() });
    const run = events();
    const sent = [run.start(), run.running(), run.complete()];
    await expect(buffered.emit(sent[0]!)).rejects.toMatchObject({ code: 'DK654', retryable: true });
    await expect(buffered.emit(sent[1]!)).rejects.toMatchObject({
      message: 'fake backend unreachable; 2 event(s) kept for a later attempt',
    });
    backend.state.up = true;
    await buffered.emit(sent[2]!);
    expect(backend.delivered.map((e) => e.eventType)).toEqual(['START', 'RUNNING', 'COMPLETE']);
  });

  it('does not try again before the retry interval, except on flush', async () => {
    const backend = fakeBackend();
    const clock = manualClock();
    const buffered = createBufferedEmitter(backend.emitter, { retryIntervalMs: 10_000, logger: recordingLogger(), clock });
    const run = events();
    await buffered.emit(run.start()).catch(() => undefined);
    await buffered.emit(run.running());
    await buffered.emit(run.running());
    expect(backend.state.attempts).toBe(1);
    clock.advance(10_000);
    await buffered.emit(run.running()).catch(() => undefined);
    expect(backend.state.attempts).toBe(2);
    backend.state.up = true;
    await buffered.flush();
    expect(backend.delivered).toHaveLength(4);
  });

  it('does not retry an event the backend refused, reports it once, and delivers the rest', async () => {
    const backend = fakeBackend();
    const buffered = createBufferedEmitter(backend.emitter, { retryIntervalMs: 0, logger: recordingLogger(), clock: manualClock() });
    const run = events();
    await buffered.emit(run.start()).catch(() => undefined);
    backend.state.up = true;
    backend.state.refuse.add('START');
    await expect(buffered.emit(run.complete())).rejects.toMatchObject({ code: 'DK653', message: 'refused START' });
    expect(backend.delivered.map((e) => e.eventType)).toEqual(['COMPLETE']);
    expect(buffered.pending).toBe(0);
  });

  it('reports undelivered events at close (DK655) and closes the emitter behind it', async () => {
    const backend = fakeBackend();
    const buffered = createBufferedEmitter(backend.emitter, { retryIntervalMs: 0, logger: recordingLogger(), clock: manualClock() });
    await buffered.emit(events().start()).catch(() => undefined);
    try {
      await buffered.close();
      expect.unreachable();
    } catch (error) {
      expect(isDataKitError(error) && error.code).toBe('DK655');
      expect((error as Error).message).toBe(
        '1 lineage event(s) not delivered to fake://backend: fake backend unreachable; 1 event(s) kept for a later attempt',
      );
    }
    expect(backend.state.closed).toBe(true);
  });
});

describe('failure policy', () => {
  const failing: LineageEmitter = {
    target: 'fake://down',
    emit: () => Promise.reject(new LineageDeliveryError('DK654', 'down', { retryable: true, hint: 'start it' })),
    flush: () => Promise.resolve(),
    close: () => Promise.reject(new LineageDeliveryError('DK655', '3 lineage event(s) not delivered', { retryable: false })),
  };

  it('logs failures as warnings by default', async () => {
    const logger = recordingLogger();
    const emitter = withFailurePolicy(failing, { logger });
    await emitter.emit(events().start());
    await emitter.close();
    expect(logger.warnings().map((w) => [w.fields, w.message])).toEqual([
      [{ code: 'DK654', target: 'fake://down', hint: 'start it' }, 'down (lineage failures do not fail the run unless failOnError is set)'],
      [
        { code: 'DK655', target: 'fake://down', hint: undefined },
        '3 lineage event(s) not delivered (lineage failures do not fail the run unless failOnError is set)',
      ],
    ]);
  });

  it('throws them with failOnError', async () => {
    const emitter = withFailurePolicy(failing, { logger: recordingLogger(), failOnError: true });
    await expect(emitter.emit(events().start())).rejects.toMatchObject({ code: 'DK654' });
    await expect(emitter.close()).rejects.toMatchObject({ code: 'DK655' });
  });
});
