// Benchmarks the DataKit GitHub App as it runs in production: the real server process
// (`node app/dist/server.js`, built by `npm run build:app`) receiving signed webhooks over HTTP from
// GitHub (here the fake GitHub of sdk/test/helpers/github, which the app reaches through GHE_HOST)
// with artifacts in a real registry (CNCF distribution, `docker-registry`).
//
// Measured: the handling latency of BENCH_DELIVERIES deliveries (default 200) sent BENCH_CONCURRENCY
// at a time (default 8): the HTTP round trip of each delivery, which the server answers once the
// handler has finished. The mix, shuffled with BENCH_SEED: /promote dev by a writer on pull requests
// of five packages (gitops pull requests opened and updated), /promote prod by a reader (refused),
// /datakit status, /datakit help, comments that are not commands, pull_request.synchronize and
// .opened of the gitops pull requests (gate re-evaluation), and ~15 % re-sends of an earlier
// delivery with the same delivery id (dropped by the app). Percentiles overall and per kind.
//
// Checked after the run (any miss is a failure): every delivery answered 200; every /promote dev,
// status and help comment got 🚀 and the reader's /promote prod 😕, plain comments nothing; one reply
// per command and none for a repeated delivery; exactly one open gitops pull request per package on
// datakit/promote/dev/c0/<pkg>, pinning a digest published for it, with a completed
// datakit/promotion check on its head and a body rendered (or not) as configured; no error in the
// app's log.
//
// Reference measured in the same run, against the same server: BENCH_DELIVERIES `ping` deliveries
// (signature check and Probot dispatch, no handler), after 20 warm-up pings; the ratio is
// p95(mix) / p95(ping). Memory: the app's RSS once ready and its peak (VmHWM) at the end, from
// /proc. CPU: seconds of the app process (and of the kubectl it ran) and of this driver (the fake
// GitHub and the client) during the mix. GitHub requests the mix caused, by route.
//
// Two configurations, each with a fresh app, fake GitHub and registry: DATAKIT_RENDER_DIFF=false,
// the chart's (the image has no kubectl), to which the target applies (p95 < 500 ms and no
// failure); and, when kubectl is on PATH, DATAKIT_RENDER_DIFF=true (`kubectl kustomize` before and
// after rendered into each gitops pull request body), for information.
//
// The measuring half is bench/app-driver.ts, bundled with esbuild into a temporary directory.
// Run with `npm run bench:app` (builds the app first). Environment: BENCH_DELIVERIES,
// BENCH_CONCURRENCY, BENCH_SEED; for diagnosis BENCH_LOG_LEVEL (the app's LOG_LEVEL, default warn),
// BENCH_APP_LOG=<file> (keep the app's log; with two configurations, <file>.render-on for the second)
// and BENCH_APP_NODE_ARGS (node options of the app process, e.g. --cpu-prof --cpu-prof-dir=DIR).
// Prints tables and writes bench/results/app.json. Like the other benchmarks it reports, it doesn't
// gate: the exit code is 0 whenever the measurements could be taken, even if the target is missed
// (a FAIL line says so and lists what failed), and non-zero only when the benchmark itself fails.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clearTimeout } from 'node:timers';
import { BenchError, machineInfo, machineLine, ms, table, verdict, benchPaths, reportBenchFailure, writeResults } from './lib/harness.mjs';

const { benchDir, repoRoot, resultsFile } = benchPaths('app');
const serverBundle = path.join(repoRoot, 'app', 'dist', 'server.js');
const driverEntry = path.join(benchDir, 'app-driver.ts');

const positiveInt = (name, fallback, min = 1) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new BenchError(`${name} must be an integer >= ${min}, got ${process.env[name]}`);
  return value;
};

const targets = { p95Ms: 500, failures: 0, appliesTo: 'DATAKIT_RENDER_DIFF=false (the chart default)' };

let driver;
let tmp;

/** Runs one configuration of the driver; its parsed result. Progress lines go straight to stderr. */
function runDriver(bundle, renderDiff, resultFile) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (process.env.BENCH_APP_LOG && renderDiff) env.BENCH_APP_LOG = `${process.env.BENCH_APP_LOG}.render-on`;
    driver = spawn(process.execPath, [bundle, repoRoot, String(renderDiff), resultFile], {
      cwd: tmp,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    driver.once('error', reject);
    driver.once('close', (code, signal) => {
      driver = undefined;
      if (code !== 0) {
        reject(new BenchError(`the driver (DATAKIT_RENDER_DIFF=${renderDiff}) exited with ${code ?? signal}; see its output above`));
        return;
      }
      readFile(resultFile, 'utf8').then((text) => resolve(JSON.parse(text)), reject);
    });
  });
}

function kubectlOnPath() {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

async function stopDriver() {
  const child = driver;
  if (!child) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await closed;
  clearTimeout(timer);
}

async function cleanup() {
  await stopDriver();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}

const label = (r) => (r.renderDiff ? 'render on (kubectl)' : 'render off (chart)');
const mb = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(1)} MB`);

function report(configurations) {
  console.log('');
  console.log(
    table([
      ['configuration', 'deliveries', 'p50', 'p95', 'p99', 'max', 'mean', 'ping p95', 'p95/ping', 'RSS start', 'peak RSS', 'failures'],
      ...configurations.map((r) => [
        label(r),
        r.mixed.count,
        ms(r.mixed.p50Ms),
        ms(r.mixed.p95Ms),
        ms(r.mixed.p99Ms),
        ms(r.mixed.maxMs),
        ms(r.mixed.meanMs),
        ms(r.ping.p95Ms),
        `${r.ratio.toFixed(1)}x`,
        mb(r.memory.rssAtStartMB),
        mb(r.memory.peakMB),
        r.outcome.failureCount,
      ]),
    ]),
  );
  for (const r of configurations) {
    console.log('');
    console.log(`${label(r)}: per kind (ping reference: p50 ${ms(r.ping.p50Ms)}, p95 ${ms(r.ping.p95Ms)}, max ${ms(r.ping.maxMs)})`);
    console.log(
      table([
        ['kind', 'count', 'p50', 'p95', 'max', 'mean'],
        ...Object.entries(r.kinds).map(([kind, s]) => [kind, s.count, ms(s.p50Ms), ms(s.p95Ms), ms(s.maxMs), ms(s.meanMs)]),
        ['all', r.mixed.count, ms(r.mixed.p50Ms), ms(r.mixed.p95Ms), ms(r.mixed.maxMs), ms(r.mixed.meanMs)],
      ]),
    );
    const children = r.cpu.appChildrenSeconds ? ` + ${r.cpu.appChildrenSeconds} s of kubectl` : '';
    console.log(
      `  mix: ${(r.wallMs / 1000).toFixed(2)} s wall, ${r.deliveriesPerSecond} deliveries/s; CPU: app ${r.cpu.appSeconds} s${children}, ` +
        `driver (fake GitHub + client) ${r.cpu.driverSeconds} s; ${r.github.requests} GitHub requests (${r.github.perDelivery} per delivery)`,
    );
    console.log(`  phases: commands p95 ${ms(r.phases.commands.p95Ms)}, gates p95 ${ms(r.phases.gates.p95Ms)}`);
  }
  console.log('');
}

async function main() {
  const startedAt = new Date().toISOString();
  const config = {
    deliveries: positiveInt('BENCH_DELIVERIES', 200, 40),
    concurrency: positiveInt('BENCH_CONCURRENCY', 8),
    seed: positiveInt('BENCH_SEED', 42, 0),
  };
  if (!existsSync(serverBundle))
    throw new BenchError(`${path.relative(repoRoot, serverBundle)} is missing: run \`npm run build:app\` first`);
  const kubectl = kubectlOnPath();
  const machine = machineInfo();
  console.log(machineLine(machine));
  console.log(
    `app benchmark: ${config.deliveries} deliveries, ${config.concurrency} in flight, seed ${config.seed}; ` +
      `kubectl: ${kubectl ?? 'not on PATH (render-on configuration skipped)'}`,
  );

  const onSignal = (signal) => {
    console.error(`bench: ${signal}, stopping`);
    cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dk-bench-app-'));
    const bundle = path.join(tmp, 'app-driver.mjs');
    try {
      await build({
        absWorkingDir: repoRoot,
        entryPoints: [driverEntry],
        outfile: bundle,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        // Bundled CommonJS dependencies call require() for node built-ins.
        banner: {
          js: "import { createRequire as __dkCreateRequire } from 'node:module'; const require = __dkCreateRequire(import.meta.url);",
        },
        logLevel: 'warning',
      });
    } catch {
      throw new BenchError(`esbuild could not bundle ${path.relative(repoRoot, driverEntry)} (errors above)`);
    }

    const configurations = [await runDriver(bundle, false, path.join(tmp, 'render-off.json'))];
    if (kubectl) configurations.push(await runDriver(bundle, true, path.join(tmp, 'render-on.json')));
    report(configurations);

    const shipped = configurations[0];
    const failures = [];
    if (shipped.mixed.p95Ms >= targets.p95Ms) {
      failures.push(`p95 handling latency ${ms(shipped.mixed.p95Ms)} with render off (target < ${targets.p95Ms} ms)`);
    }
    for (const failure of shipped.outcome.failures) failures.push(`render off: ${failure}`);
    if (shipped.outcome.failureCount > shipped.outcome.failures.length) {
      failures.push(`render off: … and ${shipped.outcome.failureCount - shipped.outcome.failures.length} more failures`);
    }
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    if (failures.length === 0) {
      console.log(`PASS: p95 ${ms(shipped.mixed.p95Ms)} < ${targets.p95Ms} ms and no failure (render off, the chart's configuration)`);
    }
    const other = configurations[1];
    if (other) {
      const pass = other.mixed.p95Ms < targets.p95Ms && other.outcome.failureCount === 0;
      console.log(
        `info: render on: p95 ${ms(other.mixed.p95Ms)}, ${other.outcome.failureCount} failures (${verdict(pass)} against the same target; not gated)`,
      );
      for (const failure of other.outcome.failures) console.log(`  render on: ${failure}`);
    }

    const strip = (r) => Object.fromEntries(Object.entries(r).filter(([key]) => key !== 'samples'));
    await writeResults(resultsFile, {
      benchmark: 'DataKit app: signed webhook deliveries against the fake GitHub (node app/dist/server.js)',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, kubectl },
      config,
      targets,
      renderOff: strip(shipped),
      ...(other ? { renderOn: strip(other) } : {}),
      pass: failures.length === 0,
      failures,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch(reportBenchFailure);
