import { describe, expect, it } from 'vitest';
import {
  checkLabel,
  checkOutput,
  countChecks,
  testExitCode,
  type CheckResult,
  type DataSetContract,
  type FieldContract,
  type OutputColumn,
  type OutputReading,
  type QualityRules,
  type RowItem,
  type TestReport,
  type ValueMode,
} from '../../src/testing';

function contract(fields: FieldContract[], quality: QualityRules = {}): DataSetContract {
  return {
    dataset: { name: 'people', store: 'local', prefix: 'people/', format: 'jsonl', schema: [], declaredIn: '/p/dataset/people.yaml' },
    fields,
    quality,
  };
}

function rows(
  values: Array<Record<string, unknown> | string>,
  options: { mode?: ValueMode; columns?: OutputColumn[] } = {},
): OutputReading {
  async function* items(): AsyncGenerator<RowItem> {
    let n = 0;
    for (const v of values) {
      n++;
      yield typeof v === 'string' ? { error: v, where: `f.jsonl:${n}` } : { values: v, where: `f.jsonl:${n}` };
    }
  }
  return {
    kind: 'rows',
    location: 'people/',
    valueMode: options.mode ?? 'json',
    rows: items(),
    ...(options.columns ? { columns: options.columns } : {}),
  };
}

/** `label status` per check, e.g. `not_null(id) failed`. */
function summary(checks: CheckResult[]): string[] {
  return checks.map((c) => `${checkLabel(c)} ${c.status}`);
}

function find(checks: CheckResult[], label: string): CheckResult {
  const found = checks.find((c) => checkLabel(c) === label);
  if (!found) throw new Error(`no check ${label} in ${summary(checks).join(', ')}`);
  return found;
}

const people = [
  { name: 'id', type: 'integer', nullable: false },
  { name: 'email', type: 'string', pii: true },
  { name: 'joined', type: 'date' },
];

describe('checkOutput over rows', () => {
  it('passes a conforming output, with every planned check in order', async () => {
    const result = await checkOutput(
      contract(people, { rowCount: { min: 1, max: 5 }, notNull: ['email'], unique: ['id'], acceptedValues: { id: [1, 2] } }),
      rows([
        { id: 1, email: 'a@x', joined: '2024-01-31' },
        { id: 2, email: 'b@x', joined: null },
      ]),
    );
    expect(summary(result.checks)).toEqual([
      'output_exists passed',
      'column_present(id) passed',
      'type(id) passed',
      'column_present(email) passed',
      'type(email) passed',
      'column_present(joined) passed',
      'type(joined) passed',
      'not_null(id) passed',
      'not_null(email) passed',
      'row_count passed',
      'unique(id) passed',
      'accepted_values(id) passed',
    ]);
    expect(result).toMatchObject({ dataset: 'people', location: 'people/', rows: 2 });
    expect(find(result.checks, 'row_count')).toEqual({
      name: 'row_count',
      status: 'passed',
      passed: true,
      message: '2 rows',
      observed: 2,
      expected: 'between 1 and 5',
    });
  });

  it('a column missing from every row fails column_present naming it (and not_null); its other checks are skipped', async () => {
    const result = await checkOutput(
      contract(people, { unique: ['joined'], notNull: ['joined'] }),
      rows([
        { id: 1, email: 'a@x' },
        { id: 2, email: 'b@x', extra: true },
      ]),
    );
    expect(find(result.checks, 'column_present(joined)')).toMatchObject({
      status: 'failed',
      message: 'column joined is missing from the output; it has id, email, extra',
      observed: 'id, email, extra',
    });
    expect(find(result.checks, 'type(joined)')).toMatchObject({ status: 'skipped', message: 'column joined is missing from the output' });
    expect(find(result.checks, 'unique(joined)').status).toBe('skipped');
    expect(find(result.checks, 'not_null(joined)')).toMatchObject({
      status: 'failed',
      message: 'column joined is missing from the output',
    });
  });

  it('counts type mismatches and nulls row by row, quoting where the first one is; PII values are never shown', async () => {
    const result = await checkOutput(
      contract(people, { unique: ['email'] }),
      rows([{ id: 1, email: 'secret@x', joined: '2024-02-30' }, { id: '2', email: 7, joined: '2024-02-01' }, { email: 'secret@x' }]),
    );
    expect(find(result.checks, 'type(id)')).toMatchObject({
      status: 'failed',
      message: '1 of 2 values are not integer (first at f.jsonl:2: "2")',
      observed: '1 of 2 not integer',
    });
    expect(find(result.checks, 'type(joined)').message).toBe('1 of 2 values are not date (first at f.jsonl:1: "2024-02-30")');
    expect(find(result.checks, 'type(email)').message).toBe('1 of 3 values are not string (first at f.jsonl:2: (a PII value, not shown))');
    expect(find(result.checks, 'not_null(id)')).toMatchObject({
      status: 'failed',
      message: '1 of 3 rows have no id (null or missing)',
      observed: 1,
    });
    expect(find(result.checks, 'unique(email)')).toMatchObject({
      status: 'failed',
      message: '1 duplicate value (first at f.jsonl:3: (a PII value, not shown))',
    });
    expect(JSON.stringify(result)).not.toContain('secret@x');
  });

  it('unique and accepted values: nulls are ignored, long values compared whole (by hash), examples quoted', async () => {
    const long = 'x'.repeat(100);
    const result = await checkOutput(
      contract([{ name: 'code', type: 'string' }], { unique: ['code'], acceptedValues: { code: ['a', 'b'] } }),
      rows([{ code: 'a' }, { code: null }, { code: null }, { code: `${long}1` }, { code: `${long}2` }, { code: 'c' }, { code: 'c' }]),
    );
    expect(find(result.checks, 'unique(code)')).toMatchObject({
      status: 'failed',
      message: '1 duplicate value (first at f.jsonl:7: "c")',
      observed: 1,
    });
    expect(find(result.checks, 'accepted_values(code)')).toMatchObject({
      status: 'failed',
      observed: 4,
      expected: '["a","b"]',
    });
    expect(find(result.checks, 'accepted_values(code)').message).toMatch(
      // The two long values look alike once shortened: quoted once.
      /^4 of 5 values are not one of \["a","b"\] \(e\.g\. "x{58}…, "c"\)$/,
    );
  });

  it('row count bounds: at least, at most, between', async () => {
    const check = async (rule: { min?: number; max?: number }) =>
      find((await checkOutput(contract([], { rowCount: rule }), rows([{}, {}, {}]))).checks, 'row_count');
    expect(await check({ min: 4 })).toMatchObject({ status: 'failed', message: '3 rows, expected at least 4' });
    expect(await check({ max: 2 })).toMatchObject({ status: 'failed', message: '3 rows, expected at most 2' });
    expect(await check({ min: 1, max: 2 })).toMatchObject({ status: 'failed', message: '3 rows, expected between 1 and 2' });
    expect(await check({ min: 3, max: 3 })).toMatchObject({ status: 'passed' });
  });

  it('unreadable rows add a failed `readable` check; the readable rows are still checked', async () => {
    const result = await checkOutput(contract([{ name: 'id', type: 'integer' }]), rows([{ id: 1 }, 'not valid JSON', { id: 'x' }]));
    expect(summary(result.checks).slice(0, 2)).toEqual(['output_exists passed', 'readable failed']);
    expect(find(result.checks, 'readable').message).toBe('1 rows could not be read (f.jsonl:2: not valid JSON)');
    expect(find(result.checks, 'type(id)').status).toBe('failed');
  });

  it('JSON lines without rows cannot say which columns exist: column checks are skipped, row_count still fails', async () => {
    const result = await checkOutput(contract(people, { rowCount: { min: 1 } }), rows([]));
    expect(find(result.checks, 'column_present(id)')).toMatchObject({ status: 'skipped', message: 'no rows to read column names from' });
    expect(find(result.checks, 'not_null(id)').status).toBe('passed');
    expect(find(result.checks, 'row_count').status).toBe('failed');
  });

  it('CSV: text values are parsed for their type; accepted values compare as text', async () => {
    const result = await checkOutput(
      contract(
        [
          { name: 'n', type: 'integer' },
          { name: 'ok', type: 'boolean' },
        ],
        { acceptedValues: { n: [1, 2] } },
      ),
      rows(
        [
          { n: '1', ok: 'true' },
          { n: '2', ok: null },
          { n: 'three', ok: 'f' },
        ],
        { mode: 'text', columns: [{ name: 'n' }, { name: 'ok' }] },
      ),
    );
    expect(find(result.checks, 'type(n)').message).toBe('1 of 3 values are not integer (first at f.jsonl:3: "three")');
    expect(find(result.checks, 'type(ok)').status).toBe('passed');
    expect(find(result.checks, 'accepted_values(n)').message).toBe('1 of 3 values are not one of [1,2] (e.g. "three")');
  });

  it('typed columns (Postgres): the column type is checked once, not each value', async () => {
    const result = await checkOutput(
      contract([
        { name: 'id', type: 'integer' },
        { name: 'amount', type: 'float' },
        { name: 'name', type: 'integer' },
        { name: 'shape', type: 'string' },
        { name: 'x', type: 'geometry' },
      ]),
      rows([{ id: '1', amount: 2, name: 'a', shape: 'p', x: 1 }], {
        mode: 'typed',
        columns: [
          { name: 'id', kind: 'integer', nativeType: 'int8' },
          { name: 'amount', kind: 'integer', nativeType: 'int4' },
          { name: 'name', kind: 'string', nativeType: 'text' },
          { name: 'shape', nativeType: 'point' },
          { name: 'x', nativeType: 'geometry' },
        ],
      }),
    );
    expect(find(result.checks, 'type(id)')).toMatchObject({ status: 'passed', message: 'int8 holds integer', observed: 'int8' });
    expect(find(result.checks, 'type(amount)').status).toBe('passed');
    expect(find(result.checks, 'type(name)')).toMatchObject({
      status: 'failed',
      message: 'the column is text, which does not hold integer',
    });
    expect(find(result.checks, 'type(shape)')).toMatchObject({
      status: 'skipped',
      message: "the column's type point is not one dk test knows",
    });
    expect(find(result.checks, 'type(x)')).toMatchObject({ status: 'skipped', message: 'type geometry is not one dk test checks' });
  });
});

describe('checkOutput without rows', () => {
  it('a summary (Parquet footer): columns, types, row count and recorded null counts; value checks skipped with the reason', async () => {
    const result = await checkOutput(contract(people, { unique: ['id'], notNull: ['joined'], rowCount: { max: 10 } }), {
      kind: 'summary',
      location: 'people/',
      columns: [
        { name: 'id', kind: 'integer', nativeType: 'INT64', required: true },
        { name: 'email', kind: 'string', nativeType: 'BYTE_ARRAY/STRING' },
        { name: 'joined', kind: 'timestamp', nativeType: 'INT64/TIMESTAMP' },
      ],
      rowCount: 12,
      files: 1,
      nullCounts: { id: 0, email: 3, joined: undefined },
      valuesUnavailable: 'no values here',
      problems: [],
    });
    expect(summary(result.checks)).toEqual([
      'output_exists passed',
      'column_present(id) passed',
      'type(id) passed',
      'column_present(email) passed',
      'type(email) passed',
      'column_present(joined) passed',
      'type(joined) failed',
      'not_null(id) passed',
      'not_null(joined) skipped',
      'row_count failed',
      'unique(id) skipped',
    ]);
    expect(find(result.checks, 'unique(id)').message).toBe('no values here');
  });

  it('an output that was not written fails output_exists; the rest is skipped', async () => {
    const result = await checkOutput(contract(people), { kind: 'missing', location: 'people/', message: 'people/ does not exist' });
    expect(result.checks[0]).toMatchObject({
      name: 'output_exists',
      status: 'failed',
      message: 'the transform did not write it: people/ does not exist',
    });
    expect(result.checks.slice(1).every((c) => c.status === 'skipped')).toBe(true);
  });

  it('unsupported outputs skip every check; unreadable ones make every check an error', async () => {
    const skipped = await checkOutput(contract(people), { kind: 'unsupported', location: 't', reason: 'no pg' });
    expect(skipped.checks.every((c) => c.status === 'skipped' && c.message === 'no pg')).toBe(true);
    const errored = await checkOutput(contract(people), { kind: 'error', location: 't', message: 'ECONNREFUSED' });
    expect(errored.checks.every((c) => c.status === 'error' && c.message === 'ECONNREFUSED')).toBe(true);
  });

  it('rows that stop with an error (a dropped connection) make the remaining checks errors, and release the reading', async () => {
    let closed = false;
    async function* failing(): AsyncGenerator<RowItem> {
      yield { values: { id: 1 }, where: 'row 1' };
      throw new Error('connection lost');
    }
    const result = await checkOutput(contract(people), {
      kind: 'rows',
      location: 't',
      valueMode: 'typed',
      columns: [{ name: 'id' }],
      rows: failing(),
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    });
    expect(result.checks[0]!.status).toBe('passed');
    expect(result.checks.slice(1).every((c) => c.status === 'error' && c.message === 'connection lost')).toBe(true);
    expect(closed).toBe(true);
  });
});

describe('exit codes', () => {
  const report = (statuses: CheckResult['status'][], transform: TestReport['transform']['status'] = 'completed'): TestReport => {
    const datasets = [
      {
        dataset: 'd',
        location: 'l',
        durationMs: 0,
        checks: statuses.map((status): CheckResult => ({
          name: 'row_count',
          status,
          passed: status === 'passed',
          message: '',
          observed: null,
        })),
      },
    ];
    return {
      packageName: 'p',
      runId: 'r',
      startedAt: '',
      durationMs: 0,
      transform: { status: transform },
      datasets,
      counts: countChecks(datasets),
    };
  };

  it('0 when nothing failed (skipped checks do not fail), 1 for a failed check or transform, 2 for unreadable outputs', () => {
    expect(testExitCode(report(['passed', 'skipped']))).toBe(0);
    expect(testExitCode(report(['passed', 'failed', 'error']))).toBe(1);
    expect(testExitCode(report(['passed', 'error']))).toBe(2);
    expect(testExitCode(report([], 'failed'))).toBe(1);
    expect(report(['passed', 'failed', 'skipped', 'error', 'passed']).counts).toEqual({
      total: 5,
      passed: 2,
      failed: 1,
      skipped: 1,
      errors: 1,
    });
  });
});
