import type { Clock } from '../core/clock';
import { DataKitError } from '../core/errors';
import { latestOccurrence, parseCron, ZoneClock } from './cron';
import { findEnvironment, type EnvironmentPolicy, type FreezeWindow, type Policy } from './policy';

export interface Actor {
  login: string;
  /** Teams as org/team-slug. */
  teams: readonly string[];
}

export interface PromotionRequest {
  /** promote (default) or rollback: a rollback skips order and soak but obeys cells, freezes, promoters and approvals. */
  kind?: 'promote' | 'rollback';
  package: string;
  digest: string;
  version: string;
  toEnv: string;
  cell: string;
  actor: Actor;
  /** Approving reviews so far (of the promotion PR). */
  approvals?: readonly Actor[];
}

/** What is live where: one entry per env/cell a package is deployed to (from the gitops checkout and its history). */
export interface LiveDeployment {
  package: string;
  env: string;
  cell: string;
  digest: string;
  version: string;
  /** When this digest entered this env/cell. */
  since: Date;
  /** Why `since` cannot be trusted (history does not show when the pin entered): soak then fails. */
  sinceUnknown?: string;
}

export type DeploymentState = readonly LiveDeployment[];

export type RuleName = 'environment' | 'cell' | 'order' | 'soak' | 'freeze' | 'promoters' | 'approvals';

export interface RuleResult {
  rule: RuleName;
  passed: boolean;
  message: string;
  /** Not decided here: checked later on the pull request (who promotes, who approves). */
  deferred?: boolean;
}

export interface PromotionEvaluation {
  allowed: boolean;
  /** Every rule checked, passed or failed, in a stable order; freeze has one result per window. */
  results: RuleResult[];
}

/**
 * Evaluates a promotion (or rollback) against the policy, the deployment state and the clock.
 * Every rule is evaluated and reported; `allowed` is true only when all pass. An unknown
 * environment is the only rule that stops evaluation (nothing else can be checked without it).
 */
export function evaluatePromotion(policy: Policy, request: PromotionRequest, state: DeploymentState, clock: Clock): PromotionEvaluation {
  const now = clock.now();
  const env = findEnvironment(policy, request.toEnv);
  if (env === undefined) {
    const known = policy.environments.map((e) => e.name).join(', ');
    return { allowed: false, results: [fail('environment', `unknown environment "${request.toEnv}" (known: ${known})`)] };
  }
  const rollback = request.kind === 'rollback';
  const live = state.filter((d) => d.package === request.package);
  const results: RuleResult[] = [
    pass('environment', `environment ${env.name} exists`),
    checkCell(env, request.cell),
    ...(rollback ? rollbackSkips() : checkOrderAndSoak(env, request, live, now)),
    ...checkFreezes(env, now),
    checkPromoters(env, request.actor),
    checkApprovals(env, request),
  ];
  return { allowed: results.every((r) => r.passed), results };
}

/**
 * Without an identity (dk promote on a laptop) the promoters and approvals rules cannot be decided:
 * they are reported as deferred to the pull request, where the datakit/promotion check decides them.
 */
export function deferIdentityRules(evaluation: PromotionEvaluation, env: EnvironmentPolicy | undefined): PromotionEvaluation {
  const who = env === undefined ? '' : describePromoters(env);
  const results = evaluation.results.map((r): RuleResult => {
    if (r.rule === 'promoters') {
      return {
        rule: r.rule,
        passed: true,
        deferred: true,
        message: `checked on the pull request: ${who === '' ? 'anyone with write access' : who} may promote`,
      };
    }
    if (r.rule === 'approvals') {
      const count = env?.approvals ?? 0;
      return {
        rule: r.rule,
        passed: true,
        deferred: true,
        message:
          count === 0 ? 'no approvals required' : `checked on the pull request: ${count} approval(s)${who === '' ? '' : ` from ${who}`}`,
      };
    }
    return r;
  });
  return { allowed: results.every((r) => r.passed), results };
}

/** Throws DK701 listing every failed rule when the evaluation is a refusal. */
export function assertAllowed(evaluation: PromotionEvaluation, request: PromotionRequest): void {
  if (evaluation.allowed) return;
  const reasons = evaluation.results.filter((r) => !r.passed).map((r) => `  - ${r.rule}: ${r.message}`);
  throw new DataKitError(
    'DK701',
    `${request.kind === 'rollback' ? 'rollback' : 'promotion'} of ${request.package} ${request.version} to ${request.toEnv}/${request.cell} refused:\n${reasons.join('\n')}`,
    { hint: 'Fix every reason listed, or change the promotion policy (datakit-promotion.yaml) by pull request.' },
  );
}

function pass(rule: RuleName, message: string): RuleResult {
  return { rule, passed: true, message };
}

function fail(rule: RuleName, message: string): RuleResult {
  return { rule, passed: false, message };
}

function checkCell(env: EnvironmentPolicy, cell: string): RuleResult {
  if (env.cells.length === 0) return pass('cell', `any cell may be used in ${env.name}`);
  return env.cells.includes(cell)
    ? pass('cell', `cell ${cell} is allowed in ${env.name}`)
    : fail('cell', `cell "${cell}" is not a cell of ${env.name} (cells: ${env.cells.join(', ')})`);
}

function rollbackSkips(): RuleResult[] {
  return [pass('order', 'not checked for a rollback'), pass('soak', 'not checked for a rollback')];
}

function checkOrderAndSoak(env: EnvironmentPolicy, request: PromotionRequest, live: DeploymentState, now: Date): RuleResult[] {
  const previous = env.previous;
  if (previous === undefined) {
    return [pass('order', `${env.name} is the first environment`), pass('soak', `${env.name} has no previous environment`)];
  }
  if (!env.requirePrevious) {
    return [
      pass('order', `${env.name} does not require the digest in ${previous}`),
      pass('soak', `not checked: ${env.name} does not require ${previous}`),
    ];
  }
  const where = env.requireSameCell ? `${previous}/${request.cell}` : previous;
  const matches = live.filter(
    (d) => d.env === previous && d.digest === request.digest && (!env.requireSameCell || d.cell === request.cell),
  );
  const short = shortDigest(request.digest);
  if (matches.length === 0) {
    const order = fail('order', `${request.package} ${short} (${request.version}) is not live in ${where}; promote it there first`);
    const soak =
      env.soakMs === 0
        ? pass('soak', `no soak time required before ${env.name}`)
        : fail('soak', `must soak ${env.soak} in ${where} before ${env.name}, and it is not live there`);
    return [order, soak];
  }
  const known = matches.filter((d) => d.sinceUnknown === undefined);
  if (known.length === 0) {
    const order = pass('order', `${short} is live in ${where}`);
    if (env.soakMs === 0) return [order, pass('soak', `no soak time required before ${env.name}`)];
    return [order, fail('soak', `cannot tell how long it has been live in ${where}: ${matches[0]!.sinceUnknown}`)];
  }
  const since = Math.min(...known.map((d) => d.since.getTime()));
  const order = pass('order', `${short} is live in ${where} since ${new Date(since).toISOString()}`);
  if (env.soakMs === 0) return [order, pass('soak', `no soak time required before ${env.name}`)];
  const soaked = now.getTime() - since;
  if (soaked >= env.soakMs) return [order, pass('soak', `live in ${where} for ${formatMs(soaked)} (soak ${env.soak})`)];
  return [
    order,
    fail(
      'soak',
      `live in ${where} for only ${formatMs(soaked)}, soak is ${env.soak}: allowed from ${new Date(since + env.soakMs).toISOString()}`,
    ),
  ];
}

/** Each window is refused from each cron occurrence (its wall time in its timezone) for `duration` of elapsed time. */
export function activeFreeze(window: FreezeWindow, now: Date): { start: Date; end: Date } | undefined {
  const start = latestOccurrence(parseCron(window.cron), new ZoneClock(window.timezone), now, window.durationMs);
  return start === undefined ? undefined : { start, end: new Date(start.getTime() + window.durationMs) };
}

function checkFreezes(env: EnvironmentPolicy, now: Date): RuleResult[] {
  if (env.freezeWindows.length === 0) return [pass('freeze', `no freeze windows in ${env.name}`)];
  return env.freezeWindows.map((window) => {
    const active = activeFreeze(window, now);
    return active === undefined
      ? pass('freeze', `not in freeze window ${window.name}`)
      : fail(
          'freeze',
          `${env.name} is frozen by ${window.name} (${window.cron} ${window.timezone}, ${window.duration}) from ${active.start.toISOString()} until ${active.end.toISOString()}`,
        );
  });
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function qualifies(env: EnvironmentPolicy, actor: Actor): boolean {
  const { users, teams } = env.promoters;
  if (users.length === 0 && teams.length === 0) return true;
  return users.some((u) => sameName(u, actor.login)) || teams.some((t) => actor.teams.some((a) => sameName(a, t)));
}

function describePromoters(env: EnvironmentPolicy): string {
  const { users, teams } = env.promoters;
  return [...users.map((u) => `@${u}`), ...teams.map((t) => `team ${t}`)].join(', ');
}

function checkPromoters(env: EnvironmentPolicy, actor: Actor): RuleResult {
  const { users, teams } = env.promoters;
  if (users.length === 0 && teams.length === 0) return pass('promoters', `anyone may promote to ${env.name}`);
  return qualifies(env, actor)
    ? pass('promoters', `@${actor.login} may promote to ${env.name}`)
    : fail('promoters', `@${actor.login} may not promote to ${env.name} (allowed: ${describePromoters(env)})`);
}

/** Distinct approvers (by login, case-insensitive), not the actor, who are promoters of the environment (anyone when it has none). */
function checkApprovals(env: EnvironmentPolicy, request: PromotionRequest): RuleResult {
  if (env.approvals === 0) return pass('approvals', `no approvals required for ${env.name}`);
  const approvers = new Set<string>();
  for (const approver of request.approvals ?? []) {
    if (sameName(approver.login, request.actor.login) || !qualifies(env, approver)) continue;
    approvers.add(approver.login.toLowerCase());
  }
  const count = approvers.size;
  const from = env.promoters.users.length + env.promoters.teams.length === 0 ? '' : ` from ${describePromoters(env)}`;
  return count >= env.approvals
    ? pass('approvals', `${count} of ${env.approvals} approvals${from}`)
    : fail('approvals', `${count} of ${env.approvals} required approvals${from} (the promoter's own does not count)`);
}

function shortDigest(digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return `sha256:${hex.slice(0, 12)}`;
}

function formatMs(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h${m}m` : `${m}m`;
}
