/**
 * Reads the output of a file Store: the files below the DataSet's prefix, streamed row by row —
 * JSON lines (.jsonl, .ndjson, .json), CSV (.csv, header row), each optionally gzipped — or, for
 * Parquet, the footer of each file (schema, row count, null counts).
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { systemErrorCode } from '../core/errors';
import { CsvParser } from './csv';
import { ParquetFormatError, readParquetFooter } from './parquet-footer';
import type { OutputColumn, OutputReading, RowItem } from './reading';

export type FileFormat = 'jsonl' | 'csv' | 'parquet';

/** JSON array files (`[{…}, …]`) are parsed whole; above this size they are refused instead. */
const maxJsonArrayBytes = 256 * 1024 * 1024;

const formatNames: Record<string, FileFormat> = {
  jsonl: 'jsonl',
  json: 'jsonl',
  ndjson: 'jsonl',
  jsonlines: 'jsonl',
  'json-lines': 'jsonl',
  csv: 'csv',
  parquet: 'parquet',
};

/** The file format a DataSet's `format` names: undefined for none (guess from file names), null for one dk test cannot read. */
export function fileFormatOf(format: string | undefined): FileFormat | undefined | null {
  if (format === undefined || format.trim() === '') return undefined;
  return formatNames[format.trim().toLowerCase()] ?? null;
}

function formatOfFile(name: string): FileFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (/\.(jsonl|ndjson|json)$/.test(base)) return 'jsonl';
  if (base.endsWith('.csv')) return 'csv';
  if (base.endsWith('.parquet')) return 'parquet';
  return undefined;
}

/** Files below `dir`, recursively, sorted; hidden and marker files (.crc, _SUCCESS) left out. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, `${prefix}${entry.name}/`)));
    else if (entry.isFile()) out.push(`${prefix}${entry.name}`);
  }
  return out;
}

function textStream(file: string): Readable {
  const raw = createReadStream(file);
  if (!file.toLowerCase().endsWith('.gz')) return raw.setEncoding('utf8');
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip).setEncoding('utf8');
}

async function startsWithBracket(file: string): Promise<boolean> {
  if (file.toLowerCase().endsWith('.gz')) return false;
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buf, 0, 64, 0);
    return buf
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('[');
  } finally {
    await handle.close();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function* jsonRows(file: string, shown: string): AsyncGenerator<RowItem> {
  if (await startsWithBracket(file)) {
    const { size } = await stat(file);
    if (size > maxJsonArrayBytes) {
      yield { where: shown, error: `a JSON array file larger than ${maxJsonArrayBytes / 1024 / 1024} MiB; write JSON lines instead` };
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
    } catch (error) {
      yield { where: shown, error: `not valid JSON: ${(error as Error).message}` };
      return;
    }
    const items = Array.isArray(parsed) ? parsed : [];
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      const where = `${shown}[${i}]`;
      yield isRecord(item) ? { values: item, where } : { where, error: 'not a JSON object' };
    }
    return;
  }
  const lines = createInterface({ input: textStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const where = `${shown}:${n}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      yield { where, error: `not valid JSON: ${(error as Error).message}` };
      continue;
    }
    yield isRecord(value) ? { values: value, where } : { where, error: 'not a JSON object' };
  }
}

async function* csvRows(file: string, shown: string): AsyncGenerator<RowItem> {
  const parser = new CsvParser();
  let header: string[] | undefined;
  function* rows(records: ReturnType<CsvParser['push']>): Generator<RowItem> {
    for (const record of records) {
      const where = `${shown}:${record.line}`;
      if (!header) {
        header = record.fields.map((f, i) => f ?? `column${i + 1}`);
        continue;
      }
      if (record.fields.length !== header.length) {
        yield { where, error: `${record.fields.length} fields, the header has ${header.length}` };
        continue;
      }
      const values: Record<string, unknown> = {};
      header.forEach((name, i) => (values[name] = record.fields[i]));
      yield { values, where };
    }
  }
  for await (const chunk of textStream(file)) yield* rows(parser.push(chunk as string));
  try {
    yield* rows(parser.end());
  } catch (error) {
    yield { where: shown, error: (error as Error).message };
  }
}

export interface FileOutputOptions {
  /** The Store's directory (from its file:// address). */
  root: string;
  /** The DataSet's prefix: a directory below the root (`output/`), or the start of file names (`output/part-`). */
  prefix: string;
  format: string | undefined;
  /** How a path is shown in messages (e.g. relative to the working directory). */
  show?: (absolute: string) => string;
}

async function statOrUndefined(target: string) {
  try {
    return await stat(target);
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Opens the output of a file-Store DataSet for checking. Never throws: problems become the reading's kind. */
export async function readFileOutput(options: FileOutputOptions): Promise<OutputReading> {
  const show = options.show ?? ((p: string) => p);
  const target = path.resolve(options.root, options.prefix);
  const declared = fileFormatOf(options.format);
  let location = show(target);
  if (declared === null) {
    return { kind: 'unsupported', location, reason: `dk test cannot read format ${options.format} (it reads jsonl, csv and parquet)` };
  }
  let dir = target;
  let files: string[];
  try {
    const found = await statOrUndefined(target);
    if (found?.isDirectory()) {
      location = location.endsWith('/') ? location : `${location}/`;
      files = await listFiles(target);
    } else {
      // A file, or a prefix of file names as object stores have them (output/part-).
      dir = path.dirname(target);
      const namePrefix = path.basename(target);
      const parent = await statOrUndefined(dir);
      files = parent?.isDirectory() ? (await listFiles(dir)).filter((f) => f.startsWith(namePrefix)) : [];
      if (files.length === 0) return { kind: 'missing', location, message: `${location} does not exist` };
    }
  } catch (error) {
    return { kind: 'error', location, message: `cannot read ${location}: ${systemErrorCode(error) ?? (error as Error).message}` };
  }
  // The files in the declared format (with none declared: the format most files have).
  const byFormat = new Map<FileFormat, string[]>();
  for (const f of files) {
    const format = formatOfFile(f);
    if (format) byFormat.set(format, [...(byFormat.get(format) ?? []), path.join(dir, f)]);
  }
  const format = declared ?? [...byFormat.entries()].sort((a, b) => b[1].length - a[1].length)[0]?.[0] ?? 'jsonl';
  const chosen = byFormat.get(format) ?? [];
  const others = [...byFormat.entries()].filter(([f]) => f !== format);
  if (chosen.length === 0 && others.length > 0) {
    const found = others.map(([f, list]) => `${list.length} ${f}`).join(', ');
    return { kind: 'missing', location, message: `${location} holds no ${format} files (it holds ${found} files)` };
  }
  try {
    if (format === 'parquet') return await parquetSummary(chosen, location, show);
    if (format === 'csv') {
      // Every file's header, read up front: a column is present when every file has it.
      let columns: string[] | undefined;
      for (const file of chosen) {
        const header = await csvHeader(file);
        columns = columns ? columns.filter((c) => header.includes(c)) : header;
      }
      const rows = async function* (): AsyncGenerator<RowItem> {
        for (const file of chosen) yield* csvRows(file, show(file));
      };
      return {
        kind: 'rows',
        location,
        columns: (columns ?? []).map((name) => ({ name })),
        valueMode: 'text',
        rows: rows(),
        files: chosen.length,
      };
    }
  } catch (error) {
    return { kind: 'error', location, message: `cannot read ${location}: ${systemErrorCode(error) ?? (error as Error).message}` };
  }
  const rows = async function* (): AsyncGenerator<RowItem> {
    for (const file of chosen) yield* jsonRows(file, show(file));
  };
  return { kind: 'rows', location, valueMode: 'json', rows: rows(), files: chosen.length };
}

async function parquetSummary(files: string[], location: string, show: (p: string) => string): Promise<OutputReading> {
  let columns: OutputColumn[] | undefined;
  const nullCounts: Record<string, number | undefined> = {};
  const problems: Array<{ where: string; error: string }> = [];
  let rowCount = 0;
  for (const file of files) {
    let footer;
    try {
      footer = await readParquetFooter(file);
    } catch (error) {
      if (!(error instanceof ParquetFormatError)) throw error;
      problems.push({ where: show(file), error: error.message });
      continue;
    }
    rowCount += footer.rowCount;
    if (!columns) {
      columns = footer.columns;
      Object.assign(nullCounts, footer.nullCounts);
    } else {
      // A column is present when every file has it.
      const names = new Set(footer.columns.map((c) => c.name));
      columns = columns.filter((c) => names.has(c.name));
      for (const c of columns) {
        const sum = nullCounts[c.name];
        const more = footer.nullCounts[c.name];
        nullCounts[c.name] = sum === undefined || more === undefined ? undefined : sum + more;
      }
    }
  }
  return {
    kind: 'summary',
    location,
    columns: columns ?? [],
    rowCount,
    files: files.length - problems.length,
    nullCounts,
    valuesUnavailable:
      'reading Parquet values needs a Parquet library, which dk test does not bundle; the schema, row count and null counts come from the file footers',
    problems,
  };
}

/** The header row of a CSV file (read until the first record ends). */
async function csvHeader(file: string): Promise<string[]> {
  const parser = new CsvParser();
  const stream = textStream(file);
  const names = (fields: Array<string | null>) => fields.map((f, i) => f ?? `column${i + 1}`);
  try {
    for await (const chunk of stream) {
      const [first] = parser.push(chunk as string);
      if (first) return names(first.fields);
    }
    const [last] = parser.end();
    return last ? names(last.fields) : [];
  } finally {
    stream.destroy();
  }
}
