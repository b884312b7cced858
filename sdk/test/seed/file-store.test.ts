/** Seeding a file Store: the rows become <store path>/<prefix>/dk-seed.jsonl (or .csv). No database involved. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSeedReport, type SeedReport } from '../../src/seed';
import { seedDir, seedPackageFiles, writePackage, type SeedPackageOptions } from './fixture';

const removals: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const remove of removals.splice(0)) await remove();
});

const reportSeed = `  dev:
    seed:
      rows:
        - { day: "2024-01-01", total: 1.5 }
        - { day: "2024-01-02", total: 2 }
      profiles:
        empty: { rows: [] }
`;

/** users has no seed here, so the postgres Store is never contacted (its port is closed). */
async function setup(options: Partial<SeedPackageOptions> = {}) {
  const pkg = await writePackage(seedPackageFiles({ port: 1, database: 'unused', usersDev: '', reportDev: reportSeed, ...options }));
  removals.push(pkg.remove);
  const seed = (more: Parameters<typeof seedDir>[2] = {}) => seedDir(pkg.dir, {}, more);
  const file = (name = 'dk-seed.jsonl') => path.join(pkg.dir, 'data/report', name);
  return { pkg, seed, file };
}

const outcome = (report: SeedReport) => report.outcomes.find((o) => o.dataset === 'report');

describe('seeding a file Store', () => {
  it('writes the rows as JSON lines into the prefix, records a checksum, and skips an unchanged seed', async () => {
    const { seed, file, pkg } = await setup();
    const first = await seed();
    expect(first.errors).toEqual([]);
    expect(first.outcomes).toHaveLength(1);
    expect(outcome(first)).toMatchObject({ status: 'loaded', rows: 2, target: 'data/report/dk-seed.jsonl', storeType: 'file' });
    expect(await readFile(file(), 'utf8')).toBe('{"day":"2024-01-01","total":1.5}\n{"day":"2024-01-02","total":2}\n');
    const meta = JSON.parse(await readFile(path.join(pkg.dir, 'data/_dk_seed_meta.json'), 'utf8')) as {
      entries: Array<Record<string, unknown>>;
    };
    expect(meta.entries).toEqual([
      expect.objectContaining({
        dataset: 'report',
        target: 'report/dk-seed.jsonl',
        profile: 'default',
        checksum: outcome(first)!.checksum,
        rows: 2,
      }),
    ]);

    const before = (await stat(file())).mtimeMs;
    const again = await seed();
    expect(outcome(again)).toMatchObject({ status: 'unchanged', rows: 2 });
    expect(formatSeedReport(again)).toContain('report → data/report/dk-seed.jsonl (local): already seeded (2 rows)');
    expect((await stat(file())).mtimeMs).toBe(before);
  });

  it('rewrites the file when the seed or the file changed; other files in the prefix are never touched', async () => {
    const { seed, file, pkg } = await setup();
    await pkg.write({ 'data/report/sample.jsonl': '{"day":"2023-12-31","total":0}\n' });
    await seed();
    await writeFile(file(), 'edited by hand\n');
    expect(outcome(await seed())).toMatchObject({ status: 'loaded' });
    expect(await readFile(file(), 'utf8')).toContain('"2024-01-01"');
    expect(outcome(await seed({ profile: 'empty' }))).toMatchObject({ status: 'loaded', rows: 0, profile: 'empty' });
    expect(await readFile(file(), 'utf8')).toBe('');
    expect(await readFile(path.join(pkg.dir, 'data/report/sample.jsonl'), 'utf8')).toBe('{"day":"2023-12-31","total":0}\n');
  });

  it('writes CSV for a csv DataSet', async () => {
    const { seed, file } = await setup({ reportFormat: 'csv' });
    expect(outcome(await seed())).toMatchObject({ status: 'loaded', target: 'data/report/dk-seed.csv' });
    expect(await readFile(file('dk-seed.csv'), 'utf8')).toBe('day,total\n2024-01-01,1.5\n2024-01-02,2\n');
  });

  it('--clean removes only the seed file and its meta entry', async () => {
    const { seed, file, pkg } = await setup();
    await pkg.write({ 'data/report/sample.jsonl': 'keep\n' });
    await seed();
    const cleaned = await seed({ clean: true });
    expect(outcome(cleaned)).toMatchObject({ status: 'cleaned', rows: 2 });
    await expect(stat(file())).rejects.toThrow();
    expect(await readFile(path.join(pkg.dir, 'data/report/sample.jsonl'), 'utf8')).toBe('keep\n');
    expect(JSON.parse(await readFile(path.join(pkg.dir, 'data/_dk_seed_meta.json'), 'utf8'))).toEqual({ version: 1, entries: [] });
    expect(outcome(await seed({ clean: true }))).toMatchObject({ status: 'not-seeded' });
  });

  it('refuses what cannot be seeded: parquet, a prefix leaving the Store, an s3 Store (DK666)', async () => {
    const parquet = await setup({ reportFormat: 'parquet' });
    const report = await parquet.seed();
    expect(report.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      'DK666 DataSet report: format parquet cannot be seeded (jsonl and csv can)',
    ]);

    const escaping = await setup();
    const dataset = path.join(escaping.pkg.dir, 'dataset/report.yaml');
    await writeFile(dataset, (await readFile(dataset, 'utf8')).replace('prefix: report/', 'prefix: ../../outside/'));
    expect((await escaping.seed()).errors.map((e) => e.code)).toEqual(['DK666']);

    const s3 = await setup();
    await s3.pkg.write({
      'store/local.yaml':
        'apiVersion: datakit.dev/v1alpha1\nkind: Store\nmetadata:\n  name: local\nspec:\n  connector: s3\n  connection:\n    bucket: b\n',
      'connector/s3.yaml': 'apiVersion: datakit.dev/v1alpha1\nkind: Connector\nmetadata:\n  name: s3\nspec:\n  type: s3\n',
    });
    const s3Report = await s3.seed();
    expect(s3Report.errors.map((e) => e.code)).toEqual(['DK666']);
    expect(s3Report.errors[0]!.message).toContain('seeding loads postgres tables and file Stores only');
  });
});
