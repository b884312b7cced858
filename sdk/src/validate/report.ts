import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { codes } from '@datakit/contracts';
import type { Issue, IssueCounts } from '../core/issue';

export type ReportFormat = 'text' | 'json' | 'sarif';

export interface ReportInput {
  issues: readonly Issue[];
  counts: IssueCounts;
  fileCount: number;
  manifestCount: number;
}

export interface TextStyle {
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const plainStyle: TextStyle = { red: (s) => s, yellow: (s) => s, blue: (s) => s, dim: (s) => s, bold: (s) => s };

/** A file path as shown to the user: relative to `cwd` when inside it, with forward slashes. */
export function displayPath(file: string | undefined, cwd: string): string {
  if (file === undefined) return '';
  const relative = path.relative(cwd, file);
  const shown = relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  return shown.split(path.sep).join('/');
}

/** `file:line:col  CODE  severity  message`, a hint line below, infos only when verbose. */
export function formatTextReport(
  report: ReportInput,
  options: {
    cwd: string;
    verbose?: boolean;
    style?: TextStyle;
    /** How to show hidden notes, e.g. "--verbose shows them". */ notesHint?: string;
  },
): string {
  const style = options.style ?? plainStyle;
  const lines: string[] = [];
  const shown = report.issues.filter((i) => options.verbose || i.severity !== 'info');
  for (const issue of shown) {
    const where = [displayPath(issue.file, options.cwd), issue.line, issue.column].filter((p) => p !== undefined && p !== '').join(':');
    const severity =
      issue.severity === 'error' ? style.red('error') : issue.severity === 'warning' ? style.yellow('warning') : style.blue('info');
    lines.push(`${where || '(command line)'}  ${style.bold(issue.code)}  ${severity}  ${issue.message}`);
    if (issue.hint) lines.push(style.dim(`    hint: ${issue.hint}`));
  }
  const { errors, warnings, infos } = report.counts;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const hiddenInfos = options.verbose ? 0 : infos;
  const tail =
    hiddenInfos > 0 ? style.dim(` (${plural(hiddenInfos, 'note')} hidden${options.notesHint ? `; ${options.notesHint}` : ''})`) : '';
  const scope = `${plural(report.manifestCount, 'manifest')} in ${plural(report.fileCount, 'file')}`;
  if (lines.length > 0) lines.push('');
  if (errors === 0 && warnings === 0) lines.push(`✔ ${scope}: no problems${tail}`);
  else lines.push(`${errors > 0 ? '✖' : '⚠'} ${scope}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${tail}`);
  return lines.join('\n') + '\n';
}

/** The documented, stable JSON report (version 1). */
export function formatJsonReport(report: ReportInput, options: { cwd: string }): string {
  return (
    JSON.stringify(
      {
        version: 1,
        summary: { ...report.counts, files: report.fileCount, manifests: report.manifestCount },
        issues: report.issues.map((issue) => ({
          code: issue.code,
          severity: issue.severity,
          message: issue.message,
          file: issue.file === undefined ? null : displayPath(issue.file, options.cwd),
          line: issue.line ?? null,
          column: issue.column ?? null,
          endLine: issue.endLine ?? null,
          endColumn: issue.endColumn ?? null,
          path: issue.path ?? null,
          hint: issue.hint ?? null,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

/** SARIF 2.1.0 for GitHub code scanning. */
export function formatSarifReport(report: ReportInput, options: { cwd: string; toolVersion: string }): string {
  const ruleIds = [...new Set(report.issues.map((i) => i.code))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dk',
            version: options.toolVersion,
            informationUri: 'https://datakit.dev',
            rules: ruleIds.map((id) => ({
              id,
              name: codes[id].title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')),
              shortDescription: { text: codes[id].title },
              fullDescription: { text: codes[id].explanation },
              help: { text: codes[id].fix },
              defaultConfiguration: { level: sarifLevel(codes[id].severity) },
            })),
          },
        },
        results: report.issues.map((issue) => ({
          ruleId: issue.code,
          level: sarifLevel(issue.severity),
          message: { text: issue.hint ? `${issue.message}\n${issue.hint}` : issue.message },
          ...(issue.file === undefined
            ? {}
            : {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: sarifArtifactLocation(issue.file, options.cwd),
                      region: {
                        startLine: issue.line ?? 1,
                        startColumn: issue.column ?? 1,
                        ...(issue.endLine !== undefined ? { endLine: issue.endLine } : {}),
                        ...(issue.endColumn !== undefined ? { endColumn: issue.endColumn } : {}),
                      },
                    },
                  },
                ],
              }),
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** A relative, percent-encoded URI under %SRCROOT%, or a file:// URI for files outside it. */
function sarifArtifactLocation(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const relative = path.relative(cwd, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return { uri: pathToFileURL(file).href };
  return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function sarifLevel(severity: Issue['severity']): 'error' | 'warning' | 'note' {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}
