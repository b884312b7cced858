/**
 * The PostgreSQL side of seeding: the only module that talks to `pg`, and where its errors become
 * SeedErrors. Values always travel as statement parameters; identifiers are quoted.
 */
import os from 'node:os';
import pg from 'pg';
import { DataKitError } from '../core/errors';
import { storeAddress, type StoreSpec } from '../runner/store-address';
import type { SeedColumn, SeedValue } from './columns';
import { SeedError, seedCodes } from './errors';

/** Where a postgres Store is, with its credentials resolved (never print `password`). */
export interface PostgresEndpoint {
  store: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  ssl: boolean | { rejectUnauthorized: false };
  /** The ${VAR} references of the Store's secrets, for hints (names only). */
  secretReferences: string[];
}

export const metaTable = '_dk_seed_meta';

/** The endpoint of a postgres Store, its secrets resolved from `env` (DK601 when one is unset). */
export function postgresEndpoint(
  store: StoreSpec,
  env: Readonly<Record<string, string | undefined>>,
): { endpoint: PostgresEndpoint; secrets: string[] } {
  const address = storeAddress(store, env);
  let url: URL;
  try {
    url = new URL(address.value);
    if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new Error(url.protocol);
  } catch {
    throw new SeedError(
      seedCodes.notSeedable,
      `Store ${store.name}: the connection is not a postgresql:// address, so it cannot be seeded`,
      {
        hint: 'Give the Store connection.host, port and database (or a postgresql:// url).',
      },
    );
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const sslmode = url.searchParams.get('sslmode');
  const user = decode(url.username);
  const endpoint: PostgresEndpoint = {
    store: store.name,
    host: url.searchParams.get('host') ?? url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 5432,
    // libpq's defaults: the operating-system user, and a database named after the user.
    user: user || os.userInfo().username,
    database: decode(url.pathname.replace(/^\//, '')) || user || os.userInfo().username,
    password: url.password ? decode(url.password) : undefined,
    ssl:
      sslmode === 'require' || sslmode === 'no-verify'
        ? { rejectUnauthorized: false }
        : sslmode === 'verify-ca' || sslmode === 'verify-full',
    secretReferences: Object.values(store.secrets),
  };
  return { endpoint, secrets: [...address.secrets, ...(endpoint.password ? [endpoint.password] : [])] };
}

export const describeEndpoint = (e: PostgresEndpoint): string => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

const networkCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'EADDRNOTAVAIL',
]);
const networkWords: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  EADDRNOTAVAIL: 'address not available',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) ? inner.map(errorCode).find((c) => c !== undefined) : undefined;
}

export interface ErrorContext {
  dataset?: string;
  target?: string;
}

/** A `pg` or socket error as a SeedError: unreachable (DK660), credentials refused (DK661), statement failed (DK668). */
export function convertPostgresError(error: unknown, endpoint: PostgresEndpoint, context: ErrorContext = {}): DataKitError {
  if (error instanceof DataKitError) return error;
  const where = `PostgreSQL at ${describeEndpoint(endpoint)} (Store ${endpoint.store})`;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const base = { cause: error, ...(context.dataset ? { dataset: context.dataset } : {}) };
  const credentials = endpoint.secretReferences.length > 0 ? endpoint.secretReferences.join(', ') : 'the Store secrets';
  if (code !== undefined && networkCodes.has(code)) {
    return new SeedError(seedCodes.unreachable, `cannot reach ${where}: ${networkWords[code] ?? code}`, {
      ...base,
      hint: 'Start the database (is it running and listening on that address?), or correct connection.host and connection.port of the Store.',
    });
  }
  if (/timeout|terminated unexpectedly|does not support SSL/i.test(message) && !(error instanceof pg.DatabaseError)) {
    return new SeedError(seedCodes.unreachable, `cannot reach ${where}: ${message}`, {
      ...base,
      hint: 'Check that the database runs at that address and accepts connections (and TLS, if sslmode asks for it).',
    });
  }
  if (error instanceof pg.DatabaseError) {
    if (code === '28P01' || code === '28000') {
      return new SeedError(
        seedCodes.authentication,
        `${where} refused the credentials of user ${JSON.stringify(endpoint.user)}: ${message}`,
        {
          ...base,
          hint: `Check the values of ${credentials} in the environment that runs dk (and the server's pg_hba.conf).`,
        },
      );
    }
    if (code === '3D000' || code === '57P03' || code === '53300') {
      return new SeedError(seedCodes.unreachable, `cannot use ${where}: ${message}`, {
        ...base,
        hint:
          code === '3D000'
            ? 'Create the database (createdb), or correct connection.database of the Store.'
            : 'Retry when the server accepts connections.',
      });
    }
    const detail = error.detail ? ` (${error.detail})` : '';
    return new SeedError(
      seedCodes.writeFailed,
      `seeding ${context.dataset ?? 'a DataSet'}${context.target ? ` into ${context.target}` : ''} on ${where} failed: ${message}${detail} [SQLSTATE ${code ?? '?'}]`,
      {
        ...base,
        hint:
          code === '42703' || code === '42804' || code === '23502' || code === '22P02'
            ? 'The existing table does not match the DataSet schema: align the table with spec.schema, or drop it so that dk creates it.'
            : code === '42501'
              ? 'Grant the Store user the rights to create and write the table (and the _dk_seed_meta table).'
              : 'Read the database message above.',
      },
    );
  }
  return new SeedError(seedCodes.unreachable, `cannot use ${where}: ${message}`, {
    ...base,
    hint: 'Check that the database runs at that address.',
  });
}

export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** schema.table (or table; db.schema.table keeps the last two), quotes removed. */
export function splitTable(table: string): { schema?: string; table: string } {
  const parts = table.split('.').map((p) => {
    const t = p.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
  });
  const name = parts[parts.length - 1]!;
  return parts.length >= 2 ? { schema: parts[parts.length - 2]!, table: name } : { table: name };
}

/** One DataSet to load into (or clean from) a table. */
export interface PostgresJob {
  dataset: string;
  /** spec.table: table, schema.table or database.schema.table. */
  table: string;
  profile: string;
  columns: readonly SeedColumn[];
  rows: readonly SeedValue[][];
  checksum: string;
}

export interface PostgresResult {
  status: 'loaded' | 'unchanged' | 'cleaned' | 'not-seeded';
  rows: number;
  /** schema.table */
  target: string;
}

/** Any constant: serialises concurrent seeders on one database. */
const seedLockKey = 7_302_146_508;
/** Parameters per INSERT stay well below PostgreSQL's 65535. */
const maxParameters = 30_000;

/** One connection to a postgres Store; each DataSet is seeded in its own transaction. */
export class PostgresSeeder {
  private constructor(
    private readonly client: pg.Client,
    private readonly endpoint: PostgresEndpoint,
    private readonly defaultSchema: string,
  ) {}

  static async connect(endpoint: PostgresEndpoint, options: { connectTimeoutMs?: number } = {}): Promise<PostgresSeeder> {
    const password = endpoint.password ?? '';
    const client = new pg.Client({
      host: endpoint.host,
      port: endpoint.port,
      user: endpoint.user,
      database: endpoint.database,
      // A function, so that pg never falls back to PGPASSWORD or ~/.pgpass: secrets come from the Store only.
      password: () => password,
      ssl: endpoint.ssl,
      application_name: 'dk-seed',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    });
    // A connection lost while idle is reported by the next query; without a listener it would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const schema = (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
      return new PostgresSeeder(client, endpoint, schema);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw convertPostgresError(error, endpoint);
    }
  }

  /** schema.table as recorded in _dk_seed_meta. */
  target(table: string): { schema: string; table: string; display: string; sql: string } {
    const parts = splitTable(table);
    const schema = parts.schema ?? this.defaultSchema;
    return {
      schema,
      table: parts.table,
      display: `${schema}.${parts.table}`,
      sql: `${quoteIdentifier(schema)}.${quoteIdentifier(parts.table)}`,
    };
  }

  private get meta(): string {
    return `${quoteIdentifier(this.defaultSchema)}.${quoteIdentifier(metaTable)}`;
  }

  private async transaction<T>(job: { dataset: string; target: string }, work: () => Promise<T>): Promise<T> {
    try {
      await this.client.query('BEGIN');
      await this.client.query('SELECT pg_advisory_xact_lock($1)', [seedLockKey]);
      const result = await work();
      await this.client.query('COMMIT');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw convertPostgresError(error, this.endpoint, job);
    }
  }

  private async ensureMeta(): Promise<void> {
    await this.client.query(
      `CREATE TABLE IF NOT EXISTS ${this.meta} (
        dataset text NOT NULL,
        target text NOT NULL,
        profile text NOT NULL,
        checksum text NOT NULL,
        rows bigint NOT NULL,
        loaded_at timestamptz NOT NULL,
        PRIMARY KEY (dataset, target)
      )`,
    );
  }

  private async exists(sqlName: string): Promise<boolean> {
    return Boolean((await this.client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [sqlName])).rows[0]?.oid);
  }

  /** The rows of a table, undefined when it does not exist. */
  private async rowCount(sqlName: string): Promise<number | undefined> {
    if (!(await this.exists(sqlName))) return undefined;
    return Number((await this.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${sqlName}`)).rows[0]?.n ?? 0);
  }

  /**
   * Loads the rows unless the table already holds this exact seed (same checksum in _dk_seed_meta
   * and the same number of rows): then nothing is written. Replacing is DELETE + INSERT in one transaction.
   */
  async seed(job: PostgresJob, loadedAt: Date): Promise<PostgresResult> {
    const target = this.target(job.table);
    return this.transaction({ dataset: job.dataset, target: target.display }, async () => {
      await this.ensureMeta();
      const recorded = (
        await this.client.query<{ checksum: string; rows: string }>(
          `SELECT checksum, rows FROM ${this.meta} WHERE dataset = $1 AND target = $2`,
          [job.dataset, target.display],
        )
      ).rows[0];
      if (recorded?.checksum === job.checksum && (await this.rowCount(target.sql)) === Number(recorded.rows)) {
        return { status: 'unchanged', rows: Number(recorded.rows), target: target.display };
      }
      const schemaExists = (await this.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema])).rowCount ?? 0;
      if (schemaExists === 0) await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(target.schema)}`);
      const definitions = job.columns.map((c) => `${quoteIdentifier(c.name)} ${c.pgType}${c.nullable ? '' : ' NOT NULL'}`);
      await this.client.query(`CREATE TABLE IF NOT EXISTS ${target.sql} (${definitions.join(', ')})`);
      await this.client.query(`DELETE FROM ${target.sql}`);
      await this.insert(target.sql, job.columns, job.rows);
      await this.client.query(
        `INSERT INTO ${this.meta} (dataset, target, profile, checksum, rows, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dataset, target) DO UPDATE SET profile = EXCLUDED.profile, checksum = EXCLUDED.checksum, rows = EXCLUDED.rows, loaded_at = EXCLUDED.loaded_at`,
        [job.dataset, target.display, job.profile, job.checksum, job.rows.length, loadedAt.toISOString()],
      );
      return { status: 'loaded', rows: job.rows.length, target: target.display };
    });
  }

  private async insert(table: string, columns: readonly SeedColumn[], rows: readonly SeedValue[][]): Promise<void> {
    if (columns.length === 0) {
      for (let i = 0; i < rows.length; i++) await this.client.query(`INSERT INTO ${table} DEFAULT VALUES`);
      return;
    }
    const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    const perStatement = Math.max(1, Math.min(1000, Math.floor(maxParameters / columns.length)));
    for (let start = 0; start < rows.length; start += perStatement) {
      const batch = rows.slice(start, start + perStatement);
      const params: unknown[] = [];
      const tuples = batch.map(
        (row) =>
          `(${columns
            .map((column, i) => {
              params.push(row[i] ?? null);
              return `$${params.length}::${column.pgType}`;
            })
            .join(', ')})`,
      );
      await this.client.query(`INSERT INTO ${table} (${names}) VALUES ${tuples.join(', ')}`, params);
    }
  }

  /** Removes the rows of a table dk seeded, and its _dk_seed_meta entry. A table dk did not seed is left alone. */
  async clean(job: Pick<PostgresJob, 'dataset' | 'table'>): Promise<PostgresResult> {
    const target = this.target(job.table);
    return this.transaction({ dataset: job.dataset, target: target.display }, async () => {
      if (!(await this.exists(this.meta))) return { status: 'not-seeded', rows: 0, target: target.display };
      const removed = await this.client.query(`DELETE FROM ${this.meta} WHERE dataset = $1 AND target = $2`, [job.dataset, target.display]);
      if ((removed.rowCount ?? 0) === 0) return { status: 'not-seeded', rows: 0, target: target.display };
      const deleted = (await this.exists(target.sql)) ? ((await this.client.query(`DELETE FROM ${target.sql}`)).rowCount ?? 0) : 0;
      return { status: 'cleaned', rows: deleted, target: target.display };
    });
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
