import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock, isDataKitError } from '../../src/core';
import {
  createCompositeEmitter,
  createConsoleEmitter,
  createFileEmitter,
  createLineageEmitter,
  createRunEvents,
  LineageDeliveryError,
  validateRunEvent,
  type LineageEmitter,
  type RunEvent,
} from '../../src/lineage';
import { writeTree } from '../helpers/temp-tree';
import { enrichJob, expectValidRunEvent, recordingLogger } from '../helpers/lineage';

const clock = fixedClock(new Date('2025-02-03T04:05:06Z'));
const runEvents = () => createRunEvents({ job: enrichJob(), clock, datakitVersion: '0.1.0' });

async function lines(file: string): Promise<RunEvent[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as RunEvent);
}

describe('file emitter', () => {
  it('writes one JSON event per line, each valid, creating the directory', async () => {
    const file = path.join(await writeTree({}), 'lineage', 'events.jsonl');
    const emitter = createFileEmitter({ path: file });
    const run = runEvents();
    await Promise.all([emitter.emit(run.start()), emitter.emit(run.running()), emitter.emit(run.complete())]);
    await emitter.flush();
    await emitter.close();
    const events = await lines(file);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'RUNNING', 'COMPLETE']);
    for (const event of events) {
      expectValidRunEvent(event);
      expect(validateRunEvent(event)).toEqual([]);
    }
    expect(emitter.target).toBe(`file:${file}`);
  });

  it('appends to an existing file', async () => {
    const dir = await writeTree({ 'events.jsonl': '{"earlier":true}\n' });
    const file = path.join(dir, 'events.jsonl');
    const emitter = createFileEmitter({ path: file });
    await emitter.emit(runEvents().start());
    await emitter.close();
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe('{"earlier":true}');
    expect(text.split('\n')).toHaveLength(3);
  });

  it('reports a file it cannot write (DK656)', async () => {
    const dir = await writeTree({});
    await mkdir(path.join(dir, 'taken'));
    const emitter = createFileEmitter({ path: path.join(dir, 'taken') });
    await expect(emitter.emit(runEvents().start())).rejects.toMatchObject({
      code: 'DK656',
      message: expect.stringMatching(/^cannot write lineage file .*taken: EISDIR$/),
    });
    const blocked = path.join(dir, 'blocker');
    await writeFile(blocked, 'a file, not a directory');
    await expect(createFileEmitter({ path: path.join(blocked, 'x.jsonl') }).emit(runEvents().start())).rejects.toMatchObject({
      code: 'DK656',
    });
  });

  it('refuses to write after close', async () => {
    const emitter = createFileEmitter({ path: path.join(await writeTree({}), 'e.jsonl') });
    await emitter.close();
    await expect(emitter.emit(runEvents().start())).rejects.toMatchObject({ code: 'DK656' });
  });
});

describe('console emitter', () => {
  it('writes one line per event to the injected writer', async () => {
    const written: string[] = [];
    const emitter = createConsoleEmitter({ write: (line) => written.push(line) });
    const run = runEvents();
    await emitter.emit(run.start());
    await emitter.emit(run.complete());
    expect(written).toHaveLength(2);
    for (const line of written) expect(line).not.toContain('\n');
    expect(written.map((line) => (JSON.parse(line) as RunEvent).eventType)).toEqual(['START', 'COMPLETE']);
  });
});

describe('composite emitter', () => {
  const broken: LineageEmitter = {
    target: 'http://broken/api/v1/lineage',
    emit: () =>
      Promise.reject(
        new LineageDeliveryError('DK654', 'lineage backend http://broken/api/v1/lineage unreachable (ECONNREFUSED)', { retryable: true }),
      ),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };

  it('fans out to every emitter; one failing does not stop the others, and is reported', async () => {
    const file = path.join(await writeTree({}), 'e.jsonl');
    const written: string[] = [];
    const composite = createCompositeEmitter([
      createConsoleEmitter({ write: (l) => written.push(l) }),
      broken,
      createFileEmitter({ path: file }),
    ]);
    try {
      await composite.emit(runEvents().start());
      expect.unreachable();
    } catch (error) {
      expect(isDataKitError(error) && error.code).toBe('DK654');
      expect((error as Error).message).toBe(
        '1 of 3 lineage targets failed: lineage backend http://broken/api/v1/lineage unreachable (ECONNREFUSED)',
      );
      expect((error as LineageDeliveryError).retryable).toBe(true);
    }
    await composite.close();
    expect(written).toHaveLength(1);
    expect(await lines(file)).toHaveLength(1);
    expect(composite.target).toBe(`console, http://broken/api/v1/lineage, file:${file}`);
  });

  it('from the factory: --lineage console --lineage file:… both receive every event', async () => {
    const dir = await writeTree({});
    const written: string[] = [];
    const emitter = createLineageEmitter(
      { targets: ['console', 'file:out/lineage.jsonl'] },
      { cwd: dir, logger: recordingLogger(), clock, write: (l) => written.push(l) },
    );
    const run = runEvents();
    await emitter.emit(run.start());
    await emitter.emit(run.complete());
    await emitter.close();
    expect(written).toHaveLength(2);
    expect((await lines(path.join(dir, 'out/lineage.jsonl'))).map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
  });
});
