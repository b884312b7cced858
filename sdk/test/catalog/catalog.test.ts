import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildCatalog,
  catalogToJson,
  formatCatalogText,
  parseLineageEvents,
  readLineageEvents,
  summarizeRuns,
  type CatalogDataset,
} from '../../src/catalog';
import { FileSystemError, UsageError } from '../../src/core';
import type { RunEvent } from '../../src/lineage';
import { lintPath } from '../../src/validate';
import { writeTree } from '../helpers/temp-tree';
import { warehouseTree } from './warehouse-tree';

const examples = path.resolve(import.meta.dirname, '../../../../shared/conformance/datakit-reference/examples');

const byName = (datasets: CatalogDataset[], name: string): CatalogDataset => {
  const found = datasets.find((d) => d.name === name);
  if (!found) throw new Error(`no dataset ${name} in ${datasets.map((d) => d.name).join(', ')}`);
  return found;
};

function event(
  eventType: RunEvent['eventType'],
  runId: string,
  eventTime: string,
  job: string,
  outputs: Array<{ namespace: string; name: string }> = [],
): RunEvent {
  return {
    eventType,
    eventTime,
    producer: 'https://example.com/producer',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId },
    job: { namespace: 'default', name: job },
    inputs: [],
    outputs,
  };
}

describe('buildCatalog on the reference examples', () => {
  it('k8s-dbclaim-pipeline: every DataSet and job, with producers, consumers, upstream and downstream', async () => {
    const catalog = buildCatalog(await lintPath(path.join(examples, 'k8s-dbclaim-pipeline')));
    expect(catalog.jobs.map((j) => j.name)).toEqual(['dbt-reporting', 'k8s-collector', 's3-to-postgres']);
    expect(catalog.datasets).toHaveLength(11);
    expect(catalog.datasets.every((d) => !d.external)).toBe(true);

    const claims = byName(catalog.datasets, 'database-claims');
    expect(claims).toMatchObject({
      version: '1.0.0',
      store: 's3-raw',
      format: 'parquet',
      classification: 'internal',
      producers: ['k8s-collector'],
      consumers: ['s3-to-postgres'],
      upstream: ['k8s-cluster-data'],
      downstream: ['db-usage-indicators', 'stg-database-claims', 'stg-db-indicators', 'stg-helm-releases'],
    });
    expect(claims.schema.map((f) => [f.name, f.type, f.pii])).toContainEqual(['collected_at', 'timestamp', false]);
    // The Stores are declared elsewhere: no physical name, and no guess.
    expect(claims.namespace).toBeUndefined();
    expect(claims.storeType).toBeUndefined();

    const report = byName(catalog.datasets, 'dbclaim-report');
    expect(report.upstream).toEqual(['db-usage-indicators', 'stg-database-claims', 'stg-db-indicators', 'stg-helm-releases']);
    expect(report.downstream).toEqual([]);
    expect(report.consumers).toEqual([]);
    expect(byName(catalog.datasets, 'k8s-secrets').classification).toBe('confidential');
    expect(byName(catalog.datasets, 'k8s-cluster-data')).toMatchObject({ producers: [], consumers: ['k8s-collector'], schema: [] });

    const collector = catalog.jobs.find((j) => j.name === 'k8s-collector')!;
    expect(collector).toMatchObject({ namespace: 'default', runtime: 'cloudquery', mode: 'batch', inputs: ['k8s-cluster-data'] });
    expect(collector.outputs).toHaveLength(5);
    expect(collector.lastRun).toBeUndefined();
  });

  it('reactive-pipeline: PII fields with their column lineage, despite the lint errors', async () => {
    const lint = await lintPath(path.join(examples, 'reactive-pipeline'));
    // enriched-events holds PII yet is classified internal (DK301): catalogued all the same.
    expect(lint.issues.some((i) => i.code === 'DK301')).toBe(true);
    const catalog = buildCatalog(lint);
    const enriched = byName(catalog.datasets, 'enriched-events');
    expect(enriched.schema.filter((f) => f.pii)).toEqual([{ name: 'user_email', type: 'string', pii: true, from: 'users.email' }]);
    expect(enriched.schema.find((f) => f.name === 'user_name')).toEqual({
      name: 'user_name',
      type: 'string',
      pii: false,
      from: 'users.name',
    });
    expect(enriched).toMatchObject({
      producers: ['enrich'],
      consumers: ['aggregate'],
      upstream: ['raw-events-parquet'],
      downstream: ['event-summary'],
    });
    expect(byName(catalog.datasets, 'raw-events')).toMatchObject({ upstream: [], downstream: ['raw-events-parquet'], schema: [] });
    expect(byName(catalog.datasets, 'event-summary')).toMatchObject({ upstream: ['enriched-events'], downstream: [] });
    expect(catalog.datasets.filter((d) => d.schema.some((f) => f.pii)).map((d) => d.name)).toEqual(['enriched-events']);

    const text = formatCatalogText(catalog, { cwd: examples });
    expect(text).toContain('user_email: string [PII]');
    expect(text).toContain('reactive-pipeline/datasets/enriched-events/dk.yaml');
    expect(text).toMatch(/4 dataset\(s\), 3 job\(s\); 1 PII field\(s\) in 1 dataset\(s\)/);
  });
});

describe('physical names', () => {
  it('names datasets as dk run does when the Store is declared, and says why when it cannot', async () => {
    const root = await writeTree(warehouseTree);
    const catalog = buildCatalog(await lintPath(root));
    expect(byName(catalog.datasets, 'customers')).toMatchObject({
      namespace: 'postgres://db.internal:5432',
      physicalName: 'app.public.customers',
      store: 'pg',
      storeType: 'postgres',
      owner: 'data-platform',
      classification: 'confidential',
    });
    expect(byName(catalog.datasets, 'customer-summary')).toMatchObject({
      namespace: 's3://analytics',
      physicalName: 'summaries/customers',
    });
    expect(byName(catalog.datasets, 'local-copy')).toMatchObject({ namespace: 'file://', physicalName: path.join(root, 'data/copy') });
    const unnamed = byName(catalog.datasets, 'audit-log');
    expect(unnamed.namespace).toBeUndefined();
    expect(unnamed.namingProblem).toMatch(/^DK650: .*no literal host/);
    expect(catalog.jobs[0]).toMatchObject({ name: 'load', namespace: 'analytics', owner: 'team-data' });
  });

  it('a DataSet referenced but not declared is external', async () => {
    const root = await writeTree({
      'dk.yaml':
        'apiVersion: datakit.dev/v1alpha1\nkind: Transform\nmetadata:\n  name: t\nspec:\n  runtime: generic-node\n  image: node:20\n  inputs:\n    - dataset: a\n  outputs:\n    - dataset: b\n',
    });
    const catalog = buildCatalog(await lintPath(root));
    expect(catalog.datasets.map((d) => [d.name, d.external, d.producers, d.consumers])).toEqual([
      ['a', true, [], ['t']],
      ['b', true, ['t'], []],
    ]);
    expect(byName(catalog.datasets, 'b').upstream).toEqual(['a']);
  });
});

describe('last runs from lineage events', () => {
  const summaryOut = { namespace: 's3://analytics', name: 'summaries/customers' };

  it('a terminal event decides the state whatever the order; the latest run wins', () => {
    const runs = summarizeRuns([
      event('COMPLETE', 'r1', '2025-01-01T10:05:00Z', 'load'),
      event('START', 'r1', '2025-01-01T10:00:00Z', 'load'),
      event('START', 'r2', '2025-01-02T10:00:00Z', 'load'),
      event('RUNNING', 'r2', '2025-01-02T10:01:00Z', 'load'),
      event('START', 'r3', '2025-01-03T10:00:00Z', 'load'),
      event('FAIL', 'r3', '2025-01-03T10:02:00Z', 'load'),
      event('ABORT', 'r4', '2025-01-03T11:00:00Z', 'other'),
    ]);
    expect([...runs.values()].map((r) => [r.runId, r.state, r.time])).toEqual([
      ['r1', 'COMPLETED', '2025-01-01T10:05:00Z'],
      ['r2', 'RUNNING', '2025-01-02T10:01:00Z'],
      ['r3', 'FAILED', '2025-01-03T10:02:00Z'],
      ['r4', 'ABORTED', '2025-01-03T11:00:00Z'],
    ]);
  });

  it('gives jobs their last run, and DataSets the last run that wrote them (by physical name, else their producers)', async () => {
    const root = await writeTree(warehouseTree);
    const lint = await lintPath(root);
    const lineageEvents = [
      event('START', 'r1', '2025-01-01T10:00:00Z', 'load', [summaryOut]),
      event('COMPLETE', 'r1', '2025-01-01T10:05:00Z', 'load', [summaryOut]),
      // Another namespace's job of the same name is not ours.
      { ...event('FAIL', 'x1', '2025-06-01T00:00:00Z', 'load'), job: { namespace: 'elsewhere', name: 'load' } },
      // A later run of another job writing the same physical dataset.
      event('COMPLETE', 'r2', '2025-02-01T09:00:00Z', 'backfill', [summaryOut]),
    ];
    // The job is in namespace analytics.
    for (const e of lineageEvents) if (e.job.name === 'load' && e.job.namespace === 'default') e.job.namespace = 'analytics';
    const catalog = buildCatalog(lint, { lineageEvents });
    expect(catalog.jobs[0]!.lastRun).toEqual({
      runId: 'r1',
      state: 'COMPLETED',
      time: '2025-01-01T10:05:00Z',
      job: { namespace: 'analytics', name: 'load' },
    });
    expect(byName(catalog.datasets, 'customer-summary').lastRun).toMatchObject({ runId: 'r2', job: { name: 'backfill' } });
    // audit-log has no physical name: its producer's last run.
    expect(byName(catalog.datasets, 'audit-log').lastRun).toMatchObject({ runId: 'r1', state: 'COMPLETED' });
    // An input nobody here writes has no last run.
    expect(byName(catalog.datasets, 'customers').lastRun).toBeUndefined();
    const json = catalogToJson(catalog, { cwd: root });
    expect(json.version).toBe(1);
    expect(json.jobs[0]!.file).toBe('dk.yaml');
  });
});

describe('reading lineage files', () => {
  it('skips blank lines and events that are not RunEvents', () => {
    const text = [
      JSON.stringify(event('START', 'r1', '2025-01-01T00:00:00Z', 'j')),
      '',
      JSON.stringify({ eventTime: '2025-01-01T00:00:00Z', dataset: { namespace: 'n', name: 'd' } }),
      JSON.stringify(event('COMPLETE', 'r1', '2025-01-01T00:01:00Z', 'j')),
      '',
    ].join('\n');
    expect(parseLineageEvents(text).map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
  });

  it('a line that is not a JSON object is DK681 with its line number', () => {
    const text = `${JSON.stringify(event('START', 'r1', '2025-01-01T00:00:00Z', 'j'))}\n{"eventType": "COMPL`;
    const error = (() => {
      try {
        parseLineageEvents(text, 'events.jsonl');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'DK681', exitCode: 2 });
    expect((error as Error).message).toMatch(/^events\.jsonl:2: not JSON/);
    expect(() => parseLineageEvents('[1, 2]')).toThrow(/1: not a JSON object/);
  });

  it('a missing file is DK680, an I/O error (exit 2)', async () => {
    const root = await writeTree({});
    const error = await readLineageEvents(path.join(root, 'nope.jsonl'), { displayName: 'nope.jsonl' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect(error).toMatchObject({ code: 'DK680', exitCode: 2, message: 'nope.jsonl: no such file' });
  });
});
