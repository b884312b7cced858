import * as core from '@actions/core';
import { codes, isCode } from '@datakit/contracts';
import { isDataKitError, type Issue, type Logger } from '@datakit/sdk/core';
import { displayPath } from '@datakit/sdk/validate';
import { InputError } from './inputs';

/**
 * One annotation per error or warning, on the file and range it concerns (paths relative to the
 * repository root, as GitHub wants them). Infos stay in the log, as in the lint action.
 */
export function annotate(issue: Issue, workspace: string): void {
  if (issue.severity === 'info') return;
  const properties: core.AnnotationProperties = { title: `${issue.code} ${isCode(issue.code) ? codes[issue.code].title : ''}`.trim() };
  const file = displayPath(issue.file, workspace);
  if (file !== '' && file !== '.') properties.file = file;
  if (issue.line !== undefined) {
    properties.startLine = issue.line;
    properties.endLine = issue.endLine ?? issue.line;
    // Columns may only be sent for a range on one line.
    if (properties.endLine === issue.line && issue.column !== undefined) {
      properties.startColumn = issue.column;
      if (issue.endColumn !== undefined) properties.endColumn = issue.endColumn;
    }
  }
  const message = issue.hint ? `${issue.message}\n${issue.hint}` : issue.message;
  if (issue.severity === 'error') core.error(message, properties);
  else core.warning(message, properties);
}

/**
 * A user-facing message: the code, message and hint of our own errors, never a stack trace (that
 * goes to the debug log). `hints` replaces the hint of some codes with advice that fits an action
 * (its inputs rather than the CLI's flags).
 */
export function describeError(error: unknown, hints: Partial<Record<string, string>> = {}): string {
  if (error instanceof InputError) return error.message;
  if (isDataKitError(error)) {
    const hint = hints[error.code] ?? error.hint ?? (isCode(error.code) ? codes[error.code].fix : undefined);
    return inputsForFlags(`${error.code} ${error.message}${hint ? `\n${hint}` : ''}`);
  }
  if (error instanceof Error) {
    if (error.stack) core.debug(error.stack);
    return error.message;
  }
  return String(error);
}

/** The sdk's advice names `dk` flags; the actions have inputs of the same names. */
const flagInputs = ['allow-overwrite', 'allow-secret-files', 'plain-http', 'ca-file'];

function inputsForFlags(text: string): string {
  const flags = new RegExp(`(?:\\b([Pp]ass|[Uu]se) )?--(${flagInputs.join('|')})\\b`, 'g');
  return text.replace(flags, (_, verb: string | undefined, flag: string) => {
    if (verb === undefined) return `the ${flag} input`;
    return `${verb.startsWith('P') || verb.startsWith('U') ? 'Set' : 'set'} the ${flag} input`;
  });
}

/**
 * Fails the step with `message`, also shown in the job summary under `heading`. Called last: the
 * summary is best effort.
 */
export async function failStep(heading: string, message: string, summary: boolean): Promise<void> {
  core.setFailed(message);
  if (!summary) return;
  await core.summary
    .addHeading(heading, 2)
    .addRaw(`<p>❌ ${escapeHtml(message).replace(/\n/g, '<br>')}</p>`, true)
    .write()
    .catch(() => undefined);
}

/** The sdk's log, in the step's log: debug lines only with step debugging on. */
export const actionLogger: Logger = {
  debug: (obj, msg) => core.debug(logLine(obj, msg)),
  info: (obj, msg) => core.info(logLine(obj, msg)),
  warn: (obj, msg) => core.warning(logLine(obj, msg)),
  error: (obj, msg) => core.warning(logLine(obj, msg)),
};

function logLine(obj: object | string, msg: string | undefined): string {
  if (typeof obj === 'string') return obj;
  const fields = Object.entries(obj)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return msg ? `${msg}${fields ? ` (${fields})` : ''}` : fields;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A two-column HTML table (name → value) for the job summary; values are escaped and shown as code. */
export function summaryTable(rows: [string, string][]): Parameters<typeof core.summary.addTable>[0] {
  return rows.map(([name, value]) => [{ data: name, header: true }, { data: `<code>${escapeHtml(value)}</code>` }]);
}
