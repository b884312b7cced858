import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { FileSystemError, isDataKitError, systemClock, systemErrorCode, UsageError } from '@datakit/sdk/core';
import { maskSecrets, planRun, type RunOutcome } from '@datakit/sdk/runner';
import { formatSeedErrors, formatSeedReport, seedPackage } from '@datakit/sdk/seed';
import { lintPath, type TextStyle } from '@datakit/sdk/validate';
import { checkLabel, dataSetContracts, junitXml, testExitCode, testPackage, type CheckResult, type TestReport } from '@datakit/sdk/testing';
import { createCliLogger } from '../cli-logger';
import { collect, type CommandContext } from '../context';
import { textStyle } from '../io';
import { dkVersion } from '../version';
import { readOverlay, type OverlayFlags } from './overlay-options';
import { forwardInterrupts, lineageEmitterFor, parseRunOptions, refuseLintErrors, type RunOptionFlags } from './run-options';

export interface TestFlags extends OverlayFlags, RunOptionFlags {
  junit?: string;
  profile?: string;
}

/** The codes of dk test (to be catalogued in contracts). */
const testCodes = {
  /** A check of an output failed. */
  checkFailed: 'DK670',
  /** A check could not run here: a Store or format dk test cannot read, a library not installed. */
  checkSkipped: 'DK671',
  /** An output could not be read: permissions, an unreachable database. */
  outputUnreadable: 'DK672',
  /** dk test runs batch Transforms only. */
  streaming: 'DK673',
} as const;

/** The code of a run that failed, timed out or was interrupted (as dk run reports it). */
const transformFailed = 'DK605';

// The same -e parsing as dk run.
export function registerTestCommand(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  program
    .command('test')
    .description(
      'seed the inputs, run the transform, then check every output DataSet against its declared schema and quality checks (exit 1 when a check fails)',
    )
    .argument('[dir]', 'package directory', '.')
    .option('--junit <file>', 'also write the results as JUnit XML (one testsuite per output DataSet)')
    .option('--local', 'run spec.command as a host process instead of in a container')
    .option('--engine <engine>', 'container engine: podman or docker (default podman)')
    .option('--timeout <duration>', 'stop the run after this long (default spec.timeout)')
    .option('-e, --env <NAME=value>', 'an extra environment variable for the transform (repeatable)', collect)
    .option(
      '--lineage <target>',
      'where lineage goes: an http(s) URL (Marquez), file:PATH, console or off (repeatable; default OPENLINEAGE_URL)',
      collect,
    )
    .option('--fail-on-lineage-error', 'fail when lineage cannot be delivered')
    .option('--profile <name>', 'the seed profile to load into the inputs (spec.dev.seed.profiles.<name>)')
    .option('-f, --values <file>', 'a YAML values file merged over dk.yaml (repeatable; never written to disk)', collect)
    .option('--set <path=value>', 'set one field of dk.yaml, e.g. spec.image=img:1 (repeatable)', collect)
    .action(async (dir: string, flags: TestFlags) => setExit(await runTest(dir, flags, ctx)));
}

/**
 * dk test: lint, seed the inputs, run the transform, check its outputs, report (table, JUnit,
 * lineage). Exit 0 every check passed, 1 a check or the transform failed, 2 usage or I/O.
 */
export async function runTest(dir: string | undefined, flags: TestFlags, ctx: CommandContext): Promise<number> {
  const { timeoutMs, engine, extraEnv } = parseRunOptions(flags);
  if (flags.profile !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.profile))
    throw new UsageError('DK123', `--profile ${JSON.stringify(flags.profile)}: expected a profile name such as small or edge-cases`);
  const { cwd } = ctx.config;
  const style = textStyle(ctx.config.color);
  const logger = createCliLogger(ctx.io, ctx.config.debug);
  const overlay = await readOverlay(flags, cwd);
  const lint = await lintPath(path.resolve(cwd, dir ?? '.'), { scan: false, ...(overlay ? { overlay } : {}) });
  const refused = refuseLintErrors(lint, ctx, 'tested');
  if (refused !== undefined) return refused;
  if (lint.transforms.length !== 1) {
    throw new UsageError('DK533', `${dir ?? '.'} holds ${lint.transforms.length} Transforms; dk test tests one package`);
  }
  const transform = lint.transforms[0]!;
  const env = ctx.config.runEnvironment;
  const plan = planRun(lint, transform, { env, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  if (plan.mode === 'streaming') {
    throw new UsageError(testCodes.streaming, `${plan.packageName} is a streaming Transform: dk test runs batch Transforms to completion`, {
      hint: 'Test the batch logic in a batch package, or run the streaming one with dk run.',
    });
  }
  if (!engine && !plan.command) throw new UsageError('DK604', `${plan.packageName}: --local runs spec.command, and the Transform has none`);
  const manifests = [...lint.manifests, ...transform.outputs.flatMap((r) => (r.manifest ? [r.manifest] : []))];
  const contracts = dataSetContracts(plan.outputs, manifests);

  // Seed the inputs only: the outputs are what the transform writes, and what is checked.
  let seeded;
  try {
    seeded = await seedPackage({ ...plan, outputs: [] }, lint, {
      env,
      logger,
      cwd,
      ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    });
  } catch (error) {
    if (!isDataKitError(error)) throw error;
    ctx.io.stderr(`dk: ${error.code}: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
    return error.exitCode;
  }
  if (seeded.outcomes.length > 0) ctx.io.stdout(formatSeedReport(seeded));
  if (seeded.errors.length > 0) {
    ctx.io.stderr(formatSeedErrors(seeded));
    ctx.io.stderr('dk: the inputs could not be seeded; nothing was run\n');
    return 1;
  }

  const emitter = lineageEmitterFor(flags, ctx, logger);
  const show = (file: string) => {
    const relative = path.relative(cwd, file);
    return relative === '' ? '.' : relative.startsWith('..') ? file : relative;
  };
  let tested;
  try {
    tested = await testPackage(plan, {
      contracts,
      emitter,
      clock: systemClock,
      logger,
      datakitVersion: dkVersion,
      read: { show },
      run: {
        baseEnv: env,
        extraEnv,
        ...(engine ? { engine } : {}),
        onStdout: (chunk) => ctx.io.stdout(maskSecrets(chunk.toString(), plan.secrets)),
        onStderr: (chunk) => ctx.io.stderr(maskSecrets(chunk.toString(), plan.secrets)),
        onInterrupt: forwardInterrupts,
      },
    });
  } finally {
    await emitter.close();
  }
  const { report, outcome } = tested;
  ctx.io.stdout(maskSecrets(formatTestReport(report, style), plan.secrets));
  if (flags.junit !== undefined) await writeJunit(path.resolve(cwd, flags.junit), report);
  return finish(report, outcome, ctx);
}

async function writeJunit(file: string, report: TestReport): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, junitXml(report));
  } catch (error) {
    throw new FileSystemError('DK517', `cannot write the JUnit report ${file}: ${systemErrorCode(error) ?? (error as Error).message}`, {
      cause: error,
    });
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const statusLabels: Record<CheckResult['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', error: 'ERROR' };

function label(status: CheckResult['status'], style: TextStyle): string {
  const text = statusLabels[status].padEnd(5);
  return status === 'failed' || status === 'error' ? style.red(text) : status === 'skipped' ? style.yellow(text) : text;
}

/**
 * The results as a table, one block per output DataSet:
 *
 *     demo-output  demo/data/output/  3 rows
 *       PASS   column_present(id)    present
 *       FAIL   column_present(name)  column name is missing from the output; it has id, name_length
 */
export function formatTestReport(report: TestReport, style: TextStyle): string {
  const lines: string[] = [];
  for (const result of report.datasets) {
    const rows = result.rows !== undefined ? `  ${result.rows} ${result.rows === 1 ? 'row' : 'rows'}` : '';
    lines.push(`${style.bold(result.dataset)}  ${result.location}${rows}`);
    const width = Math.max(...result.checks.map((c) => checkLabel(c).length));
    for (const check of result.checks) lines.push(`  ${label(check.status, style)}  ${checkLabel(check).padEnd(width)}  ${check.message}`);
    lines.push('');
  }
  const { counts } = report;
  if (report.transform.status === 'completed') {
    const parts = [
      counts.failed > 0 ? style.red(`${counts.failed} failed`) : '',
      counts.errors > 0 ? style.red(`${counts.errors} could not be read`) : '',
      `${counts.passed} passed`,
      counts.skipped > 0 ? style.yellow(`${counts.skipped} skipped`) : '',
    ].filter((p) => p !== '');
    lines.push(
      `dk test ${report.packageName}: ${parts.join(', ')} (${plural(counts.total, 'check')} on ${plural(report.datasets.length, 'output')})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The closing messages on stderr, and the exit code. */
function finish(report: TestReport, outcome: RunOutcome, ctx: CommandContext): number {
  const { transform, counts } = report;
  if (outcome.status === 'aborted') {
    ctx.io.stderr(`dk: ${transformFailed}: ${report.packageName} was interrupted; its outputs were not checked\n`);
    return outcome.result.exitCode;
  }
  if (transform.status === 'failed') {
    const message = (transform.message ?? '').split('\n')[0];
    ctx.io.stderr(`dk: ${transformFailed}: ${report.packageName} failed: ${message}; its outputs were not checked\n`);
    return 1;
  }
  const all = report.datasets.flatMap((d) => d.checks.map((c) => ({ dataset: d.dataset, check: c })));
  if (counts.skipped > 0) {
    const reasons = [...new Set(all.filter((c) => c.check.status === 'skipped').map((c) => c.check.message))];
    ctx.io.stderr(
      `dk: warning: ${testCodes.checkSkipped}: ${plural(counts.skipped, 'check')} could not run: ${reasons.slice(0, 3).join('; ')}\n`,
    );
  }
  if (counts.errors > 0) {
    const first = all.find((c) => c.check.status === 'error')!;
    ctx.io.stderr(`dk: ${testCodes.outputUnreadable}: ${first.dataset}: ${first.check.message}\n`);
  }
  if (counts.failed > 0) {
    const failed = all.filter((c) => c.check.status === 'failed');
    ctx.io.stderr(`dk: ${testCodes.checkFailed}: ${failed.length} of ${counts.total} checks failed:\n`);
    for (const { dataset, check } of failed) ctx.io.stderr(`  ${dataset} ${checkLabel(check)}: ${check.message}\n`);
  }
  return testExitCode(report);
}
