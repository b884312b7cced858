import { assertAllowed, type ChangeResult, type PromotionPlan, type SourceControl } from '@datakit/sdk/promotion';
import type { CommandContext } from '../context';
import { textStyle } from '../io';

function icon(result: { passed: boolean; deferred?: boolean }): string {
  if (result.deferred) return '…';
  return result.passed ? '✓' : '✗';
}

/** The plan as a person reads it: pins, policy results, files and the rendered diff. */
export function formatPlan(plan: PromotionPlan, scm: SourceControl, ctx: CommandContext): string {
  const style = textStyle(ctx.config.color);
  const lines = [
    style.bold(plan.title),
    `  gitops:   ${scm.description} (${plan.baseCommit.slice(0, 12)})`,
    `  digest:   ${plan.artifact.digest}`,
    `  ref:      ${plan.artifact.ref}`,
    `  previous: ${plan.previous ? `${plan.previous.version} (${plan.previous.digest})` : 'none (first deployment here)'}`,
    `  branch:   ${plan.branch}`,
    `  policy:   ${plan.allowed ? 'allowed' : style.red('refused')}`,
  ];
  for (const r of plan.evaluation.results) {
    const text = `    ${icon(r)} ${r.rule}: ${r.message}`;
    lines.push(r.passed ? (r.deferred ? style.dim(text) : text) : style.red(text));
  }
  if (plan.edits.length > 0) {
    lines.push('  files:');
    for (const edit of plan.edits) lines.push(`    ${edit.before === undefined ? 'A' : 'M'} ${edit.path}`);
  }
  if (plan.rendered?.ok === true && plan.rendered.diff !== '') {
    lines.push('  rendered change (kustomize build):');
    for (const line of plan.rendered.diff.split('\n')) {
      const colored = line.startsWith('+') ? style.blue(line) : line.startsWith('-') ? style.red(line) : line;
      lines.push(`    ${colored}`);
    }
  } else if (plan.rendered?.ok === false) {
    lines.push(`  rendered change: ${style.yellow(plan.rendered.reason)}`);
  }
  return lines.join('\n') + '\n';
}

export interface PlanCommandFlags {
  dryRun?: boolean;
  json?: boolean;
}

/** Shows the plan, then refuses (DK701), reports a dry run, or proposes the change. */
export async function reportAndPropose(
  plan: PromotionPlan,
  scm: SourceControl,
  flags: PlanCommandFlags,
  ctx: CommandContext,
  propose: () => Promise<ChangeResult | undefined>,
): Promise<number> {
  const json = (result: ChangeResult | undefined, extra: Record<string, unknown> = {}) =>
    ctx.io.stdout(
      JSON.stringify(
        {
          kind: plan.kind,
          package: plan.package,
          env: plan.env,
          cell: plan.cell,
          artifact: plan.artifact,
          previous: plan.previous ?? null,
          allowed: plan.allowed,
          unchanged: plan.unchanged,
          results: plan.evaluation.results,
          branch: plan.branch,
          files: plan.edits.map((e) => e.path),
          title: plan.title,
          dryRun: flags.dryRun === true,
          result: result ?? null,
          ...extra,
        },
        null,
        2,
      ) + '\n',
    );
  if (!flags.json) ctx.io.stdout(formatPlan(plan, scm, ctx));
  if (plan.unchanged) {
    if (flags.json) json(undefined);
    else
      ctx.io.stdout(
        `Nothing to do: ${plan.env}/${plan.cell} already pins ${plan.package} ${plan.artifact.version} (${plan.artifact.digest}).\n`,
      );
    return 0;
  }
  if (!plan.allowed) {
    if (flags.json) json(undefined);
    assertAllowed(plan.evaluation, {
      kind: plan.kind,
      package: plan.package,
      digest: plan.artifact.digest,
      version: plan.artifact.version,
      toEnv: plan.env,
      cell: plan.cell,
      actor: { login: '', teams: [] },
    });
  }
  if (flags.dryRun) {
    if (flags.json) json(undefined);
    else ctx.io.stdout('Dry run: nothing was written or pushed.\n');
    return 0;
  }
  const result = await propose();
  if (flags.json) {
    json(result);
    return 0;
  }
  if (result === undefined) return 0;
  const what = result.committed
    ? `committed ${result.commit.slice(0, 12)}`
    : `already up to date at ${result.commit.slice(0, 12)} (no new commit)`;
  const where = result.pushed ? 'pushed to the gitops remote' : 'in the local gitops repository (no remote): merge it when reviewed';
  ctx.io.stdout(
    `Branch ${result.branch}: ${what}, ${where}${result.retries ? ` after ${result.retries} retry(ies) on a moved branch` : ''}.\n`,
  );
  if (result.pullRequest) {
    ctx.io.stdout(
      `Pull request #${result.pullRequest.number} ${result.pullRequest.created ? 'opened' : 'updated'}: ${result.pullRequest.url}\n`,
    );
  }
  return 0;
}
