/** Seeding against a real PostgreSQL server (started per file by the postgres test helper). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataKitError, fixedClock } from '../../src/core';
import { formatSeedErrors, formatSeedReport, SeedError, SeedUsageError, type SeedReport } from '../../src/seed';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { seedDir, seedPackageFiles, writePackage, type SeedPackageOptions } from './fixture';

let server: TestPostgres;
const removals: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const remove of removals.splice(0)) await remove();
});

/** A fresh database and a package pointing at it. */
async function setup(options: Partial<SeedPackageOptions> = {}) {
  const database = await server.createDatabase();
  const pkg = await writePackage(seedPackageFiles({ port: server.port, database, ...options }));
  removals.push(pkg.remove);
  const env = { PG_USER: server.user, PG_PASSWORD: server.password };
  const query = <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => server.query<R>(sql, params, database);
  const seed = (more: Parameters<typeof seedDir>[2] = {}, overrideEnv: Record<string, string> = env) => seedDir(pkg.dir, overrideEnv, more);
  return { database, pkg, env, query, seed };
}

/** line:column of the first occurrence of `needle` in a package file. */
async function position(dir: string, file: string, needle: string): Promise<string> {
  const lines = (await readFile(path.join(dir, file), 'utf8')).split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  return `${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
}

const statusOf = (report: SeedReport, dataset = 'users') => report.outcomes.find((o) => o.dataset === dataset);
const everything = (report: SeedReport) =>
  `${formatSeedReport(report)}${formatSeedErrors(report)}${report.errors.map((e) => `${e.message} ${e.hint ?? ''} ${String((e as { cause?: unknown }).cause)}`).join('\n')}`;

describe('seeding a postgres table', () => {
  it('loads inline rows with their types; values travel as parameters (no SQL injection), identifiers quoted', async () => {
    const { seed, query } = await setup();
    const report = await seed({ clock: fixedClock(new Date('2025-01-02T03:04:05Z')) });
    expect(report.errors).toEqual([]);
    expect(statusOf(report)).toMatchObject({
      status: 'loaded',
      rows: 3,
      target: 'public.users',
      profile: 'default',
      storeType: 'postgres',
    });
    const rows = await query('SELECT id, name, email, active, signed_up, attrs FROM public.users ORDER BY id');
    expect(rows).toEqual([
      {
        id: '1',
        name: 'Ada',
        email: 'ada@example.com',
        active: true,
        signed_up: new Date('2024-01-02T03:04:05Z'),
        attrs: { tier: 'gold' },
      },
      { id: '2', name: 'Grace', email: 'grace@example.com', active: false, signed_up: null, attrs: null },
      { id: '3', name: "Robert'); DROP TABLE users;--", email: 'bobby@example.com', active: null, signed_up: null, attrs: [1, 2] },
    ]);
    const types = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
    );
    expect(types.map((t) => `${t.column_name} ${t.data_type} ${t.is_nullable}`)).toEqual([
      'id bigint NO',
      'name text YES',
      'email text YES',
      'active boolean YES',
      'signed_up timestamp with time zone YES',
      'attrs jsonb YES',
    ]);
    const meta = await query('SELECT dataset, target, profile, checksum, rows, loaded_at FROM _dk_seed_meta');
    expect(meta).toEqual([
      {
        dataset: 'users',
        target: 'public.users',
        profile: 'default',
        checksum: statusOf(report)!.checksum,
        rows: '3',
        loaded_at: new Date('2025-01-02T03:04:05Z'),
      },
    ]);
  });

  it('reseeding an unchanged seed writes nothing ("already seeded")', async () => {
    const { seed, query } = await setup();
    await seed();
    const before = await query('SELECT xmin::text, id FROM public.users ORDER BY id');
    const metaBefore = await query('SELECT xmin::text, loaded_at FROM _dk_seed_meta');
    const again = await seed();
    expect(statusOf(again)).toMatchObject({ status: 'unchanged', rows: 3 });
    expect(formatSeedReport(again)).toContain('users → public.users (warehouse): already seeded (3 rows)');
    expect(await query('SELECT xmin::text, id FROM public.users ORDER BY id')).toEqual(before);
    expect(await query('SELECT xmin::text, loaded_at FROM _dk_seed_meta')).toEqual(metaBefore);
  });

  it('changed rows reload the table in one go; rows removed behind dk’s back reload too', async () => {
    const { seed, query, pkg } = await setup();
    const first = await seed();
    await pkg.write({
      'dataset/users.yaml': seedPackageFiles({
        port: server.port,
        database: 'x',
        usersDev: '  dev:\n    seed:\n      rows:\n        - { id: 10, name: Linus }\n',
      })['dataset/users.yaml']!,
    });
    const second = await seed();
    expect(statusOf(second)).toMatchObject({ status: 'loaded', rows: 1 });
    expect(statusOf(second)!.checksum).not.toBe(statusOf(first)!.checksum);
    expect(await query('SELECT id, name FROM public.users')).toEqual([{ id: '10', name: 'Linus' }]);
    expect(await query('SELECT rows, checksum FROM _dk_seed_meta')).toEqual([{ rows: '1', checksum: statusOf(second)!.checksum }]);

    await query('DELETE FROM public.users');
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 1 });
    await query('DROP TABLE public.users');
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 1 });
    expect(await query('SELECT id FROM public.users')).toEqual([{ id: '10' }]);
  });

  it('profiles: --profile loads the profile’s rows, and going back reloads the default seed', async () => {
    const { seed, query } = await setup({
      usersDev: `  dev:
    seed:
      rows:
        - { id: 1, name: Ada }
      profiles:
        edge-cases:
          rows:
            - { id: 2, name: "" }
            - { id: 3, name: "Zoë 🚀" }
`,
    });
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 1, profile: 'default' });
    const edge = await seed({ profile: 'edge-cases' });
    expect(statusOf(edge)).toMatchObject({ status: 'loaded', rows: 2, profile: 'edge-cases' });
    expect(formatSeedReport(edge)).toContain('users → public.users (warehouse) [profile edge-cases]: loaded 2 rows');
    expect(await query('SELECT id, name FROM public.users ORDER BY id')).toEqual([
      { id: '2', name: '' },
      { id: '3', name: 'Zoë 🚀' },
    ]);
    expect(await query('SELECT profile FROM _dk_seed_meta')).toEqual([{ profile: 'edge-cases' }]);
    expect(statusOf(await seed({ profile: 'edge-cases' }))).toMatchObject({ status: 'unchanged' });
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 1, profile: 'default' });
    expect(await query('SELECT id FROM public.users')).toEqual([{ id: '1' }]);
  });

  it('an unknown profile is a usage error listing the declared ones', async () => {
    const { seed } = await setup({
      usersDev: '  dev:\n    seed:\n      profiles:\n        small: { rows: [] }\n        big: { rows: [] }\n',
    });
    const error = await seed({ profile: 'smal' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeedUsageError);
    expect(error).toMatchObject({
      code: 'DK665',
      exitCode: 2,
      message: 'no DataSet declares the seed profile "smal" (profiles: big, small)',
    });
    // Without --profile, a DataSet with profiles only has nothing to load.
    const report = await seed();
    expect(statusOf(report)).toMatchObject({ status: 'skipped', note: 'no default seed (profiles: small, big)' });
  });

  it('loads CSV, JSON-lines and JSON files (relative to the DataSet manifest), file rows before inline rows', async () => {
    const { seed, query, pkg } = await setup({
      usersDev: `  dev:
    seed:
      file: ../seeds/users.csv
      rows:
        - { id: 100, name: inline }
      profiles:
        lines: { file: ../seeds/users.jsonl }
        array: { file: ../seeds/users.json }
`,
      files: {
        'seeds/users.csv':
          'id,name,email,active,signed_up,attrs\n1,"Doe, Jane",,true,2024-05-01T00:00:00Z,"{""a"": 1}"\n2,"",b@example.com,no,,\n',
        'seeds/users.jsonl':
          '{"id": 7, "name": "seven", "attrs": {"deep": [1, {"x": null}]}}\n\n{"id": "9223372036854775807", "name": "max"}\n',
        'seeds/users.json': '[{"id": 5, "active": false}]',
      },
    });
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 3 });
    expect(await query('SELECT id, name, email, active, signed_up, attrs FROM public.users ORDER BY id')).toEqual([
      { id: '1', name: 'Doe, Jane', email: null, active: true, signed_up: new Date('2024-05-01T00:00:00Z'), attrs: { a: 1 } },
      { id: '2', name: '', email: 'b@example.com', active: false, signed_up: null, attrs: null },
      { id: '100', name: 'inline', email: null, active: null, signed_up: null, attrs: null },
    ]);
    expect(statusOf(await seed({ profile: 'lines' }))).toMatchObject({ status: 'loaded', rows: 2 });
    expect(await query('SELECT id, attrs FROM public.users ORDER BY id')).toEqual([
      { id: '7', attrs: { deep: [1, { x: null }] } },
      { id: '9223372036854775807', attrs: null },
    ]);
    expect(statusOf(await seed({ profile: 'array' }))).toMatchObject({ status: 'loaded', rows: 1 });
    // Editing the file is a change like any other.
    await pkg.write({ 'seeds/users.json': '[{"id": 5, "active": true}]' });
    expect(statusOf(await seed({ profile: 'array' }))).toMatchObject({ status: 'loaded', rows: 1 });
    expect(await query('SELECT id, active FROM public.users')).toEqual([{ id: '5', active: true }]);
  });

  it('loads many rows in batches, within one transaction', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ id: i, name: `user ${i}`, attrs: { i } })).join('\n');
    const { seed, query } = await setup({
      usersDev: '  dev:\n    seed:\n      file: ../seeds/many.jsonl\n',
      files: { 'seeds/many.jsonl': lines },
    });
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 2500 });
    expect(await query('SELECT count(*)::int AS n, sum(id)::text AS s FROM public.users')).toEqual([
      { n: 2500, s: String((2499 * 2500) / 2) },
    ]);
  });

  it('creates a missing schema, and quotes odd identifiers', async () => {
    const { seed, query } = await setup({
      usersTable: `'"Dev Data"."Users ""v2"""'`,
      usersSchema: '    - name: id\n      type: integer\n    - name: "Full Name"\n      type: string\n',
      usersDev: '  dev:\n    seed:\n      rows:\n        - { id: 1, "Full Name": Ada }\n',
    });
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', target: 'Dev Data.Users "v2"' });
    expect(await query('SELECT id, "Full Name" FROM "Dev Data"."Users ""v2"""')).toEqual([{ id: '1', 'Full Name': 'Ada' }]);
  });

  it('a DataSet without a schema gets columns from its rows', async () => {
    const { seed, query } = await setup({
      usersSchema: '    []\n',
      usersDev: '  dev:\n    seed:\n      rows:\n        - { id: 1, score: 2.5, tags: [a] }\n',
    });
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 1 });
    expect(await query('SELECT id, score, tags FROM public.users')).toEqual([{ id: '1', score: 2.5, tags: ['a'] }]);
  });

  it('--clean removes the seeded rows and meta entries, and leaves tables dk did not seed alone', async () => {
    const { seed, query } = await setup();
    await seed();
    await query('CREATE TABLE public.keep (id int)');
    await query('INSERT INTO public.keep VALUES (1)');
    const cleaned = await seed({ clean: true });
    expect(statusOf(cleaned)).toMatchObject({ status: 'cleaned', rows: 3 });
    expect(formatSeedReport(cleaned)).toContain('users → public.users (warehouse): cleaned (3 rows removed)');
    expect(await query('SELECT count(*)::int AS n FROM public.users')).toEqual([{ n: 0 }]);
    expect(await query('SELECT count(*)::int AS n FROM _dk_seed_meta')).toEqual([{ n: 0 }]);
    expect(statusOf(await seed({ clean: true }))).toMatchObject({ status: 'not-seeded', rows: 0 });
    expect(await query('SELECT id FROM public.keep')).toEqual([{ id: 1 }]);
    // After a clean the next seed loads again.
    expect(statusOf(await seed())).toMatchObject({ status: 'loaded', rows: 3 });
  });

  it('two seeders at once: one loads, the other waits and finds it seeded', async () => {
    const { seed, query } = await setup();
    const [a, b] = await Promise.all([seed(), seed()]);
    expect([statusOf(a)!.status, statusOf(b)!.status].sort()).toEqual(['loaded', 'unchanged']);
    expect(await query('SELECT count(*)::int AS n FROM public.users')).toEqual([{ n: 3 }]);
  });
});

describe('seeding errors', () => {
  it('an unreachable database: DK660 naming host:port, never the password', async () => {
    const { pkg, env } = await setup();
    const closed = await (async () => {
      const { createServer } = await import('node:net');
      const s = createServer();
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      const port = (s.address() as { port: number }).port;
      await new Promise((resolve) => s.close(resolve));
      return port;
    })();
    await pkg.write({ 'store/warehouse.yaml': seedPackageFiles({ port: closed, database: 'db' })['store/warehouse.yaml']! });
    const report = await seedDir(pkg.dir, env);
    expect(report.errors).toHaveLength(1);
    const error = report.errors[0]!;
    expect(error).toBeInstanceOf(SeedError);
    expect(error.code).toBe('DK660');
    expect(error.message).toBe(`cannot reach PostgreSQL at 127.0.0.1:${closed} (Store warehouse): connection refused`);
    expect(statusOf(report)).toMatchObject({ status: 'failed' });
    expect(everything(report)).not.toContain(server.password);
  });

  it('an unknown host is unreachable too', async () => {
    const { seed } = await setup({ host: 'no-such-host.invalid' });
    const report = await seed();
    expect(report.errors[0]).toMatchObject({ code: 'DK660' });
    expect(report.errors[0]!.message).toMatch(/no-such-host\.invalid:\d+ .*(unknown host|host name lookup failed)/);
  });

  it('a wrong password: DK661, the password appears nowhere (not even from PGPASSWORD in process.env)', async () => {
    const { seed } = await setup();
    const wrong = 'Wr0ng-Secret-Value';
    const saved = process.env.PGPASSWORD;
    // The real password in the process environment must not rescue the run: secrets come from the env map only.
    process.env.PGPASSWORD = server.password;
    try {
      const report = await seed({}, { PG_USER: server.user, PG_PASSWORD: wrong });
      expect(report.errors.map((e) => e.code)).toEqual(['DK661']);
      const text = everything(report);
      expect(text).toContain('refused the credentials');
      expect(text).toContain('${PG_USER}, ${PG_PASSWORD}');
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(server.password);
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('an unset secret stops the Store before connecting (DK601)', async () => {
    const { seed } = await setup();
    const report = await seed({}, { PG_USER: server.user });
    expect(report.errors.map((e) => e.code)).toEqual(['DK601']);
    expect(report.errors[0]!.message).toContain('${PG_PASSWORD}');
  });

  it('a missing database: DK660 with a hint to create it', async () => {
    const { seed } = await setup({ database: 'does_not_exist' });
    const report = await seed();
    expect(report.errors[0]).toMatchObject({ code: 'DK660' });
    expect(report.errors[0]!.message).toContain('database "does_not_exist" does not exist');
    expect(report.errors[0]!.hint).toMatch(/createdb/);
  });

  it('an unknown column is located at the seed row key, with a suggestion; nothing is loaded', async () => {
    const { seed, query, pkg } = await setup({
      usersDev: '  dev:\n    seed:\n      rows:\n        - id: 1\n          emial: a@example.com\n',
    });
    const report = await seed();
    const at = await position(pkg.dir, 'dataset/users.yaml', 'emial:');
    expect(report.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      `DK663 dataset/users.yaml:${at}: seed row 1 of users: column "emial" is not in the DataSet schema (did you mean email?)`,
    ]);
    expect((report.errors[0] as SeedError).location).toMatchObject({ line: Number(at.split(':')[0]), column: Number(at.split(':')[1]) });
    expect(statusOf(report)).toMatchObject({ status: 'failed' });
    expect(await query("SELECT to_regclass('public.users')::text AS t")).toEqual([{ t: null }]);
  });

  it('type mismatches and nulls in non-nullable columns are located; the next DataSet still loads', async () => {
    const { seed, pkg } = await setup({
      usersDev: '  dev:\n    seed:\n      rows:\n        - { id: one, active: maybe }\n        - { name: no id }\n',
      reportDev: '  dev:\n    seed:\n      rows:\n        - { day: "2024-01-01", total: 1 }\n',
    });
    const report = await seed();
    const [id, active, second] = [
      await position(pkg.dir, 'dataset/users.yaml', 'id: one'),
      await position(pkg.dir, 'dataset/users.yaml', 'active: maybe'),
      await position(pkg.dir, 'dataset/users.yaml', '{ name: no id }'),
    ];
    expect(report.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      `DK664 dataset/users.yaml:${id}: seed row 1 of users: column id (bigint): expected an integer, got string "one"`,
      `DK664 dataset/users.yaml:${active}: seed row 1 of users: column active (boolean): expected a boolean (true or false), got string "maybe"`,
      `DK664 dataset/users.yaml:${second}: seed row 2 of users: column id (bigint): missing, and the schema says nullable: false`,
    ]);
    expect(statusOf(report, 'report')).toMatchObject({ status: 'loaded', rows: 1 });
  });

  it('a malformed CSV file is located at file:line', async () => {
    const { seed } = await setup({
      usersDev: '  dev:\n    seed:\n      file: users.csv\n',
      files: { 'dataset/users.csv': 'id,name\n1,ok\n2,"broken\n' },
    });
    const report = await seed();
    expect(report.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      'DK662 dataset/users.csv:3:3: malformed CSV: a quoted field is never closed (missing ")',
    ]);
  });

  it('a table that does not match the schema: DK668, rolled back, meta untouched', async () => {
    const { seed, query } = await setup();
    await query('CREATE TABLE public.users (id bigint)');
    await query('INSERT INTO public.users VALUES (42)');
    const report = await seed();
    expect(report.errors[0]).toMatchObject({ code: 'DK668' });
    expect(report.errors[0]!.message).toMatch(
      /seeding users into public\.users on PostgreSQL at 127\.0\.0\.1:\d+ \(Store warehouse\) failed: column "name" of relation "users" does not exist/,
    );
    expect(report.errors[0]!.hint).toMatch(/drop it so that dk creates it/);
    expect(await query('SELECT id FROM public.users')).toEqual([{ id: '42' }]);
    expect(await query("SELECT to_regclass('_dk_seed_meta')::text AS t")).toEqual([{ t: null }]);
  });

  it('a seed on the Transform is refused where it is written (DK667)', async () => {
    const { seed } = await setup({ transformExtra: '  dev:\n    seed:\n      rows: [{ id: 1 }]\n' });
    const report = await seed();
    expect(report.errors.map((e) => e.code)).toEqual(['DK667']);
    expect(report.errors[0]!.message).toMatch(/^dk\.yaml:16:5: spec\.dev\.seed on a Transform is not loaded/);
    expect(report.errors[0]).toBeInstanceOf(DataKitError);
  });
});
