import { afterEach, describe, expect, it } from 'vitest';
import { parseManifestsForTest } from './manifest';
import {
  canonicalJson,
  checkRows,
  columnKind,
  columnsFromSchema,
  convertValue,
  CsvSyntaxError,
  formatCsvField,
  inferColumns,
  parseCsv,
  readSeedRows,
  renderSeedFile,
  seedChecksum,
  selectSeed,
  type SeedColumn,
} from '../../src/seed';

describe('CSV', () => {
  it('reads quoted fields (commas, doubled quotes, line breaks), CRLF, a BOM, and tells null from ""', () => {
    const records = parseCsv('\ufeffid,name,note\r\n1,"Doe, Jane","say ""hi"""\r\n2,,""\n\n3,"two\nlines",x\n');
    expect(records.map((r) => r.cells.map((c) => c.value))).toEqual([
      ['id', 'name', 'note'],
      ['1', 'Doe, Jane', 'say "hi"'],
      ['2', null, ''],
      ['3', 'two\nlines', 'x'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 5]);
    expect(records[3]!.cells[2]).toMatchObject({ line: 6, column: 8 });
  });

  it.each([
    ['id,name\n1,"open\n', 2, 3, /never closed/],
    ['id,name\n1,"a"b\n', 2, 6, /after a closing quote/],
    ['id,name\n1,a"b\n', 2, 4, /quote inside an unquoted field/],
  ])('reports malformed CSV with its line and column: %j', (text, line, column, message) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toMatchObject({ line, column });
    expect((error as Error).message).toMatch(message);
  });

  it('writes fields that survive a round trip', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'two\nlines', ' padded ', ''];
    const line = values.map(formatCsvField).join(',');
    expect(parseCsv(line)[0]!.cells.map((c) => c.value)).toEqual(values);
    expect(formatCsvField(null)).toBe('');
  });
});

describe('values and columns', () => {
  const column = (kind: SeedColumn['kind'], nullable = true): SeedColumn => ({
    name: 'c',
    kind,
    pgType: {
      text: 'text',
      integer: 'bigint',
      float: 'double precision',
      boolean: 'boolean',
      timestamp: 'timestamptz',
      date: 'date',
      json: 'jsonb',
    }[kind],
    nullable,
  });

  it('maps DataSet schema types to PostgreSQL types', () => {
    const columns = columnsFromSchema(
      ['string', 'integer', 'float', 'double', 'boolean', 'timestamp', 'date', 'json', 'decimal-ish'].map((type, i) => ({
        name: `c${i}`,
        type,
      })),
    );
    expect(columns!.map((c) => c.pgType)).toEqual([
      'text',
      'bigint',
      'double precision',
      'double precision',
      'boolean',
      'timestamptz',
      'date',
      'jsonb',
      'text',
    ]);
    expect(columnsFromSchema([])).toBeUndefined();
    expect(columnKind(' Integer ')).toBe('integer');
  });

  it.each([
    ['integer', 42, false, '42'],
    ['integer', '9223372036854775807', true, '9223372036854775807'],
    ['float', '1.5', true, 1.5],
    ['boolean', 'Yes', true, true],
    ['boolean', false, false, false],
    ['timestamp', '2024-01-02 03:04:05+02', true, '2024-01-02 03:04:05+02'],
    ['date', '2024-02-29', true, '2024-02-29'],
    ['json', { b: 1, a: [true] }, false, '{"a":[true],"b":1}'],
    ['json', '{"x": 1}', true, '{"x":1}'],
    ['text', '', true, ''],
  ] as const)('accepts %s %j (csv text: %s)', (kind, value, text, expected) => {
    expect(convertValue(value, column(kind), text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['integer', 1.5, false, /expected an integer, got number 1.5/],
    ['integer', 2 ** 53 + 2, false, /beyond the exact range/],
    ['integer', '9223372036854775808', true, /does not fit a 64-bit integer/],
    ['float', 'abc', true, /expected a number/],
    ['boolean', 'maybe', true, /expected a boolean/],
    ['timestamp', 'yesterday', true, /ISO 8601/],
    ['date', '2023-02-29', true, /expected a date/],
    ['json', '{oops', true, /expected JSON text/],
    ['text', 42, false, /expected a string, got number 42/],
  ] as const)('refuses %s %j with a clear reason', (kind, value, text, reason) => {
    const result = convertValue(value, column(kind), text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('infers columns when the DataSet declares no schema', () => {
    const row = (values: Record<string, unknown>, text = false) => ({
      values,
      text,
      label: 'row',
      location: { file: 'f' },
      keyLocation: () => ({ file: 'f' }),
      valueLocation: () => ({ file: 'f' }),
    });
    const columns = inferColumns([
      row({ id: 1, score: 1, ok: true, tags: ['a'], name: 'x' }),
      row({ id: 2, score: 2.5, ok: null, name: 3 }),
    ]);
    expect(columns.map((c) => [c.name, c.pgType])).toEqual([
      ['id', 'bigint'],
      ['score', 'double precision'],
      ['ok', 'boolean'],
      ['tags', 'jsonb'],
      ['name', 'text'],
    ]);
    const checked = checkRows(
      [row({ id: 1, score: 1, ok: true, tags: ['a'], name: 'x' }), row({ id: 2, score: 2.5, ok: null, name: 3 })],
      columns,
      false,
      {
        dataset: 'd',
        display: (f) => f,
      },
    );
    expect(checked.errors).toEqual([]);
    expect(checked.values[1]).toEqual(['2', 2.5, null, null, '3']);
    expect(inferColumns([row({ a: '1' }, true)])[0]!.pgType).toBe('text');
  });

  it('canonical JSON sorts keys, so equal values checksum equally', () => {
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: null })).toBe('{"a":null,"b":{"c":2,"d":1}}');
    const columns = columnsFromSchema([{ name: 'id', type: 'integer' }])!;
    const base = { dataset: 'd', target: 'public.t', profile: 'default', columns, rows: [['1']] };
    expect(seedChecksum(base)).toBe(seedChecksum({ ...base }));
    expect(seedChecksum(base)).not.toBe(seedChecksum({ ...base, profile: 'small' }));
    expect(seedChecksum(base)).not.toBe(seedChecksum({ ...base, target: 'public.u' }));
    expect(seedChecksum(base)).not.toBe(seedChecksum({ ...base, rows: [['2']] }));
    expect(seedChecksum(base)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('renders seed files: JSON lines with exact integers, and CSV', () => {
    const columns = columnsFromSchema([
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'string' },
      { name: 'attrs', type: 'json' },
    ])!;
    const rows = [
      ['9223372036854775807', 'a,"b"', '{"k":1}'],
      ['2', null, null],
    ];
    expect(renderSeedFile(columns, rows, 'jsonl')).toBe(
      '{"id":9223372036854775807,"name":"a,\\"b\\"","attrs":{"k":1}}\n{"id":2,"name":null,"attrs":null}\n',
    );
    expect(renderSeedFile(columns, rows, 'csv')).toBe('id,name,attrs\n9223372036854775807,"a,""b""","{""k"":1}"\n2,,\n');
  });
});

describe('reading seeds', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('selects a profile where the DataSet declares it, else its own seed', async () => {
    const { manifest } = await parseManifestsForTest(
      `spec:\n  dev:\n    seed:\n      rows: [{ id: 1 }]\n      profiles:\n        small: { rows: [{ id: 2 }] }\n`,
      {},
      cleanups,
    );
    expect(selectSeed(manifest, undefined)).toMatchObject({ profile: 'default', rows: [{ id: 1 }] });
    expect(selectSeed(manifest, 'small')).toMatchObject({
      profile: 'small',
      rows: [{ id: 2 }],
      path: ['spec', 'dev', 'seed', 'profiles', 'small'],
    });
    expect(selectSeed(manifest, 'other')).toMatchObject({ profile: 'default' });
    const onlyProfiles = await parseManifestsForTest(
      `spec:\n  dev:\n    seed:\n      profiles:\n        small: { rows: [] }\n`,
      {},
      cleanups,
    );
    expect(selectSeed(onlyProfiles.manifest, undefined)).toBeUndefined();
  });

  it('reads a file (relative to the manifest) then inline rows, and locates every problem', async () => {
    const { manifest, display } = await parseManifestsForTest(
      `spec:\n  dev:\n    seed:\n      file: ../seeds/users.jsonl\n      rows:\n        - { id: 9 }\n        - just text\n`,
      { 'seeds/users.jsonl': '{"id": 1}\n\n{"id": 2,}\n[1]\n{"id": 3}\n' },
      cleanups,
    );
    const read = await readSeedRows(manifest, selectSeed(manifest, undefined)!, { dataset: 'users', display });
    expect(read.rows.map((r) => [r.label, r.values.id])).toEqual([
      ['line 1', 1],
      ['line 5', 3],
      ['row 1', 9],
    ]);
    expect(read.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      expect.stringMatching(/^DK662 seeds\/users\.jsonl:3:\d+: malformed JSON line/),
      'DK662 seeds/users.jsonl:4:1: a JSON-lines seed holds one object per line',
      'DK662 dataset/users.yaml:7:11: seed row 2 is not a mapping of column: value',
    ]);
  });

  it('locates rows of a .json array by line, and reports malformed JSON at its line', async () => {
    const { manifest, display, write } = await parseManifestsForTest(`spec:\n  dev:\n    seed:\n      file: users.json\n`, {}, cleanups);
    await write({ 'dataset/users.json': '[\n  {"id": 1},\n  {"id": "x",\n   "name": "a"}\n]\n' });
    const read = await readSeedRows(manifest, selectSeed(manifest, undefined)!, { dataset: 'users', display });
    expect(read.rows.map((r) => r.location.line)).toEqual([2, 3]);
    await write({ 'dataset/users.json': '[\n  {"id": 1},\n  {"id": 2\n]\n' });
    const bad = await readSeedRows(manifest, selectSeed(manifest, undefined)!, { dataset: 'users', display });
    expect(bad.errors[0]!.message).toMatch(/^dataset\/users\.json:4:1: malformed JSON/);
  });

  it('reports a missing or unsupported seed file at the manifest field naming it', async () => {
    const { manifest, display } = await parseManifestsForTest(`spec:\n  dev:\n    seed:\n      file: nope.csv\n`, {}, cleanups);
    const missing = await readSeedRows(manifest, selectSeed(manifest, undefined)!, { dataset: 'users', display });
    expect(missing.errors[0]!.message).toBe('dataset/users.yaml:4:7: seed file dataset/nope.csv does not exist');
    expect(missing.errors[0]!.location).toMatchObject({ line: 4, column: 7 });
    const again = await parseManifestsForTest(`spec:\n  dev:\n    seed:\n      file: users.txt\n`, { 'dataset/users.txt': 'x' }, cleanups);
    const unsupported = await readSeedRows(again.manifest, selectSeed(again.manifest, undefined)!, {
      dataset: 'users',
      display: again.display,
    });
    expect(unsupported.errors[0]!.message).toMatch(/unsupported type \.txt/);
  });

  it('CSV: unknown header columns are reported once at the header cell; short rows at their line', async () => {
    const { manifest, display } = await parseManifestsForTest(
      `spec:\n  dev:\n    seed:\n      file: users.csv\n`,
      { 'dataset/users.csv': 'id,emali\n1,a@example.com\n2\n3,c@example.com\n' },
      cleanups,
    );
    const read = await readSeedRows(manifest, selectSeed(manifest, undefined)!, { dataset: 'users', display });
    expect(read.errors.map((e) => e.message)).toEqual(['dataset/users.csv:3:1: malformed CSV: 1 field where the header has 2']);
    const columns = columnsFromSchema([
      { name: 'id', type: 'integer' },
      { name: 'email', type: 'string' },
    ])!;
    const checked = checkRows(read.rows, columns, true, { dataset: 'users', display });
    expect(checked.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      'DK663 dataset/users.csv:1:4: seed line 2 of users: column "emali" is not in the DataSet schema (did you mean email?) (in 2 rows)',
    ]);
  });
});
