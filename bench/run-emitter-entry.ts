/**
 * The lineage half of bench/run.mjs, bundled with esbuild into a temporary .mjs (a .mjs bench cannot
 * import TypeScript). It drives the sdk's HTTP emitter the way `dk run` does (createLineageEmitter
 * with one http target: buffered, under the failure policy; each event checked by validateRunEvent,
 * then awaited, as the lineage observer does) at a paced rate, and measures per-event latency
 * against a baseline of the same paced loop that only builds the event. The three loops (baseline,
 * emit only, validate + emit) take turns in blocks of 100 events, so that the machine's noise and
 * drift hit them alike.
 *
 *   node emitter.mjs <receiver url> <events per mode> <events per second> <warm-up events>
 *
 * Prints one JSON object: latencies (ms) per mode and the rate achieved.
 */
import { performance } from 'node:perf_hooks';
import { silentLogger, systemClock, type Logger } from '@datakit/sdk/core';
import { createLineageEmitter, createRunEvents, validateRunEvent, type LineageJob, type RunEvent } from '@datakit/sdk/lineage';

type Mode = 'baseline' | 'emit' | 'observer';

interface ModeResult {
  events: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Events per second over the whole paced loop. */
  achievedRate: number;
}

const [url, eventsArg = '2000', rateArg = '1000', warmupArg = '300'] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: emitter.mjs <receiver url> [events] [rate] [warm-up]\n');
  process.exit(2);
}
const events = Number(eventsArg);
const rate = Number(rateArg);
const warmup = Number(warmupArg);

/** A job shaped like `dk init --runtime generic-node`: PII on the input, column lineage on the output. */
const store = { name: 'local', type: 'file', connection: { path: './data' } };
const job: LineageJob = {
  name: 'bench-run',
  namespace: 'default',
  mode: 'batch',
  runtime: 'generic-node',
  description: 'generic-node transform from bench-run-input to bench-run-output',
  inputs: [
    {
      name: 'bench-run-input',
      store,
      prefix: 'input/',
      format: 'jsonl',
      classification: 'confidential',
      schema: [
        { name: 'id', type: 'integer' },
        { name: 'name', type: 'string' },
        { name: 'email', type: 'string', pii: true },
      ],
    },
  ],
  outputs: [
    {
      name: 'bench-run-output',
      store,
      prefix: 'output/',
      format: 'jsonl',
      classification: 'internal',
      schema: [
        { name: 'id', type: 'integer', from: 'bench-run-input.id' },
        { name: 'name', type: 'string', from: 'bench-run-input.name' },
        { name: 'name_length', type: 'integer' },
      ],
    },
  ],
};

const warnings: string[] = [];
const logger: Logger = {
  ...silentLogger,
  warn: (obj, msg) => void warnings.push(msg ?? (typeof obj === 'string' ? obj : JSON.stringify(obj))),
};
const emitter = createLineageEmitter({ targets: [url] }, { cwd: process.cwd(), logger, clock: systemClock });
const runEvents = createRunEvents({ job, clock: systemClock, datakitVersion: '0.0.0-bench', naming: { baseDir: '/srv/bench-run' } });

/** Waits until `at` (performance.now() ms): a timer for the bulk, then setImmediate turns (I/O keeps flowing). */
async function until(at: number): Promise<void> {
  const remaining = at - performance.now();
  if (remaining > 2) await new Promise((resolve) => setTimeout(resolve, remaining - 1.5));
  while (performance.now() < at) await new Promise((resolve) => setImmediate(resolve));
}

async function body(mode: Mode): Promise<void> {
  const event: RunEvent = runEvents.running();
  if (mode === 'baseline') return;
  if (mode === 'observer') {
    const problems = validateRunEvent(event);
    if (problems.length > 0) throw new Error(`invalid event: ${JSON.stringify(problems)}`);
  }
  await emitter.emit(event);
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function summarize(latencies: readonly number[], elapsedMs: number): ModeResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    events: latencies.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
    maxMs: round(sorted[sorted.length - 1]!),
    achievedRate: Math.round((latencies.length / elapsedMs) * 1000 * 10) / 10,
  };
}

/** `count` events of `mode` at `rate` per second; a late event is not waited for (the loop catches up). */
async function paced(mode: Mode, count: number, latencies: number[]): Promise<number> {
  const interval = 1000 / rate;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await until(start + i * interval);
    const t0 = performance.now();
    await body(mode);
    latencies.push(performance.now() - t0);
  }
  return performance.now() - start;
}

/** Events per block: the modes take turns in blocks, so that drift and noise of the machine hit them alike. */
const block = 100;

async function main(): Promise<void> {
  // Warm-up: JIT, the ajv validators, the keep-alive connection.
  await paced('observer', warmup, []);
  const modes: Mode[] = ['baseline', 'emit', 'observer'];
  const latencies: Record<Mode, number[]> = { baseline: [], emit: [], observer: [] };
  const elapsed: Record<Mode, number> = { baseline: 0, emit: 0, observer: 0 };
  for (let turn = 0; latencies.observer.length < events; turn++) {
    const count = Math.min(block, events - latencies.observer.length);
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(k + turn) % modes.length]!;
      elapsed[mode] += await paced(mode, count, latencies[mode]);
    }
  }
  await emitter.close();
  const results = Object.fromEntries(modes.map((m) => [m, summarize(latencies[m], elapsed[m])])) as Record<Mode, ModeResult>;
  process.stdout.write(
    `${JSON.stringify({ target: emitter.target, rate, warmup, block, results, emitted: warmup + 2 * events, warnings })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
