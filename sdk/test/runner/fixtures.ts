/** Packages and fake tools for the runtime tests. */
import { chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { planRun, type RunObserver, type RunOutcome, type RunPlan } from '../../src/runner';
import { runWithRuntime } from '../../src/runner/run-with-runtime';
import { lintPath, type LintResult } from '../../src/validate';
import { writeTree } from '../helpers/temp-tree';

const header = (kind: string, name: string) => `apiVersion: datakit.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;

export const dataset = (name: string, store: string, location: string) =>
  `${header('DataSet', name)}  version: 0.1.0\nspec:\n  store: ${store}\n${location}  classification: internal\n  schema:\n    - name: id\n      type: integer\n`;

export const store = (name: string, body: string) => `${header('Store', name)}spec:\n${body}`;

export const connector = (name: string, type: string, plugin = '') => `${header('Connector', name)}spec:\n  type: ${type}\n${plugin}`;

export const transform = (name: string, runtime: string, inputs: string[], outputs: string[], extra = '') =>
  `${header('Transform', name)}  version: 0.1.0\nspec:\n  runtime: ${runtime}\n  mode: batch\n${extra}  inputs:\n${inputs
    .map((i) => `    - dataset: ${i}\n`)
    .join('')}  outputs:\n${outputs.map((o) => `    - dataset: ${o}\n`).join('')}`;

export const warehouseStore = store(
  'warehouse',
  '  connector: postgres\n  connection:\n    host: db.internal\n    port: 5433\n    database: analytics_db\n  secrets:\n    username: ${PG_USER}\n    password: ${PG_PASSWORD}\n',
);

export const postgresConnector = connector(
  'postgres',
  'postgres',
  '  plugin:\n    source: ghcr.io/cloudquery/cq-source-postgresql:v8.0.0\n    destination: ghcr.io/cloudquery/cq-destination-postgresql:v8.7.0\n',
);

/** The secrets the tests put in the environment; none may appear in a generated file. */
export const secretEnv = { PG_USER: 'dk-user-7f3a', PG_PASSWORD: 'Pw-S3cr3t/:@#x"y' };

/** A dbt package: warehouse (Postgres) input and output, profile `reporting` in dbt_project.yml. */
export function dbtPackage(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'dk.yaml': transform('sales-report', 'dbt', ['raw-orders'], ['order-summary'], '  image: localhost/dk-fake-dbt:1\n'),
    'dataset/raw-orders.yaml': dataset('raw-orders', 'warehouse', '  table: public.raw_orders\n'),
    'dataset/order-summary.yaml': dataset('order-summary', 'warehouse', '  table: analytics.order_summary\n'),
    'store/warehouse.yaml': warehouseStore,
    'connector/postgres.yaml': postgresConnector,
    'dbt_project.yml': 'name: reporting\nversion: "0.1.0"\nconfig-version: 2\nprofile: reporting\nmodel-paths: ["models"]\n',
    'models/order_summary.sql': "select count(*) as orders from {{ source('public', 'raw_orders') }}\n",
    ...extra,
  };
}

/** A CloudQuery package: two Postgres tables in, parquet files out. */
export function cloudqueryPackage(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'dk.yaml': transform(
      'orders-export',
      'cloudquery',
      ['orders', 'customers'],
      ['orders-files'],
      '  image: localhost/dk-fake-cloudquery:1\n',
    ),
    'dataset/orders.yaml': dataset('orders', 'warehouse', '  table: orders\n'),
    'dataset/customers.yaml': dataset('customers', 'warehouse', '  table: customers\n'),
    'dataset/orders-files.yaml': dataset('orders-files', 'local', '  prefix: export/\n  format: parquet\n'),
    'store/warehouse.yaml': warehouseStore,
    'store/local.yaml': store('local', '  connector: file\n  connection:\n    path: ./data\n'),
    'connector/postgres.yaml': postgresConnector,
    'connector/file.yaml': connector('file', 'file', '  plugin:\n    destination: ghcr.io/cloudquery/cq-destination-file:v5.4.23\n'),
    'data/.keep': '',
    ...extra,
  };
}

/** Lints a package (expecting no errors) and plans its only Transform. */
export async function lintAndPlan(dir: string, env: Record<string, string | undefined>): Promise<{ lint: LintResult; plan: RunPlan }> {
  const lint = await lintPath(dir);
  expect(
    lint.issues.filter((i) => i.severity === 'error'),
    'lint errors',
  ).toEqual([]);
  expect(lint.transforms).toHaveLength(1);
  return { lint, plan: planRun(lint, lint.transforms[0]!, { env }) };
}

/**
 * A fake tool: a shell script that records its arguments, working directory and environment,
 * copies every file of `copyDirVariable`'s directory (or of the directory named by its second
 * argument), prints a line (the password too, to prove masking is the caller's job) and exits
 * with `exitCode`.
 */
export function fakeTool(recordDir: string, options: { copyFrom: string; exitCode?: number }): string {
  return [
    '#!/bin/sh',
    `rec='${recordDir}'`,
    'mkdir -p "$rec/files"',
    'for a in "$@"; do printf \'%s\\n\' "$a"; done > "$rec/args"',
    'pwd > "$rec/cwd"',
    'env > "$rec/env"',
    `src=${options.copyFrom}`,
    'if [ -d "$src" ]; then cp -R "$src"/. "$rec/files/"; fi',
    'echo "fake tool ran with password=$DBT_ENV_SECRET_DK_PASSWORD"',
    'echo "fake tool stderr line" >&2',
    `exit ${options.exitCode ?? 0}`,
    '',
  ].join('\n');
}

/** A fresh folder holding `name`, an executable fakeTool recording into `recordDir`: to put on PATH. */
export async function fakeToolBin(name: string, recordDir: string, options: { copyFrom: string; exitCode?: number }): Promise<string> {
  const bin = await writeTree({ [name]: fakeTool(recordDir, options) });
  await chmod(path.join(bin, name), 0o755);
  return bin;
}

/** Fails when `text` holds a credential of secretEnv, also URL-encoded. */
export function expectNoSecret(text: string): void {
  for (const secret of Object.values(secretEnv)) expect(text).not.toContain(secret);
  expect(text).not.toContain(encodeURIComponent(secretEnv.PG_PASSWORD));
}

/**
 * Runs the package in `dir` locally with a PATH (`emptyBin`) that holds no tool, into `tempRoot`,
 * and returns what runWithRuntime threw (or returned).
 */
export async function runWithoutTool(
  dir: string,
): Promise<{ error: unknown; observer: ReturnType<typeof recordingObserver>; tempRoot: string; emptyBin: string }> {
  const emptyBin = await writeTree({ '.keep': '' });
  const tempRoot = await writeTree({});
  const { lint, plan } = await lintAndPlan(dir, secretEnv);
  const observer = recordingObserver();
  const error = await runWithRuntime(plan, {
    baseEnv: { PATH: emptyBin, ...secretEnv },
    manifests: lint.manifests,
    tempRoot,
    observer,
  }).catch((e: unknown) => e);
  return { error, observer, tempRoot, emptyBin };
}

/** Records the observer calls. */
export function recordingObserver(): RunObserver & {
  calls: Array<{ event: 'started' | 'finished'; plan: RunPlan; outcome?: RunOutcome }>;
} {
  const calls: Array<{ event: 'started' | 'finished'; plan: RunPlan; outcome?: RunOutcome }> = [];
  return {
    calls,
    started: async (plan) => void calls.push({ event: 'started', plan }),
    finished: async (plan, outcome) => void calls.push({ event: 'finished', plan, outcome }),
  };
}

/** Every file below `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })) as Array<{
    name: string;
    parentPath?: string;
    path?: string;
    isFile(): boolean;
  }>;
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path ?? dir, e.name)))
    .sort();
}

/** Parses `NAME=value` lines of `env` output. */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
