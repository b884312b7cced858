/**
 * `dk test` after seeding (sdk/seed, called by the command first): run the transform, check every
 * output against its contract, and report — in a TestReport, and in lineage on the COMPLETE event.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { LineageEmitter } from '../lineage/emitter';
import type { ParentRun } from '../lineage/run-facets';
import { validateRunEvent } from '../lineage/validate-event';
import type { ContainerEngine } from '../runner/container-command';
import { lineageObserver } from '../runner/lineage-observer';
import type { RunPlan } from '../runner/run-plan';
import { runTransform, type RunOutcome, type RunTransformOptions } from '../runner/run-transform';
import { maskSecrets } from '../runner/secrets';
import { checkOutput } from './check-output';
import type { DataSetContract } from './contract';
import { deferComplete } from './deferred-complete';
import { readOutput, type ReadOutputOptions } from './read-output';
import { countChecks, type DataSetTestResult, type TestReport } from './results';
import { withTestFacets } from './test-facets';

export interface TestPackageOptions {
  /** The contract of each of plan.outputs, in the same order (dataSetContracts). */
  contracts: readonly DataSetContract[];
  emitter: LineageEmitter;
  clock: Clock;
  logger: Logger;
  datakitVersion: string;
  parent?: ParentRun;
  /** How the transform runs (as for dk run); the lineage observer is added here. */
  run: Omit<RunTransformOptions, 'observer' | 'logger'> & { engine?: ContainerEngine };
  read?: ReadOutputOptions;
}

export interface PackageTestResult {
  outcome: RunOutcome;
  report: TestReport;
}

/** Checks each output of a completed run, one after the other. */
export async function checkOutputs(
  plan: RunPlan,
  contracts: readonly DataSetContract[],
  options: ReadOutputOptions = {},
): Promise<DataSetTestResult[]> {
  const results: DataSetTestResult[] = [];
  for (const contract of contracts) results.push(await checkOutput(contract, await readOutput(contract.dataset, plan, options)));
  return results;
}

function transformOf(outcome: RunOutcome, secrets: readonly string[]): TestReport['transform'] {
  const durationMs = outcome.result?.durationMs;
  const timing = durationMs !== undefined ? { durationMs } : {};
  if (outcome.status === 'completed') return { status: 'completed', ...timing };
  if (outcome.status === 'aborted')
    return { status: 'aborted', message: `interrupted by ${outcome.result.signal ?? 'a signal'}`, ...timing };
  const stderr = outcome.stderrTail ? `\n${maskSecrets(outcome.stderrTail, secrets)}` : '';
  return { status: 'failed', message: `${maskSecrets(outcome.error.message, secrets)}${stderr}`, ...timing };
}

/**
 * Runs the transform with lineage, then — if it completed — checks its outputs.
 * The COMPLETE event is held back until the checks are done and is sent with their results
 * (`test` run facet, `dataQualityAssertions` on each output); FAIL and ABORT go out as dk run sends
 * them. The run's own failure is in the outcome, not thrown.
 */
export async function testPackage(plan: RunPlan, options: TestPackageOptions): Promise<PackageTestResult> {
  const startedAt = options.clock.now().toISOString();
  const started = performance.now();
  const emitter = deferComplete(options.emitter);
  try {
    const outcome = await runTransform(plan, {
      ...options.run,
      logger: options.logger,
      observer: lineageObserver({
        emitter,
        clock: options.clock,
        logger: options.logger,
        datakitVersion: options.datakitVersion,
        ...(options.parent ? { parent: options.parent } : {}),
      }),
    });
    const datasets = outcome.status === 'completed' ? await checkOutputs(plan, options.contracts, options.read) : [];
    const report: TestReport = {
      packageName: plan.packageName,
      runId: plan.runId,
      startedAt,
      durationMs: Math.round(performance.now() - started),
      transform: transformOf(outcome, plan.secrets),
      datasets,
      counts: countChecks(datasets),
    };
    await emitter.release((event) => {
      const withResults = withTestFacets(event, report);
      const problems = validateRunEvent(withResults);
      if (problems.length > 0)
        options.logger.warn({ problems }, 'lineage COMPLETE event with test results does not match the OpenLineage schema');
      return withResults;
    });
    return { outcome, report };
  } finally {
    // A COMPLETE still held (the checks threw) goes out as it is.
    await emitter.close();
  }
}
