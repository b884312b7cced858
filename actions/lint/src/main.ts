import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { codes, isCode } from '@datakit/contracts';
import { annotate, escapeHtml, plural } from '@datakit/action-common/report';
import { isDataKitError, systemErrorCode, type Issue } from '@datakit/sdk/core';
import { displayPath, formatSarifReport, formatTextReport, lintPath, type ReportInput } from '@datakit/sdk/validate';
import actionPackage from '../package.json';
import { InputError, readInputs, type Inputs } from './inputs';

/** The job summary lists at most this many findings; the log and the SARIF report list them all. */
export const summaryRowLimit = 200;

/**
 * Lints the package(s) named by the inputs, then reports on every surface a workflow offers: the
 * log (the human text report), annotations, the job summary, the `errors`/`warnings` outputs and,
 * if asked for, a SARIF file. Fails the step on errors, on unreadable files and on bad inputs.
 */
export async function run(): Promise<void> {
  let inputs: Inputs | undefined;
  try {
    inputs = readInputs();
    const result = await lintPath(inputs.target, { scan: inputs.scanDir, strict: inputs.strict });
    const report: ReportInput = {
      issues: result.issues,
      counts: result.counts,
      fileCount: result.fileCount,
      manifestCount: result.manifests.length,
    };

    core.info(formatTextReport(report, { cwd: inputs.workspace, verbose: true }).trimEnd());
    for (const issue of report.issues) annotate(issue, inputs.workspace);
    core.setOutput('errors', report.counts.errors);
    core.setOutput('warnings', report.counts.warnings);
    if (inputs.sarifFile !== undefined) await writeSarif(inputs.sarifFile, report, inputs.workspace);
    if (inputs.summary) await writeSummary(report, inputs);

    const failure = failureMessage(report, result.ioFailure, inputs);
    if (failure !== undefined) core.setFailed(failure);
  } catch (error) {
    const message = describeError(error, inputs);
    core.setFailed(message);
    if (inputs?.summary) {
      await core.summary
        .addHeading('DataKit lint', 2)
        .addRaw(`<p>❌ ${escapeHtml(message)}</p>`, true)
        .write()
        .catch(() => undefined);
    }
  }
}

async function writeSarif(file: string, report: ReportInput, workspace: string): Promise<void> {
  const shown = displayPath(file, workspace);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, formatSarifReport(report, { cwd: workspace, toolVersion: actionPackage.version }));
  } catch (error) {
    throw new InputError(`sarif-file ${shown}: cannot be written (${systemErrorCode(error) ?? String(error)})`);
  }
  core.info(`SARIF report written to ${shown}`);
}

async function writeSummary(report: ReportInput, inputs: Inputs): Promise<void> {
  const { errors, warnings, infos } = report.counts;
  const verdict = errors > 0 ? '❌' : warnings > 0 ? '⚠️' : '✅';
  const settings = [
    `<code>${escapeHtml(inputs.path)}</code>`,
    ...(inputs.scanDir ? ['scan-dir'] : []),
    ...(inputs.strict ? ['strict'] : []),
  ];
  const totals =
    `${verdict} <b>${plural(errors, 'error')}</b>, <b>${plural(warnings, 'warning')}</b>, ${plural(infos, 'note')}` +
    ` in ${plural(report.manifestCount, 'manifest')} (${plural(report.fileCount, 'file')}) · ${settings.join(' · ')}`;
  core.summary.addHeading('DataKit lint', 2).addRaw(`<p>${totals}</p>`, true);

  if (report.issues.length > 0) {
    const header = ['Location', 'Code', 'Severity', 'Message'].map((data) => ({ data, header: true }));
    const rows = report.issues
      .slice(0, summaryRowLimit)
      .map((issue) => [
        location(issue, inputs),
        `<code>${issue.code}</code>`,
        severityLabel[issue.severity],
        escapeHtml(issue.message) + (issue.hint ? `<br><sub>${escapeHtml(issue.hint)}</sub>` : ''),
      ]);
    core.summary.addTable([header, ...rows]);
    const left = report.issues.length - rows.length;
    if (left > 0) core.summary.addRaw(`<p>… and ${plural(left, 'more finding')}: the log lists them all.</p>`, true);
  }
  await core.summary.write();
}

const severityLabel: Record<Issue['severity'], string> = { error: '❌ error', warning: '⚠️ warning', info: 'ℹ️ info' };

/** `file:line`, linked to the file at the commit under test when the runner says which. */
function location(issue: Issue, inputs: Inputs): string {
  const file = displayPath(issue.file, inputs.workspace);
  if (file === '') return '';
  const text = escapeHtml(issue.line === undefined ? file : `${file}:${issue.line}`);
  const insideWorkspace = file !== '.' && !path.isAbsolute(file);
  if (inputs.blobUrl === undefined || !insideWorkspace || issue.line === undefined) return text;
  const href = `${inputs.blobUrl}/${file.split('/').map(encodeURIComponent).join('/')}#L${issue.line}`;
  return `<a href="${escapeHtml(href)}">${text}</a>`;
}

function failureMessage(report: ReportInput, ioFailure: boolean, inputs: Inputs): string | undefined {
  const { errors, warnings } = report.counts;
  const problems: string[] = [];
  if (errors > 0) {
    const also = warnings > 0 ? ` and ${plural(warnings, 'warning')}` : '';
    const strict = inputs.strict ? ' (strict: warnings count as errors)' : '';
    problems.push(`${plural(errors, 'error')}${also} in ${inputs.path}${strict}`);
  }
  if (ioFailure) problems.push(`some files below ${inputs.path} could not be read`);
  return problems.length > 0 ? `DataKit lint failed: ${problems.join('; ')}` : undefined;
}

/** A user-facing message: the code and message of our own errors, never a stack trace. */
function describeError(error: unknown, inputs: Inputs | undefined): string {
  if (error instanceof InputError) return error.message;
  if (isDataKitError(error)) {
    let hint = error.hint ?? (isCode(error.code) ? codes[error.code].fix : undefined);
    if (error.code === 'DK502' && inputs) {
      hint = `The path input is resolved against the repository root (${inputs.workspace}); check it, and check that actions/checkout ran before this step.`;
    }
    return `${error.code} ${error.message}${hint ? `\n${hint}` : ''}`;
  }
  if (error instanceof Error) {
    if (error.stack) core.debug(error.stack);
    return error.message;
  }
  return String(error);
}
