import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DataKitError } from '../../src/core';
import { cloudqueryRuntime, connectorPlugins, parsePluginReference, renderSyncSpec } from '../../src/runner/cloudquery-runtime';
import { runWithRuntime } from '../../src/runner/run-with-runtime';
import { writeTree } from '../helpers/temp-tree';
import {
  cloudqueryPackage,
  connector,
  dataset,
  expectNoSecret,
  fakeToolBin,
  lintAndPlan,
  listFiles,
  parseEnv,
  runWithoutTool,
  secretEnv,
  store,
  transform,
} from './fixtures';

interface Doc {
  kind: string;
  spec: Record<string, unknown> & { spec: Record<string, unknown> };
}

const documents = (content: string): Doc[] => parseAllDocuments(content).map((d) => d.toJS() as Doc);

describe('plugin references', () => {
  it('reads images, Hub plugins, gRPC and local paths', () => {
    expect(parsePluginReference('ghcr.io/cloudquery/cq-source-postgresql:v8.0.0')).toEqual({
      registry: 'docker',
      path: 'ghcr.io/cloudquery/cq-source-postgresql:v8.0.0',
    });
    expect(parsePluginReference('docker://localhost:5000/cq/plugin@sha256:abc')).toEqual({
      registry: 'docker',
      path: 'localhost:5000/cq/plugin@sha256:abc',
    });
    expect(parsePluginReference('cloudquery/postgresql@v8.14.1')).toEqual({
      registry: 'cloudquery',
      path: 'cloudquery/postgresql',
      version: 'v8.14.1',
    });
    expect(parsePluginReference('grpc://127.0.0.1:7777')).toEqual({ registry: 'grpc', path: '127.0.0.1:7777' });
    expect(parsePluginReference('local:/opt/plugins/cq-source-x')).toEqual({ registry: 'local', path: '/opt/plugins/cq-source-x' });
    expect(parsePluginReference('./bin/cq-source-x')).toEqual({ registry: 'local', path: './bin/cq-source-x' });
  });
});

describe('sync spec generation', () => {
  it('one source per input Store with its tables, one destination per output Store, plugins from the Connectors', async () => {
    const dir = await writeTree(cloudqueryPackage());
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const plugins = connectorPlugins(lint.manifests, plan);
    expect(plugins).toEqual({
      warehouse: {
        connector: 'postgres',
        source: 'ghcr.io/cloudquery/cq-source-postgresql:v8.0.0',
        destination: 'ghcr.io/cloudquery/cq-destination-postgresql:v8.7.0',
      },
      local: { connector: 'file', destination: 'ghcr.io/cloudquery/cq-destination-file:v5.4.23' },
    });
    const { content, env } = renderSyncSpec(plan, plugins, secretEnv);
    const [source, destination, ...rest] = documents(content);
    expect(rest).toEqual([]);
    expect(source).toEqual({
      kind: 'source',
      spec: {
        name: 'warehouse',
        registry: 'docker',
        path: 'ghcr.io/cloudquery/cq-source-postgresql:v8.0.0',
        tables: ['orders', 'customers'],
        destinations: ['local'],
        spec: { connection_string: '${DK_STORE_DSN_WAREHOUSE}' },
      },
    });
    expect(destination).toEqual({
      kind: 'destination',
      spec: {
        name: 'local',
        registry: 'docker',
        path: 'ghcr.io/cloudquery/cq-destination-file:v5.4.23',
        spec: { path: `${path.join(dir, 'data')}/export/{{TABLE}}/{{UUID}}.{{FORMAT}}`, format: 'parquet' },
      },
    });
    expect(env).toEqual({});
    expectNoSecret(content);
    // The variable it names holds the address, resolved at run time.
    expect(plan.contractEnv.DK_STORE_DSN_WAREHOUSE).toContain(encodeURIComponent(secretEnv.PG_PASSWORD));
  });

  it('syncs every table when the input DataSets name none, and names a Store used both ways apart', async () => {
    const dir = await writeTree(
      cloudqueryPackage({
        'dk.yaml': transform('copy', 'cloudquery', ['orders'], ['orders-copy']),
        'dataset/orders.yaml': dataset('orders', 'warehouse', '  prefix: any/\n  format: parquet\n'),
        'dataset/orders-copy.yaml': dataset('orders-copy', 'warehouse', '  table: public.orders_copy\n'),
      }),
    );
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const [source, destination] = documents(renderSyncSpec(plan, connectorPlugins(lint.manifests, plan), secretEnv).content);
    expect(source!.spec).toMatchObject({ name: 'warehouse', tables: ['*'], destinations: ['warehouse-destination'] });
    expect(destination!.spec).toMatchObject({
      name: 'warehouse-destination',
      path: 'ghcr.io/cloudquery/cq-destination-postgresql:v8.7.0',
      spec: { connection_string: '${DK_STORE_DSN_WAREHOUSE}' },
    });
  });

  it('keeps other Stores’ secrets as ${VAR} references, passing their values through the environment', async () => {
    const dir = await writeTree(
      cloudqueryPackage({
        'dataset/orders-files.yaml': dataset('orders-files', 'lake', '  prefix: exports/orders/\n  format: csv\n'),
        'store/lake.yaml': store(
          'lake',
          '  connector: s3\n  connection:\n    bucket: dk-lake\n    region: eu-west-1\n  secrets:\n    access_key_id: ${LAKE_KEY}\n    secret_access_key: ${LAKE_SECRET}\n',
        ),
        'connector/s3.yaml': connector('s3', 's3', '  plugin:\n    destination: ghcr.io/cloudquery/cq-destination-s3:v5.1.0\n'),
      }),
    );
    const env = { ...secretEnv, LAKE_KEY: 'AKIA-lake-key-123', LAKE_SECRET: 'lake-secret-456' };
    const { lint, plan } = await lintAndPlan(dir, env);
    const { content, env: passed } = renderSyncSpec(plan, connectorPlugins(lint.manifests, plan), env);
    const destination = documents(content).find((d) => d.kind === 'destination')!;
    expect(destination.spec.spec).toEqual({
      bucket: 'dk-lake',
      region: 'eu-west-1',
      access_key_id: '${LAKE_KEY}',
      secret_access_key: '${LAKE_SECRET}',
      path: 'exports/orders/{{TABLE}}/{{UUID}}.{{FORMAT}}',
      format: 'csv',
    });
    expect(passed).toEqual({ LAKE_KEY: 'AKIA-lake-key-123', LAKE_SECRET: 'lake-secret-456' });
    expect(content).not.toContain('AKIA-lake-key-123');
    expect(content).not.toContain('lake-secret-456');
    const additions = cloudqueryRuntime(plan, {
      env,
      plugins: connectorPlugins(lint.manifests, plan),
      location: { configDir: '/dk/runtime', projectDir: '/work', container: true },
    });
    expect(additions.secrets.sort()).toEqual(['AKIA-lake-key-123', 'lake-secret-456']);
  });

  it('a Connector without the plugin is refused with DK612, a Transform without outputs with DK611', async () => {
    const dir = await writeTree(cloudqueryPackage({ 'connector/file.yaml': connector('file', 'file') }));
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    expect(() => renderSyncSpec(plan, connectorPlugins(lint.manifests, plan), secretEnv)).toThrow(
      expect.objectContaining({
        code: 'DK612',
        message: expect.stringContaining('Connector file (of Store local) has no spec.plugin.destination'),
      }),
    );
    expect(() => renderSyncSpec({ ...plan, outputs: [] }, connectorPlugins(lint.manifests, plan), secretEnv)).toThrow(
      expect.objectContaining({ code: 'DK611' }),
    );
  });

  it('local: cloudquery sync <dir>/spec with logs on stderr and its own files outside the package; container: sync /dk/runtime/spec', async () => {
    const dir = await writeTree(cloudqueryPackage());
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const plugins = connectorPlugins(lint.manifests, plan);
    const local = cloudqueryRuntime(plan, {
      env: secretEnv,
      plugins,
      location: { configDir: '/tmp/dk-cq-x', projectDir: dir, container: false },
    });
    expect(local.command).toEqual([
      'cloudquery',
      'sync',
      '/tmp/dk-cq-x/spec',
      '--log-console',
      '--no-log-file',
      '--cq-dir',
      '/tmp/dk-cq-x/cq',
    ]);
    expect(Object.keys(local.files)).toEqual(['spec/sync.yml']);
    const container = cloudqueryRuntime(plan, {
      env: secretEnv,
      plugins,
      location: { configDir: '/dk/runtime', projectDir: '/work', container: true },
    });
    expect(container.command).toEqual(['sync', '/dk/runtime/spec', '--log-console', '--no-log-file', '--cq-dir', '/tmp/dk-cloudquery']);
    for (const additions of [local, container]) for (const content of Object.values(additions.files)) expectNoSecret(content);
  });
});

describe('running cloudquery locally', () => {
  it('a PATH without cloudquery fails before the run starts with DK610', async () => {
    const { error, observer, tempRoot } = await runWithoutTool(await writeTree(cloudqueryPackage()));
    expect(error).toBeInstanceOf(DataKitError);
    expect(error).toMatchObject({
      code: 'DK610',
      message: 'cloudquery is not installed: see https://docs.cloudquery.io/docs/quickstart, or run in a container without --local',
    });
    expect(observer.calls).toEqual([]);
    expect(await listFiles(tempRoot)).toEqual([]);
  });

  it('runs a fake cloudquery from PATH on the generated spec, and removes it afterwards', async () => {
    const dir = await writeTree(cloudqueryPackage());
    const before = await listFiles(dir);
    const tempRoot = await writeTree({});
    const record = await writeTree({});
    const bin = await fakeToolBin('cloudquery', record, { copyFrom: '"$2"' });
    const { lint, plan } = await lintAndPlan(dir, secretEnv);
    const outcome = await runWithRuntime(plan, {
      baseEnv: { PATH: `${bin}:/usr/bin:/bin`, ...secretEnv },
      manifests: lint.manifests,
      tempRoot,
    });
    expect(outcome.status, JSON.stringify(outcome)).toBe('completed');

    const args = (await readFile(path.join(record, 'args'), 'utf8')).trim().split('\n');
    const runtimeDir = path.dirname(args[1]!);
    expect(path.dirname(runtimeDir)).toBe(tempRoot);
    expect(args).toEqual([
      'sync',
      path.join(runtimeDir, 'spec'),
      '--log-console',
      '--no-log-file',
      '--cq-dir',
      path.join(runtimeDir, 'cq'),
    ]);
    expect((await readFile(path.join(record, 'cwd'), 'utf8')).trim()).toBe(dir);
    const env = parseEnv(await readFile(path.join(record, 'env'), 'utf8'));
    expect(env.DK_STORE_DSN_WAREHOUSE).toBe(plan.contractEnv.DK_STORE_DSN_WAREHOUSE);

    expect(await listFiles(path.join(record, 'files'))).toEqual(['sync.yml']);
    const spec = await readFile(path.join(record, 'files/sync.yml'), 'utf8');
    expect(documents(spec).map((d) => `${d.kind}:${String(d.spec.name)}`)).toEqual(['source:warehouse', 'destination:local']);
    expectNoSecret(spec);

    expect(await listFiles(tempRoot)).toEqual([]);
    expect(await listFiles(dir)).toEqual(before);
  });
});
