/**
 * Checks one output DataSet against its contract in a single pass over its rows: the declared
 * columns (present, typed, not null) and spec.quality (row count, not null, unique, accepted values).
 * Memory is bounded by the columns, not the rows, except for `unique`, which remembers one short
 * key per distinct value.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DataSetContract, FieldContract } from './contract';
import type { OutputColumn, OutputReading } from './reading';
import type { CheckName, CheckResult, CheckStatus, DataSetTestResult } from './results';
import { canonicalText, declaredKind, jsonValueMatches, kindSatisfies, textValueMatches, type ValueKind } from './value-types';

interface PlannedCheck {
  name: CheckName;
  column?: string;
  expected?: string;
}

/** How many unreadable rows, and how many rejected values, a message quotes. */
const examples = 3;
/** Columns listed when one is missing. */
const listedColumns = 12;

function display(value: unknown, pii: boolean): string {
  if (pii) return '(a PII value, not shown)';
  const text = typeof value === 'string' ? JSON.stringify(value) : canonicalText(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function listOf(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, listedColumns).join(', ');
  return names.length > listedColumns ? `${shown}, … (${names.length} in all)` : shown;
}

function rowCountExpectation(rule: { min?: number; max?: number }): string {
  if (rule.min !== undefined && rule.max !== undefined) return `between ${rule.min} and ${rule.max}`;
  return rule.min !== undefined ? `at least ${rule.min}` : `at most ${rule.max ?? 0}`;
}

/** The checks a contract asks for, in report order. */
export function plannedChecks(contract: DataSetContract): PlannedCheck[] {
  const checks: PlannedCheck[] = [{ name: 'output_exists', expected: 'written' }];
  const { fields, quality } = contract;
  for (const field of fields) {
    checks.push({ name: 'column_present', column: field.name, expected: 'present' });
    if (field.type !== undefined) checks.push({ name: 'type', column: field.name, expected: field.type });
  }
  const notNull = [...fields.filter((f) => f.nullable === false).map((f) => f.name), ...(quality.notNull ?? [])];
  for (const column of [...new Set(notNull)]) checks.push({ name: 'not_null', column, expected: 'no nulls' });
  if (quality.rowCount) checks.push({ name: 'row_count', expected: rowCountExpectation(quality.rowCount) });
  for (const column of [...new Set(quality.unique ?? [])]) checks.push({ name: 'unique', column, expected: 'no duplicates' });
  for (const [column, values] of Object.entries(quality.acceptedValues ?? {})) {
    checks.push({ name: 'accepted_values', column, expected: JSON.stringify(values) });
  }
  return checks;
}

function result(check: PlannedCheck, status: CheckStatus, message: string, observed: string | number | null): CheckResult {
  return {
    name: check.name,
    ...(check.column !== undefined ? { column: check.column } : {}),
    status,
    passed: status === 'passed',
    message,
    observed,
    ...(check.expected !== undefined ? { expected: check.expected } : {}),
  };
}

/** A short key per value for `unique`: the value itself when short, else a 128-bit hash of it. */
function uniqueKey(value: unknown): string {
  const text = `${typeof value}:${canonicalText(value)}`;
  return text.length <= 40 ? text : `#${createHash('sha256').update(text).digest('base64').slice(0, 22)}`;
}

interface ColumnStats {
  /** Rows holding the key (JSON lines), null or not. */
  present: number;
  nulls: number;
  nonNull: number;
  typeBad: number;
  typeFirst?: string;
  seen?: Set<string>;
  duplicates: number;
  duplicateFirst?: string;
  accepted?: Set<string>;
  rejected: number;
  rejectedExamples: string[];
}

interface Observations {
  rows: number;
  /** The output's columns (known up front, or the keys seen in JSON lines). */
  columns: string[];
  /** Whether `columns` can be trusted: false for JSON lines without rows, or no files. */
  columnsKnown: boolean;
  typedColumns?: Map<string, OutputColumn>;
  stats: Map<string, ColumnStats>;
  readErrors: number;
  readExamples: string[];
  /** Summary readings: null counts per column (undefined: not recorded). */
  nullCounts?: Record<string, number | undefined>;
  /** Summary readings: why value checks cannot run. */
  valuesUnavailable?: string;
  valueMode: 'json' | 'text' | 'typed' | 'summary';
}

function newStats(): ColumnStats {
  return { present: 0, nulls: 0, nonNull: 0, typeBad: 0, duplicates: 0, rejected: 0, rejectedExamples: [] };
}

async function observeRows(contract: DataSetContract, reading: Extract<OutputReading, { kind: 'rows' }>): Promise<Observations> {
  const fieldsByName = new Map(contract.fields.map((f) => [f.name, f]));
  const { quality } = contract;
  const tracked = new Set([
    ...contract.fields.map((f) => f.name),
    ...(quality.notNull ?? []),
    ...(quality.unique ?? []),
    ...Object.keys(quality.acceptedValues ?? {}),
  ]);
  const stats = new Map<string, ColumnStats>();
  for (const column of tracked) {
    const s = newStats();
    if (quality.unique?.includes(column)) s.seen = new Set();
    const accepted = quality.acceptedValues?.[column];
    if (accepted) s.accepted = new Set(accepted.map((v) => canonicalText(v)));
    stats.set(column, s);
  }
  const kinds = new Map<string, ValueKind>();
  for (const field of contract.fields) {
    const kind = declaredKind(field.type);
    if (kind) kinds.set(field.name, kind);
  }
  const json = reading.valueMode === 'json';
  const keysSeen = new Set<string>();
  const obs: Observations = {
    rows: 0,
    columns: [],
    columnsKnown: false,
    stats,
    readErrors: 0,
    readExamples: [],
    valueMode: reading.valueMode,
  };
  for await (const item of reading.rows) {
    if ('error' in item) {
      obs.readErrors++;
      if (obs.readExamples.length < examples) obs.readExamples.push(`${item.where}: ${item.error}`);
      continue;
    }
    obs.rows++;
    const values = item.values;
    if (json && keysSeen.size < 1000) for (const key of Object.keys(values)) keysSeen.add(key);
    for (const [column, s] of stats) {
      const has = Object.hasOwn(values, column);
      if (has) s.present++;
      const value = has ? values[column] : undefined;
      if (value === null || value === undefined) {
        s.nulls++;
        continue;
      }
      s.nonNull++;
      const pii = fieldsByName.get(column)?.pii === true;
      const kind = kinds.get(column);
      if (kind && reading.valueMode !== 'typed') {
        const ok = json ? jsonValueMatches(value, kind) : typeof value === 'string' && textValueMatches(value, kind);
        if (!ok) {
          s.typeBad++;
          s.typeFirst ??= `${item.where}: ${display(value, pii)}`;
        }
      }
      if (s.seen) {
        const key = uniqueKey(value);
        if (s.seen.has(key)) {
          s.duplicates++;
          s.duplicateFirst ??= `${item.where}: ${display(value, pii)}`;
        } else s.seen.add(key);
      }
      if (s.accepted && !s.accepted.has(canonicalText(value))) {
        s.rejected++;
        const shown = display(value, pii);
        if (s.rejectedExamples.length < examples && !s.rejectedExamples.includes(shown)) s.rejectedExamples.push(shown);
      }
    }
  }
  if (reading.columns) {
    obs.columns = reading.columns.map((c) => c.name);
    obs.columnsKnown = reading.files === undefined || reading.files > 0;
    if (reading.valueMode === 'typed') obs.typedColumns = new Map(reading.columns.map((c) => [c.name, c]));
  } else {
    // Keys seen in any row (the tracked ones always, however many keys the rows have).
    for (const [column, s] of stats) if (s.present > 0) keysSeen.add(column);
    obs.columns = [...keysSeen];
    obs.columnsKnown = obs.rows > 0;
  }
  return obs;
}

function observeSummary(reading: Extract<OutputReading, { kind: 'summary' }>): Observations {
  return {
    rows: reading.rowCount,
    columns: reading.columns.map((c) => c.name),
    columnsKnown: reading.files > 0,
    typedColumns: new Map(reading.columns.map((c) => [c.name, c])),
    stats: new Map(),
    readErrors: reading.problems.length,
    readExamples: reading.problems.slice(0, examples).map((p) => `${p.where}: ${p.error}`),
    nullCounts: reading.nullCounts,
    valuesUnavailable: reading.valuesUnavailable,
    valueMode: 'summary',
  };
}

/** Evaluates one planned check against what was observed. */
function evaluate(check: PlannedCheck, obs: Observations, contract: DataSetContract, fields: Map<string, FieldContract>): CheckResult {
  const column = check.column;
  const s = column !== undefined ? obs.stats.get(column) : undefined;
  const present = column === undefined || obs.columns.includes(column);
  const noColumns = obs.valueMode === 'json' ? 'no rows to read column names from' : 'no data files to read column names from';
  const missing = `column ${column ?? ''} is missing from the output`;
  switch (check.name) {
    case 'output_exists':
      return result(check, 'passed', `written: ${obs.rows} ${obs.rows === 1 ? 'row' : 'rows'}`, obs.rows);
    case 'readable':
      return obs.readErrors === 0
        ? result(check, 'passed', 'every row could be read', 0)
        : result(
            check,
            'failed',
            `${obs.readErrors} ${obs.valueMode === 'summary' ? 'files' : 'rows'} could not be read (${obs.readExamples.join('; ')})`,
            obs.readErrors,
          );
    case 'column_present':
      if (!obs.columnsKnown) return result(check, 'skipped', noColumns, null);
      return present
        ? result(check, 'passed', 'present', 'present')
        : result(check, 'failed', `${missing}; it has ${listOf(obs.columns)}`, listOf(obs.columns));
    case 'type': {
      const declared = fields.get(column!)?.type ?? '';
      const kind = declaredKind(declared);
      if (!kind) return result(check, 'skipped', `type ${declared} is not one dk test checks`, null);
      if (obs.columnsKnown && !present) return result(check, 'skipped', missing, null);
      const typed = obs.typedColumns?.get(column!);
      if (obs.typedColumns) {
        if (!typed) return result(check, 'skipped', obs.columnsKnown ? missing : noColumns, null);
        const native = typed.nativeType ?? 'unknown';
        if (!typed.kind) return result(check, 'skipped', `the column's type ${native} is not one dk test knows`, native);
        return kindSatisfies(typed.kind, kind)
          ? result(check, 'passed', `${native} holds ${declared}`, native)
          : result(check, 'failed', `the column is ${native}, which does not hold ${declared}`, native);
      }
      if (!s || s.nonNull === 0) return result(check, 'passed', 'no values to check', null);
      return s.typeBad === 0
        ? result(check, 'passed', `${s.nonNull} ${s.nonNull === 1 ? 'value is' : 'values are'} ${declared}`, declared)
        : result(
            check,
            'failed',
            `${s.typeBad} of ${s.nonNull} values are not ${declared} (first at ${s.typeFirst ?? '?'})`,
            `${s.typeBad} of ${s.nonNull} not ${declared}`,
          );
    }
    case 'not_null': {
      if (obs.columnsKnown && !present) {
        return obs.rows === 0 ? result(check, 'skipped', missing, null) : result(check, 'failed', missing, obs.rows);
      }
      if (obs.nullCounts) {
        const nulls = obs.nullCounts[column!];
        if (nulls === undefined) return result(check, 'skipped', `the output does not record null counts for ${column}`, null);
        return nulls === 0
          ? result(check, 'passed', 'no nulls', 0)
          : result(check, 'failed', `${nulls} of ${obs.rows} rows have no ${column} (null)`, nulls);
      }
      const nulls = s?.nulls ?? 0;
      return nulls === 0
        ? result(check, 'passed', 'no nulls', 0)
        : result(check, 'failed', `${nulls} of ${obs.rows} rows have no ${column} (null or missing)`, nulls);
    }
    case 'row_count': {
      const rule = contract.quality.rowCount ?? {};
      const ok = (rule.min === undefined || obs.rows >= rule.min) && (rule.max === undefined || obs.rows <= rule.max);
      const rows = `${obs.rows} ${obs.rows === 1 ? 'row' : 'rows'}`;
      return ok
        ? result(check, 'passed', rows, obs.rows)
        : result(check, 'failed', `${rows}, expected ${rowCountExpectation(rule)}`, obs.rows);
    }
    case 'unique':
    case 'accepted_values': {
      if (obs.valuesUnavailable) return result(check, 'skipped', obs.valuesUnavailable, null);
      if (obs.columnsKnown && !present) return result(check, 'skipped', missing, null);
      if (!s) return result(check, 'skipped', 'not checked', null);
      if (check.name === 'unique') {
        return s.duplicates === 0
          ? result(check, 'passed', `${s.nonNull} distinct ${s.nonNull === 1 ? 'value' : 'values'}`, 0)
          : result(
              check,
              'failed',
              `${s.duplicates} duplicate ${s.duplicates === 1 ? 'value' : 'values'} (first at ${s.duplicateFirst ?? '?'})`,
              s.duplicates,
            );
      }
      return s.rejected === 0
        ? result(check, 'passed', `every value is one of ${check.expected ?? ''}`, 0)
        : result(
            check,
            'failed',
            `${s.rejected} of ${s.nonNull} values are not one of ${check.expected ?? ''} (e.g. ${s.rejectedExamples.join(', ')})`,
            s.rejected,
          );
    }
  }
}

/**
 * Checks an output against its contract. Never throws: an output that cannot be read gives
 * skipped checks (not supported here) or errors (reading failed), each saying why.
 */
export async function checkOutput(contract: DataSetContract, reading: OutputReading): Promise<DataSetTestResult> {
  const started = performance.now();
  const planned = plannedChecks(contract);
  const fields = new Map(contract.fields.map((f) => [f.name, f]));
  const done = (checks: CheckResult[], rows?: number): DataSetTestResult => ({
    dataset: contract.dataset.name,
    location: reading.location,
    ...(rows !== undefined ? { rows } : {}),
    checks,
    durationMs: Math.round(performance.now() - started),
  });
  switch (reading.kind) {
    case 'missing':
      return done(
        planned.map((check) =>
          check.name === 'output_exists'
            ? result(check, 'failed', `the transform did not write it: ${reading.message}`, 'missing')
            : result(check, 'skipped', 'the output was not written', null),
        ),
      );
    case 'unsupported':
      return done(planned.map((check) => result(check, 'skipped', reading.reason, null)));
    case 'error':
      return done(planned.map((check) => result(check, 'error', reading.message, null)));
  }
  let obs: Observations;
  if (reading.kind === 'summary') obs = observeSummary(reading);
  else {
    try {
      obs = await observeRows(contract, reading);
    } catch (error) {
      await reading.close?.().catch(() => undefined);
      const message = (error as Error).message;
      return done(
        planned.map((check) =>
          check.name === 'output_exists' ? result(check, 'passed', 'written', null) : result(check, 'error', message, null),
        ),
      );
    }
  }
  const checks = planned.map((check) => evaluate(check, obs, contract, fields));
  if (obs.readErrors > 0) checks.splice(1, 0, evaluate({ name: 'readable', expected: 'every row readable' }, obs, contract, fields));
  return done(checks, obs.rows);
}
