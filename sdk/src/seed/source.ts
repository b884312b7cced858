import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { systemErrorCode } from '../core/errors';
import type { LoadedManifest } from '../manifest/load';
import type { DocumentPath } from '../manifest/parse-yaml';
import { CsvSyntaxError, parseCsv } from './csv';
import { formatLocation, SeedError, seedCodes, type SeedLocation } from './errors';

/** The profile name recorded for a DataSet's own seed (spec.dev.seed.rows / .file). */
export const defaultProfile = 'default';

/** What one seed (the DataSet's own, or one profile) declares, and where. */
export interface SeedSelection {
  /** `default`, or the profile's name. */
  profile: string;
  rows?: unknown[];
  file?: string;
  /** Field path of the selection in the manifest (spec.dev.seed or spec.dev.seed.profiles.<name>). */
  path: DocumentPath;
}

/** One seed row as read, before it is checked against the schema. */
export interface RawSeedRow {
  /** JSON values (inline rows, .json, .jsonl), or strings and nulls (.csv). */
  values: Record<string, unknown>;
  /** The values are CSV text, to be parsed per column type. */
  text: boolean;
  /** "row 2" (inline, .json) or "line 5" (.csv, .jsonl): for messages. */
  label: string;
  location: SeedLocation;
  /** Where a column of this row is named (a YAML key, a CSV header cell); the row otherwise. */
  keyLocation(column: string): SeedLocation;
  /** Where a value of this row is (a YAML value, a CSV cell); the row otherwise. */
  valueLocation(column: string): SeedLocation;
}

export interface ReadSeedResult {
  rows: RawSeedRow[];
  errors: SeedError[];
  /** The seed files read (absolute paths). */
  files: string[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** spec.dev.seed of a manifest (DataSet or Transform), if any. */
export function seedOf(manifest: LoadedManifest): Record<string, unknown> | undefined {
  return record(record(record(manifest.value.spec)?.dev)?.seed);
}

/** The names of the profiles a DataSet's seed declares. */
export function profilesOf(manifest: LoadedManifest): string[] {
  return Object.keys(record(seedOf(manifest)?.profiles) ?? {});
}

function selection(value: Record<string, unknown>, profile: string, at: DocumentPath): SeedSelection {
  const out: SeedSelection = { profile, path: at };
  if (Array.isArray(value.rows)) out.rows = value.rows;
  if (typeof value.file === 'string') out.file = value.file;
  return out;
}

/**
 * The seed to load for a DataSet: the profile when the DataSet declares it, else its own rows and
 * file. Undefined when there is nothing to load (no seed, or only profiles and none selected).
 */
export function selectSeed(manifest: LoadedManifest, profile: string | undefined): SeedSelection | undefined {
  const seed = seedOf(manifest);
  if (!seed) return undefined;
  const base: DocumentPath = ['spec', 'dev', 'seed'];
  const profiles = record(seed.profiles) ?? {};
  const chosen = profile === undefined ? undefined : record(profiles[profile]);
  if (profile !== undefined && chosen) return selection(chosen, profile, [...base, 'profiles', profile]);
  if (!Array.isArray(seed.rows) && typeof seed.file !== 'string') return undefined;
  return selection(seed, defaultProfile, base);
}

export interface ReadContext {
  /** How a file path is shown in messages (relative to the working directory). */
  display: (file: string) => string;
  dataset: string;
}

/** Reads the rows of a selection: the file's rows first, then the inline rows. Problems are collected, not thrown. */
export async function readSeedRows(manifest: LoadedManifest, selected: SeedSelection, ctx: ReadContext): Promise<ReadSeedResult> {
  const result: ReadSeedResult = { rows: [], errors: [], files: [] };
  const error = (location: SeedLocation, message: string, hint?: string) =>
    new SeedError(seedCodes.badFile, `${formatLocation(location, ctx.display)}: ${message}`, {
      location,
      dataset: ctx.dataset,
      ...(hint ? { hint } : {}),
    });
  const locate = (at: DocumentPath): SeedLocation => {
    const where = manifest.document.locate(at);
    return {
      file: where.file ?? manifest.file,
      ...(where.line !== undefined ? { line: where.line } : {}),
      ...(where.column !== undefined ? { column: where.column } : {}),
    };
  };

  if (selected.file !== undefined) {
    const file = path.resolve(path.dirname(manifest.file), selected.file);
    const at = locate([...selected.path, 'file']);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
      result.files.push(file);
    } catch (cause) {
      const code = systemErrorCode(cause);
      result.errors.push(
        error(
          at,
          code === 'ENOENT'
            ? `seed file ${ctx.display(file)} does not exist`
            : `seed file ${ctx.display(file)} cannot be read (${code ?? String(cause)})`,
          'Seed files are read relative to the folder of the manifest that names them.',
        ),
      );
    }
    if (text !== undefined) {
      const extension = path.extname(file).toLowerCase();
      const problems: SeedError[] = [];
      const fileError = (location: SeedLocation, message: string, hint?: string) => problems.push(error(location, message, hint));
      if (extension === '.csv') result.rows.push(...csvRows(text, file, fileError));
      else if (extension === '.json') result.rows.push(...jsonRows(text, file, fileError));
      else if (extension === '.jsonl' || extension === '.ndjson') result.rows.push(...jsonLinesRows(text, file, fileError));
      else
        fileError(
          at,
          `seed file ${ctx.display(file)}: unsupported type ${extension || '(no extension)'}`,
          'Use a .csv (with a header row), .json (an array of objects) or .jsonl file.',
        );
      result.errors.push(...problems);
    }
  }

  if (selected.rows !== undefined) {
    selected.rows.forEach((row, index) => {
      const at: DocumentPath = [...selected.path, 'rows', index];
      const values = record(row);
      if (!values) {
        result.errors.push(error(locate(at), `seed row ${index + 1} is not a mapping of column: value`));
        return;
      }
      result.rows.push({
        values,
        text: false,
        label: `row ${index + 1}`,
        location: locate(at),
        keyLocation: (column) => locate([...at, column]),
        valueLocation: (column) => locate([...at, column]),
      });
    });
  }
  return result;
}

type FileError = (location: SeedLocation, message: string, hint?: string) => void;

function csvRows(text: string, file: string, fail: FileError): RawSeedRow[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (cause) {
    if (!(cause instanceof CsvSyntaxError)) throw cause;
    fail({ file, line: cause.line, column: cause.column }, `malformed CSV: ${cause.message}`);
    return [];
  }
  const [header, ...body] = records;
  if (!header) return [];
  const names: string[] = [];
  const headerCells = new Map<string, SeedLocation>();
  let headerOk = true;
  for (const cell of header.cells) {
    const where = { file, line: cell.line, column: cell.column };
    const name = cell.value?.trim() ?? '';
    if (name === '') {
      fail(where, 'malformed CSV: an empty column name in the header row', 'The first line of a CSV seed names the columns.');
      headerOk = false;
    } else if (headerCells.has(name)) {
      fail(where, `malformed CSV: column ${JSON.stringify(name)} appears twice in the header row`);
      headerOk = false;
    }
    names.push(name);
    headerCells.set(name, where);
  }
  if (!headerOk) return [];
  const rows: RawSeedRow[] = [];
  for (const row of body) {
    const location = { file, line: row.line, column: 1 };
    if (row.cells.length !== names.length) {
      fail(location, `malformed CSV: ${row.cells.length} field${row.cells.length === 1 ? '' : 's'} where the header has ${names.length}`);
      continue;
    }
    const values: Record<string, unknown> = {};
    const cells = new Map<string, SeedLocation>();
    row.cells.forEach((cell, i) => {
      values[names[i]!] = cell.value;
      cells.set(names[i]!, { file, line: cell.line, column: cell.column });
    });
    rows.push({
      values,
      text: true,
      label: `line ${row.line}`,
      location,
      keyLocation: (column) => headerCells.get(column) ?? location,
      valueLocation: (column) => cells.get(column) ?? location,
    });
  }
  return rows;
}

/** 1-based line and column of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Where JSON.parse stopped, from its message ("… at position 42" or "… (line 3 column 5)"). */
function jsonErrorLocation(text: string, message: string): { line?: number; column?: number } {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const offset = /position (\d+)/.exec(message);
  if (offset) return position(text, Number(offset[1]));
  return /end of JSON input/i.test(message) ? position(text, text.trimEnd().length) : {};
}

function cleanJsonMessage(message: string): string {
  return message.replace(/\s*(in JSON )?at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
}

/** Offsets where the elements of a top-level JSON array start (the text is valid JSON). */
function elementOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (depth === 1 && expectValue && c !== ']') {
      offsets.push(i);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (depth === 0) expectValue = true;
      depth++;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return offsets;
}

function jsonRows(text: string, file: string, fail: FileError): RawSeedRow[] {
  const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (cause) {
    const message = (cause as Error).message;
    fail({ file, ...jsonErrorLocation(source, message) }, `malformed JSON: ${cleanJsonMessage(message)}`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    fail(
      { file, line: 1, column: 1 },
      'a .json seed file must hold an array of objects',
      'Write [{"id": 1}, …], or use .jsonl with one object per line.',
    );
    return [];
  }
  const offsets = elementOffsets(source);
  const rows: RawSeedRow[] = [];
  parsed.forEach((element, index) => {
    const location = { file, ...position(source, offsets[index] ?? 0) };
    const values = record(element);
    if (!values) {
      fail(location, `element ${index + 1} is not an object`);
      return;
    }
    rows.push({ values, text: false, label: `row ${index + 1}`, location, keyLocation: () => location, valueLocation: () => location });
  });
  return rows;
}

function jsonLinesRows(text: string, file: string, fail: FileError): RawSeedRow[] {
  const rows: RawSeedRow[] = [];
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const location = { file, line: index + 1, column: 1 };
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      const message = (cause as Error).message;
      const at = jsonErrorLocation(line, message);
      fail({ file, line: index + 1, column: at.column ?? 1 }, `malformed JSON line: ${cleanJsonMessage(message)}`);
      return;
    }
    const values = record(parsed);
    if (!values) {
      fail(location, 'a JSON-lines seed holds one object per line');
      return;
    }
    rows.push({ values, text: false, label: `line ${index + 1}`, location, keyLocation: () => location, valueLocation: () => location });
  });
  return rows;
}
