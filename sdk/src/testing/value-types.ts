/**
 * Declared field types and the values (or column types) that satisfy them. Declared types are free
 * text in DataSet manifests; the usual spellings are normalised to a few kinds.
 */

export type ValueKind = 'integer' | 'float' | 'boolean' | 'string' | 'timestamp' | 'date' | 'time' | 'object' | 'array' | 'binary';

const aliases: Record<string, ValueKind> = {
  integer: 'integer',
  int: 'integer',
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  int16: 'integer',
  int32: 'integer',
  int64: 'integer',
  smallint: 'integer',
  bigint: 'integer',
  long: 'integer',
  short: 'integer',
  serial: 'integer',
  bigserial: 'integer',
  float: 'float',
  float4: 'float',
  float8: 'float',
  float32: 'float',
  float64: 'float',
  double: 'float',
  'double precision': 'float',
  real: 'float',
  number: 'float',
  numeric: 'float',
  decimal: 'float',
  boolean: 'boolean',
  bool: 'boolean',
  string: 'string',
  text: 'string',
  varchar: 'string',
  'character varying': 'string',
  char: 'string',
  character: 'string',
  uuid: 'string',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  datetime: 'timestamp',
  'timestamp with time zone': 'timestamp',
  'timestamp without time zone': 'timestamp',
  date: 'date',
  time: 'time',
  object: 'object',
  json: 'object',
  jsonb: 'object',
  map: 'object',
  struct: 'object',
  record: 'object',
  array: 'array',
  list: 'array',
  binary: 'binary',
  bytes: 'binary',
  bytea: 'binary',
};

/** The kind a declared type means, or undefined for a type dk test does not know (it is then not checked). */
export function declaredKind(type: string | undefined): ValueKind | undefined {
  if (type === undefined) return undefined;
  const base = type
    .trim()
    .toLowerCase()
    .replace(/\(.*\)$/, '')
    .trim();
  return aliases[base];
}

/** Whether a column whose own type is `actual` (Postgres, Parquet) satisfies a declared kind. */
export function kindSatisfies(actual: ValueKind, declared: ValueKind): boolean {
  if (actual === declared) return true;
  // Every integer is a number.
  return declared === 'float' && actual === 'integer';
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/;
const timePattern = /^(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/;
const integerText = /^[+-]?\d+$/;
const floatText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const booleanText = /^(true|false|t|f|yes|no|1|0)$/i;

function validDate(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function isDate(text: string): boolean {
  const m = datePattern.exec(text);
  return m !== null && validDate(m[1]!, m[2]!, m[3]!);
}

function isTimestamp(text: string): boolean {
  const m = timestampPattern.exec(text);
  return m !== null && validDate(m[1]!, m[2]!, m[3]!) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[7] ?? 0) < 61;
}

function isTime(text: string): boolean {
  const m = timePattern.exec(text);
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[4] ?? 0) < 61;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

/**
 * Whether a non-null value read from JSON (JSON lines) has the declared kind: numbers for integer
 * (integral) and float, booleans, strings, ISO 8601 strings for timestamp/date/time.
 */
export function jsonValueMatches(value: unknown, kind: ValueKind): boolean {
  switch (kind) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'timestamp':
      return typeof value === 'string' && isTimestamp(value);
    case 'date':
      return typeof value === 'string' && isDate(value);
    case 'time':
      return typeof value === 'string' && isTime(value);
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'binary':
      return typeof value === 'string';
  }
}

/** Whether a non-empty text value (CSV) can be read as the declared kind. */
export function textValueMatches(text: string, kind: ValueKind): boolean {
  switch (kind) {
    case 'integer':
      return integerText.test(text);
    case 'float':
      return floatText.test(text);
    case 'boolean':
      return booleanText.test(text);
    case 'string':
    case 'binary':
      return true;
    case 'timestamp':
      return isTimestamp(text);
    case 'date':
      return isDate(text);
    case 'time':
      return isTime(text);
    case 'object':
    case 'array':
      try {
        const parsed: unknown = JSON.parse(text);
        return kind === 'array' ? Array.isArray(parsed) : isPlainObject(parsed);
      } catch {
        return false;
      }
  }
}

/**
 * A value as text, for comparing with accepted values and for uniqueness: strings as they are,
 * numbers and booleans as JSON writes them, dates as ISO 8601, binary as hex, the rest as JSON.
 */
export function canonicalText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  return JSON.stringify(value) ?? String(value);
}
