/** What `dk test` found: per output DataSet, one result per check. */

/**
 * output_exists: the output was written; readable: every row could be parsed; column_present,
 * type, not_null: the declared schema; row_count, unique, accepted_values (and not_null): spec.quality.
 */
export type CheckName = 'output_exists' | 'readable' | 'column_present' | 'type' | 'not_null' | 'row_count' | 'unique' | 'accepted_values';

/** passed/failed: the check ran; skipped: it could not run here (said why); error: reading the output failed. */
export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'error';

export interface CheckResult {
  name: CheckName;
  /** The column the check is about; absent for checks of the whole DataSet. */
  column?: string;
  status: CheckStatus;
  /** status === 'passed'. */
  passed: boolean;
  message: string;
  /** What was seen: a count, a type, the columns found (never a value of a PII column). */
  observed: string | number | null;
  /** What the contract asks for, as text (for reports and lineage). */
  expected?: string;
}

export interface DataSetTestResult {
  dataset: string;
  /** Where the output was read: a directory, a table. */
  location: string;
  /** Rows read (or counted), when known. */
  rows?: number;
  checks: CheckResult[];
  durationMs: number;
}

export interface CheckCounts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
}

export interface TestReport {
  packageName: string;
  runId: string;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  /** The transform's run; the outputs are only checked after a completed run. */
  transform: { status: 'completed' | 'failed' | 'aborted'; message?: string; durationMs?: number };
  /** One per output, in the order of the Transform's outputs (and of the lineage event's outputs). */
  datasets: DataSetTestResult[];
  counts: CheckCounts;
}

export function countChecks(datasets: readonly DataSetTestResult[]): CheckCounts {
  const counts: CheckCounts = { total: 0, passed: 0, failed: 0, skipped: 0, errors: 0 };
  for (const check of datasets.flatMap((d) => d.checks)) {
    counts.total++;
    if (check.status === 'passed') counts.passed++;
    else if (check.status === 'failed') counts.failed++;
    else if (check.status === 'skipped') counts.skipped++;
    else counts.errors++;
  }
  return counts;
}

/**
 * The exit code of `dk test`: 1 when the transform failed or a check failed, 2 when an output
 * could not be read (and nothing failed), else 0. Skipped checks do not fail the test.
 */
export function testExitCode(report: TestReport): number {
  if (report.transform.status !== 'completed' || report.counts.failed > 0) return 1;
  return report.counts.errors > 0 ? 2 : 0;
}

/** A check's name as reports show it: `not_null(id)`, `row_count`. */
export function checkLabel(check: Pick<CheckResult, 'name' | 'column'>): string {
  return check.column === undefined ? check.name : `${check.name}(${check.column})`;
}
