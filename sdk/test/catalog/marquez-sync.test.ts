import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCatalog, marquezBaseUrl, syncToMarquez, type Catalog, type MarquezFetch } from '../../src/catalog';
import { DataKitError, UsageError } from '../../src/core';
import { lintPath } from '../../src/validate';
import { startFakeMarquezTags, type FakeMarquezTags } from '../helpers/catalog/fake-marquez-tags';
import { writeTree } from '../helpers/temp-tree';
import { warehouseTree } from './warehouse-tree';

const realFetch: MarquezFetch = (url, init) => fetch(url, init);
const noSleep = () => Promise.resolve();

let marquez: FakeMarquezTags;
let root: string;
let catalog: Catalog;

beforeEach(async () => {
  marquez = await startFakeMarquezTags();
  root = await writeTree(warehouseTree);
  catalog = buildCatalog(await lintPath(root));
});
afterEach(async () => {
  await marquez.close();
});

/** Marquez knows a dataset once a lineage event named it: seed the ones "run" so far. */
function seed(...names: string[]): void {
  for (const name of names) {
    const d = catalog.datasets.find((x) => x.name === name)!;
    marquez.addDataset({ namespace: d.namespace!, name: d.physicalName!, fields: d.schema.map((f) => ({ name: f.name })) });
  }
}

describe('syncToMarquez', () => {
  it('creates each tag once, tags classifications and PII fields, and percent-encodes namespaces and names', async () => {
    seed('customers', 'customer-summary', 'local-copy');
    const result = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, sleep: noSleep });

    expect(result.problems).toEqual([]);
    const puts = marquez.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.segments.at(-1))).toEqual(['CONFIDENTIAL', 'INTERNAL', 'PII']);
    expect(result.tags.map((t) => t.name)).toEqual(['CONFIDENTIAL', 'INTERNAL', 'PII']);
    expect(JSON.parse(puts.find((r) => r.rawPath.endsWith('/PII'))!.body)).toEqual({
      description: 'Personally identifiable information (a DataKit field declared pii: true)',
    });
    expect(marquez.tags.get('CONFIDENTIAL')).toMatch(/^DataKit classification confidential: /);

    expect(marquez.datasetTags('postgres://db.internal:5432', 'app.public.customers')).toEqual({
      tags: ['CONFIDENTIAL'],
      fields: { id: [], email: ['PII'], full_name: ['PII'] },
    });
    expect(marquez.datasetTags('s3://analytics', 'summaries/customers')).toEqual({ tags: ['INTERNAL'], fields: { id: [], country: [] } });
    const local = path.join(root, 'data/copy');
    expect(marquez.datasetTags('file://', local)).toEqual({ tags: ['CONFIDENTIAL'], fields: { email: ['PII'], note: [] } });

    // Every path segment is encoded: `postgres://db.internal:5432` and `/tmp/…/data/copy` stay one segment each.
    const raw = marquez.requests.map((r) => r.rawPath);
    expect(raw).toContain('/api/v1/namespaces/postgres%3A%2F%2Fdb.internal%3A5432/datasets/app.public.customers/fields/email/tags/PII');
    expect(raw).toContain(`/api/v1/namespaces/file%3A%2F%2F/datasets/${encodeURIComponent(local)}/tags/CONFIDENTIAL`);
    expect(raw).toContain('/api/v1/namespaces/s3%3A%2F%2Fanalytics/datasets/summaries%2Fcustomers/tags/INTERNAL');
    expect(marquez.requests.every((r) => r.status === 200)).toBe(true);

    expect(result.fieldTags.map((t) => `${t.dataset}.${t.field}`)).toEqual(['customers.email', 'customers.full_name', 'local-copy.email']);
    expect(result.datasetTags.map((t) => `${t.dataset}:${t.tag}`)).toEqual([
      'customer-summary:INTERNAL',
      'customers:CONFIDENTIAL',
      'local-copy:CONFIDENTIAL',
    ]);
    // audit-log has no physical name (its Store's host is ${PG_HOST}): skipped, and said why.
    expect(result.skipped).toEqual([
      expect.objectContaining({ dataset: 'audit-log', code: 'DK686', reason: expect.stringMatching(/no literal host/) }),
    ]);
    // RESTRICTED was not needed by any dataset that could be synced.
    expect(marquez.tags.has('RESTRICTED')).toBe(false);
  });

  it('a dataset Marquez does not know is reported once as DK683 with its answer, and the others are still tagged', async () => {
    seed('customers');
    const result = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, sleep: noSleep });
    expect(result.problems.map((p) => [p.code, p.dataset, p.status])).toEqual([
      ['DK683', 'customer-summary', 404],
      ['DK683', 'local-copy', 404],
    ]);
    expect(result.problems[0]!.message).toBe("DataSet customer-summary: not found in Marquez (Namespace 's3://analytics' not found.)");
    expect(result.problems[1]!.message).toContain("Namespace 'file://' not found.");
    expect(result.problems[0]!.hint).toMatch(/run the Transform with --lineage/);
    // No field request for a dataset that is not there.
    expect(marquez.requests.filter((r) => r.segments.includes('fields') && r.segments.includes('file://'))).toEqual([]);
    expect(marquez.datasetTags('postgres://db.internal:5432', 'app.public.customers')!.fields.email).toEqual(['PII']);
  });

  it('an unknown dataset in a known namespace, and an unknown field, are told apart', async () => {
    seed('customers');
    marquez.addDataset({ namespace: 's3://analytics', name: 'other', fields: [] });
    // Marquez's schema of customers lacks full_name.
    marquez.addDataset({
      namespace: 'postgres://db.internal:5432',
      name: 'app.public.customers',
      fields: [{ name: 'id' }, { name: 'email' }],
    });
    const result = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, sleep: noSleep });
    const summary = result.problems.find((p) => p.dataset === 'customer-summary')!;
    expect(summary.message).toBe("DataSet customer-summary: not found in Marquez (Dataset 'summaries/customers' not found.)");
    const field = result.problems.find((p) => p.field === 'full_name')!;
    expect(field).toMatchObject({ code: 'DK683', dataset: 'customers', status: 404 });
    expect(field.message).toBe("field full_name of DataSet customers: not found in Marquez (Field 'full_name' not found.)");
    expect(result.fieldTags.map((t) => t.field)).toEqual(['email']);
  });

  it('retries 5xx, sends the token, and fails at once on 401 (DK684)', async () => {
    await marquez.close();
    marquez = await startFakeMarquezTags({ token: 's3cret' });
    seed('customers', 'customer-summary', 'local-copy');
    marquez.failNext(503, 2);
    const result = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, token: 's3cret', sleep: noSleep });
    expect(result.problems).toEqual([]);
    expect(marquez.requests.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(marquez.requests.every((r) => r.authorization === 'Bearer s3cret')).toBe(true);

    const refused = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, token: 'wrong', sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DataKitError);
    expect(refused).toMatchObject({ code: 'DK684', hint: expect.stringMatching(/token/) });
  });

  it('Marquez unreachable, or answering 5xx after retries, is DK685', async () => {
    marquez.failNext(500, 10);
    const failing = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, sleep: noSleep, attempts: 2 }).catch(
      (e: unknown) => e,
    );
    expect(failing).toMatchObject({ code: 'DK685' });
    expect((failing as Error).message).toMatch(/answered HTTP 500 after 2 attempt/);
    await marquez.close();
    const down = await syncToMarquez(catalog, { url: marquez.url, fetch: realFetch, sleep: noSleep }).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'DK685', message: expect.stringMatching(/unreachable \(ECONNREFUSED\) after 3 attempt/) });
  });
});

describe('marquezBaseUrl', () => {
  it('keeps the base URL and drops /api/v1 and /api/v1/lineage', () => {
    expect(marquezBaseUrl('http://localhost:5000')).toBe('http://localhost:5000');
    expect(marquezBaseUrl('http://localhost:5000/api/v1/lineage')).toBe('http://localhost:5000');
    expect(marquezBaseUrl('https://marquez.example.com/proxy/api/v1/')).toBe('https://marquez.example.com/proxy');
  });

  it('refuses other schemes and credentials in the URL (DK682, a usage error)', () => {
    for (const bad of ['localhost:5000', 'ftp://m', 'http://user:pw@m:5000', 'not a url']) {
      let error: unknown;
      try {
        marquezBaseUrl(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({ code: 'DK682', exitCode: 2 });
    }
  });
});
