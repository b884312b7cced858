import { isDataKitError } from '@datakit/sdk/core';
import type { ChangeResult, PromotionPlan, RuleResult, StatusReport } from '@datakit/sdk/promotion';
import type { GateOutcome } from '../gates/gate-service';
import { redactTokens } from '../github/app-octokit';
import { usageText } from './parse-command';

/** Markers of the app's replies (so they can be recognised, and never parsed as commands). */
export const replyMarker = '<!-- datakit:reply -->';

/** Rules the app decides when the command is handled: failing them refuses the command (no pull request). */
export const refusingRules: ReadonlySet<RuleResult['rule']> = new Set(['environment', 'cell', 'promoters']);

function code(text: string): string {
  const clean = text.replace(/`/g, "'");
  return `\`${clean}\``;
}

function ruleLine(result: RuleResult): string {
  return `- ${result.deferred ? '⏳' : result.passed ? '✅' : '❌'} **${result.rule}**: ${result.message}`;
}

export interface ChangeReplyInput {
  plan: PromotionPlan;
  change: ChangeResult;
  gitops: string;
  /** The bound commit of the package repository and what it was (e.g. "the head of #12"). */
  commit: string;
  what: string;
  gate: GateOutcome | undefined;
  /** Why the gate could not be evaluated now, if it failed. */
  gateProblem?: string;
}

/** The reply to a /promote or /rollback that opened or updated a gitops pull request. */
export function changeReply(input: ChangeReplyInput): string {
  const { plan, change, gitops, gate } = input;
  const pull = change.pullRequest;
  const rollback = plan.kind === 'rollback';
  const where = `${plan.env}/${plan.cell}`;
  const pullText = pull === undefined ? `branch ${code(change.branch)} of ${gitops}` : `[${gitops}#${pull.number}](${pull.url})`;
  const verb = pull === undefined ? 'Pushed' : pull.created ? 'Opened' : change.committed ? 'Updated' : 'Already open:';
  const blocking = plan.evaluation.results.filter((r) => !r.passed);
  const lines = [
    `🚀 ${verb} ${pullText}: **${plan.title}**`,
    '',
    '| | |',
    '|---|---|',
    `| package | ${code(plan.package)} |`,
    `| ${rollback ? 'requested at commit' : 'commit'} | ${code(input.commit)} (${input.what} when the command was handled) |`,
    `| ${rollback ? 'rolls back to version' : 'version'} | ${code(plan.artifact.version)} |`,
    `| ${rollback ? 'rolls back to digest' : 'digest'} | ${code(plan.artifact.digest)} |`,
    `| replaces | ${plan.previous ? `${code(plan.previous.version)} (${code(plan.previous.digest)})` : `nothing (first deployment to ${where})`} |`,
    `| branch | ${code(change.branch)} |`,
    '',
    `**Policy** (${gitops} default branch at ${code(plan.baseCommit.slice(0, 12))}):`,
    ...plan.evaluation.results.map(ruleLine),
    '',
    blocking.length === 0
      ? `Nothing in the policy blocks the merge: the \`datakit/promotion\` check on ${pullText} decides.`
      : `**Merge blocked by ${blocking.map((r) => r.rule).join(', ')}**: the \`datakit/promotion\` check on ${pullText} fails until ${blocking.length === 1 ? 'it passes' : 'they pass'}.`,
  ];
  if (gate !== undefined) {
    const icon = gate.conclusion === 'success' ? '✅' : gate.conclusion === 'failure' ? '❌' : '⚪';
    lines.push(`Check: ${icon} [datakit/promotion: ${gate.conclusion}](${gate.checkRunUrl}): ${gate.title}`);
  } else if (input.gateProblem !== undefined) {
    lines.push(
      `Check: the \`datakit/promotion\` check could not be written yet (${input.gateProblem}); it is on the next pull request event.`,
    );
  }
  lines.push('', replyMarker);
  return redactTokens(lines.join('\n'));
}

/** The reply when the environment already pins the digest: nothing to change. */
export function alreadyPinnedReply(plan: PromotionPlan, commit: string, what: string, gitops: string): string {
  const lines = [
    `🚀 **${plan.package}** is already pinned to ${code(plan.artifact.version)} (${code(plan.artifact.digest)}) in ${code(`${plan.env}/${plan.cell}`)} on the default branch of ${gitops}: nothing to change, no pull request.`,
    '',
    `Commit: ${code(commit)} (${what} when the command was handled).`,
    '',
    replyMarker,
  ];
  return redactTokens(lines.join('\n'));
}

/** The reply of a refused command: the code, the message and the hint; never a stack. */
export function refusalReply(error: { code: string; message: string; hint?: string | undefined }): string {
  const [first = '', ...rest] = redactTokens(error.message).split('\n');
  const lines = [`😕 **${error.code}** ${first}`];
  const more = rest.map((line) => line.trim()).filter((line) => line !== '');
  if (more.length > 0) lines.push('', ...more.map((line) => `- ${line.replace(/^-\s+/, '')}`));
  if (error.hint) lines.push('', `> ${redactTokens(error.hint)}`);
  lines.push('', replyMarker);
  return lines.join('\n');
}

/** The reply of a refused promotion whose who/where rules fail (no pull request is opened). */
export function refusedPlanReply(plan: PromotionPlan, commit: string, what: string): string {
  const failed = new Set(plan.evaluation.results.filter((r) => !r.passed).map((r) => r.rule));
  const errorCode = failed.has('promoters') ? 'DK802' : failed.has('cell') ? 'DK703' : 'DK702';
  const lines = [
    `😕 **${errorCode}** ${plan.kind === 'rollback' ? 'rollback' : 'promotion'} of ${code(plan.package)} ${code(plan.artifact.version)} to ${code(`${plan.env}/${plan.cell}`)} refused: no pull request opened.`,
    '',
    `Commit: ${code(commit)} (${what} when the command was handled), digest ${code(plan.artifact.digest)}.`,
    '',
    ...plan.evaluation.results.map(ruleLine),
    '',
    `> Ask one of the promoters named above to comment, or change the promotion policy (datakit-promotion.yaml) by pull request.`,
    '',
    replyMarker,
  ];
  return redactTokens(lines.join('\n'));
}

/** The reply of an unexpected failure: only the delivery id, by which the log finds it. */
export function internalErrorReply(deliveryId: string): string {
  return [
    `😕 The DataKit app failed on this command (internal error, delivery \`${deliveryId}\`). Nothing more is shown here; the app's log has the details under that delivery id.`,
    '',
    replyMarker,
  ].join('\n');
}

/** /datakit help */
export function helpReply(): string {
  return [
    '**DataKit commands** (on the first line of a comment):',
    '',
    usageText(),
    '',
    '`/promote` and `/rollback` need write access to this repository (and, where the promotion policy names promoters, to be one of them).',
    '`/promote` binds to the commit the pull request points at when the command is handled (the head of the default branch on an issue):',
    'its artifact must be published first (the `datakit/publish` workflow). The gitops pull request it opens is gated by the `datakit/promotion` check.',
    'Settings: `.github/datakit.yml` on the default branch (`package`, `gitops`, `registry`).',
    '',
    replyMarker,
  ].join('\n');
}

/** sha256: and the first 12 hex digits. */
function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/** /datakit status: a table of env/cell/version/digest/since, and pending promotions. */
export function statusReply(report: StatusReport, packageName: string, gitops: string): string {
  const status = report.packages.find((p) => p.package === packageName);
  const lines = [`**${packageName}** in ${gitops} (default branch ${code(report.branch)} at ${code(report.commit.slice(0, 12))}):`, ''];
  const entries = status?.entries ?? [];
  if (entries.length === 0) lines.push(`Not deployed in any environment yet (environments: ${report.environments.join(' → ')}).`);
  else {
    lines.push('| env | cell | version | digest | since | pending |', '|---|---|---|---|---|---|');
    for (const entry of entries) {
      const since = entry.sinceUnknown === undefined ? entry.since : `unknown (${entry.sinceUnknown})`;
      const pending = entry.pending.map((p) =>
        p.pullRequest ? `[${p.kind} #${p.pullRequest.number}](${p.pullRequest.url})` : `${p.kind} ${code(p.branch)}`,
      );
      const drift = entry.drift.length > 0 ? ` ⚠️ ${entry.drift.join('; ')}` : '';
      lines.push(
        `| ${entry.env} | ${entry.cell} | ${code(entry.version)} | ${code(shortDigest(entry.digest))} | ${since}${drift} | ${pending.join(', ') || '—'} |`,
      );
    }
  }
  const incoming = status?.incoming ?? [];
  if (incoming.length > 0) {
    lines.push('', '**Pending** (not deployed there yet):');
    for (const change of incoming) {
      const link = change.pullRequest ? `[#${change.pullRequest.number}](${change.pullRequest.url})` : code(change.branch);
      lines.push(`- ${change.kind} to ${change.env}/${change.cell}: ${link} ${change.title}`);
    }
  }
  lines.push('', replyMarker);
  return redactTokens(lines.join('\n'));
}

/** Whether a failure is ours to explain (a DataKitError) or an internal error. */
export function isExplainable(error: unknown): error is { code: string; message: string; hint?: string } {
  return isDataKitError(error);
}
