/**
 * Runs the real, bundled `dk` binary (node cli/bin/dk.js) in a child process, the way a user
 * does, and captures stdout, stderr and the exit code.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const dkBin = path.join(repoRoot, 'cli/bin/dk.js');
const bundle = path.join(repoRoot, 'cli/dist/dk.mjs');
/** Everything that ends up in the bundle. */
const bundleSources = ['cli/src', 'sdk/src', 'contracts/src', 'contracts/schemas', 'scripts/build-cli.mjs'];

export interface DkResult {
  /** Exit code, or null when the process was killed (signal or timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunDkOptions {
  cwd: string;
  /** Kill the process after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Extra environment variables (merged over a cleaned copy of the test's environment). */
  env?: Record<string, string>;
  /** Extra options for node itself, e.g. ['--max-old-space-size=128']. */
  nodeOptions?: string[];
}

function newestMtime(target: string): number {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** True when cli/dist/dk.mjs is missing or older than any file that is bundled into it. */
export function isBundleStale(): boolean {
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return true;
  }
  return bundleSources.some((source) => newestMtime(path.join(repoRoot, source)) > built);
}

/** Rebuilds the bundle (npm run build:cli) when it is missing or stale. Call it in beforeAll. */
export function ensureFreshBundle(): void {
  if (!isBundleStale()) return;
  try {
    execFileSync('npm', ['run', 'build:cli'], { cwd: repoRoot, stdio: 'pipe', timeout: 120_000 });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`npm run build:cli failed: ${e.message}\n${e.stdout?.toString() ?? ''}\n${e.stderr?.toString() ?? ''}`);
  }
}

/** The test's environment without anything that changes dk's output, plus NO_COLOR=1. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('DK_') || key === 'FORCE_COLOR' || key === 'NODE_OPTIONS' || key.startsWith('VITEST') || key === 'TEST') continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Spawns `node cli/bin/dk.js ...args` and resolves when it exits (or is killed at the timeout). */
export function runDk(args: readonly string[], options: RunDkOptions): Promise<DkResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeOptions ?? []), dkBin, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Date.now() - started,
      });
    });
  });
}

/** One issue of `dk lint --output json` (report version 1). */
export interface JsonIssue {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
  endLine: number | null;
  endColumn: number | null;
  path: string | null;
  hint: string | null;
}

export interface JsonReport {
  version: 1;
  summary: { errors: number; warnings: number; infos: number; files: number; manifests: number };
  issues: JsonIssue[];
}

/** Runs `dk lint ...args --output json` and parses the report (throws, with the output, if it is not JSON). */
export async function lintJson(args: readonly string[], options: RunDkOptions): Promise<{ result: DkResult; report: JsonReport }> {
  const result = await runDk(['lint', ...args, '--output', 'json'], options);
  let report: JsonReport;
  try {
    report = JSON.parse(result.stdout) as JsonReport;
  } catch {
    throw new Error(
      `dk lint --output json did not print JSON (exit ${String(result.code)}):\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return { result, report };
}

/** An indented "at …" line, as in "    at foo (file.js:1:2)": a JavaScript stack trace, which dk must never print. */
const stackLine = /^\s+at\s/m;

export function hasStackTrace(text: string): boolean {
  return stackLine.test(text);
}

/** A short description of a run, for assertion messages. */
export function describeRun(result: DkResult): string {
  return `exit ${String(result.code)}${result.signal ? ` (signal ${result.signal})` : ''}${result.timedOut ? ' (timed out)' : ''} in ${result.durationMs} ms\n--- stdout\n${result.stdout.slice(0, 4000)}\n--- stderr\n${result.stderr.slice(0, 4000)}`;
}
