import { suggestClosest } from '../validate/did-you-mean';
import { formatLocation, SeedError, seedCodes } from './errors';
import type { RawSeedRow } from './source';

/** How values of a column are checked and stored. */
export type ColumnKind = 'text' | 'integer' | 'float' | 'boolean' | 'timestamp' | 'date' | 'json';

export interface SeedColumn {
  name: string;
  kind: ColumnKind;
  /** The PostgreSQL type of the column dk creates. */
  pgType: string;
  /** False only when the schema says nullable: false. */
  nullable: boolean;
}

/** A checked value: strings for text, integers (exact, any size), timestamps, dates and JSON (canonical text). */
export type SeedValue = string | number | boolean | null;

const kinds: Record<string, ColumnKind> = {
  string: 'text',
  text: 'text',
  varchar: 'text',
  uuid: 'text',
  integer: 'integer',
  int: 'integer',
  int32: 'integer',
  int64: 'integer',
  long: 'integer',
  bigint: 'integer',
  float: 'float',
  double: 'float',
  number: 'float',
  boolean: 'boolean',
  bool: 'boolean',
  timestamp: 'timestamp',
  datetime: 'timestamp',
  date: 'date',
  json: 'json',
  jsonb: 'json',
  object: 'json',
  array: 'json',
};

const pgTypes: Record<ColumnKind, string> = {
  text: 'text',
  integer: 'bigint',
  float: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  date: 'date',
  json: 'jsonb',
};

/** The kind of a DataSet schema type: string→text, integer→bigint, float/double→double precision, …, anything else text. */
export function columnKind(type: string): ColumnKind {
  return kinds[type.trim().toLowerCase()] ?? 'text';
}

/** The columns the DataSet schema declares, in order; undefined when it declares none. */
export function columnsFromSchema(schema: ReadonlyArray<Record<string, unknown>>): SeedColumn[] | undefined {
  const columns = schema.flatMap((field): SeedColumn[] => {
    if (typeof field.name !== 'string' || field.name === '') return [];
    const kind = columnKind(typeof field.type === 'string' ? field.type : 'string');
    return [{ name: field.name, kind, pgType: pgTypes[kind], nullable: field.nullable !== false }];
  });
  return columns.length > 0 ? columns : undefined;
}

/** Without a schema: every column the rows use (in order of appearance), typed by what they hold. */
export function inferColumns(rows: readonly RawSeedRow[]): SeedColumn[] {
  const seen = new Map<string, Set<string>>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row.values)) {
      const kinds = seen.get(name) ?? new Set<string>();
      seen.set(name, kinds);
      if (value === null || value === undefined) continue;
      if (row.text) kinds.add('text');
      else if (typeof value === 'boolean') kinds.add('boolean');
      else if (typeof value === 'number') kinds.add(Number.isSafeInteger(value) ? 'integer' : 'float');
      else if (typeof value === 'object') kinds.add('json');
      else kinds.add('text');
    }
  }
  return [...seen].map(([name, found]): SeedColumn => {
    let kind: ColumnKind = 'text';
    if (found.has('json')) kind = 'json';
    else if (found.size === 1) kind = [...found][0] as ColumnKind;
    else if (found.size === 2 && found.has('integer') && found.has('float')) kind = 'float';
    return { name, kind, pgType: pgTypes[kind], nullable: true };
  });
}

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const timestampPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const truthy = new Set(['true', 't', 'yes', 'y', '1']);
const falsy = new Set(['false', 'f', 'no', 'n', '0']);

function validDate(text: string): boolean {
  const match = datePattern.exec(text.slice(0, 10));
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const described = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'object'
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;

/** Checks one value against its column; returns the stored form, or a reason it does not fit. */
export function convertValue(
  value: unknown,
  column: SeedColumn,
  text: boolean,
): { ok: true; value: SeedValue } | { ok: false; reason: string } {
  if (value === null || value === undefined) return { ok: true, value: null };
  const bad = (expected: string) => ({ ok: false as const, reason: `expected ${expected}, got ${described(value)}` });
  switch (column.kind) {
    case 'text':
      if (typeof value === 'string') return { ok: true, value };
      // Only a schema-less column mixes scalars; a declared string column wants strings.
      return bad('a string');
    case 'integer': {
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) return bad('an integer');
        if (!Number.isSafeInteger(value))
          return { ok: false, reason: `${value} is beyond the exact range of JSON numbers: write it as a string` };
        return { ok: true, value: String(value) };
      }
      if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) {
        const n = BigInt(value.trim());
        if (n > 9223372036854775807n || n < -9223372036854775808n)
          return { ok: false, reason: `${value.trim()} does not fit a 64-bit integer` };
        return { ok: true, value: n.toString() };
      }
      return bad('an integer');
    }
    case 'float': {
      if (typeof value === 'number') return { ok: true, value };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { ok: true, value: Number(value) };
      return bad('a number');
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (truthy.has(lower)) return { ok: true, value: true };
        if (falsy.has(lower)) return { ok: true, value: false };
      }
      return bad('a boolean (true or false)');
    }
    case 'timestamp':
      if (typeof value === 'string' && timestampPattern.test(value.trim()) && validDate(value.trim()))
        return { ok: true, value: value.trim() };
      return bad('an ISO 8601 timestamp such as 2024-05-01T12:00:00Z');
    case 'date':
      if (typeof value === 'string' && datePattern.test(value.trim()) && validDate(value.trim())) return { ok: true, value: value.trim() };
      return bad('a date such as 2024-05-01');
    case 'json': {
      if (text && typeof value === 'string') {
        try {
          return { ok: true, value: canonicalJson(JSON.parse(value)) };
        } catch {
          return { ok: false, reason: `expected JSON text, got ${JSON.stringify(value)}` };
        }
      }
      return { ok: true, value: canonicalJson(value) };
    }
  }
}

export interface CheckContext {
  dataset: string;
  display: (file: string) => string;
  /** At most this many value errors are reported per DataSet (default 10). */
  maxErrors?: number;
}

/**
 * Checks the rows against the columns and converts them. A column the schema does not declare is
 * reported once, at its first use; value errors up to maxErrors, then counted.
 */
export function checkRows(
  rows: readonly RawSeedRow[],
  columns: readonly SeedColumn[],
  declared: boolean,
  ctx: CheckContext,
): { values: SeedValue[][]; errors: SeedError[] } {
  const errors: SeedError[] = [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  const unknown = new Map<string, { row: RawSeedRow; count: number }>();
  const max = ctx.maxErrors ?? 10;
  let valueErrors = 0;
  const values: SeedValue[][] = [];
  for (const row of rows) {
    if (declared) {
      for (const name of Object.keys(row.values)) {
        if (byName.has(name)) continue;
        const entry = unknown.get(name);
        if (entry) entry.count++;
        else unknown.set(name, { row, count: 1 });
      }
    }
    const converted: SeedValue[] = [];
    for (const column of columns) {
      const raw = row.values[column.name];
      let result = convertValue(raw, column, row.text);
      // A schema-less text column holding numbers or booleans keeps them as text.
      if (!result.ok && !declared && column.kind === 'text' && raw !== null && typeof raw !== 'object')
        result = { ok: true, value: String(raw) };
      if (result.ok && result.value === null && !column.nullable) {
        result = {
          ok: false,
          reason: raw === undefined ? 'missing, and the schema says nullable: false' : 'null, and the schema says nullable: false',
        };
      }
      if (!result.ok) {
        if (valueErrors++ < max) {
          const location = row.valueLocation(column.name);
          errors.push(
            new SeedError(
              seedCodes.typeMismatch,
              `${formatLocation(location, ctx.display)}: seed ${row.label} of ${ctx.dataset}: column ${column.name} (${column.pgType}): ${result.reason}`,
              { location, dataset: ctx.dataset, hint: 'Correct the value, or the field type in the DataSet schema.' },
            ),
          );
        }
        converted.push(null);
        continue;
      }
      converted.push(result.value);
    }
    values.push(converted);
  }
  if (valueErrors > max) {
    errors.push(
      new SeedError(
        seedCodes.typeMismatch,
        `seed of ${ctx.dataset}: ${valueErrors - max} more value error${valueErrors - max === 1 ? '' : 's'} not shown`,
        {
          dataset: ctx.dataset,
        },
      ),
    );
  }
  const unknownErrors = [...unknown].map(([name, { row, count }]) => {
    const location = row.keyLocation(name);
    const suggestion = suggestClosest(
      name,
      columns.map((c) => c.name),
    );
    return new SeedError(
      seedCodes.unknownColumn,
      `${formatLocation(location, ctx.display)}: seed ${row.label} of ${ctx.dataset}: column ${JSON.stringify(name)} is not in the DataSet schema${suggestion ? ` (did you mean ${suggestion}?)` : ''}${count > 1 ? ` (in ${count} rows)` : ''}`,
      {
        location,
        dataset: ctx.dataset,
        hint: `The schema declares ${columns.map((c) => c.name).join(', ')}. Rename the seed column, or add the field to spec.schema.`,
      },
    );
  });
  return { values, errors: [...unknownErrors, ...errors] };
}
