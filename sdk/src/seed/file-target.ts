/**
 * Seeding a file Store: the rows become one file, `<store dir>/<prefix>/dk-seed.jsonl` (or
 * `.csv` when the DataSet's format is csv), next to whatever else the prefix holds, which dk
 * never touches. Checksums live in `<store dir>/_dk_seed_meta.json`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { systemErrorCode } from '../core/errors';
import type { SeedColumn, SeedValue } from './columns';
import { formatCsvField } from './csv';
import { SeedError, seedCodes } from './errors';

export type FileSeedFormat = 'jsonl' | 'csv';

export const metaFileName = '_dk_seed_meta.json';
export const seedFileStem = 'dk-seed';

/** The file format a DataSet's `format` asks for; undefined when it cannot be seeded (parquet, avro, …). */
export function fileSeedFormat(format: string | undefined): FileSeedFormat | undefined {
  const f = (format ?? 'jsonl').trim().toLowerCase();
  if (f === 'csv') return 'csv';
  if (['jsonl', 'json', 'ndjson', 'json-lines', 'jsonlines'].includes(f)) return 'jsonl';
  return undefined;
}

export interface FileJob {
  dataset: string;
  /** The Store's directory (absolute). */
  storeDir: string;
  /** The DataSet's prefix inside it. */
  prefix: string;
  format: FileSeedFormat;
  profile: string;
  columns: readonly SeedColumn[];
  rows: readonly SeedValue[][];
  checksum: string;
}

export interface FileResult {
  status: 'loaded' | 'unchanged' | 'cleaned' | 'not-seeded';
  rows: number;
  /** The seed file (absolute). */
  file: string;
}

interface MetaEntry {
  dataset: string;
  /** The seed file relative to the Store directory, with / separators. */
  target: string;
  profile: string;
  checksum: string;
  rows: number;
  loaded_at: string;
  /** sha256 of the file as written, to notice when it was changed or removed. */
  sha256: string;
}

/** The seed file of a DataSet; refuses a prefix that leaves the Store directory. */
export function seedFilePath(storeDir: string, prefix: string, format: FileSeedFormat, dataset: string): string {
  const dir = path.resolve(storeDir, prefix);
  const relative = path.relative(storeDir, dir);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new SeedError(seedCodes.notSeedable, `DataSet ${dataset}: prefix ${prefix} points outside its Store directory`, {
      dataset,
      hint: 'Use a prefix relative to the Store path, without ..',
    });
  }
  return path.join(dir, `${seedFileStem}.${format}`);
}

function jsonValue(value: SeedValue, column: SeedColumn): string {
  if (value === null) return 'null';
  // Integers are kept as exact digits, JSON values as canonical JSON text: both are written as is.
  if (column.kind === 'integer' || column.kind === 'json') return String(value);
  return JSON.stringify(value);
}

function csvValue(value: SeedValue): string {
  if (value === null) return '';
  return formatCsvField(typeof value === 'string' ? value : String(value));
}

/** The file's bytes: deterministic for the same rows. */
export function renderSeedFile(columns: readonly SeedColumn[], rows: readonly SeedValue[][], format: FileSeedFormat): string {
  if (format === 'csv') {
    const lines = [columns.map((c) => formatCsvField(c.name)).join(','), ...rows.map((row) => row.map(csvValue).join(','))];
    return `${lines.join('\n')}\n`;
  }
  return rows.map((row) => `{${columns.map((c, i) => `${JSON.stringify(c.name)}:${jsonValue(row[i] ?? null, c)}`).join(',')}}\n`).join('');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const toPosix = (p: string) => p.split(path.sep).join('/');

function writeError(dataset: string, file: string, cause: unknown, display: (f: string) => string): SeedError {
  return new SeedError(
    seedCodes.writeFailed,
    `seeding ${dataset}: cannot write ${display(file)} (${systemErrorCode(cause) ?? String(cause)})`,
    {
      cause,
      dataset,
      hint: 'Check that the Store directory exists and is writable.',
    },
  );
}

async function readMeta(storeDir: string): Promise<MetaEntry[]> {
  let text: string;
  try {
    text = await readFile(path.join(storeDir, metaFileName), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { entries?: unknown };
    return Array.isArray(parsed.entries) ? (parsed.entries as MetaEntry[]).filter((e) => e && typeof e.dataset === 'string') : [];
  } catch {
    // A damaged meta file only costs a reload.
    return [];
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

async function writeMeta(storeDir: string, entries: readonly MetaEntry[]): Promise<void> {
  const sorted = [...entries].sort((a, b) => a.dataset.localeCompare(b.dataset) || a.target.localeCompare(b.target));
  await writeAtomically(path.join(storeDir, metaFileName), `${JSON.stringify({ version: 1, entries: sorted }, null, 2)}\n`);
}

async function fileHash(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes the seed file unless it already holds this seed (same checksum recorded, file unchanged). */
export async function seedFileStore(job: FileJob, loadedAt: Date, display: (f: string) => string): Promise<FileResult> {
  const file = seedFilePath(job.storeDir, job.prefix, job.format, job.dataset);
  const target = toPosix(path.relative(job.storeDir, file));
  const entries = await readMeta(job.storeDir);
  const recorded = entries.find((e) => e.dataset === job.dataset && e.target === target);
  if (recorded && recorded.checksum === job.checksum && (await fileHash(file)) === recorded.sha256) {
    return { status: 'unchanged', rows: recorded.rows, file };
  }
  const text = renderSeedFile(job.columns, job.rows, job.format);
  try {
    await writeAtomically(file, text);
    const entry: MetaEntry = {
      dataset: job.dataset,
      target,
      profile: job.profile,
      checksum: job.checksum,
      rows: job.rows.length,
      loaded_at: loadedAt.toISOString(),
      sha256: sha256(text),
    };
    await writeMeta(job.storeDir, [...entries.filter((e) => e !== recorded), entry]);
  } catch (cause) {
    throw writeError(job.dataset, file, cause, display);
  }
  return { status: 'loaded', rows: job.rows.length, file };
}

/** Removes the seed file dk wrote and its meta entry; nothing else in the prefix is touched. */
export async function cleanFileStore(
  job: Pick<FileJob, 'dataset' | 'storeDir' | 'prefix' | 'format'>,
  display: (f: string) => string,
): Promise<FileResult> {
  const file = seedFilePath(job.storeDir, job.prefix, job.format, job.dataset);
  const target = toPosix(path.relative(job.storeDir, file));
  const entries = await readMeta(job.storeDir);
  const recorded = entries.find((e) => e.dataset === job.dataset && e.target === target);
  if (!recorded) return { status: 'not-seeded', rows: 0, file };
  try {
    await rm(file, { force: true });
    await writeMeta(
      job.storeDir,
      entries.filter((e) => e !== recorded),
    );
  } catch (cause) {
    throw writeError(job.dataset, file, cause, display);
  }
  return { status: 'cleaned', rows: recorded.rows, file };
}
