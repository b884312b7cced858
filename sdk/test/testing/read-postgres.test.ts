import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPlan } from '../../src/runner';
import { checkLabel, checkOutput, readOutput, readPostgresOutput, type OutputReading, type RowItem } from '../../src/testing';
import { findPostgresBinaries, startPostgres, type TestPostgres } from '../helpers/postgres';

function postgresInstalled(): boolean {
  try {
    findPostgresBinaries();
    return true;
  } catch {
    return false;
  }
}

async function rowsOf(reading: OutputReading): Promise<RowItem[]> {
  if (reading.kind !== 'rows') throw new Error(`expected rows, got ${reading.kind}: ${JSON.stringify(reading)}`);
  const out: RowItem[] = [];
  for await (const item of reading.rows) out.push(item);
  return out;
}

describe('postgres outputs without the pg package', () => {
  it('are reported as not checkable, saying why', async () => {
    const reading = await readPostgresOutput({
      dsn: 'postgresql://u:p@127.0.0.1:1/db',
      table: 'public.t',
      storeName: 'warehouse',
      loadPg: () => Promise.resolve(undefined),
    });
    expect(reading).toEqual({
      kind: 'unsupported',
      location: 'table public.t on Store warehouse',
      reason: 'reading a postgres output needs the pg package, which is not installed (npm install pg in the sdk workspace)',
    });
  });
});

describe.skipIf(!postgresInstalled())('postgres outputs (a real server)', () => {
  let pg: TestPostgres;
  let database: string;

  beforeAll(async () => {
    pg = await startPostgres();
    database = await pg.createDatabase();
    await pg.query(
      `CREATE TABLE public.orders (id bigint NOT NULL, qty integer, label text, placed timestamptz, day date, paid boolean, meta jsonb, price numeric(8,2), spot point)`,
      [],
      database,
    );
    await pg.query(
      `INSERT INTO public.orders VALUES
        (1, 2, 'a', '2024-01-01T10:00:00Z', '2024-01-01', true, '{"k":1}', 1.50, '(1,2)'),
        (2, NULL, 'b', NULL, '2024-01-02', false, NULL, 2.00, NULL),
        (3, 5, 'b', '2024-01-03T10:00:00Z', NULL, NULL, '[1]', NULL, NULL)`,
      [],
      database,
    );
    await pg.query('CREATE SCHEMA "My Schema"; CREATE TABLE "My Schema"."Odd ""Name""" (x int)', [], database);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  const options = () => ({ dsn: pg.url(database), table: 'public.orders', storeName: 'warehouse', batchSize: 2 });

  it('streams the rows through a cursor (several FETCH batches), with each column typed', async () => {
    const reading = await readPostgresOutput(options());
    expect(reading).toMatchObject({ kind: 'rows', valueMode: 'typed', location: 'table public.orders on Store warehouse' });
    if (reading.kind !== 'rows') return;
    expect(reading.columns).toEqual([
      { name: 'id', kind: 'integer', nativeType: 'int8' },
      { name: 'qty', kind: 'integer', nativeType: 'int4' },
      { name: 'label', kind: 'string', nativeType: 'text' },
      { name: 'placed', kind: 'timestamp', nativeType: 'timestamptz' },
      { name: 'day', kind: 'date', nativeType: 'date' },
      { name: 'paid', kind: 'boolean', nativeType: 'bool' },
      { name: 'meta', kind: 'object', nativeType: 'jsonb' },
      { name: 'price', kind: 'float', nativeType: 'numeric' },
      { name: 'spot', nativeType: 'point' },
    ]);
    const items = await rowsOf(reading);
    expect(items.map((i) => i.where)).toEqual(['row 1', 'row 2', 'row 3']);
    // Values as PostgreSQL prints them, except the types that compare well as JavaScript values.
    expect(items[0]).toMatchObject({
      values: { id: '1', qty: 2, label: 'a', day: '2024-01-01', paid: true, meta: { k: 1 }, price: '1.50' },
    });
    expect(items[1]).toMatchObject({ values: { qty: null, placed: null } });
  });

  it('checks the table against a contract: types per column, nulls, uniqueness and accepted values over every row', async () => {
    const result = await checkOutput(
      {
        dataset: { name: 'orders', store: 'warehouse', table: 'public.orders', schema: [], declaredIn: '/p/dataset/orders.yaml' },
        fields: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'qty', type: 'float', nullable: false },
          { name: 'label', type: 'integer' },
          { name: 'placed', type: 'timestamp' },
          { name: 'day', type: 'date' },
          { name: 'missing', type: 'string' },
        ],
        quality: { unique: ['id', 'label'], acceptedValues: { id: [1, 2, 3], paid: [true] }, rowCount: { min: 3, max: 3 } },
      },
      await readPostgresOutput(options()),
    );
    const status = Object.fromEntries(result.checks.map((c) => [checkLabel(c), `${c.status}: ${c.message}`]));
    expect(status).toMatchObject({
      'type(id)': 'passed: int8 holds integer',
      'type(qty)': 'passed: int4 holds float',
      'type(label)': 'failed: the column is text, which does not hold integer',
      'type(placed)': 'passed: timestamptz holds timestamp',
      'type(day)': 'passed: date holds date',
      'column_present(missing)':
        'failed: column missing is missing from the output; it has id, qty, label, placed, day, paid, meta, price, spot',
      'not_null(id)': 'passed: no nulls',
      'not_null(qty)': 'failed: 1 of 3 rows have no qty (null or missing)',
      'unique(id)': 'passed: 3 distinct values',
      'unique(label)': 'failed: 1 duplicate value (first at row 3: "b")',
      'accepted_values(id)': 'passed: every value is one of [1,2,3]',
      'accepted_values(paid)': 'failed: 1 of 2 values are not one of [true] (e.g. false)',
      row_count: 'passed: 3 rows',
    });
  });

  it('quotes schema and table names', async () => {
    const reading = await readPostgresOutput({ ...options(), table: 'My Schema.Odd "Name"' });
    expect(await rowsOf(reading)).toEqual([]);
  });

  it('a table (or schema) that does not exist is an output not written', async () => {
    expect(await readPostgresOutput({ ...options(), table: 'public.nope' })).toMatchObject({
      kind: 'missing',
      message: 'table public.nope on Store warehouse does not exist',
    });
    expect(await readPostgresOutput({ ...options(), table: 'nope.orders' })).toMatchObject({ kind: 'missing' });
  });

  it('refused credentials and an unreachable server are read errors; the password never shows', async () => {
    const bad = pg.url(database).replace(encodeURIComponent(pg.password), 'Wr0ng-Secret');
    const refused = await readPostgresOutput({ ...options(), dsn: bad, mask: (s) => s.split('Wr0ng-Secret').join('****') });
    expect(refused).toMatchObject({ kind: 'error', message: expect.stringContaining('cannot connect to Store warehouse: 28P01') });
    expect(JSON.stringify(refused)).not.toContain('Wr0ng-Secret');
    const down = await readPostgresOutput({ ...options(), dsn: 'postgresql://postgres:x@127.0.0.1:1/db' });
    expect(down).toMatchObject({ kind: 'error', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('readOutput finds the table where the run told the transform: DK_STORE_DSN_<STORE>', async () => {
    const plan = {
      stores: [{ name: 'warehouse', type: 'postgres', connection: {}, secrets: {}, baseDir: '/p' }],
      contractEnv: { DK_STORE_DSN_WAREHOUSE: pg.url(database) },
      secrets: [pg.password],
    } as unknown as RunPlan;
    const dataset = { name: 'orders', store: 'warehouse', table: 'public.orders', schema: [], declaredIn: '/p/d.yaml' };
    expect(await rowsOf(await readOutput(dataset, plan))).toHaveLength(3);
    const s3 = { ...plan, stores: [{ name: 'warehouse', type: 's3', connection: {}, secrets: {}, baseDir: '/p' }] } as RunPlan;
    expect(await readOutput(dataset, s3)).toMatchObject({
      kind: 'unsupported',
      reason: 'dk test cannot read outputs in s3 Stores yet (it reads file and postgres Stores)',
    });
  });
});
