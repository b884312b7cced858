import { codes, type Code, type Severity } from '@datakit/contracts';

/** One diagnostic: where, what, how bad and how to fix it. Lines and columns are 1-based. */
export interface Issue {
  code: Code;
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** Field path inside the document, e.g. spec.inputs[0].dataset. */
  path?: string;
  hint?: string;
}

export interface Location {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  path?: string;
}

/** Builds an issue with the catalogue's severity and fix unless told otherwise. */
export function createIssue(
  code: Code,
  message: string,
  location: Location = {},
  overrides: { severity?: Severity; hint?: string } = {},
): Issue {
  const info = codes[code];
  const issue: Issue = { code, severity: overrides.severity ?? info.severity, message };
  if (location.file !== undefined) issue.file = location.file;
  if (location.line !== undefined) issue.line = location.line;
  if (location.column !== undefined) issue.column = location.column;
  if (location.endLine !== undefined) issue.endLine = location.endLine;
  if (location.endColumn !== undefined) issue.endColumn = location.endColumn;
  if (location.path !== undefined && location.path !== '') issue.path = location.path;
  issue.hint = overrides.hint ?? info.fix;
  return issue;
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function compareIssues(a: Issue, b: Issue): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    severityRank[a.severity] - severityRank[b.severity] ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  );
}

export interface IssueCounts {
  errors: number;
  warnings: number;
  infos: number;
}

export function countIssues(issues: readonly Issue[]): IssueCounts {
  const counts: IssueCounts = { errors: 0, warnings: 0, infos: 0 };
  for (const issue of issues) {
    if (issue.severity === 'error') counts.errors++;
    else if (issue.severity === 'warning') counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

/** --strict: every warning becomes an error. */
export function escalateWarnings(issues: readonly Issue[]): Issue[] {
  return issues.map((issue) => (issue.severity === 'warning' ? { ...issue, severity: 'error' } : issue));
}

/** Formats a document path such as ['spec', 'inputs', 0, 'dataset'] as spec.inputs[0].dataset. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
