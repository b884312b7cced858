// Benchmarks `dk run`:
//
// 1. the overhead of `dk run --local` on a scaffolded generic-node package over running the same
//    command directly (`node src/main.mjs` in the package, with the DK_* environment dk would give
//    it, taken from `dk run --local --dry-run`): medians of interleaved runs after warm-ups, target
//    <= 150 ms;
// 2. the per-event cost of emitting lineage over HTTP the way dk does, to a local receiver answering
//    201, at a paced 1,000 events/s: p50/p95 latency of validate + emit against a baseline of the
//    same loop that only builds the event, target <= 5 ms added per event (p95). The emitter side is
//    bench/run-emitter-entry.ts, bundled with esbuild into a temporary directory.
//
// Run with `npm run bench:run` (builds the CLI first). Prints a table and writes
// bench/results/run.json. Benchmarks report, they don't gate: the exit code is 0 whenever the
// measurements could be taken, even if a target is missed (a FAIL line says so).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  BenchError,
  expectSuccess,
  killChildren,
  machineInfo,
  machineLine,
  ms,
  run,
  stats,
  table,
  verdict,
  benchPaths,
  reportBenchFailure,
  writeResults,
} from './lib/harness.mjs';

const { benchDir, repoRoot, dkBin, dkBundle, resultsFile } = benchPaths('run');
const emitterEntry = path.join(benchDir, 'run-emitter-entry.ts');
// The banner scripts/build-cli.mjs gives the dk bundle: CommonJS dependencies get a require.
const banner = "import { createRequire as __dkCreateRequire } from 'node:module'; const require = __dkCreateRequire(import.meta.url);";

const config = {
  warmups: Number(process.env.BENCH_WARMUPS ?? 3),
  runs: Math.max(15, Number(process.env.BENCH_RUNS ?? 20)),
  events: Number(process.env.BENCH_EVENTS ?? 2000),
  eventsPerSecond: Number(process.env.BENCH_EVENT_RATE ?? 1000),
  eventWarmup: Number(process.env.BENCH_EVENT_WARMUP ?? 300),
};
const targets = { runOverheadMs: 150, emitOverheadMs: 5 };
// No lineage backend from the environment: the overhead measured is dk's own.
const quietEnv = { OPENLINEAGE_URL: '', OPENLINEAGE_API_KEY: '', DK_DEBUG: '' };

/** The command, working directory and DK_* environment `dk run --local --dry-run` prints. */
function parseDryRun(stdout) {
  const command = /^\s+command:\s+(.+)$/m.exec(stdout)?.[1]?.trim().split(/\s+/);
  const cwd = /^\s+cwd:\s+(.+)$/m.exec(stdout)?.[1]?.trim();
  const env = {};
  const block = /^\s+env:\n((?:\s{4}\S.*\n)*)/m.exec(stdout)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const match = /^\s{4}([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  if (!command || !cwd || !env.DK_RUN_ID) throw new BenchError(`cannot read the plan from dk run --dry-run:\n${stdout}`);
  return { command, cwd, env };
}

const pick = ({ runs, medianMs, meanMs, minMs, maxMs, stddevMs, samplesMs }) => ({
  runs,
  medianMs,
  meanMs,
  minMs,
  maxMs,
  stddevMs,
  samplesMs,
});

/** Part 1: `dk run --local` against the same command run directly, interleaved so that drift hits both. */
async function measureRunOverhead(tmp) {
  const node = process.execPath;
  expectSuccess('dk init bench-run', await run(node, [dkBin, 'init', 'bench-run', '--runtime', 'generic-node'], { cwd: tmp }));
  const pkg = path.join(tmp, 'bench-run');
  const dry = await run(node, [dkBin, 'run', pkg, '--local', '--dry-run'], { cwd: tmp, env: quietEnv });
  expectSuccess('dk run --local --dry-run', dry);
  const plan = parseDryRun(dry.stdout);
  const lineageFile = path.join(tmp, 'events.jsonl');

  const variants = {
    direct: {
      label: `${plan.command.join(' ')} (direct, DK_* env)`,
      exec: () => run(plan.command[0], plan.command.slice(1), { cwd: plan.cwd, env: { ...quietEnv, ...plan.env } }),
    },
    dk: { label: 'dk run --local', exec: () => run(node, [dkBin, 'run', pkg, '--local'], { cwd: tmp, env: quietEnv }) },
    dkFile: {
      label: 'dk run --local --lineage file:…',
      exec: () => run(node, [dkBin, 'run', pkg, '--local', '--lineage', `file:${lineageFile}`], { cwd: tmp, env: quietEnv }),
    },
  };
  const names = Object.keys(variants);
  const check = async (name, what) => {
    const result = await variants[name].exec();
    expectSuccess(`${variants[name].label} (${what})`, result);
    if (!result.stdout.includes('bench-run: wrote 3 rows'))
      throw new BenchError(`${variants[name].label} did not run the transform:\n${result.stdout}${result.stderr}`);
    return result;
  };
  for (let i = 0; i < config.warmups; i++) for (const name of names) await check(name, `warm-up ${i + 1}`);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < config.runs; i++) {
    // Rotate the order each round, so that no variant always runs first.
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) times[name].push((await check(name, `run ${i + 1}`)).ms);
    if (process.stdout.isTTY) process.stdout.write(`\r  round ${i + 1}/${config.runs}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  const direct = stats(times.direct);
  const dk = stats(times.dk);
  const dkFile = stats(times.dkFile);
  const overheadMs = Math.round((dk.medianMs - direct.medianMs) * 100) / 100;
  const fileOverheadMs = Math.round((dkFile.medianMs - direct.medianMs) * 100) / 100;
  const pairedMs = stats(times.dk.map((t, i) => t - times.direct[i])).medianMs;
  return {
    plan: { command: plan.command, contractVariables: Object.keys(plan.env).sort() },
    direct: { command: variants.direct.label, ...pick(direct) },
    dk: { command: variants.dk.label, ...pick(dk) },
    dkWithFileLineage: { command: variants.dkFile.label, ...pick(dkFile), overheadMs: fileOverheadMs },
    overheadMs,
    medianPairedDifferenceMs: Math.round(pairedMs * 100) / 100,
    pass: overheadMs <= targets.runOverheadMs,
  };
}

/** A tiny lineage receiver: reads each POST and answers 201, as Marquez does. */
async function startReceiver() {
  const received = { events: 0, bytes: 0, bad: 0 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.bytes += body.length;
      if (request.method === 'POST' && request.url === '/api/v1/lineage') {
        received.events++;
        response.writeHead(201).end();
      } else {
        received.bad++;
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"HTTP 404 Not Found"}');
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** Part 2: the per-event cost of the sdk's HTTP emitter path at a paced rate. */
async function measureEmitter(tmp) {
  const bundle = path.join(tmp, 'emitter', 'run-emitter.mjs');
  const built = await run(
    'npx',
    [
      '--no-install',
      'esbuild',
      emitterEntry,
      '--bundle',
      '--platform=node',
      '--target=node20',
      '--format=esm',
      `--outfile=${bundle}`,
      `--banner:js=${banner}`,
      '--log-level=warning',
    ],
    { cwd: repoRoot },
  );
  expectSuccess('esbuild bench/run-emitter-entry.ts', built);
  const receiver = await startReceiver();
  try {
    const result = await run(
      process.execPath,
      [bundle, receiver.url, String(config.events), String(config.eventsPerSecond), String(config.eventWarmup)],
      { cwd: tmp },
    );
    expectSuccess('the emitter benchmark', result);
    let report;
    try {
      report = JSON.parse(result.stdout.trim().split('\n').pop());
    } catch {
      throw new BenchError(`the emitter benchmark printed no JSON:\n${result.stdout}\n${result.stderr}`);
    }
    if (receiver.received.events !== report.emitted || receiver.received.bad > 0) {
      throw new BenchError(
        `the receiver got ${receiver.received.events} events (${receiver.received.bad} misrouted), the emitter sent ${report.emitted}`,
      );
    }
    if (report.warnings.length > 0) throw new BenchError(`the emitter warned: ${report.warnings.join('; ')}`);
    const { baseline, emit, observer } = report.results;
    const round = (x) => Math.round(x * 1000) / 1000;
    const overhead = (mode) => ({ p50Ms: round(mode.p50Ms - baseline.p50Ms), p95Ms: round(mode.p95Ms - baseline.p95Ms) });
    const observerOverhead = overhead(observer);
    return {
      target: report.target,
      rate: report.rate,
      warmupEvents: report.warmup,
      received: receiver.received,
      baseline,
      emit: { ...emit, overhead: overhead(emit) },
      observer: { ...observer, overhead: observerOverhead },
      pass: observerOverhead.p95Ms <= targets.emitOverheadMs,
    };
  } finally {
    await receiver.close();
  }
}

async function main() {
  if (!existsSync(dkBundle)) throw new BenchError(`${path.relative(repoRoot, dkBundle)} is missing: run \`npm run build:cli\` first`);
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  console.log('dk run benchmark');
  console.log(machineLine(machine));
  console.log('');

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dk-bench-run-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  const onSignal = (signal) => {
    killChildren();
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log(`[1/2] dk run --local vs node src/main.mjs (${config.warmups} warm-ups, ${config.runs} interleaved runs each)`);
    const overhead = await measureRunOverhead(tmp);
    console.log(
      `[2/2] HTTP lineage emitter at ${config.eventsPerSecond} events/s (${config.eventWarmup} warm-up events, ${config.events} per mode)`,
    );
    const emitter = await measureEmitter(tmp);

    console.log('');
    console.log(
      table([
        ['measurement', 'median', 'min', 'max', 'runs', 'value', 'target', 'result'],
        [
          'node src/main.mjs (direct, DK_* env)',
          ms(overhead.direct.medianMs),
          ms(overhead.direct.minMs),
          ms(overhead.direct.maxMs),
          overhead.direct.runs,
          '',
          '',
          '',
        ],
        [
          'dk run --local',
          ms(overhead.dk.medianMs),
          ms(overhead.dk.minMs),
          ms(overhead.dk.maxMs),
          overhead.dk.runs,
          `+${overhead.overheadMs.toFixed(1)} ms`,
          `<= ${targets.runOverheadMs} ms`,
          verdict(overhead.pass),
        ],
        [
          'dk run --local --lineage file:… (info)',
          ms(overhead.dkWithFileLineage.medianMs),
          ms(overhead.dkWithFileLineage.minMs),
          ms(overhead.dkWithFileLineage.maxMs),
          overhead.dkWithFileLineage.runs,
          `+${overhead.dkWithFileLineage.overheadMs.toFixed(1)} ms`,
          '',
          '',
        ],
      ]),
    );
    console.log(`(median of paired differences dk - direct: ${overhead.medianPairedDifferenceMs.toFixed(1)} ms)`);
    console.log('');
    const us = (x) => `${(x * 1000).toFixed(0)} µs`;
    console.log(
      table([
        ['per event, paced', 'p50', 'p95', 'p99', 'max', 'rate', '+p50', '+p95', 'target', 'result'],
        [
          'baseline (build the event)',
          us(emitter.baseline.p50Ms),
          us(emitter.baseline.p95Ms),
          us(emitter.baseline.p99Ms),
          us(emitter.baseline.maxMs),
          `${emitter.baseline.achievedRate}/s`,
          '',
          '',
          '',
          '',
        ],
        [
          'emit (HTTP, buffered)',
          us(emitter.emit.p50Ms),
          us(emitter.emit.p95Ms),
          us(emitter.emit.p99Ms),
          us(emitter.emit.maxMs),
          `${emitter.emit.achievedRate}/s`,
          us(emitter.emit.overhead.p50Ms),
          us(emitter.emit.overhead.p95Ms),
          '',
          '',
        ],
        [
          'validate + emit (as dk run)',
          us(emitter.observer.p50Ms),
          us(emitter.observer.p95Ms),
          us(emitter.observer.p99Ms),
          us(emitter.observer.maxMs),
          `${emitter.observer.achievedRate}/s`,
          us(emitter.observer.overhead.p50Ms),
          us(emitter.observer.overhead.p95Ms),
          `+p95 <= ${targets.emitOverheadMs} ms`,
          verdict(emitter.pass),
        ],
      ]),
    );
    console.log(
      `(receiver ${emitter.target}: ${emitter.received.events} events, ${(emitter.received.bytes / 2 ** 20).toFixed(1)} MiB, all answered 201)`,
    );
    console.log('');

    const failures = [];
    if (!overhead.pass) failures.push(`dk run --local adds ${overhead.overheadMs.toFixed(1)} ms (target <= ${targets.runOverheadMs} ms)`);
    if (!emitter.pass)
      failures.push(
        `lineage over HTTP adds ${us(emitter.observer.overhead.p95Ms)} per event at p95 (target <= ${targets.emitOverheadMs} ms)`,
      );
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    if (failures.length === 0) console.log('PASS: all targets met');

    const results = {
      benchmark: 'dk run',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      config,
      targets,
      runOverhead: overhead,
      lineageEmitter: emitter,
      pass: failures.length === 0,
      failures,
    };
    await writeResults(resultsFile, results);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch(reportBenchFailure);
