import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../sdk/test/helpers/postgres';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

let postgres: TestPostgres;
let cwd: string;

beforeAll(async () => {
  postgres = await startPostgres();
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-init-pg-'));
});
afterAll(async () => {
  await postgres.stop();
  await rm(cwd, { recursive: true, force: true });
});

function dk(argv: string[], runEnvironment: Record<string, string> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, argv, { runEnvironment: { PATH: process.env.PATH ?? '', HOME: cwd, ...runEnvironment } });
}

/** The scaffold's warehouse Store names localhost:5432/datakit; the test server is elsewhere. */
async function pointWarehouseAtTestServer(pkg: string): Promise<void> {
  const store = path.join(cwd, pkg, 'store/warehouse.yaml');
  await writeFile(
    store,
    (await readFile(store, 'utf8'))
      .replace('host: localhost', 'host: 127.0.0.1')
      .replace('port: 5432', `port: ${postgres.port}`)
      .replace('database: datakit', `database: ${postgres.database}`),
  );
}

describe('dk init --store postgres', () => {
  it('scaffolds a generic-node package that seeds, reads and writes Postgres through the run contract', async () => {
    expect((await dk(['init', 'pgdemo', '--runtime', 'generic-node', '--store', 'postgres'])).code).toBe(0);
    await pointWarehouseAtTestServer('pgdemo');
    // The scaffold's package.json asks for pg (npm install); the repository's copy stands in, offline.
    await symlink(path.resolve(import.meta.dirname, '../../node_modules'), path.join(cwd, 'pgdemo/node_modules'));
    const secrets = { PG_USER: postgres.user, PG_PASSWORD: postgres.password };
    expect((await dk(['lint', 'pgdemo', '--strict'])).code).toBe(0);
    const run = await dk(['run', 'pgdemo', '--local', '--seed'], secrets);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('pgdemo: wrote 3 rows');
    expect(run.stdout + run.stderr).not.toContain(postgres.password);
    const rows = await postgres.query('select id, name, name_length from public.pgdemo_output order by id');
    expect(rows).toEqual([
      { id: '1', name: 'Ada', name_length: '3' },
      { id: '2', name: 'Grace', name_length: '5' },
      { id: '3', name: 'Linus', name_length: '5' },
    ]);
  });

  it('scaffolds a generic-python package that does the same through psql', async () => {
    expect((await dk(['init', 'pypg', '--runtime', 'generic-python', '--store', 'postgres'])).code).toBe(0);
    await pointWarehouseAtTestServer('pypg');
    expect((await dk(['lint', 'pypg', '--strict'])).code).toBe(0);
    const run = await dk(['run', 'pypg', '--local', '--seed'], { PG_USER: postgres.user, PG_PASSWORD: postgres.password });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('pypg: wrote 3 rows');
    expect(run.stdout + run.stderr).not.toContain(postgres.password);
    const rows = await postgres.query('select id, name, name_length from public.pypg_output order by id');
    expect(rows.map((r) => [r.name, r.name_length])).toEqual([
      ['Ada', '3'],
      ['Grace', '5'],
      ['Linus', '5'],
    ]);
  });

  it('is refused for runtimes it does not apply to', async () => {
    expect((await dk(['init', 'nope', '--runtime', 'generic-go', '--store', 'postgres'])).code).toBe(2);
  });
});
