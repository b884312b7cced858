import { redactTokens } from '../github/app-octokit';
import type { GateOutcome, GateResult, GateTarget } from './gate-service';

/** The check run's name: stable, so branch protection can require it. */
export const checkName = 'datakit/promotion';

/** GitHub refuses a check run summary longer than 65535 characters. */
export const maxSummaryLength = 65_000;
const maxTitleLength = 200;

export interface PolicySource {
  branch: string;
  commit: string;
  /** undefined: no datakit-promotion.yaml on the default branch, the default policy applies. */
  file: string | undefined;
}

export interface PolicyChange {
  /** The pull request's datakit-promotion.yaml: valid (applies once merged), invalid, or removed. */
  state: 'valid' | 'invalid' | 'removed';
  message?: string;
}

export interface ReportInput {
  targets: GateTarget[];
  policy: PolicySource;
  policyChange?: PolicyChange;
  /** The commit the check is attached to. */
  headSha: string;
  /** "pull request #12" or "merge group of pull request #12". */
  subject: string;
}

export type Report = Pick<GateOutcome, 'conclusion' | 'title' | 'summary'>;

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

export function shortDigest(digest: string): string {
  return digest === '' ? '(unknown digest)' : `sha256:${digest.replace(/^sha256:/, '').slice(0, 12)}`;
}

function icon(result: { passed: boolean }): string {
  return result.passed ? '✅' : '❌';
}

function targetName(target: GateTarget): string {
  return `${target.env}/${target.cell} ${target.package}${target.version === '' ? '' : ` ${target.version}`}`;
}

/** The rules that failed, each named once, in their order. */
function failedRules(target: GateTarget): string[] {
  return [...new Set(target.results.filter((r) => !r.passed).map((r) => r.rule))];
}

/** One line per result; the message is kept on one line (check summaries are Markdown). */
function resultLine(result: GateResult): string {
  return `- ${icon(result)} **${result.rule}**: ${oneLine(result.message)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function policyLine(policy: PolicySource): string {
  const where = `the default branch \`${policy.branch}\` at \`${shortSha(policy.commit)}\``;
  return policy.file === undefined
    ? `Policy: none on ${where} (no \`datakit-promotion.yaml\`): the default policy applies (dev → int → prod, in order).`
    : `Policy: \`${policy.file}\` on ${where}. A pull request's own copy of the policy is never used.`;
}

function policyChangeLines(change: PolicyChange | undefined): string[] {
  if (change === undefined) return [];
  if (change.state === 'invalid') {
    return [
      `❌ This change makes \`datakit-promotion.yaml\` invalid, so every promotion would be refused after merge:`,
      '',
      '```',
      change.message ?? '',
      '```',
    ];
  }
  if (change.state === 'removed') {
    return ['ℹ️ This change removes `datakit-promotion.yaml`: once merged, the default policy applies (dev → int → prod, in order).'];
  }
  return ['ℹ️ This change edits `datakit-promotion.yaml`: the new policy applies after merge, not to this pull request.'];
}

function targetSection(target: GateTarget): string[] {
  const verdict = target.passed ? 'allowed' : `refused (${failedRules(target).join(', ')})`;
  const kind = target.kind === 'rollback' ? 'Rollback' : target.kind === 'remove' ? 'Removal' : 'Promotion';
  const lines = [`### ${icon(target)} ${kind}: \`${target.package}\` to \`${target.env}/${target.cell}\` — ${verdict}`, ''];
  const facts = [
    `file \`${target.path}\``,
    ...(target.version === '' ? [] : [`version \`${target.version}\``]),
    ...(target.digest === '' ? [] : [`digest \`${target.digest}\``]),
  ];
  lines.push(facts.join(' · '));
  if (target.ref !== undefined) lines.push('', `ref \`${target.ref}\``);
  const people = [
    ...(target.actor === undefined ? [] : [`promoter @${target.actor}`]),
    ...(target.approvers === undefined
      ? []
      : [`approved on this head: ${target.approvers.length === 0 ? 'nobody' : target.approvers.map((a) => `@${a}`).join(', ')}`]),
  ];
  if (people.length > 0) lines.push('', people.join(' · '));
  lines.push('', ...target.results.map(resultLine));
  for (const note of target.notes ?? []) lines.push('', `> ${oneLine(note)}`);
  lines.push('');
  return lines;
}

function title(input: ReportInput, conclusion: Report['conclusion']): string {
  const { targets } = input;
  if (targets.length === 0) {
    return input.policyChange?.state === 'invalid' ? 'Policy change: invalid policy' : 'Policy change: applies after merge';
  }
  const describe = (t: GateTarget) => `${targetName(t)}: ${t.passed ? 'allowed' : `refused — ${failedRules(t).join(', ')}`}`;
  let text: string;
  if (targets.length === 1) text = describe(targets[0]!);
  else {
    const refused = targets.filter((t) => !t.passed);
    text =
      refused.length === 0
        ? `${targets.length} promotions: all allowed`
        : `${targets.length} promotions: ${refused.length} refused (${refused.map(describe).join('; ')})`;
  }
  if (conclusion === 'failure' && targets.every((t) => t.passed)) text = `${text}; invalid policy change`;
  return text.length > maxTitleLength ? `${text.slice(0, maxTitleLength - 1)}…` : text;
}

/** Conclusion, title and Markdown summary of an evaluation. */
export function renderReport(input: ReportInput): Report {
  const policyInvalid = input.policyChange?.state === 'invalid';
  const conclusion: Report['conclusion'] =
    input.targets.length === 0
      ? policyInvalid
        ? 'failure'
        : 'neutral'
      : input.targets.every((t) => t.passed) && !policyInvalid
        ? 'success'
        : 'failure';
  const head = [
    `Evaluated ${input.subject} at \`${shortSha(input.headSha)}\`.`,
    '',
    policyLine(input.policy),
    '',
    ...policyChangeLines(input.policyChange),
  ];
  if (input.policyChange !== undefined) head.push('');
  const sections = input.targets.map(targetSection);
  let summary = [...head, ...sections.flat()].join('\n');
  if (summary.length > maxSummaryLength) {
    // Keep whole sections while they fit; name the others.
    const kept: string[] = [...head];
    let length = kept.join('\n').length;
    let shown = 0;
    for (const section of sections) {
      const text = section.join('\n');
      if (length + text.length + 200 > maxSummaryLength) break;
      kept.push(...section);
      length += text.length + 1;
      shown++;
    }
    const rest = input.targets.slice(shown);
    const names = rest.map((t) => `${icon(t)} ${targetName(t)}`);
    let tail = `… ${rest.length} more: ${names.join(', ')}`;
    if (length + tail.length > maxSummaryLength) tail = `… ${rest.length} more (${rest.filter((t) => !t.passed).length} refused)`;
    summary = [...kept, tail].join('\n').slice(0, maxSummaryLength);
  }
  return { conclusion, title: title(input, conclusion), summary };
}

/** The report of an evaluation that could not complete. */
export function renderFailure(error: unknown, headSha: string): Report {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = redactTokens(error instanceof Error ? error.message : String(error));
  const hint = typeof error === 'object' && error !== null && 'hint' in error && typeof error.hint === 'string' ? error.hint : undefined;
  const summary = [
    `The datakit/promotion check could not evaluate \`${shortSha(headSha)}\`${code === undefined ? '' : ` (${code})`}:`,
    '',
    '```',
    message.slice(0, 8000),
    '```',
    ...(hint === undefined ? [] : ['', hint]),
    '',
    'Re-run the check once the cause is fixed.',
  ].join('\n');
  return {
    conclusion: 'failure',
    title: `Evaluation could not complete${code === undefined ? '' : ` (${code})`}`,
    summary: summary.slice(0, maxSummaryLength),
  };
}
