import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectValidRunEvent, startFakeMarquez } from '../../sdk/test/helpers/lineage';
import type { CliConfig } from '../src/config';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

const reference = path.resolve(import.meta.dirname, '../../../shared/conformance/datakit-reference');
let cwd: string;

beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-run-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dk(argv: string[], overrides: Partial<CliConfig> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, argv, overrides);
}

interface Event {
  eventType: string;
  run: { runId: string; facets?: Record<string, { message?: string; stackTrace?: string; run?: { runId: string } }> };
  inputs?: Array<{ namespace: string; name: string }>;
  outputs?: Array<{ namespace: string; name: string; facets?: Record<string, unknown> }>;
}

async function events(file: string): Promise<Event[]> {
  const lines = (await readFile(path.join(cwd, file), 'utf8')).trim().split('\n');
  const parsed = lines.map((l) => JSON.parse(l) as Event);
  for (const event of parsed) expectValidRunEvent(event);
  return parsed;
}

describe('dk run --local', () => {
  it('runs the scaffolded generic-node package, writing its output and valid START/COMPLETE events', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    const result = await dk(['run', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('demo: wrote 3 rows');
    expect((await readFile(path.join(cwd, 'demo/data/output/part-0000.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(3);
    const [start, complete, ...rest] = await events('events.jsonl');
    expect(rest).toEqual([]);
    expect(start!.eventType).toBe('START');
    expect(complete!.eventType).toBe('COMPLETE');
    expect(complete!.run.runId).toBe(start!.run.runId);
    expect(start!.inputs![0]!.namespace).toBe('file://');
    expect(start!.outputs![0]!.facets).toHaveProperty('columnLineage');
  });

  it('runs the generic-python package too', async () => {
    await dk(['init', 'py', '--runtime', 'generic-python']);
    const result = await dk(['run', 'py', '--local']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('py: wrote 3 rows');
  });

  it('a transform that throws exits non-zero and ends with a valid FAIL event carrying its stderr', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), 'throw new Error("boom in transform");\n');
    const result = await dk(['run', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DK605');
    const all = await events('events.jsonl');
    expect(all.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    expect(all[1]!.run.facets!.errorMessage!.message).toBe('exited with code 1');
    expect(all[1]!.run.facets!.errorMessage!.stackTrace).toContain('boom in transform');
  });

  it('stops a transform past its timeout: exit 124 and a FAIL event', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), 'setInterval(() => {}, 1000);\n');
    const result = await dk(['run', 'demo', '--local', '--timeout', '500ms', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(124);
    expect(result.stderr).toContain('timed out');
    expect((await events('events.jsonl')).map((e) => e.eventType)).toEqual(['START', 'FAIL']);
  });

  it('an unset ${VAR} secret stops the run before it starts, naming the variable, with no event', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    await writeFile(
      path.join(cwd, 'demo/store/local.yaml'),
      'apiVersion: datakit.dev/v1alpha1\nkind: Store\nmetadata:\n  name: local\nspec:\n  connector: file\n  connection:\n    path: ./data\n  secrets:\n    token: ${DEMO_TOKEN}\n',
    );
    const result = await dk(['run', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DK601');
    expect(result.stderr).toContain('${DEMO_TOKEN}');
    await expect(readFile(path.join(cwd, 'events.jsonl'))).rejects.toThrow();
  });

  it('a DataSet whose Store is not declared stops the run before it starts (DK603), with no event', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    await rm(path.join(cwd, 'demo/store'), { recursive: true });
    const result = await dk(['run', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DK603');
    expect(result.stderr).toContain('Store local');
    await expect(readFile(path.join(cwd, 'events.jsonl'))).rejects.toThrow();
  });

  it('never prints a secret: dry-run masks it, and so does the transform output', async () => {
    await dk(['init', 'wh', '--runtime', 'generic-node']);
    const storeFile = path.join(cwd, 'wh/store/local.yaml');
    await writeFile(
      storeFile,
      'apiVersion: datakit.dev/v1alpha1\nkind: Store\nmetadata:\n  name: local\nspec:\n  connector: file\n  connection:\n    path: ./data\n',
    );
    await writeFile(
      path.join(cwd, 'wh/store/pg.yaml'),
      'apiVersion: datakit.dev/v1alpha1\nkind: Store\nmetadata:\n  name: pg\nspec:\n  connector: postgres\n  connection:\n    host: db\n    database: app\n  secrets:\n    username: ${PG_USER}\n    password: ${PG_PASSWORD}\n',
    );
    const dataset = path.join(cwd, 'wh/dataset/wh-input.yaml');
    await writeFile(
      dataset,
      (await readFile(dataset, 'utf8'))
        .replace('store: local', 'store: pg')
        .replace('prefix: input/\n  format: jsonl', 'table: public.input'),
    );
    await writeFile(path.join(cwd, 'wh/src/main.mjs'), 'console.log(process.env.DK_STORE_DSN_PG);\n');
    const secretEnv = { runEnvironment: { PATH: process.env.PATH ?? '', PG_USER: 'dkuser', PG_PASSWORD: 'S3cr3t-pw' } };
    const dry = await dk(['run', 'wh', '--local', '--dry-run'], secretEnv);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('DK_STORE_DSN_PG=postgresql://****:****@db:5432/app');
    const real = await dk(['run', 'wh', '--local', '--lineage', 'file:events.jsonl'], secretEnv);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain('postgresql://****:****@db:5432/app');
    const everything = dry.stdout + dry.stderr + real.stdout + real.stderr + (await readFile(path.join(cwd, 'events.jsonl'), 'utf8'));
    expect(everything).not.toContain('S3cr3t-pw');
  });

  it('-e adds variables for the transform', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), 'console.log(`greeting=${process.env.GREETING}`);\n');
    const result = await dk(['run', 'demo', '--local', '-e', 'GREETING=hello']);
    expect(result.stdout).toContain('greeting=hello');
    expect((await dk(['run', 'demo', '--local', '-e', 'not valid'])).code).toBe(2);
  });
});

describe('lineage backends', () => {
  it('sends every event to a Marquez-compatible endpoint (201) that validates them', async () => {
    const marquez = await startFakeMarquez();
    try {
      await dk(['init', 'demo', '--runtime', 'generic-node']);
      const result = await dk(['run', 'demo', '--local'], { openLineageUrl: marquez.url });
      expect(result.code, result.stderr).toBe(0);
      expect((marquez.events as Event[]).map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    } finally {
      await marquez.close();
    }
  });

  it('a backend that is down or answers 422 does not fail the run, but is reported', async () => {
    const marquez = await startFakeMarquez();
    try {
      await dk(['init', 'demo', '--runtime', 'generic-node']);
      await marquez.stop();
      const down = await dk(['run', 'demo', '--local', '--lineage', marquez.url]);
      expect(down.code).toBe(0);
      expect(down.stderr).toMatch(/DK65[45]|unreachable|dropped/);
      const failing = await dk(['run', 'demo', '--local', '--lineage', marquez.url, '--fail-on-lineage-error']);
      expect(failing.code).not.toBe(0);
    } finally {
      await marquez.close();
    }
  });
});

describe('pipelines', () => {
  it('--scan-dir --dry-run lists the reference multi-transform project in order', async () => {
    const result = await dk(['run', '--scan-dir', '--dry-run', path.join(reference, 'tests/e2e/testdata/multi-transform')]);
    expect(result.code, result.stderr).toBe(0);
    const order = [...result.stdout.matchAll(/^\d+\. (\S+)/gm)].map((m) => m[1]);
    expect(order).toEqual(['extract', 'transform-etl', 'load-report']);
  });

  it('--scan-dir runs every package in order with a parent facet, and stops at the first failure', async () => {
    await dk(['init', 'first', '--runtime', 'generic-node']);
    await dk(['init', 'second', '--runtime', 'generic-node']);
    // second reads what first writes.
    const secondDk = path.join(cwd, 'second/dk.yaml');
    await writeFile(secondDk, (await readFile(secondDk, 'utf8')).replace('dataset: second-input', 'dataset: first-output'));
    const secondCode = path.join(cwd, 'second/src/main.mjs');
    await writeFile(secondCode, (await readFile(secondCode, 'utf8')).replace('DK_INPUT_SECOND_INPUT', 'DK_INPUT_FIRST_OUTPUT'));
    const ok = await dk(['run', '.', '--scan-dir', '--local', '--lineage', 'file:events.jsonl']);
    expect(ok.code, ok.stderr).toBe(0);
    const all = await events('events.jsonl');
    expect(all.map((e) => e.eventType)).toEqual(['START', 'COMPLETE', 'START', 'COMPLETE']);
    expect(ok.stdout.indexOf('first: wrote 3 rows')).toBeLessThan(ok.stdout.indexOf('second: wrote 3 rows'));
    expect(ok.stdout).toContain('second: wrote 3 rows');
    const parents = new Set(all.map((e) => e.run.facets!.parent!.run!.runId));
    expect(parents.size).toBe(1);

    await writeFile(path.join(cwd, 'first/src/main.mjs'), 'process.exit(3);\n');
    const failed = await dk(['run', '.', '--scan-dir', '--local']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('1 not run after the failure');
  });
});

describe('interrupts', () => {
  it('SIGINT is forwarded to the transform and ends with an ABORT event', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), 'console.log("ready"); setInterval(() => {}, 1000);\n');
    const bin = path.resolve(import.meta.dirname, '../bin/dk.js');
    const child = spawn(process.execPath, [bin, 'run', 'demo', '--local', '--lineage', 'file:events.jsonl'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect((await events('events.jsonl')).map((e) => e.eventType)).toEqual(['START', 'ABORT']);
  });
});
