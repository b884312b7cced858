/**
 * A real PostgreSQL server for tests: `initdb` into a temp directory, `pg_ctl start` on
 * 127.0.0.1 with a random port (Unix socket in the same directory), `stop()` shuts it down and
 * removes everything. The server refuses to run as root, so as root it runs as the `postgres`
 * user through `runuser`, and the temp directory is handed to that user.
 *
 * Binaries: `initdb`/`pg_ctl` from PATH, else the newest /usr/lib/postgresql/<v>/bin (where the
 * Debian package `postgresql` puts them without adding them to PATH).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../registry/process';

export interface PostgresOptions {
  /** Password of the superuser `postgres` over TCP (scram-sha-256); random by default. */
  password?: string;
}

export interface TestPostgres {
  host: '127.0.0.1';
  port: number;
  /** The superuser. */
  user: 'postgres';
  password: string;
  /** The database created by initdb (`postgres`). */
  database: string;
  /** postgresql://postgres:<password>@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** The data, socket and log directory. */
  dir: string;
  /** Runs one statement as the superuser (parameters as $1…) and returns the rows. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** Creates a fresh, empty database and returns its name (dk_test_1, dk_test_2, … unless named). */
  createDatabase(name?: string): Promise<string>;
  /** The server log, for failing tests. */
  log(): Promise<string>;
  /** Stops the server (fast shutdown) and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

interface Exec {
  stdout: string;
  stderr: string;
}

function exec(program: string, args: readonly string[], timeoutMs = 60_000): Promise<Exec> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`${program} ${args.join(' ')} failed: ${stderr || error.message}`), { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, program))) return path.join(dir, program);
  }
  return undefined;
}

/** The directory holding initdb and pg_ctl. */
export function findPostgresBinaries(): string {
  const initdb = onPath('initdb');
  if (initdb && existsSync(path.join(path.dirname(initdb), 'pg_ctl'))) return path.dirname(initdb);
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => existsSync(path.join(debian, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(debian, versions[0], 'bin');
  throw new Error('PostgreSQL is not installed: no initdb on PATH or in /usr/lib/postgresql/*/bin (apt-get install postgresql)');
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([exec('id', ['-u', 'postgres']), exec('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

let databaseCounter = 0;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A detached shell that stops the server and removes its directory once this process is gone, so
 * that a test process killed before stop() (vitest ends workers with a signal) leaves nothing
 * running. stop() kills it first.
 */
function startWatchdog(asRoot: boolean, bin: string, data: string, dir: string): ChildProcess {
  const pgCtl = [path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'].map(shellQuote).join(' ');
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done`,
    `${asRoot ? 'runuser -u postgres -- ' : ''}${pgCtl} >/dev/null 2>&1`,
    `rm -rf ${shellQuote(dir)}`,
  ].join('; ');
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = findPostgresBinaries();
  const asRoot = process.getuid?.() === 0;
  /** Runs a server binary, as `postgres` when we are root. */
  const server = (program: string, args: readonly string[]) =>
    asRoot ? exec('runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]) : exec(path.join(bin, program), args);

  const dir = await mkdtemp(path.join(tmpdir(), 'dk-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const password = options.password ?? `pw-${randomBytes(9).toString('hex')}`;
  let started = false;
  let watchdog: ChildProcess | undefined;
  const cleanup = async () => {
    if (watchdog?.pid !== undefined && watchdog.exitCode === null) watchdog.kill('SIGKILL');
    watchdog = undefined;
    if (started) await server('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const pwfile = path.join(dir, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (asRoot) {
      const { uid, gid } = await postgresIds();
      await chown(dir, uid, gid);
      await chown(pwfile, uid, gid);
    }
    await chmod(dir, 0o700);
    await server('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
      '--no-instructions',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await rm(pwfile, { force: true });

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await server('pg_ctl', [
          '-D',
          data,
          '-l',
          logFile,
          '-o',
          `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c synchronous_commit=off`,
          '-w',
          '-t',
          '30',
          'start',
        ]);
        started = true;
        watchdog = startWatchdog(asRoot, bin, data, dir);
        break;
      } catch (error) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        if (attempt < 3 && /could not bind|already in use/i.test(log)) continue;
        throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
      }
    }

    const url = (database = 'postgres') =>
      `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    const query = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database, ssl: false });
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database: 'postgres',
      url,
      dir,
      query,
      createDatabase: async (name) => {
        const database = name ?? `dk_test_${++databaseCounter}`;
        await query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
        return database;
      },
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
