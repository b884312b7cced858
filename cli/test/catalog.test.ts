import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogJson } from '@datakit/sdk/catalog';
import { startFakeMarquezTags } from '../../sdk/test/helpers/catalog/fake-marquez-tags';
import type { CliConfig } from '../src/config';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

const examples = path.resolve(import.meta.dirname, '../../../shared/conformance/datakit-reference/examples');
let cwd: string;

beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-catalog-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dk(argv: string[], overrides: Partial<CliConfig> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, argv, overrides);
}

/** `dk catalog …argv`. */
function catalog(argv: string[], overrides: Partial<CliConfig> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, ['catalog', ...argv], overrides);
}

async function catalogJson(argv: string[], overrides: Partial<CliConfig> = {}): Promise<CatalogJson> {
  const result = await catalog([...argv, '-o', 'json'], overrides);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CatalogJson;
}

async function runIds(file: string): Promise<string[]> {
  const lines = (await readFile(path.join(cwd, file), 'utf8')).trim().split('\n');
  return [...new Set(lines.map((l) => (JSON.parse(l) as { run: { runId: string } }).run.runId))];
}

describe('dk catalog', () => {
  it('-o json on the k8s-dbclaim reference pipeline: stable version 1 with every DataSet and job', async () => {
    const json = await catalogJson([path.join(examples, 'k8s-dbclaim-pipeline')]);
    expect(json.version).toBe(1);
    expect(json.jobs.map((j) => j.name)).toEqual(['dbt-reporting', 'k8s-collector', 's3-to-postgres']);
    expect(json.datasets).toHaveLength(11);
    const helm = json.datasets.find((d) => d.name === 'helm-releases')!;
    expect(helm).toMatchObject({
      classification: 'internal',
      producers: ['k8s-collector'],
      consumers: ['s3-to-postgres'],
      upstream: ['k8s-cluster-data'],
      downstream: ['db-usage-indicators', 'stg-database-claims', 'stg-db-indicators', 'stg-helm-releases'],
    });
    expect(helm.file).toMatch(/k8s-dbclaim-pipeline\/datasets\/helm-releases\/dk\.yaml$/);
  });

  it('text on the reactive reference pipeline shows the PII field, and warns of its lint errors', async () => {
    const result = await catalog([path.join(examples, 'reactive-pipeline')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dataset enriched-events 1\.0\.0\n/);
    expect(result.stdout).toContain('user_email: string [PII]');
    expect(result.stdout).toMatch(/upstream\s+raw-events-parquet\n\s+downstream\s+event-summary\n/);
    expect(result.stderr).toMatch(/lint error\(s\); run dk lint/);
  });

  it('--events: the last run of the job and of the DataSet it wrote, from the file dk run --lineage wrote', async () => {
    expect((await dk(['init', 'demo', '--runtime', 'generic-node'])).code).toBe(0);
    const first = await dk(['run', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(first.code, first.stderr).toBe(0);
    const [okRun] = await runIds('events.jsonl');

    let json = await catalogJson(['demo', '--events', 'events.jsonl']);
    const job = json.jobs[0]!;
    expect(job).toMatchObject({ name: 'demo', namespace: 'default', inputs: ['demo-input'], outputs: ['demo-output'] });
    expect(job.lastRun).toMatchObject({ runId: okRun, state: 'COMPLETED', job: { namespace: 'default', name: 'demo' } });
    const output = json.datasets.find((d) => d.name === 'demo-output')!;
    expect(output).toMatchObject({ namespace: 'file://', physicalName: path.join(cwd, 'demo/data/output'), lastRun: { runId: okRun } });
    const input = json.datasets.find((d) => d.name === 'demo-input')!;
    expect(input.schema.filter((f) => f.pii).map((f) => f.name)).toEqual(['email']);
    expect(input).toMatchObject({ classification: 'confidential', store: 'local', storeType: 'file', downstream: ['demo-output'] });
    expect(input.lastRun).toBeUndefined();
    expect(input.file).toBe('demo/dataset/demo-input.yaml');

    // A later failing run appends to the same file: it is now the last run.
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), 'process.exit(4);\n');
    expect((await dk(['run', 'demo', '--local', '--lineage', 'file:events.jsonl'])).code).toBe(4);
    const failedRun = (await runIds('events.jsonl')).find((id) => id !== okRun)!;
    json = await catalogJson(['demo', '--events', 'events.jsonl']);
    expect(json.jobs[0]!.lastRun).toMatchObject({ runId: failedRun, state: 'FAILED' });
    expect(json.datasets.find((d) => d.name === 'demo-output')!.lastRun).toMatchObject({ runId: failedRun, state: 'FAILED' });

    const text = await catalog(['demo', '--events', 'events.jsonl']);
    expect(text.stdout).toMatch(new RegExp(`last run\\s+FAILED at \\S+ \\(run ${failedRun}\\)`));
    expect(text.stdout).toContain('email: string [PII]');
  });

  it('--scan-dir catalogs every package below the directory, with the flow between them', async () => {
    await dk(['init', 'first', '--runtime', 'generic-node']);
    await dk(['init', 'second', '--runtime', 'generic-node']);
    const secondDk = path.join(cwd, 'second/dk.yaml');
    await writeFile(secondDk, (await readFile(secondDk, 'utf8')).replace('dataset: second-input', 'dataset: first-output'));
    const json = await catalogJson(['.', '--scan-dir']);
    expect(json.jobs.map((j) => j.name)).toEqual(['first', 'second']);
    expect(json.datasets.find((d) => d.name === 'first-output')).toMatchObject({
      producers: ['first'],
      consumers: ['second'],
      upstream: ['first-input'],
      downstream: ['second-output'],
    });
  });
});

describe('dk catalog --sync-marquez', () => {
  it('tags PII fields and classifications once per tag; a dataset Marquez lacks is DK683 and exit 1', async () => {
    const marquez = await startFakeMarquezTags({ token: 'tok' });
    try {
      await dk(['init', 'demo', '--runtime', 'generic-node']);
      const before = await catalogJson(['demo']);
      const input = before.datasets.find((d) => d.name === 'demo-input')!;
      const output = before.datasets.find((d) => d.name === 'demo-output')!;
      marquez.addDataset({ namespace: input.namespace!, name: input.physicalName!, fields: input.schema });

      // demo-output was never sent to Marquez.
      const partial = await catalog(['demo', '--sync-marquez', marquez.url], { openLineageToken: 'tok' });
      expect(partial.code).toBe(1);
      expect(partial.stdout).toMatch(
        /Marquez http:\/\/127\.0\.0\.1:\d+: 3 tag\(s\) created or updated \(CONFIDENTIAL, INTERNAL, PII\), 1 dataset tag\(s\), 1 field tag\(s\)/,
      );
      expect(partial.stdout).toContain(`DK683: DataSet demo-output: not found in Marquez (Dataset '${output.physicalName}' not found.)`);
      expect(partial.stdout).toContain('hint: Marquez learns a dataset from lineage');
      expect(partial.stderr).toContain('1 tag(s) could not be set in Marquez (DK683)');
      expect(marquez.datasetTags('file://', input.physicalName!)).toEqual({
        tags: ['CONFIDENTIAL'],
        fields: { id: [], name: [], email: ['PII'] },
      });

      marquez.addDataset({ namespace: output.namespace!, name: output.physicalName!, fields: output.schema });
      marquez.requests.length = 0;
      const json = await catalogJson(['demo', '--sync-marquez', `${marquez.url}/api/v1/lineage`], { openLineageToken: 'tok' });
      expect(json.marquez!.problems).toEqual([]);
      expect(json.marquez!.tags.map((t) => t.name)).toEqual(['CONFIDENTIAL', 'INTERNAL', 'PII']);
      expect(marquez.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
      expect(marquez.datasetTags('file://', output.physicalName!)!.tags).toEqual(['INTERNAL']);
      expect(marquez.requests.map((r) => r.rawPath)).toContain(
        `/api/v1/namespaces/file%3A%2F%2F/datasets/${encodeURIComponent(output.physicalName!)}/tags/INTERNAL`,
      );
    } finally {
      await marquez.close();
    }
  });

  it('a Marquez that is down fails with DK685', async () => {
    const marquez = await startFakeMarquezTags();
    await marquez.close();
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    const result = await catalog(['demo', '--sync-marquez', marquez.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dk: DK685: Marquez at http:\/\/127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\)/);
  }, 30_000);
});

describe('dk catalog errors', () => {
  it('usage and I/O errors exit 2; nothing to catalog exits 1', async () => {
    await dk(['init', 'demo', '--runtime', 'generic-node']);
    const missing = await catalog(['demo', '--events', 'nope.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('dk: DK680: nope.jsonl: no such file');

    await writeFile(path.join(cwd, 'bad.jsonl'), '{"eventType": "START"}\nnot json\n');
    const bad = await catalog(['demo', '--events', 'bad.jsonl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('dk: DK681: bad.jsonl:2: not JSON');

    const url = await catalog(['demo', '--sync-marquez', 'http://user:pw@localhost:5000']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('DK682');
    expect(url.stderr).not.toContain('pw@');

    expect((await catalog(['demo', '-o', 'yaml'])).code).toBe(2);

    const empty = await catalog(['.']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('DK501');
  });
});
