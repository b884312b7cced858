import * as core from '@actions/core';
import { escapeHtml, summaryTable } from '@datakit/action-common/report';
import { renderPlanBody, type ChangeResult, type PromotionPlan, type SourceControl } from '@datakit/sdk/promotion';

/** What became of an allowed or refused plan. */
export type Outcome = { dryRun: boolean } & (
  { kind: 'refused'; refusal: unknown } | { kind: 'unchanged' } | { kind: 'dry-run' } | { kind: 'proposed'; result: ChangeResult }
);

function icon(result: { passed: boolean; deferred?: boolean }): string {
  if (result.deferred) return '…';
  return result.passed ? '✓' : '✗';
}

/** The plan for the step's log, as `dk promote` prints it: pins, policy results and files. */
export function formatPlan(plan: PromotionPlan, scm: SourceControl): string {
  const lines = [
    plan.title,
    `  gitops:   ${scm.description} (${plan.baseCommit.slice(0, 12)})`,
    `  digest:   ${plan.artifact.digest}`,
    `  ref:      ${plan.artifact.ref}`,
    `  previous: ${plan.previous ? `${plan.previous.version} (${plan.previous.digest})` : 'none (first deployment here)'}`,
    `  branch:   ${plan.branch}`,
    `  policy:   ${plan.allowed ? 'allowed' : 'refused'}`,
    ...plan.evaluation.results.map((r) => `    ${icon(r)} ${r.rule}: ${r.message}`),
  ];
  if (plan.edits.length > 0) {
    lines.push('  files:');
    for (const edit of plan.edits) lines.push(`    ${edit.before === undefined ? 'A' : 'M'} ${edit.path}`);
  }
  return lines.join('\n');
}

/** The sentence at the top of the summary. */
function verdict(plan: PromotionPlan, outcome: Outcome, failure: string | undefined): string {
  const pinned = `<b>${escapeHtml(plan.package)}</b> ${escapeHtml(plan.artifact.version)}`;
  const what = `${pinned} → ${escapeHtml(`${plan.env}/${plan.cell}`)}`;
  switch (outcome.kind) {
    case 'refused':
      return `❌ ${escapeHtml(failure ?? 'refused').replace(/\n/g, '<br>')}<br>Nothing was pushed.`;
    case 'unchanged':
      return `✅ Nothing to do: ${escapeHtml(`${plan.env}/${plan.cell}`)} already pins ${pinned}`;
    case 'dry-run':
      return `☑️ Dry run: ${what} is allowed by the policy; nothing was written or pushed`;
    case 'proposed': {
      const { result } = outcome;
      const branch = `<code>${escapeHtml(result.branch)}</code>`;
      const change = result.committed
        ? result.pushed
          ? `committed and pushed to ${branch}`
          : `committed to ${branch} (no remote: merge it when reviewed)`
        : `${branch} already holds this change (no new commit)`;
      if (result.pullRequest === undefined) return `✅ ${what}: ${change}`;
      const { url, number, created } = result.pullRequest;
      return `✅ ${what}: pull request <a href="${escapeHtml(url)}">#${number}</a> ${created ? 'opened' : 'updated'}; ${change}`;
    }
  }
}

const identityNote =
  "> ⏳ The action runs without an identity of its own, so the policy's **promoters** (who may promote) and **approvals** are not " +
  'decided here: they are checked on the pull request (the datakit/promotion check of the DataKit GitHub App), or, for a plain git ' +
  'repository, by whoever reviews and merges the branch.';

/** The plan as the pull request shows it (without the app's machine-readable marker), plus the identity note. */
function planMarkdown(plan: PromotionPlan): string {
  const body = renderPlanBody(plan)
    .replace(/\n*<!-- datakit:promotion .*-->\s*$/, '')
    .trimEnd();
  if (!plan.evaluation.results.some((r) => r.deferred)) return body;
  const rendered = body.indexOf('\n### Rendered change');
  return rendered < 0 ? `${body}\n\n${identityNote}` : `${body.slice(0, rendered)}\n${identityNote}\n${body.slice(rendered)}`;
}

/**
 * The job summary: the verdict, where the change went, then the plan (previous and proposed pins,
 * every policy result, the rendered kustomize diff).
 */
export async function writeSummary(
  heading: string,
  plan: PromotionPlan,
  scm: SourceControl,
  outcome: Outcome,
  failure: string | undefined,
): Promise<void> {
  const rows: [string, string][] = [
    ['Gitops repository', scm.description],
    ['Planned on', `${plan.baseCommit} (the default branch)`],
    ['Branch', plan.branch],
  ];
  if (outcome.kind === 'proposed') {
    rows.push(['Branch head', outcome.result.commit]);
    if (outcome.result.pullRequest) rows.push(['Pull request', outcome.result.pullRequest.url]);
  }
  if (outcome.dryRun) rows.push(['Dry run', 'yes: nothing was written or pushed']);
  await core.summary
    .addHeading(heading, 2)
    .addRaw(`<p>${verdict(plan, outcome, failure)}</p>`, true)
    .addTable(summaryTable(rows))
    // A blank line ends the HTML block: what follows is Markdown.
    .addRaw(`\n${planMarkdown(plan)}\n`)
    .write();
}
