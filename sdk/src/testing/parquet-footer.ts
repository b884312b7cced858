/**
 * Reads the footer of a Parquet file (FileMetaData, Thrift compact protocol) without any
 * dependency: the schema, the row count and the per-column null counts of the row groups'
 * statistics. Values are not decoded (that needs page decoding and codecs such as Snappy and ZSTD).
 * See https://github.com/apache/parquet-format (parquet.thrift) for the field ids used here.
 */
import { open } from 'node:fs/promises';
import type { OutputColumn } from './reading';
import type { ValueKind } from './value-types';

export interface ParquetFooter {
  rowCount: number;
  /** The top-level columns. */
  columns: OutputColumn[];
  /** Per top-level column: the sum of the row groups' null counts, undefined if a row group does not record it. */
  nullCounts: Record<string, number | undefined>;
}

export class ParquetFormatError extends Error {}

const magic = 'PAR1';
/** Footers larger than this are refused rather than read into memory. */
const maxFooterBytes = 64 * 1024 * 1024;

type ThriftValue = number | boolean | Buffer | ThriftValue[] | ThriftStruct | Map<ThriftValue, ThriftValue>;
type ThriftStruct = Map<number, ThriftValue>;

/** A reader of the Thrift compact protocol: enough to walk any struct, skipping what is not needed. */
class CompactReader {
  private pos = 0;
  private depth = 0;

  constructor(private readonly buf: Buffer) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new ParquetFormatError('the footer ends too early');
    return this.buf[this.pos++]!;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ParquetFormatError('a varint in the footer is too long');
    }
  }

  private zigzag(): number {
    const n = this.varint();
    return Number((n >> 1n) ^ -(n & 1n));
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7: {
        if (this.pos + 8 > this.buf.length) throw new ParquetFormatError('the footer ends too early');
        const v = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return v;
      }
      case 8: {
        const length = Number(this.varint());
        if (this.pos + length > this.buf.length) throw new ParquetFormatError('the footer ends too early');
        const v = this.buf.subarray(this.pos, this.pos + length);
        this.pos += length;
        return v;
      }
      case 9:
      case 10:
        return this.list();
      case 11:
        return this.map();
      case 12:
        return this.struct();
      default:
        throw new ParquetFormatError(`unknown Thrift type ${type} in the footer`);
    }
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > 64) throw new ParquetFormatError('the footer nests too deeply');
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  private list(): ThriftValue[] {
    return this.nested(() => {
      const header = this.byte();
      let size = header >> 4;
      const type = header & 0x0f;
      if (size === 15) size = Number(this.varint());
      if (size > this.buf.length) throw new ParquetFormatError('a list in the footer is longer than the footer');
      const out: ThriftValue[] = [];
      // Booleans in lists are one byte each.
      for (let i = 0; i < size; i++) out.push(type === 1 || type === 2 ? this.byte() === 1 : this.value(type));
      return out;
    });
  }

  private map(): Map<ThriftValue, ThriftValue> {
    return this.nested(() => {
      const size = Number(this.varint());
      const out = new Map<ThriftValue, ThriftValue>();
      if (size === 0) return out;
      if (size > this.buf.length) throw new ParquetFormatError('a map in the footer is longer than the footer');
      const types = this.byte();
      for (let i = 0; i < size; i++) out.set(this.value(types >> 4), this.value(types & 0x0f));
      return out;
    });
  }

  struct(): ThriftStruct {
    return this.nested(() => {
      const out: ThriftStruct = new Map();
      let last = 0;
      for (;;) {
        const header = this.byte();
        if (header === 0) return out;
        const type = header & 0x0f;
        const delta = header >> 4;
        const id = delta !== 0 ? last + delta : this.zigzag();
        last = id;
        out.set(id, this.value(type));
      }
    });
  }
}

const num = (s: ThriftStruct | undefined, id: number): number | undefined => {
  const v = s?.get(id);
  return typeof v === 'number' ? v : undefined;
};
const str = (s: ThriftStruct | undefined, id: number): string | undefined => {
  const v = s?.get(id);
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
};
const struct = (s: ThriftStruct | undefined, id: number): ThriftStruct | undefined => {
  const v = s?.get(id);
  return v instanceof Map && !Array.isArray(v) ? (v as ThriftStruct) : undefined;
};
const list = (s: ThriftStruct | undefined, id: number): ThriftValue[] => {
  const v = s?.get(id);
  return Array.isArray(v) ? v : [];
};

const physicalTypes = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const convertedTypes = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
];
/** LogicalType union members by field id. */
const logicalTypes: Record<number, string> = {
  1: 'STRING',
  2: 'MAP',
  3: 'LIST',
  4: 'ENUM',
  5: 'DECIMAL',
  6: 'DATE',
  7: 'TIME',
  8: 'TIMESTAMP',
  10: 'INTEGER',
  11: 'UNKNOWN',
  12: 'JSON',
  13: 'BSON',
  14: 'UUID',
  15: 'FLOAT16',
  16: 'VARIANT',
};

function annotationOf(element: ThriftStruct): string | undefined {
  const logical = struct(element, 10);
  const logicalId = logical ? [...logical.keys()][0] : undefined;
  if (logicalId !== undefined) return logicalTypes[logicalId];
  const converted = num(element, 6);
  return converted !== undefined ? convertedTypes[converted] : undefined;
}

/** The value kind of a top-level column, from its physical type and its logical (or converted) type. */
function kindOf(physical: string | undefined, annotation: string | undefined, isGroup: boolean): ValueKind | undefined {
  if (isGroup) return annotation === 'LIST' ? 'array' : 'object';
  switch (annotation) {
    case 'STRING':
    case 'UTF8':
    case 'ENUM':
    case 'UUID':
      return 'string';
    case 'JSON':
    case 'BSON':
      return 'object';
    case 'DECIMAL':
    case 'FLOAT16':
      return 'float';
    case 'DATE':
      return 'date';
    case 'TIME':
    case 'TIME_MILLIS':
    case 'TIME_MICROS':
      return 'time';
    case 'TIMESTAMP':
    case 'TIMESTAMP_MILLIS':
    case 'TIMESTAMP_MICROS':
      return 'timestamp';
    case 'INTERVAL':
      return undefined;
  }
  switch (physical) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'INT96':
      return 'timestamp';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      return 'binary';
  }
  return undefined;
}

/** Parses a FileMetaData structure (the footer bytes, without the length and magic). */
export function parseParquetFooter(footer: Buffer): ParquetFooter {
  const meta = new CompactReader(footer).struct();
  const schema = list(meta, 2).filter((e): e is ThriftStruct => e instanceof Map);
  const root = schema[0];
  if (!root) throw new ParquetFormatError('the footer has no schema');
  const columns: OutputColumn[] = [];
  // Depth-first: the root's children are the top-level columns; skip each one's descendants.
  let index = 1;
  const rootChildren = num(root, 5) ?? 0;
  for (let child = 0; child < rootChildren && index < schema.length; child++) {
    const element = schema[index]!;
    const name = str(element, 4) ?? '';
    const children = num(element, 5);
    const isGroup = children !== undefined && children > 0;
    const physicalId = num(element, 1);
    const physical = physicalId !== undefined ? physicalTypes[physicalId] : undefined;
    const annotation = annotationOf(element);
    const kind = kindOf(physical, annotation, isGroup);
    columns.push({
      name,
      ...(kind ? { kind } : {}),
      nativeType: [isGroup ? 'group' : (physical ?? 'unknown'), annotation].filter(Boolean).join('/'),
      required: num(element, 3) === 0,
    });
    // Skip this element and all its descendants.
    let pending = 1;
    while (pending > 0 && index < schema.length) {
      pending += (num(schema[index]!, 5) ?? 0) - 1;
      index++;
    }
  }
  const nullCounts: Record<string, number | undefined> = {};
  const known = new Map(columns.map((c) => [c.name, 0 as number | undefined]));
  for (const group of list(meta, 4)) {
    if (!(group instanceof Map)) continue;
    const seen = new Set<string>();
    for (const chunk of list(group as ThriftStruct, 1)) {
      if (!(chunk instanceof Map)) continue;
      const columnMeta = struct(chunk as ThriftStruct, 3);
      const path = list(columnMeta, 3).map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : ''));
      if (path.length !== 1 || !known.has(path[0]!)) continue;
      const name = path[0]!;
      seen.add(name);
      const nulls = num(struct(columnMeta, 12), 3);
      const sum = known.get(name);
      known.set(name, sum === undefined || nulls === undefined ? undefined : sum + nulls);
    }
    // A column with no chunk of its own in this group (nested columns) has no usable count.
    for (const name of known.keys()) if (!seen.has(name)) known.set(name, undefined);
  }
  for (const column of columns) nullCounts[column.name] = column.required ? 0 : known.get(column.name);
  return { rowCount: num(meta, 3) ?? 0, columns, nullCounts };
}

/** Reads a Parquet file's footer. Throws ParquetFormatError for a file that is not Parquet (or is encrypted). */
export async function readParquetFooter(file: string): Promise<ParquetFooter> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 12) throw new ParquetFormatError('too short to be a Parquet file');
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    const end = tail.subarray(4).toString('latin1');
    if (end === 'PARE') throw new ParquetFormatError('the footer is encrypted');
    if (end !== magic) throw new ParquetFormatError('not a Parquet file (no PAR1 at the end)');
    const length = tail.readUInt32LE(0);
    if (length > size - 12 || length > maxFooterBytes) throw new ParquetFormatError(`footer length ${length} does not fit the file`);
    const footer = Buffer.alloc(length);
    await handle.read(footer, 0, length, size - 8 - length);
    return parseParquetFooter(footer);
  } finally {
    await handle.close();
  }
}
