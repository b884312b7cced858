/**
 * Reads the output table of a PostgreSQL Store with the `pg` client, through a server-side cursor
 * (FETCH in batches), so that memory stays bounded whatever the table's size. Columns and their
 * types come from the result's field descriptions and pg_type.
 */
import type { default as PgModule, QueryResult } from 'pg';
import type { OutputColumn, OutputReading, RowItem } from './reading';
import type { ValueKind } from './value-types';

type PgModuleType = typeof PgModule;
type PgClient = InstanceType<PgModuleType['Client']>;

export interface PostgresOutputOptions {
  /** The Store's address (DK_STORE_DSN_<NAME>): postgresql://user:password@host:port/database. */
  dsn: string;
  /** The DataSet's table: `table` or `schema.table`. */
  table: string;
  /** For messages: the Store's name. */
  storeName: string;
  /** Rows per FETCH. Default 1000. */
  batchSize?: number;
  connectTimeoutMs?: number;
  /** Loads the pg module; undefined when it is not installed. Default: import('pg'). */
  loadPg?: () => Promise<PgModuleType | undefined>;
  /** Masks secrets in messages taken from driver errors. */
  mask?: (text: string) => string;
}

/** import('pg'), or undefined when the package is not installed. */
export async function loadPgModule(): Promise<PgModuleType | undefined> {
  try {
    const mod = (await import('pg')) as unknown as { default?: PgModuleType } & PgModuleType;
    return mod.default ?? mod;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

const kindsByName: Record<string, ValueKind> = {
  bool: 'boolean',
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  oid: 'integer',
  float4: 'float',
  float8: 'float',
  numeric: 'float',
  money: 'float',
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  name: 'string',
  char: 'string',
  uuid: 'string',
  citext: 'string',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  date: 'date',
  time: 'time',
  timetz: 'time',
  json: 'object',
  jsonb: 'object',
  bytea: 'binary',
};

function kindOfType(name: string, category: string): ValueKind | undefined {
  const known = kindsByName[name];
  if (known) return known;
  switch (category) {
    case 'A':
      return 'array';
    case 'B':
      return 'boolean';
    case 'E':
    case 'S':
      return 'string';
  }
  return undefined;
}

/** Types whose JavaScript form compares well with accepted values; every other value stays as PostgreSQL prints it. */
const parsedTypes = new Set([16, 21, 23, 26, 700, 701, 114, 3802]);

/** "schema.table" or "table" as a quoted SQL identifier. */
export function quoteTable(table: string, escapeIdentifier: (s: string) => string): string {
  const dot = table.indexOf('.');
  return dot > 0 ? `${escapeIdentifier(table.slice(0, dot))}.${escapeIdentifier(table.slice(dot + 1))}` : escapeIdentifier(table);
}

function errorText(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : undefined;
  return [code, message].filter(Boolean).join(': ') || String(error);
}

/** Opens a Postgres output table for checking. Never throws: problems become the reading's kind. */
export async function readPostgresOutput(options: PostgresOutputOptions): Promise<OutputReading> {
  const mask = options.mask ?? ((s: string) => s);
  const location = `table ${options.table} on Store ${options.storeName}`;
  const pg = await (options.loadPg ?? loadPgModule)();
  if (!pg) {
    return {
      kind: 'unsupported',
      location,
      reason: 'reading a postgres output needs the pg package, which is not installed (npm install pg in the sdk workspace)',
    };
  }
  const batch = options.batchSize ?? 1000;
  const client: PgClient = new pg.Client({
    connectionString: options.dsn,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        parsedTypes.has(oid) ? pg.types.getTypeParser(oid, format ?? 'text') : (value: string) => value) as never,
    },
  });
  // A connection dropped by the server is reported by the query that sees it, not as an uncaught error.
  client.on('error', () => undefined);
  let open = false;
  const close = async () => {
    if (!open) return;
    open = false;
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  };
  try {
    await client.connect();
    open = true;
  } catch (error) {
    await client.end().catch(() => undefined);
    return { kind: 'error', location, message: mask(`cannot connect to Store ${options.storeName}: ${errorText(error)}`) };
  }
  let first: QueryResult<Record<string, unknown>>;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`DECLARE dk_test_rows NO SCROLL CURSOR FOR SELECT * FROM ${quoteTable(options.table, pg.escapeIdentifier)}`);
    first = await client.query(`FETCH FORWARD ${batch} FROM dk_test_rows`);
  } catch (error) {
    await close();
    const code = (error as { code?: unknown }).code;
    // undefined_table, invalid_schema_name
    if (code === '42P01' || code === '3F000') return { kind: 'missing', location, message: `${location} does not exist` };
    return { kind: 'error', location, message: mask(`cannot read ${location}: ${errorText(error)}`) };
  }
  const oids = [...new Set(first.fields.map((f) => f.dataTypeID))];
  const typeNames = new Map<number, { name: string; category: string }>();
  try {
    const types = await client.query<{ oid: number; typname: string; typcategory: string }>(
      'SELECT oid::int AS oid, typname, typcategory FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
      [oids],
    );
    for (const t of types.rows) typeNames.set(Number(t.oid), { name: t.typname, category: t.typcategory });
  } catch {
    // Without type names the columns are still checked, only not for their types.
  }
  const columns: OutputColumn[] = first.fields.map((f) => {
    const type = typeNames.get(f.dataTypeID);
    const kind = type ? kindOfType(type.name, type.category) : undefined;
    return { name: f.name, ...(kind ? { kind } : {}), nativeType: type?.name ?? `oid ${f.dataTypeID}` };
  });
  let rowNumber = 0;
  async function* rows(): AsyncGenerator<RowItem> {
    try {
      let result = first;
      for (;;) {
        for (const values of result.rows as Array<Record<string, unknown>>) yield { values, where: `row ${++rowNumber}` };
        if (result.rows.length < batch) break;
        result = await client.query(`FETCH FORWARD ${batch} FROM dk_test_rows`);
      }
    } catch (error) {
      throw new Error(mask(`cannot read ${location}: ${errorText(error)}`));
    } finally {
      await close();
    }
  }
  return { kind: 'rows', location, columns, valueMode: 'typed', rows: rows(), close };
}
