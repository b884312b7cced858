/**
 * Builds Parquet files for tests: a FileMetaData footer written in the Thrift compact protocol,
 * with the field ids of parquet.thrift (apache/parquet-format), behind placeholder data bytes.
 * Only the footer is real: dk test reads nothing else.
 */

type TValue =
  | { t: 'i32' | 'i64'; v: number }
  | { t: 'bin'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'list'; elem: 'i32' | 'bin' | 'struct'; items: TValue[] }
  | { t: 'struct'; fields: Array<[number, TValue]> };

const i32 = (v: number): TValue => ({ t: 'i32', v });
const i64 = (v: number): TValue => ({ t: 'i64', v });
const bin = (v: string): TValue => ({ t: 'bin', v });
const struct = (...fields: Array<[number, TValue | undefined]>): TValue => ({
  t: 'struct',
  fields: fields.filter((f): f is [number, TValue] => f[1] !== undefined),
});
const list = (elem: 'i32' | 'bin' | 'struct', items: TValue[]): TValue => ({ t: 'list', elem, items });

const typeIds = { bool: 1, i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const;

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const zigzag = (n: number) => varint(BigInt(n) >= 0n ? BigInt(n) << 1n : (-BigInt(n) << 1n) - 1n);

function write(value: TValue, out: number[]): void {
  switch (value.t) {
    case 'i32':
    case 'i64':
      out.push(...zigzag(value.v));
      return;
    case 'bin': {
      const bytes = Buffer.from(value.v, 'utf8');
      out.push(...varint(BigInt(bytes.length)), ...bytes);
      return;
    }
    case 'bool':
      out.push(value.v ? 1 : 2);
      return;
    case 'list':
      if (value.items.length < 15) out.push((value.items.length << 4) | typeIds[value.elem]);
      else out.push(0xf0 | typeIds[value.elem], ...varint(BigInt(value.items.length)));
      for (const item of value.items) write(item, out);
      return;
    case 'struct': {
      let last = 0;
      for (const [id, field] of value.fields) {
        const type = field.t === 'bool' ? (field.v ? 1 : 2) : typeIds[field.t];
        const delta = id - last;
        if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
        else out.push(type, ...zigzag(id));
        last = id;
        if (field.t !== 'bool') write(field, out);
      }
      out.push(0);
      return;
    }
  }
}

export interface FixtureColumn {
  name: string;
  /** Physical type: 0 BOOLEAN, 1 INT32, 2 INT64, 5 DOUBLE, 6 BYTE_ARRAY, … */
  type: number;
  /** 0 REQUIRED, 1 OPTIONAL. */
  repetition: number;
  convertedType?: number;
  /** LogicalType union member id (1 STRING, 8 TIMESTAMP, …), written as an empty struct (TIMESTAMP gets its fields). */
  logicalType?: number;
  /** Per row group; undefined: no statistics. */
  nullCounts?: Array<number | undefined>;
}

/** A Parquet file's bytes: `columns` (plus a LIST group named `tags`, which has no usable statistics), `rowGroups` row counts. */
export function parquetFile(columns: FixtureColumn[], rowGroups: number[], options: { withListGroup?: boolean } = {}): Buffer {
  const leaf = (c: FixtureColumn): TValue =>
    struct(
      [1, i32(c.type)],
      [3, i32(c.repetition)],
      [4, bin(c.name)],
      [6, c.convertedType !== undefined ? i32(c.convertedType) : undefined],
      [
        10,
        c.logicalType === undefined
          ? undefined
          : struct([c.logicalType, c.logicalType === 8 ? struct([1, { t: 'bool', v: true }], [2, struct([2, struct()])]) : struct()]),
      ],
    );
  const group = options.withListGroup
    ? [
        struct([3, i32(1)], [4, bin('tags')], [5, i32(1)], [6, i32(3)], [10, struct([3, struct()])]),
        struct([3, i32(2)], [4, bin('list')], [5, i32(1)]),
        struct([1, i32(6)], [3, i32(1)], [4, bin('element')], [6, i32(0)]),
      ]
    : [];
  // The group goes in the middle, so that the columns after it are found by skipping its children.
  const middle = Math.ceil(columns.length / 2);
  const schema = [
    struct([4, bin('schema')], [5, i32(columns.length + (options.withListGroup ? 1 : 0))]),
    ...columns.slice(0, middle).map(leaf),
    ...group,
    ...columns.slice(middle).map(leaf),
  ];
  const groups = rowGroups.map((rows, g) =>
    struct(
      [
        1,
        list('struct', [
          ...columns.map((c) =>
            struct(
              [2, i64(4)],
              [
                3,
                struct(
                  [1, i32(c.type)],
                  [2, list('i32', [i32(0), i32(3)])],
                  [3, list('bin', [bin(c.name)])],
                  [4, i32(0)],
                  [5, i64(rows)],
                  [6, i64(100)],
                  [7, i64(100)],
                  [9, i64(4)],
                  [12, c.nullCounts?.[g] !== undefined ? struct([3, i64(c.nullCounts[g])], [4, i64(1)]) : undefined],
                ),
              ],
            ),
          ),
          ...(options.withListGroup
            ? [struct([2, i64(4)], [3, struct([1, i32(6)], [3, list('bin', [bin('tags'), bin('list'), bin('element')])], [5, i64(rows)])])]
            : []),
        ]),
      ],
      [2, i64(100 * columns.length)],
      [3, i64(rows)],
    ),
  );
  const meta = struct(
    [1, i32(2)],
    [2, list('struct', schema)],
    [3, i64(rowGroups.reduce((a, b) => a + b, 0))],
    [4, list('struct', groups)],
    [6, bin('dk test fixture')],
  );
  const footer: number[] = [];
  write(meta, footer);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  return Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(16), Buffer.from(footer), length, Buffer.from('PAR1')]);
}
