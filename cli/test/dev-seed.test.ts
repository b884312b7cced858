/** dk dev seed, in process, against a real PostgreSQL server started for this file. */
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../sdk/test/helpers/postgres';
import { seedPackageFiles, type SeedPackageOptions } from '../../sdk/test/seed/fixture';
import type { CliConfig } from '../src/config';
import { hasStackTrace } from './helpers/run-dk';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

let server: TestPostgres;
let cwd: string;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-dev-seed-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dk(argv: string[], overrides: Partial<CliConfig> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, argv, overrides);
}

/** A package in cwd/shop pointing at a fresh database; the secrets are in runEnvironment. */
async function setup(options: Partial<SeedPackageOptions> = {}) {
  const database = await server.createDatabase();
  const write = async (files: Record<string, string>) => {
    for (const [file, content] of Object.entries(files)) await writeTo(path.join(cwd, 'shop', file), content);
  };
  await write(seedPackageFiles({ port: server.port, database, ...options }));
  const env = { PATH: process.env.PATH ?? '', PG_USER: server.user, PG_PASSWORD: server.password };
  const query = <R extends Record<string, unknown>>(sql: string) => server.query<R>(sql, [], database);
  return {
    database,
    env,
    query,
    write,
    run: (argv: string[], runEnvironment: Record<string, string> = env) => dk(argv, { runEnvironment }),
  };
}

async function writeTo(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

const reportSeed = '  dev:\n    seed:\n      file: ../seeds/report.csv\n';

describe('dk dev seed', () => {
  it('loads inline rows into the table and a CSV into the file Store, then finds them already seeded', async () => {
    const { run, query } = await setup({ reportDev: reportSeed, files: { 'seeds/report.csv': 'day,total\n2024-01-01,10\n2024-01-02,\n' } });
    const first = await run(['dev', 'seed', 'shop']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      [
        '  users → public.users (warehouse): loaded 3 rows',
        '  report → shop/data/report/dk-seed.jsonl (local): loaded 2 rows',
        'seed: 2 DataSets, 2 loaded',
        '',
      ].join('\n'),
    );
    expect(await query('SELECT id, name FROM public.users ORDER BY id')).toEqual([
      { id: '1', name: 'Ada' },
      { id: '2', name: 'Grace' },
      { id: '3', name: "Robert'); DROP TABLE users;--" },
    ]);
    expect(await readFile(path.join(cwd, 'shop/data/report/dk-seed.jsonl'), 'utf8')).toBe(
      '{"day":"2024-01-01","total":10}\n{"day":"2024-01-02","total":null}\n',
    );

    const again = await run(['dev', 'seed', 'shop']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('users → public.users (warehouse): already seeded (3 rows)');
    expect(again.stdout).toContain('seed: 2 DataSets, 2 already seeded');
  });

  it('reloads changed rows, loads a profile, and --clean removes what it seeded', async () => {
    const { run, query, write } = await setup({
      usersDev: `  dev:
    seed:
      file: ../seeds/users.jsonl
      profiles:
        tiny:
          rows:
            - { id: 42, name: Only }
`,
      files: { 'seeds/users.jsonl': '{"id": 1, "name": "Ada"}\n{"id": 2, "name": "Grace"}\n' },
    });
    expect((await run(['dev', 'seed', 'shop'])).stdout).toContain('loaded 2 rows');
    await write({ 'seeds/users.jsonl': '{"id": 1, "name": "Ada Lovelace"}\n' });
    const changed = await run(['dev', 'seed', 'shop']);
    expect(changed.stdout).toContain('users → public.users (warehouse): loaded 1 row\n');
    expect(await query('SELECT name FROM public.users')).toEqual([{ name: 'Ada Lovelace' }]);

    const tiny = await run(['dev', 'seed', 'shop', '--profile', 'tiny']);
    expect(tiny.code, tiny.stderr).toBe(0);
    expect(tiny.stdout).toContain('users → public.users (warehouse) [profile tiny]: loaded 1 row');
    expect(tiny.stdout).toContain('seed (profile tiny): 1 DataSet, 1 loaded');
    expect(await query('SELECT id, name FROM public.users')).toEqual([{ id: '42', name: 'Only' }]);

    const clean = await run(['dev', 'seed', 'shop', '--clean']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('users → public.users (warehouse): cleaned (1 row removed)');
    expect(await query('SELECT count(*)::int AS n FROM public.users')).toEqual([{ n: 0 }]);
    expect(await query('SELECT count(*)::int AS n FROM _dk_seed_meta')).toEqual([{ n: 0 }]);
  });

  it('seeds the file Store of a scaffolded package, and dk run reads the seed', async () => {
    expect((await dk(['init', 'demo', '--runtime', 'generic-node'])).code).toBe(0);
    await appendFile(
      path.join(cwd, 'demo/dataset/demo-input.yaml'),
      '  dev:\n    seed:\n      rows:\n        - { id: 10, name: Seeded }\n        - { id: 11, name: Also }\n',
    );
    const seeded = await dk(['dev', 'seed', 'demo']);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stdout).toContain('demo-input → demo/data/input/dk-seed.jsonl (local): loaded 2 rows');
    const ran = await dk(['run', 'demo', '--local', '--lineage', 'off']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('demo: wrote 5 rows');
    expect((await dk(['dev', 'seed', 'demo'])).stdout).toContain('already seeded (2 rows)');
  });

  it('a package with no seeds has nothing to do', async () => {
    const { run } = await setup({ usersDev: '' });
    const result = await run(['dev', 'seed', 'shop']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('seed: no DataSet of the package declares spec.dev.seed; nothing to do\n');
  });

  it('--help describes the command', async () => {
    const help = await dk(['dev', 'seed', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dk dev seed \[options\] \[dir\]/);
    expect(help.stdout).toContain('--profile <name>');
    expect(help.stdout).toContain('--clean');
  });
});

describe('dk dev seed: bad inputs', () => {
  it('Postgres unreachable: a clear message naming host:port, exit 1, no stack trace, no password', async () => {
    const port = await closedPort();
    const { run } = await setup();
    await writeTo(path.join(cwd, 'shop/store/warehouse.yaml'), seedPackageFiles({ port, database: 'db' })['store/warehouse.yaml']!);
    const result = await run(['dev', 'seed', 'shop']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('users → public.users (warehouse): failed (DK660)');
    expect(result.stderr).toContain(`dk: DK660: cannot reach PostgreSQL at 127.0.0.1:${port} (Store warehouse): connection refused`);
    expect(result.stderr).toContain('hint: Start the database');
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(server.password);
  });

  it('a wrong password: exit 1, and the password is printed nowhere', async () => {
    const { run, env } = await setup();
    const wrong = 'n0t-The-Passw0rd';
    const result = await run(['dev', 'seed', 'shop'], { ...env, PG_PASSWORD: wrong });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DK661');
    expect(result.stderr).toContain('refused the credentials');
    expect(result.stdout + result.stderr).not.toContain(wrong);
    expect(result.stdout + result.stderr).not.toContain(server.password);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('a seed with an unknown column: located error, exit 1, nothing loaded', async () => {
    const { run, query } = await setup({ usersDev: '  dev:\n    seed:\n      rows:\n        - { id: 1, nmae: Ada }\n' });
    const result = await run(['dev', 'seed', 'shop']);
    expect(result.code).toBe(1);
    const lines = (await readFile(path.join(cwd, 'shop/dataset/users.yaml'), 'utf8')).split('\n');
    const line = lines.findIndex((l) => l.includes('nmae')) + 1;
    const column = lines[line - 1]!.indexOf('nmae') + 1;
    expect(result.stderr).toContain(
      `dk: DK663: shop/dataset/users.yaml:${line}:${column}: seed row 1 of users: column "nmae" is not in the DataSet schema (did you mean name?)`,
    );
    expect(await query("SELECT to_regclass('public.users')::text AS t")).toEqual([{ t: null }]);
  });

  it('a malformed CSV: located at file:line, exit 1', async () => {
    const { run } = await setup({
      usersDev: '  dev:\n    seed:\n      file: ../seeds/users.csv\n',
      files: { 'seeds/users.csv': 'id,name\n1,Ada\n2,Gr"ace\n' },
    });
    const result = await run(['dev', 'seed', 'shop']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('dk: DK662: shop/seeds/users.csv:3:5: malformed CSV: a quote inside an unquoted field');
  });

  it('lint errors stop before seeding (exit 1)', async () => {
    const { run } = await setup();
    await writeTo(
      path.join(cwd, 'shop/dataset/users.yaml'),
      'apiVersion: datakit.dev/v1alpha1\nkind: DataSet\nmetadata:\n  name: users\nspec: [\n',
    );
    const result = await run(['dev', 'seed', 'shop']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was seeded');
  });

  it('usage errors exit 2: an unknown profile, an unknown flag, --profile with --clean', async () => {
    const { run } = await setup({ usersDev: '  dev:\n    seed:\n      rows: []\n      profiles:\n        small: { rows: [] }\n' });
    const unknown = await run(['dev', 'seed', 'shop', '--profile', 'large']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('dk: DK665: no DataSet declares the seed profile "large" (profiles: small)');
    expect((await run(['dev', 'seed', 'shop', '--bogus'])).code).toBe(2);
    expect((await run(['dev', 'seed', 'shop', '--clean', '--profile', 'small'])).code).toBe(2);
    expect((await run(['dev', 'seed', 'shop', '--profile', '../x'])).code).toBe(2);
  });
});

/** A port on 127.0.0.1 nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
