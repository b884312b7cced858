import { readFile } from 'node:fs/promises';
import { FileSystemError, UsageError, systemErrorCode } from '../core/errors';
import type { RunEvent } from '../lineage/openlineage-types';
import { catalogCodes } from './codes';
import type { CatalogRun, CatalogRunState } from './types';

/** One run as its events tell it. */
export interface RunSummary extends CatalogRun {
  /** Datasets the run wrote, as `namespace\u0000name` keys. */
  outputs: Set<string>;
}

/** The key of a physical dataset in maps. */
export function datasetKey(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}

const terminalStates: Partial<Record<string, CatalogRunState>> = { COMPLETE: 'COMPLETED', FAIL: 'FAILED', ABORT: 'ABORTED' };

function timeOf(value: string): number {
  const t = Date.parse(value);
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * Runs by run id. A terminal event (COMPLETE, FAIL, ABORT) decides the state whatever the order the
 * events arrive in, as Marquez does; otherwise START and RUNNING make it RUNNING. The time is that of
 * the run's latest event.
 */
export function summarizeRuns(events: readonly RunEvent[]): Map<string, RunSummary> {
  const runs = new Map<string, RunSummary & { terminalAt: number; latestAt: number }>();
  for (const event of events) {
    const runId = event.run?.runId;
    const job = event.job;
    if (typeof runId !== 'string' || !job || typeof job.name !== 'string') continue;
    const at = timeOf(event.eventTime);
    let run = runs.get(runId);
    if (!run) {
      run = {
        runId,
        state: 'NEW',
        time: event.eventTime,
        job: { namespace: job.namespace, name: job.name },
        outputs: new Set(),
        terminalAt: -Infinity,
        latestAt: -Infinity,
      };
      runs.set(runId, run);
    }
    if (at >= run.latestAt) {
      run.latestAt = at;
      run.time = event.eventTime;
    }
    const terminal = terminalStates[event.eventType];
    if (terminal !== undefined && at >= run.terminalAt) {
      run.terminalAt = at;
      run.state = terminal;
    } else if ((event.eventType === 'START' || event.eventType === 'RUNNING') && run.terminalAt === -Infinity) {
      run.state = 'RUNNING';
    }
    for (const output of event.outputs ?? []) run.outputs.add(datasetKey(output.namespace, output.name));
  }
  const summaries = new Map<string, RunSummary>();
  for (const [runId, run] of runs) summaries.set(runId, { runId, state: run.state, time: run.time, job: run.job, outputs: run.outputs });
  return summaries;
}

/** The latest of some runs (by the time of their latest event; the later in the file on a tie). */
export function latestRun(runs: Iterable<CatalogRun>): CatalogRun | undefined {
  let latest: CatalogRun | undefined;
  for (const run of runs) if (!latest || timeOf(run.time) >= timeOf(latest.time)) latest = run;
  return latest && { runId: latest.runId, state: latest.state, time: latest.time, job: { ...latest.job } };
}

/**
 * Parses lineage events written as JSON lines (`dk run --lineage file:…`). Blank lines are skipped,
 * and so are objects that are not RunEvents (DatasetEvent, JobEvent: no `run`). A line that is not a
 * JSON object throws DK681 with its number.
 */
export function parseLineageEvents(text: string, source = 'events'): RunEvent[] {
  const events: RunEvent[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UsageError(catalogCodes.eventsInvalid, `${source}:${i + 1}: not JSON (${(error as Error).message})`, {
        hint: 'The file must hold one OpenLineage event per line, as dk run --lineage file:<path> writes it.',
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(catalogCodes.eventsInvalid, `${source}:${i + 1}: not a JSON object`, {
        hint: 'The file must hold one OpenLineage event per line, as dk run --lineage file:<path> writes it.',
      });
    }
    const event = value as Partial<RunEvent>;
    if (
      event.run === null ||
      typeof event.run !== 'object' ||
      typeof event.run.runId !== 'string' ||
      event.job === null ||
      typeof event.job !== 'object' ||
      typeof event.eventTime !== 'string'
    )
      return;
    events.push(event as RunEvent);
  });
  return events;
}

/** Reads a JSON-lines lineage file. Throws DK680 (exit 2) when it cannot be read, DK681 when a line is not JSON. */
export async function readLineageEvents(file: string, options: { displayName?: string } = {}): Promise<RunEvent[]> {
  const shown = options.displayName ?? file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = systemErrorCode(error);
    throw new FileSystemError(
      catalogCodes.eventsUnreadable,
      `${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`}`,
      { cause: error, hint: 'Pass the file dk run --lineage file:<path> wrote.' },
    );
  }
  return parseLineageEvents(text, shown);
}
