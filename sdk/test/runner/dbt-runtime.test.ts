import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DataKitError } from '../../src/core';
import { maskSecrets } from '../../src/runner';
import { dbtConnection, dbtRuntime, readDbtProfileName, renderDbtProfile, schemaOfTable } from '../../src/runner/dbt-runtime';
import { findOnPath } from '../../src/runner/plan-runtime';
import { prepareRuntime, runWithRuntime } from '../../src/runner/run-with-runtime';
import { createPodmanSandbox, podmanForTests, type PodmanSandbox } from '../helpers/podman';
import { writeTree } from '../helpers/temp-tree';
import {
  dataset,
  dbtPackage,
  expectNoSecret,
  fakeToolBin,
  lintAndPlan,
  listFiles,
  parseEnv,
  recordingObserver,
  runWithoutTool,
  secretEnv,
  store,
  warehouseStore,
} from './fixtures';

const secrets = Object.values(secretEnv);
const local = (dir: string, pkg: string) => ({ configDir: dir, projectDir: pkg, container: false });

interface Profile {
  [name: string]: { target: string; outputs: Record<string, Record<string, unknown>> };
}

describe('profiles.yml generation', () => {
  it('targets the output Postgres Store: host, port, database and the schema of the output table', async () => {
    const dir = await writeTree(dbtPackage());
    const { plan } = await lintAndPlan(dir, secretEnv);
    const connection = dbtConnection(plan, secretEnv);
    expect(connection).toMatchObject({ store: 'warehouse', host: 'db.internal', port: 5433, dbname: 'analytics_db', schema: 'analytics' });
    const { content, env } = renderDbtProfile('reporting', connection);
    const profile = parse(content) as Profile;
    expect(Object.keys(profile)).toEqual(['reporting']);
    expect(profile.reporting!.target).toBe('dk');
    expect(profile.reporting!.outputs.dk).toEqual({
      type: 'postgres',
      host: 'db.internal',
      port: 5433,
      dbname: 'analytics_db',
      schema: 'analytics',
      user: "{{ env_var('DBT_ENV_SECRET_DK_USER') }}",
      password: "{{ env_var('DBT_ENV_SECRET_DK_PASSWORD') }}",
      threads: 4,
    });
    expect(env).toEqual({ DBT_ENV_SECRET_DK_USER: secretEnv.PG_USER, DBT_ENV_SECRET_DK_PASSWORD: secretEnv.PG_PASSWORD });
    expectNoSecret(content);
  });

  it('takes the schema from schema.table or db.schema.table, else connection.schema, else public', async () => {
    expect(schemaOfTable('analytics.orders')).toBe('analytics');
    expect(schemaOfTable('warehouse.mart.orders')).toBe('mart');
    expect(schemaOfTable('orders')).toBeUndefined();
    const dir = await writeTree(
      dbtPackage({
        'dataset/order-summary.yaml': dataset('order-summary', 'warehouse', '  table: order_summary\n'),
        'store/warehouse.yaml': warehouseStore.replace('    database: analytics_db\n', '    database: analytics_db\n    schema: marts\n'),
      }),
    );
    expect(dbtConnection((await lintAndPlan(dir, secretEnv)).plan, secretEnv).schema).toBe('marts');
    const bare = await writeTree(
      dbtPackage({ 'dataset/order-summary.yaml': dataset('order-summary', 'warehouse', '  table: order_summary\n') }),
    );
    expect(dbtConnection((await lintAndPlan(bare, secretEnv)).plan, secretEnv).schema).toBe('public');
  });

  it('reads a connection URL given as a ${VAR} secret: host and database written, credentials through the environment', async () => {
    const dir = await writeTree(
      dbtPackage({ 'store/warehouse.yaml': store('warehouse', '  connector: postgres\n  secrets:\n    connection_string: ${PG_URL}\n') }),
    );
    const env = {
      PG_URL: `postgresql://${secretEnv.PG_USER}:${encodeURIComponent(secretEnv.PG_PASSWORD)}@pg.example:6432/sales?sslmode=require`,
    };
    const { plan } = await lintAndPlan(dir, env);
    const connection = dbtConnection(plan, env);
    expect(connection).toMatchObject({
      host: 'pg.example',
      port: 6432,
      dbname: 'sales',
      user: secretEnv.PG_USER,
      password: secretEnv.PG_PASSWORD,
      sslmode: 'require',
    });
    const { content, env: variables } = renderDbtProfile('reporting', connection);
    expect((parse(content) as Profile).reporting!.outputs.dk).toMatchObject({
      host: 'pg.example',
      port: 6432,
      dbname: 'sales',
      sslmode: 'require',
    });
    expect(variables.DBT_ENV_SECRET_DK_PASSWORD).toBe(secretEnv.PG_PASSWORD);
    expectNoSecret(content);
    expect(content).not.toContain(env.PG_URL);
  });

  it('uses the profile dbt_project.yml names, else the package name', async () => {
    const dir = await writeTree(dbtPackage());
    expect(await readDbtProfileName(dir, 'sales-report')).toBe('reporting');
    const none = await writeTree({ 'dk.yaml': '' });
    expect(await readDbtProfileName(none, 'sales-report')).toBe('sales_report');
  });

  it('a Transform with no Postgres Store is refused with DK611', async () => {
    const dir = await writeTree(
      dbtPackage({
        'dataset/raw-orders.yaml': dataset('raw-orders', 'local', '  prefix: in/\n  format: jsonl\n'),
        'dataset/order-summary.yaml': dataset('order-summary', 'local', '  prefix: out/\n  format: jsonl\n'),
        'store/local.yaml': store('local', '  connector: file\n  connection:\n    path: ./data\n'),
        'connector/file.yaml': 'apiVersion: datakit.dev/v1alpha1\nkind: Connector\nmetadata:\n  name: file\nspec:\n  type: file\n',
      }),
    );
    const { plan } = await lintAndPlan(dir, secretEnv);
    expect(() => dbtConnection(plan, secretEnv)).toThrow(expect.objectContaining({ code: 'DK611' }));
  });
});

describe('dbtRuntime additions', () => {
  it('local: profiles.yml for the runtime dir, DBT_PROFILES_DIR, and dbt run --project-dir <package>', async () => {
    const dir = await writeTree(dbtPackage());
    const { plan } = await lintAndPlan(dir, secretEnv);
    const additions = dbtRuntime(plan, { env: secretEnv, profileName: 'reporting', location: local('/tmp/dk-dbt-x', dir) });
    expect(additions.command).toEqual(['dbt', 'run', '--project-dir', dir]);
    expect(Object.keys(additions.files)).toEqual(['profiles.yml']);
    expect(additions.env).toEqual({
      DBT_ENV_SECRET_DK_USER: secretEnv.PG_USER,
      DBT_ENV_SECRET_DK_PASSWORD: secretEnv.PG_PASSWORD,
      DBT_PROFILES_DIR: '/tmp/dk-dbt-x',
    });
    expect(additions.secrets).toEqual(expect.arrayContaining(secrets));
    expect(additions.files['profiles.yml']).toContain(`run ${plan.runId}`);
  });

  it('container: the image gets `run --project-dir /work`, profiles from /dk/runtime, target and logs in /tmp', async () => {
    const dir = await writeTree(dbtPackage());
    const { plan } = await lintAndPlan(dir, secretEnv);
    const additions = dbtRuntime(plan, {
      env: secretEnv,
      profileName: 'reporting',
      location: { configDir: '/dk/runtime', projectDir: '/work', container: true },
    });
    expect(additions.command).toEqual(['run', '--project-dir', '/work']);
    expect(additions.env).toMatchObject({
      DBT_PROFILES_DIR: '/dk/runtime',
      DBT_TARGET_PATH: '/tmp/dbt/target',
      DBT_LOG_PATH: '/tmp/dbt/logs',
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    });
  });

  it('writes no secret value into any generated file, whatever the Store form', async () => {
    for (const warehouse of [
      warehouseStore,
      store('warehouse', '  connector: postgres\n  secrets:\n    url: ${PG_URL}\n'),
      store(
        'warehouse',
        '  connector: postgres\n  connection:\n    host: ${PG_HOST}\n    database: ${PG_DB}\n  secrets:\n    password: ${PG_PASSWORD}\n',
      ),
    ]) {
      const env = {
        ...secretEnv,
        PG_URL: `postgres://${secretEnv.PG_USER}:${encodeURIComponent(secretEnv.PG_PASSWORD)}@h:5432/d`,
        PG_HOST: 'secret-host-91',
        PG_DB: 'secret-db-77',
      };
      const dir = await writeTree(dbtPackage({ 'store/warehouse.yaml': warehouse }));
      const { plan } = await lintAndPlan(dir, env);
      for (const container of [false, true]) {
        const additions = dbtRuntime(plan, { env, profileName: 'reporting', location: { configDir: '/c', projectDir: dir, container } });
        for (const content of Object.values(additions.files)) {
          expectNoSecret(content);
          expect(content).not.toContain('secret-host-91');
          expect(content).not.toContain('secret-db-77');
        }
      }
    }
  });
});

describe('running dbt locally', () => {
  it('a PATH without dbt fails before the run starts with DK610 and leaves nothing behind', async () => {
    const { error, observer, tempRoot, emptyBin } = await runWithoutTool(await writeTree(dbtPackage()));
    expect(await findOnPath('dbt', emptyBin)).toBeUndefined();
    expect(error).toBeInstanceOf(DataKitError);
    expect(error).toMatchObject({
      code: 'DK610',
      message: 'dbt is not installed: pip install dbt-postgres, or run in a container without --local',
    });
    expect(observer.calls).toEqual([]);
    expect(await listFiles(tempRoot)).toEqual([]);
  });

  it('runs a fake dbt from PATH: dbt run --project-dir <package>, profiles outside the package, credentials only in the environment', async () => {
    const dir = await writeTree(dbtPackage());
    const before = await listFiles(dir);
    const tempRoot = await writeTree({});
    const record = await writeTree({});
    const bin = await fakeToolBin('dbt', record, { copyFrom: '"$DBT_PROFILES_DIR"' });
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const observer = recordingObserver();
    let stdout = '';
    const outcome = await runWithRuntime(plan, {
      baseEnv: { PATH: `${bin}:/usr/bin:/bin`, ...secretEnv },
      manifests: lint.manifests,
      tempRoot,
      observer,
      onStdout: (chunk) => void (stdout += chunk.toString()),
    });
    expect(outcome.status, JSON.stringify(outcome)).toBe('completed');
    expect(observer.calls.map((c) => c.event)).toEqual(['started', 'finished']);

    expect((await readFile(path.join(record, 'args'), 'utf8')).trim().split('\n')).toEqual(['run', '--project-dir', dir]);
    expect((await readFile(path.join(record, 'cwd'), 'utf8')).trim()).toBe(dir);
    const env = parseEnv(await readFile(path.join(record, 'env'), 'utf8'));
    const profilesDir = env.DBT_PROFILES_DIR!;
    expect(path.dirname(profilesDir)).toBe(tempRoot);
    expect(profilesDir.startsWith(dir)).toBe(false);
    expect(env.DBT_ENV_SECRET_DK_USER).toBe(secretEnv.PG_USER);
    expect(env.DBT_ENV_SECRET_DK_PASSWORD).toBe(secretEnv.PG_PASSWORD);
    expect(env.DK_RUN_ID).toBe(plan.runId);
    expect(env.DK_OUTPUT_ORDER_SUMMARY).toContain('analytics.order_summary');

    // What dbt read: the profile, with env_var references and no secret.
    expect(await listFiles(path.join(record, 'files'))).toEqual(['profiles.yml']);
    const profile = await readFile(path.join(record, 'files/profiles.yml'), 'utf8');
    expect((parse(profile) as Profile).reporting!.outputs.dk!.password).toBe("{{ env_var('DBT_ENV_SECRET_DK_PASSWORD') }}");
    expectNoSecret(profile);

    // The runtime directory is gone and the package is untouched.
    expect(await listFiles(tempRoot)).toEqual([]);
    expect(await listFiles(dir)).toEqual(before);
    // The caller masks the tool's output with plan.secrets, which holds the credentials.
    expect(stdout).toContain(secretEnv.PG_PASSWORD);
    expect(maskSecrets(stdout, plan.secrets)).not.toContain(secretEnv.PG_PASSWORD);
  });

  it('a failing dbt ends as a failed run with its stderr, and the runtime directory is still removed', async () => {
    const dir = await writeTree(dbtPackage());
    const tempRoot = await writeTree({});
    const record = await writeTree({});
    const bin = await fakeToolBin('dbt', record, { copyFrom: '"$DBT_PROFILES_DIR"', exitCode: 2 });
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const outcome = await runWithRuntime(plan, {
      baseEnv: { PATH: `${bin}:/usr/bin:/bin`, ...secretEnv },
      manifests: lint.manifests,
      tempRoot,
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.error.message).toBe('exited with code 2');
    expect(outcome.status === 'failed' && outcome.stderrTail).toBe('fake tool stderr line');
    expect(await listFiles(tempRoot)).toEqual([]);
  });

  it('an explicit spec.command is run instead of dbt run, with the same profile', async () => {
    const dir = await writeTree(dbtPackage());
    const dk = path.join(dir, 'dk.yaml');
    await writeFile(
      dk,
      (await readFile(dk, 'utf8')).replace('  image:', '  command: ["sh", "-c", "cat \\"$DBT_PROFILES_DIR/profiles.yml\\""]\n  image:'),
    );
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    let stdout = '';
    const outcome = await runWithRuntime(plan, {
      baseEnv: { PATH: '/usr/bin:/bin', ...secretEnv },
      manifests: lint.manifests,
      onStdout: (chunk) => void (stdout += chunk.toString()),
    });
    expect(outcome.status).toBe('completed');
    expect(stdout).toContain('password: "{{ env_var(\'DBT_ENV_SECRET_DK_PASSWORD\') }}"');
  });
});

const podman = await podmanForTests();

describe.skipIf(!podman.ok)('running dbt in a container (podman)', () => {
  let sandbox: PodmanSandbox;
  const image = 'localhost/dk-fake-dbt:1';
  const nonRootImage = 'localhost/dk-fake-dbt:non-root';
  // The fake dbt image: busybox with /bin/dbt as its entrypoint, like ghcr.io/dbt-labs/dbt-postgres.
  const fakeDbt = [
    '#!/bin/sh',
    'echo "args: $*"',
    'echo "pwd: $(pwd)"',
    'env | sort | sed "s/^/env: /"',
    'ls "$DBT_PROFILES_DIR" | sed "s/^/ls: /"',
    'sed "s/^/profile: /" "$DBT_PROFILES_DIR/profiles.yml"',
    'if touch "$DBT_PROFILES_DIR/.user.yml" 2>/dev/null; then echo "profiles dir: writable"; else echo "profiles dir: read-only"; fi',
    'if touch /work/target 2>/dev/null; then echo "package: writable"; else echo "package: read-only"; fi',
    '',
  ].join('\n');

  beforeAll(async () => {
    sandbox = await createPodmanSandbox();
    const files = { 'bin/dbt': { content: fakeDbt, mode: 0o755 } };
    await sandbox.importBusyboxImage(image, { files, entrypoint: ['/bin/dbt'] });
    await sandbox.importBusyboxImage(nonRootImage, { files, entrypoint: ['/bin/dbt'], user: '1000:1000' });
  });
  afterAll(async () => {
    await sandbox?.remove();
  });

  it('mounts the profile read-only at /dk/runtime and passes the credentials by name only', async () => {
    const dir = await writeTree(dbtPackage());
    const tempRoot = await writeTree({});
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sandbox.env, ...secretEnv };
    const options = { baseEnv, manifests: lint.manifests, tempRoot, engine: 'podman' as const };

    const prepared = (await prepareRuntime(plan, options))!;
    const commandLine = prepared.plan.command!;
    await prepared.cleanup();
    expect(commandLine.slice(0, 4)).toEqual(['podman', 'run', '-v', `${prepared.dir}:/dk/runtime:ro`]);
    expect(commandLine.slice(-4)).toEqual([image, 'run', '--project-dir', '/work']);
    expect(commandLine).toEqual(expect.arrayContaining(['-e', 'DBT_ENV_SECRET_DK_PASSWORD', '-e', 'DBT_PROFILES_DIR']));
    expectNoSecret(commandLine.join(' '));

    let stdout = '';
    let stderr = '';
    const outcome = await runWithRuntime(plan, {
      ...options,
      onStdout: (chunk) => void (stdout += chunk.toString()),
      onStderr: (chunk) => void (stderr += chunk.toString()),
    });
    expect(outcome.status, stderr).toBe('completed');
    expect(stdout).toContain('args: run --project-dir /work');
    expect(stdout).toContain('pwd: /work');
    expect(stdout).toContain('env: DBT_PROFILES_DIR=/dk/runtime');
    expect(stdout).toContain(`env: DBT_ENV_SECRET_DK_PASSWORD=${secretEnv.PG_PASSWORD}`);
    expect(stdout).toContain('env: DBT_TARGET_PATH=/tmp/dbt/target');
    expect(stdout).toContain('ls: profiles.yml');
    expect(stdout).toContain('profile:       password: "{{ env_var(\'DBT_ENV_SECRET_DK_PASSWORD\') }}"');
    expect(stdout).toContain('profiles dir: read-only');
    expect(stdout).toContain('package: read-only');
    expect(await listFiles(tempRoot)).toEqual([]);
  });

  it('an image running as a non-root user can read the profile', async () => {
    const dir = await writeTree(dbtPackage());
    await chmod(dir, 0o755);
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    let stdout = '';
    let stderr = '';
    const outcome = await runWithRuntime(
      { ...plan, image: nonRootImage },
      {
        baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sandbox.env, ...secretEnv },
        manifests: lint.manifests,
        engine: 'podman',
        onStdout: (chunk) => void (stdout += chunk.toString()),
        onStderr: (chunk) => void (stderr += chunk.toString()),
      },
    );
    expect(outcome.status, stderr).toBe('completed');
    expect(stdout).toContain('profile: reporting:');
    expect(stderr).not.toContain('Permission denied');
  });
});
