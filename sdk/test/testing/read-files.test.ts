import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readFileOutput, readParquetFooter, type OutputReading, type RowItem } from '../../src/testing';
import { writeTree } from '../helpers/temp-tree';
import { parquetFile } from './parquet-fixture';

/** A temp directory holding `files`, removed after the test. */
async function tree(files: Record<string, string | Buffer>) {
  const dir = await writeTree(files);
  return { dir, path: (...p: string[]) => path.join(dir, ...p) };
}

async function rowsOf(reading: OutputReading): Promise<RowItem[]> {
  if (reading.kind !== 'rows') throw new Error(`expected rows, got ${reading.kind}`);
  const out: RowItem[] = [];
  for await (const item of reading.rows) out.push(item);
  return out;
}

describe('file Store outputs', () => {
  it('JSON lines: every file below the prefix, in order, recursively; hidden and marker files left out', async () => {
    const dir = await tree({
      'out/part-0001.jsonl': '{"id":2}\n\n{"id":3}\n',
      'out/part-0000.jsonl': '\uFEFF{"id":1}\n',
      'out/sub/part-0000.ndjson': '{"id":4}\r\n',
      'out/.part-0000.jsonl.crc': 'x',
      'out/_SUCCESS': '',
      'out/notes.txt': 'not data',
    });
    const reading = await readFileOutput({ root: dir.dir, prefix: 'out/', format: 'jsonl', show: (p) => p.slice(dir.dir.length + 1) });
    expect(reading).toMatchObject({ kind: 'rows', location: 'out/', valueMode: 'json', files: 3 });
    expect(await rowsOf(reading)).toEqual([
      { values: { id: 1 }, where: 'out/part-0000.jsonl:1' },
      { values: { id: 2 }, where: 'out/part-0001.jsonl:1' },
      { values: { id: 3 }, where: 'out/part-0001.jsonl:3' },
      { values: { id: 4 }, where: 'out/sub/part-0000.ndjson:1' },
    ]);
  });

  it('JSON lines: malformed lines and non-objects are reported where they are, and reading goes on', async () => {
    const dir = await tree({ 'out/a.jsonl': '{"id":1}\n{"id":\n[1,2]\n{"id":4}\n' });
    const items = await rowsOf(await readFileOutput({ root: dir.dir, prefix: 'out', format: 'json' }));
    expect(items.map((i) => ('error' in i ? `${i.where.replace(/.*\//, '')} ${i.error.split(':')[0]}` : i.values.id))).toEqual([
      1,
      'a.jsonl:2 not valid JSON',
      'a.jsonl:3 not a JSON object',
      4,
    ]);
  });

  it('a .json file holding an array, and gzipped JSON lines', async () => {
    const dir = await tree({
      'out/a.json': ' [{"id":1},{"id":2}, 3]',
      'out/b.jsonl.gz': gzipSync('{"id":5}\n{"id":6}\n'),
    });
    const items = await rowsOf(await readFileOutput({ root: dir.dir, prefix: 'out/', format: undefined }));
    expect(items.map((i) => ('error' in i ? i.error : i.values.id))).toEqual([1, 2, 'not a JSON object', 5, 6]);
  });

  it('CSV: columns from the header (those every file has), text values, null for empty fields, ragged rows reported', async () => {
    const dir = await tree({
      'out/a.csv': 'id,name,city\n1,Ada,London\n2,,""\n',
      'out/b.csv': 'id,name\n3,"Grace, H"\n4\n',
    });
    const reading = await readFileOutput({ root: dir.dir, prefix: 'out/', format: 'CSV' });
    expect(reading).toMatchObject({ kind: 'rows', valueMode: 'text', columns: [{ name: 'id' }, { name: 'name' }] });
    const items = await rowsOf(reading);
    expect(items.map((i) => ('error' in i ? i.error : i.values))).toEqual([
      { id: '1', name: 'Ada', city: 'London' },
      { id: '2', name: null, city: '' },
      { id: '3', name: 'Grace, H' },
      '1 fields, the header has 2',
    ]);
  });

  it('a prefix of file names (output/part-), as object stores have them', async () => {
    const dir = await tree({ 'out/part-1.jsonl': '{"id":1}\n', 'out/other.jsonl': '{"id":9}\n' });
    const items = await rowsOf(await readFileOutput({ root: dir.dir, prefix: 'out/part-', format: 'jsonl' }));
    expect(items).toHaveLength(1);
  });

  it('nothing written is `missing`; an empty directory is zero rows; an unknown format is `unsupported`', async () => {
    const dir = await tree({});
    await mkdir(dir.path('empty'));
    expect(await readFileOutput({ root: dir.dir, prefix: 'nothing/', format: 'jsonl' })).toMatchObject({ kind: 'missing' });
    expect(await readFileOutput({ root: dir.dir, prefix: 'nothing/part-', format: 'jsonl' })).toMatchObject({ kind: 'missing' });
    const empty = await readFileOutput({ root: dir.dir, prefix: 'empty', format: 'csv' });
    expect(empty).toMatchObject({ kind: 'rows', files: 0, columns: [] });
    expect(await rowsOf(empty)).toEqual([]);
    await writeFile(dir.path('empty', 'part-0.jsonl'), '{}\n');
    expect(await readFileOutput({ root: dir.dir, prefix: 'empty', format: 'parquet' })).toMatchObject({
      kind: 'missing',
      message: expect.stringMatching(/empty\/ holds no parquet files \(it holds 1 jsonl files\)$/),
    });
    expect(await readFileOutput({ root: dir.dir, prefix: 'empty', format: 'avro' })).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('cannot read format avro'),
    });
  });

  it('an unreadable directory is an error, not a crash', async (context) => {
    if (process.getuid?.() === 0) {
      const reason = 'skipped: as root every directory is readable, so EACCES cannot happen here';
      console.warn(reason);
      context.skip(reason);
    }
    const dir = await tree({ 'locked/a.jsonl': '{}\n' });
    await chmod(dir.path('locked'), 0o000);
    try {
      expect(await readFileOutput({ root: dir.dir, prefix: 'locked/', format: 'jsonl' })).toMatchObject({
        kind: 'error',
        message: expect.stringContaining('EACCES'),
      });
    } finally {
      await chmod(dir.path('locked'), 0o755);
    }
  });
});

describe('Parquet', () => {
  const columns = [
    { name: 'id', type: 2, repetition: 0, nullCounts: [0, 0] },
    { name: 'name', type: 6, repetition: 1, convertedType: 0, logicalType: 1, nullCounts: [1, 2] },
    { name: 'score', type: 5, repetition: 1 },
    { name: 'at', type: 2, repetition: 1, logicalType: 8, nullCounts: [0, undefined] },
  ];

  it('reads the footer: top-level columns with their types, the row count, null counts where recorded', async () => {
    const dir = await tree({ 'f.parquet': parquetFile(columns, [3, 2], { withListGroup: true }) });
    const footer = await readParquetFooter(dir.path('f.parquet'));
    expect(footer.rowCount).toBe(5);
    expect(footer.columns).toEqual([
      { name: 'id', kind: 'integer', nativeType: 'INT64', required: true },
      { name: 'name', kind: 'string', nativeType: 'BYTE_ARRAY/STRING', required: false },
      { name: 'tags', kind: 'array', nativeType: 'group/LIST', required: false },
      { name: 'score', kind: 'float', nativeType: 'DOUBLE', required: false },
      { name: 'at', kind: 'timestamp', nativeType: 'INT64/TIMESTAMP', required: false },
    ]);
    expect(footer.nullCounts).toEqual({ id: 0, name: 3, tags: undefined, score: undefined, at: undefined });
  });

  it('a Parquet output is a summary across its files; a file that is not Parquet is a problem, not a crash', async () => {
    const dir = await tree({
      'out/a.parquet': parquetFile(columns, [3]),
      'out/b.parquet': parquetFile(columns.slice(0, 2), [4]),
      'out/c.parquet': 'not parquet at all',
    });
    const reading = await readFileOutput({ root: dir.dir, prefix: 'out/', format: 'parquet', show: (p) => p.slice(dir.dir.length + 1) });
    expect(reading).toMatchObject({
      kind: 'summary',
      rowCount: 7,
      files: 2,
      // One row group each: 1 + 1.
      nullCounts: { id: 0, name: 2 },
      problems: [{ where: 'out/c.parquet', error: 'not a Parquet file (no PAR1 at the end)' }],
    });
    if (reading.kind !== 'summary') return;
    expect(reading.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(reading.valuesUnavailable).toContain('needs a Parquet library');
  });
});
