// Helpers shared by the benchmarks (bench/*.mjs): running processes with wall time and peak RSS,
// statistics, machine information and the report table. Built-ins only.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const gnuTime = '/usr/bin/time';

/** A failure of the benchmark itself (as opposed to a missed target): reported without a stack, exit code 1. */
export class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Process helpers

/** Children still running, so that an interrupted benchmark can stop them (see killChildren). */
const liveChildren = new Set();

/**
 * Runs a command to completion; resolves with its exit code, output and the wall time in
 * milliseconds measured with process.hrtime from just before spawn to the child's exit.
 *
 * Options: cwd, env (added to process.env), and `group`: start the child in its own process
 * group, so that killChildren() also stops whatever it started (the stages of a shell pipeline).
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: Boolean(options.group),
    });
    const entry = { child, group: Boolean(options.group) };
    liveChildren.add(entry);
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', (error) => {
      liveChildren.delete(entry);
      reject(error);
    });
    // 'exit' rather than 'close': the time is the child's lifetime, not the draining of its pipes.
    let ms;
    child.on('exit', () => {
      ms = Number(process.hrtime.bigint() - start) / 1e6;
      liveChildren.delete(entry);
    });
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : 1),
        signal,
        ms,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Sends `signal` to every child run() started that is still running (to its whole group when it has one). */
export function killChildren(signal = 'SIGTERM') {
  for (const { child, group } of liveChildren) {
    try {
      if (group) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  }
  liveChildren.clear();
}

/** The peak RSS (KB) in a file written by `/usr/bin/time -f %M -o FILE`, or null. */
export async function readRssFile(rssFile) {
  const text = await readFile(rssFile, 'utf8').catch(() => '');
  // GNU time writes "Command exited with non-zero status N" before the format line when the command fails.
  const lines = text.trim().split('\n');
  const rssKB = Number(lines[lines.length - 1]);
  return Number.isFinite(rssKB) && rssKB > 0 ? rssKB : null;
}

/** Runs a command under GNU time to also get its peak RSS (KB); the wall time includes time's own tiny overhead. */
export async function runMeasured(command, args, options = {}, rssFile) {
  if (!rssFile) return { ...(await run(command, args, options)), rssKB: null };
  const result = await run(gnuTime, ['-f', '%M', '-o', rssFile, command, ...args], options);
  return { ...result, rssKB: await readRssFile(rssFile) };
}

export function expectSuccess(what, result) {
  if (result.code !== 0) {
    const output = (result.stdout + result.stderr).trim().split('\n').slice(0, 40).join('\n');
    throw new BenchError(`${what} exited with ${result.code}${result.signal ? ` (${result.signal})` : ''}:\n${output}`);
  }
}

/** Warm-ups, then timed runs; every run must exit 0. */
export async function sample(what, command, args, { warmups, runs, cwd, rssFile }) {
  for (let i = 0; i < warmups; i++) expectSuccess(`${what} (warm-up ${i + 1})`, await run(command, args, { cwd }));
  const times = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const result = await runMeasured(command, args, { cwd }, rssFile);
    expectSuccess(`${what} (run ${i + 1})`, result);
    times.push(result.ms);
    if (result.rssKB !== null) rss.push(result.rssKB);
    if (process.stdout.isTTY) process.stdout.write(`\r  ${what}: ${i + 1}/${runs}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  return { ...stats(times), peakRssKB: rss.length ? Math.max(...rss) : null };
}

export function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const stddev = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / sorted.length);
  const round = (x) => Math.round(x * 100) / 100;
  return {
    runs: sorted.length,
    medianMs: round(median),
    meanMs: round(mean),
    minMs: round(sorted[0]),
    maxMs: round(sorted[sorted.length - 1]),
    stddevMs: round(stddev),
    samplesMs: times.map(round),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    arch: process.arch,
    cpuCount: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    totalMemMB: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** One line describing the machine, as every benchmark prints it. */
export function machineLine(machine) {
  return (
    `machine: node ${machine.node}, ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.platform} ${machine.arch}, ` +
    `${machine.totalMemMB} MB RAM, load ${machine.loadAverage.join(' ')}`
  );
}

export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => String(cell).padEnd(widths[c])).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const ms = (x) => `${x.toFixed(1)} ms`;
export const verdict = (pass) => (pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL');
export const rssMB = (kb) => (kb === null || kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`);

/** Where a benchmark finds the repository, the dk CLI and its results file. */
export function benchPaths(name) {
  const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const repoRoot = path.resolve(benchDir, '..');
  return {
    benchDir,
    repoRoot,
    dkBin: path.join(repoRoot, 'cli', 'bin', 'dk.js'),
    dkBundle: path.join(repoRoot, 'cli', 'dist', 'dk.mjs'),
    resultsFile: path.join(benchDir, 'results', `${name}.json`),
  };
}

/** Writes a benchmark's results as JSON and says where. */
export async function writeResults(resultsFile, results) {
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, JSON.stringify(results, null, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), resultsFile) || resultsFile}`);
}

/** Reports a failure of the benchmark itself (exit 1); a missed target is not one. */
export function reportBenchFailure(error) {
  if (error instanceof BenchError) console.error(`bench: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
}
