import type { ValueKind } from './value-types';

/** A column as the output itself describes it (a CSV header, a Postgres result, a Parquet schema). */
export interface OutputColumn {
  name: string;
  /** The column's own type, when the output has typed columns (Postgres, Parquet). */
  kind?: ValueKind;
  /** The type as the source names it (int8, INT64/TIMESTAMP_MICROS, …), for messages. */
  nativeType?: string;
  /** The column cannot hold nulls (Parquet REQUIRED, Postgres NOT NULL). */
  required?: boolean;
}

/** One row read, or one that could not be read; `where` says where it is (file:line, row n). */
export type RowItem = { values: Record<string, unknown>; where: string } | { error: string; where: string };

/**
 * How values are to be type-checked: `json` (JSON lines: JSON types), `text` (CSV: parsed from
 * text), `typed` (the columns carry their own types: checked per column, not per value).
 */
export type ValueMode = 'json' | 'text' | 'typed';

/** What reading an output gave: rows to check, a summary without values, or why there is nothing. */
export type OutputReading =
  | {
      kind: 'rows';
      location: string;
      /** Known before the rows (CSV header, Postgres fields); absent for JSON lines. */
      columns?: OutputColumn[];
      valueMode: ValueMode;
      rows: AsyncIterable<RowItem>;
      /** Data files found (file Stores): with none, the columns cannot be known. */
      files?: number;
      /** Releases what the reading holds (a database connection) if the rows were not read to the end. */
      close?: () => Promise<void>;
    }
  | {
      /** Only what the output says about itself (a Parquet footer): columns, row count, null counts. */
      kind: 'summary';
      location: string;
      columns: OutputColumn[];
      rowCount: number;
      /** Files read. */
      files: number;
      /** Per column; undefined where the output does not record it. */
      nullCounts: Record<string, number | undefined>;
      /** Why the checks that need values (unique, accepted values) cannot run. */
      valuesUnavailable: string;
      /** Files that could not be read, with why. */
      problems: Array<{ where: string; error: string }>;
    }
  /** The output was not written (no directory, no table). */
  | { kind: 'missing'; location: string; message: string }
  /** dk test cannot read this kind of output (a store or format it does not support, a library not installed). */
  | { kind: 'unsupported'; location: string; reason: string }
  /** Reading failed: permissions, an unreachable database. */
  | { kind: 'error'; location: string; message: string };
