import path from 'node:path';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { LineageDataSet, LineageField, LineageJob } from '../lineage/datakit-job';
import type { LineageEmitter } from '../lineage/emitter';
import type { RunEvent } from '../lineage/openlineage-types';
import { createRunEvents, type RunEvents } from '../lineage/run-event';
import type { ParentRun } from '../lineage/run-facets';
import { validateRunEvent } from '../lineage/validate-event';
import type { RunOutcome, RunObserver } from './run-transform';
import type { PlannedDataSet, RunPlan } from './run-plan';

export interface LineageObserverOptions {
  emitter: LineageEmitter;
  clock: Clock;
  logger: Logger;
  datakitVersion: string;
  parent?: ParentRun;
  /** Streaming runs send a RUNNING heartbeat this often. Default 30 s. */
  heartbeatMs?: number;
}

/** The lineage view of a planned run: the job, its datasets and their stores (no secrets). */
export function lineageJob(plan: RunPlan): LineageJob {
  // File stores are named by absolute path, from the Store's own package (where the data is).
  const stores = new Map(
    plan.stores.map((s) => {
      const connection =
        s.type === 'file' && typeof s.connection.path === 'string'
          ? { ...s.connection, path: path.resolve(s.baseDir, s.connection.path) }
          : s.connection;
      return [s.name, { name: s.name, type: s.type, connection }];
    }),
  );
  const dataset = (d: PlannedDataSet): LineageDataSet => ({
    name: d.name,
    store: stores.get(d.store) ?? { name: d.store, type: 'unknown', connection: {} },
    ...(d.table !== undefined ? { table: d.table } : {}),
    ...(d.prefix !== undefined ? { prefix: d.prefix } : {}),
    ...(d.topic !== undefined ? { topic: d.topic } : {}),
    ...(d.format !== undefined ? { format: d.format } : {}),
    ...(d.classification !== undefined ? { classification: d.classification } : {}),
    schema: d.schema.flatMap((f): LineageField[] =>
      typeof f.name === 'string'
        ? [
            {
              name: f.name,
              ...(typeof f.type === 'string' ? { type: f.type } : {}),
              ...(typeof f.description === 'string' ? { description: f.description } : {}),
              ...(f.pii === true ? { pii: true } : {}),
              ...(typeof f.from === 'string' ? { from: f.from } : {}),
            },
          ]
        : [],
    ),
  });
  return {
    name: plan.packageName,
    namespace: plan.namespace,
    mode: plan.mode,
    runtime: plan.runtime,
    ...(plan.owner ? { owner: plan.owner } : {}),
    ...(plan.description ? { description: plan.description } : {}),
    inputs: plan.inputs.map(dataset),
    outputs: plan.outputs.map(dataset),
  };
}

/**
 * Emits the run's OpenLineage events: START, RUNNING heartbeats for streaming runs, then
 * COMPLETE, FAIL or ABORT. Every event is checked against the official schemas first; an invalid
 * one is a DataKit bug, logged as a warning and still sent.
 */
export function lineageObserver(options: LineageObserverOptions): RunObserver {
  let events: RunEvents | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const send = async (event: RunEvent) => {
    const problems = validateRunEvent(event);
    if (problems.length > 0) options.logger.warn({ problems }, `lineage ${event.eventType} event does not match the OpenLineage schema`);
    await options.emitter.emit(event);
  };
  return {
    async started(plan) {
      events = createRunEvents({
        job: lineageJob(plan),
        runId: plan.runId,
        clock: options.clock,
        datakitVersion: options.datakitVersion,
        naming: { baseDir: plan.packageDir },
        secrets: plan.secrets,
        logger: options.logger,
        ...(options.parent ? { parent: options.parent } : {}),
      });
      await send(events.start());
      if (plan.mode === 'streaming') {
        heartbeat = setInterval(() => void send(events!.running()).catch(() => undefined), options.heartbeatMs ?? 30_000);
        heartbeat.unref();
      }
    },
    async finished(_plan, outcome: RunOutcome) {
      if (heartbeat) clearInterval(heartbeat);
      if (!events) return;
      if (outcome.status === 'completed') await send(events.complete());
      else if (outcome.status === 'aborted') await send(events.abort({ message: `interrupted by ${outcome.result.signal ?? 'a signal'}` }));
      else await send(events.fail({ message: outcome.error.message, ...(outcome.stderrTail ? { stackTrace: outcome.stderrTail } : {}) }));
    },
  };
}
