import path from 'node:path';
import { systemClock, UsageError } from '@datakit/sdk/core';
import { orderTransforms } from '@datakit/sdk/graph';
import { newRunId, type ParentRun } from '@datakit/sdk/lineage';
import { lineageObserver, maskSecrets, planRun, isToolRuntime, runWithRuntime, type RunOutcome, type RunPlan } from '@datakit/sdk/runner';
import { lintPath, type ResolvedTransform } from '@datakit/sdk/validate';
import { createCliLogger } from '../cli-logger';
import type { CommandContext } from '../context';
import { dkVersion } from '../version';
import { readOverlay, type OverlayFlags } from './overlay-options';
import { forwardInterrupts, lineageEmitterFor, parseRunOptions, refuseLintErrors, type RunOptionFlags } from './run-options';

export interface RunFlags extends OverlayFlags, RunOptionFlags {
  dryRun?: boolean;
  scanDir?: boolean;
  seed?: boolean;
  profile?: string;
}

/** dk run: lint, plan, run (each Transform in order with --scan-dir) and emit lineage. */
export async function runRun(dir: string | undefined, flags: RunFlags, ctx: CommandContext): Promise<number> {
  const { timeoutMs, engine, extraEnv } = parseRunOptions(flags);
  const logger = createCliLogger(ctx.io, ctx.config.debug);
  const overlay = await readOverlay(flags, ctx.config.cwd);
  const lint = await lintPath(path.resolve(ctx.config.cwd, dir ?? '.'), { scan: flags.scanDir ?? false, ...(overlay ? { overlay } : {}) });
  const refused = refuseLintErrors(lint, ctx, 'run');
  if (refused !== undefined) return refused;
  const byName = new Map(lint.transforms.map((t) => [t.name, t]));
  const transforms: ResolvedTransform[] = flags.scanDir
    ? orderTransforms(lint.graph).order.map((name) => byName.get(name)!)
    : lint.transforms;
  if (!flags.scanDir && transforms.length !== 1) {
    throw new UsageError('DK533', `${dir ?? '.'} holds ${transforms.length} Transforms; run one package, or all of them with --scan-dir`);
  }
  const env = ctx.config.runEnvironment;
  const planOptions = { env, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };

  if (flags.dryRun) {
    transforms.forEach((t, i) =>
      ctx.io.stdout(describePlan(planRun(lint, t, { ...planOptions, lenient: true }), i + 1, transforms.length, flags, extraEnv)),
    );
    return 0;
  }

  const emitter = lineageEmitterFor(flags, ctx, logger);
  const pipelineRunId = transforms.length > 1 ? newRunId(systemClock) : undefined;
  const parent: ParentRun | undefined = pipelineRunId
    ? { runId: pipelineRunId, job: { namespace: 'default', name: `pipeline:${path.basename(lint.root)}` } }
    : undefined;
  const results: Array<{ name: string; outcome: RunOutcome; plan: RunPlan }> = [];
  try {
    for (const transform of transforms) {
      const plan = planRun(lint, transform, planOptions);
      if (flags.seed) {
        // Seeding needs the Postgres client: loaded only when asked for.
        const { formatSeedErrors, formatSeedReport, seedPackage } = await import('@datakit/sdk/seed');
        const seeded = await seedPackage(plan, lint, {
          env,
          logger,
          cwd: ctx.config.cwd,
          ...(flags.profile ? { profile: flags.profile } : {}),
        });
        ctx.io.stderr(formatSeedReport(seeded));
        if (seeded.errors.length > 0) {
          ctx.io.stderr(formatSeedErrors(seeded));
          return 1;
        }
      }
      if (!engine && !plan.command && !isToolRuntime(plan.runtime))
        throw new UsageError('DK604', `${plan.packageName}: --local runs spec.command, and the Transform has none`);
      if (transforms.length > 1) ctx.io.stderr(`dk: running ${plan.packageName} (${results.length + 1}/${transforms.length})\n`);
      const outcome = await runWithRuntime(plan, {
        manifests: lint.manifests,
        baseEnv: env,
        extraEnv,
        ...(engine ? { engine } : {}),
        observer: lineageObserver({ emitter, clock: systemClock, logger, datakitVersion: dkVersion, ...(parent ? { parent } : {}) }),
        logger,
        onStdout: (chunk) => ctx.io.stdout(maskSecrets(chunk.toString(), plan.secrets)),
        onStderr: (chunk) => ctx.io.stderr(maskSecrets(chunk.toString(), plan.secrets)),
        onInterrupt: forwardInterrupts,
      });
      results.push({ name: plan.packageName, outcome, plan });
      if (outcome.status !== 'completed') break;
    }
  } finally {
    await emitter.close();
  }
  return report(results, transforms.length, ctx);
}

/** The code of a run that failed, timed out or was interrupted. */
const transformFailed = 'DK605';

function report(results: Array<{ name: string; outcome: RunOutcome; plan: RunPlan }>, total: number, ctx: CommandContext): number {
  const last = results[results.length - 1];
  if (total > 1) {
    ctx.io.stderr(`dk: pipeline: ${results.filter((r) => r.outcome.status === 'completed').length}/${total} completed\n`);
    for (const r of results)
      ctx.io.stderr(`  ${r.outcome.status.padEnd(9)} ${r.name}${r.outcome.result ? ` (${r.outcome.result.durationMs} ms)` : ''}\n`);
    for (const skipped of total > results.length ? [`${total - results.length} not run after the failure`] : [])
      ctx.io.stderr(`  ${skipped}\n`);
  }
  if (!last || last.outcome.status === 'completed') return 0;
  const { outcome, name } = last;
  if (outcome.status === 'aborted') {
    ctx.io.stderr(`dk: ${transformFailed}: ${name} was interrupted\n`);
    return outcome.result.exitCode;
  }
  ctx.io.stderr(`dk: ${transformFailed}: ${name} failed: ${maskSecrets(outcome.error.message, last.plan.secrets)}\n`);
  if (outcome.result?.timedOut) return 124;
  return outcome.result ? outcome.result.exitCode || 1 : 1;
}

/** The plan as `--dry-run` prints it: secrets masked, problems listed. */
function describePlan(plan: RunPlan, index: number, total: number, flags: RunFlags, extraEnv: Record<string, string>): string {
  const lines = [`${total > 1 ? `${index}. ` : ''}${plan.packageName} ${plan.version} (${plan.runtime}, ${plan.mode})`];
  if (flags.local)
    lines.push(`  command:  ${(plan.command ?? ['(none: spec.command is missing)']).join(' ')}`, `  cwd:      ${plan.packageDir}`);
  else {
    lines.push(`  engine:   ${flags.engine ?? 'podman'}`, `  image:    ${plan.image ?? '(none: spec.image is missing)'}`);
    if (plan.command) lines.push(`  command:  ${plan.command.join(' ')}`);
    lines.push(`  mounts:   ${plan.packageDir} → /work (read-only)`);
  }
  if (plan.timeoutMs !== undefined) lines.push(`  timeout:  ${plan.timeoutMs} ms`);
  lines.push(`  run id:   ${plan.runId}`, '  env:');
  const env = { ...plan.contractEnv, ...extraEnv };
  for (const [key, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`    ${key}=${maskSecrets(value, plan.secrets)}`);
  lines.push(`  lineage:  ${flags.lineage?.join(', ') ?? 'OPENLINEAGE_URL, else off'}`);
  for (const problem of plan.problems) lines.push(`  problem:  ${problem.code} ${problem.message}`);
  return lines.join('\n') + '\n';
}
