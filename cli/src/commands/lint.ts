import path from 'node:path';
import { isCode } from '@datakit/contracts';
import { countIssues, createIssue, isDataKitError, UsageError } from '@datakit/sdk/core';
import { formatJsonReport, formatSarifReport, formatTextReport, lintPath, type LintResult } from '@datakit/sdk/validate';
import type { CommandContext } from '../context';
import { textStyle } from '../io';
import { dkVersion } from '../version';
import { readOverlay, type OverlayFlags } from './overlay-options';

export interface LintFlags extends OverlayFlags {
  scanDir?: boolean;
  strict?: boolean;
  output?: string;
  verbose?: boolean;
}

const formats = ['text', 'json', 'sarif'] as const;

/** dk lint: 0 clean, 1 errors found, 2 usage or I/O error. */
export async function runLint(dir: string | undefined, flags: LintFlags, ctx: CommandContext): Promise<number> {
  const format = flags.output ?? 'text';
  if (!(formats as readonly string[]).includes(format)) {
    throw new UsageError('DK123', `--output ${format}: expected one of ${formats.join(', ')}`);
  }
  const overlay = await readOverlay(flags, ctx.config.cwd);
  const cwd = ctx.config.cwd;
  let result: LintResult;
  try {
    result = await lintPath(path.resolve(cwd, dir ?? '.'), {
      scan: flags.scanDir ?? false,
      strict: flags.strict ?? false,
      ...(overlay ? { overlay } : {}),
    });
  } catch (error) {
    // A machine-readable format still gets a report a consumer can parse.
    if (format === 'text' || !isDataKitError(error) || !isCode(error.code)) throw error;
    const issues = [createIssue(error.code, error.message)];
    const report = { issues, counts: countIssues(issues), fileCount: 0, manifestCount: 0 };
    ctx.io.stdout(format === 'json' ? formatJsonReport(report, { cwd }) : formatSarifReport(report, { cwd, toolVersion: dkVersion }));
    ctx.io.stderr(`dk: ${error.code}: ${error.message}\n`);
    return error.exitCode;
  }
  const report = { issues: result.issues, counts: result.counts, fileCount: result.fileCount, manifestCount: result.manifests.length };
  if (format === 'json') ctx.io.stdout(formatJsonReport(report, { cwd }));
  else if (format === 'sarif') ctx.io.stdout(formatSarifReport(report, { cwd, toolVersion: dkVersion }));
  else
    ctx.io.stdout(
      formatTextReport(report, {
        cwd,
        verbose: flags.verbose ?? false,
        style: textStyle(ctx.config.color),
        notesHint: '--verbose shows them',
      }),
    );
  if (result.ioFailure) return 2;
  return result.counts.errors > 0 ? 1 : 0;
}
