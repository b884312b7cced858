import { signPromotionMarker } from '../marker-signature';
import { registryOptionsFor } from '../registry-access';
import { DataKitError } from '@datakit/sdk/core';
import {
  changeRequestFor,
  findEnvironment,
  preparePromotion,
  prepareRollback,
  registryArtifactResolver,
  type Actor,
  type PreparedChange,
  type PromotionContext,
  type PromotionSource,
} from '@datakit/sdk/promotion';
import type { ArtifactMatch } from '../artifact-lookup';
import { activeTeams, policyTeams } from '../authorize';
import type { GateOutcome } from '../gates/gate-service';
import { readPackageName } from '../package-name';
import { readRepositorySettings, requireGitops, requireRegistry, type GitopsRepository } from '../settings';
import type { CommandContext, CommandOutcome } from './command-context';
import { openGitops, type GitopsSession } from './gitops-session';
import { alreadyPinnedReply, changeReply, refusedPlanReply, refusingRules } from './replies';
import { bindSourceCommit, requireWriter } from './source-commit';

/** The artifact a command binds to: the commit, and what the registry holds for it. */
interface BoundArtifact {
  commit: string;
  what: string;
  packageName: string;
  artifact: ArtifactMatch;
}

/**
 * /promote <env> [cell]: binds the command to the commit the pull request points at now and the
 * artifact published from it, then (one at a time per gitops repository, env, cell and package)
 * plans the promotion on the gitops default branch and opens or updates its pull request.
 * Who/where rules (environment, cell, promoters) failing refuse the command; order, soak, freeze
 * and approvals failing still open the pull request, whose datakit/promotion check blocks the merge.
 */
export async function runPromote(ctx: CommandContext, env: string, cell: string | undefined): Promise<CommandOutcome> {
  await requireWriter(ctx, `promote to ${env}`);
  const source = await bindSourceCommit(ctx);
  const settings = await readRepositorySettings(ctx.octokit, ctx.repository, ctx.services.config);
  const gitops = requireGitops(settings);
  const registry = requireRegistry(settings);
  const bound = await findArtifact(ctx, registry, settings.package, source.candidates);
  ctx.log.info(
    { commit: bound.commit, package: bound.packageName, digest: bound.artifact.digest, version: bound.artifact.version },
    'promotion bound to commit and digest',
  );
  const sourceInfo: PromotionSource = {
    repository: ctx.repository.fullName,
    commit: bound.commit,
    ...(source.pullRequest === undefined ? {} : { pullRequest: source.pullRequest }),
    requestedBy: ctx.actor,
  };
  return ctx.services.locks.run(lockKey(gitops, env, cell, bound.packageName), async () => {
    const session = await openGitops(ctx, gitops);
    const actor = await actorFor(ctx, session, env);
    const prepared = await preparePromotion(
      promotionContext(ctx, session),
      registryArtifactResolver(registry, registryOptionsFor(ctx.services.config, ctx.services.registryOptions, registry)),
      { package: bound.packageName, versionOrDigest: bound.artifact.digest, env, cell, actor, source: sourceInfo },
    );
    return propose(ctx, session, prepared, bound.commit, bound.what);
  });
}

/**
 * /rollback <env> [cell]: a pull request back to the digest pinned in env/cell before the current
 * one (from the gitops default branch's history), with the same authorisation as /promote.
 */
export async function runRollback(ctx: CommandContext, env: string, cell: string | undefined): Promise<CommandOutcome> {
  await requireWriter(ctx, `roll back ${env}`);
  const source = await bindSourceCommit(ctx);
  const settings = await readRepositorySettings(ctx.octokit, ctx.repository, ctx.services.config);
  const gitops = requireGitops(settings);
  const { commit, what } = source.candidates[0]!;
  const packageName = await readPackageName(ctx.octokit, ctx.repository, settings.package, commit);
  const sourceInfo: PromotionSource = {
    repository: ctx.repository.fullName,
    commit,
    ...(source.pullRequest === undefined ? {} : { pullRequest: source.pullRequest }),
    requestedBy: ctx.actor,
  };
  return ctx.services.locks.run(lockKey(gitops, env, cell, packageName), async () => {
    const session = await openGitops(ctx, gitops);
    const actor = await actorFor(ctx, session, env);
    const prepared = await prepareRollback(promotionContext(ctx, session), {
      package: packageName,
      env,
      cell,
      actor,
      source: sourceInfo,
    });
    return propose(ctx, session, prepared, commit, what);
  });
}

export function lockKey(gitops: GitopsRepository, env: string, cell: string | undefined, packageName: string): string {
  return `${gitops.fullName}/${env}/${cell ?? ''}/${packageName}`;
}

/** Looks for the artifact of each candidate commit in turn; DK803 naming the commit when there is none. */
async function findArtifact(
  ctx: CommandContext,
  registry: string,
  packageDir: string,
  candidates: readonly { commit: string; what: string }[],
): Promise<BoundArtifact> {
  const tried: { commit: string; what: string; packageName: string }[] = [];
  for (const candidate of candidates) {
    const packageName = await readPackageName(ctx.octokit, ctx.repository, packageDir, candidate.commit);
    const artifact = await ctx.artifacts.findByRevision(registry, packageName, candidate.commit, ctx.log);
    if (artifact !== undefined) return { ...candidate, packageName, artifact };
    tried.push({ ...candidate, packageName });
  }
  const first = tried[0]!;
  const names = tried.map((t) => `${t.commit} (${t.what})`).join(' nor ');
  throw new DataKitError(
    'DK803',
    `no artifact of ${first.packageName} in ${registry}/${first.packageName} was published from commit ${names}`,
    {
      hint: `Publish it first: wait for the datakit/publish workflow of ${first.commit.slice(0, 12)} to finish, then comment again.`,
    },
  );
}

/** The commenter with their active teams among those the policy names for env (so promoters is decided now). */
async function actorFor(ctx: CommandContext, session: GitopsSession, env: string): Promise<Actor> {
  const policy = await session.policy();
  const checked = policyTeams(findEnvironment(policy, env));
  const teams = await activeTeams(session.access.octokit, ctx.actor, checked);
  // The check evaluated right after proposing asks the same question: answered already.
  session.memberships.set(ctx.actor, { checked, teams });
  return { login: ctx.actor, teams };
}

function promotionContext(ctx: CommandContext, session: GitopsSession): PromotionContext {
  const { config, clock } = ctx.services;
  return {
    scm: session.scm,
    clock,
    render: config.renderDiff,
    ...(config.kubectl === undefined ? {} : { kubectl: config.kubectl }),
  };
}

/**
 * Refuses plans whose who/where rules fail; answers "already pinned" for plans with nothing to
 * change; otherwise opens or updates the pull request and writes its datakit/promotion check.
 */
async function propose(
  ctx: CommandContext,
  session: GitopsSession,
  prepared: PreparedChange,
  commit: string,
  what: string,
): Promise<CommandOutcome> {
  const { plan } = prepared;
  const gitops = session.repository.fullName;
  const fields: Record<string, unknown> = {
    commit,
    package: plan.package,
    env: plan.env,
    cell: plan.cell,
    digest: plan.artifact.digest,
    version: plan.artifact.version,
    gitops,
  };
  const refusing = plan.evaluation.results.filter((r) => !r.passed && refusingRules.has(r.rule));
  if (refusing.length > 0) {
    return { ok: false, reply: refusedPlanReply(plan, commit, what), fields: { ...fields, refused: refusing.map((r) => r.rule) } };
  }
  if (plan.unchanged || plan.edits.length === 0) {
    return { ok: true, reply: alreadyPinnedReply(plan, commit, what, gitops), fields: { ...fields, unchanged: true } };
  }
  const request = changeRequestFor(plan);
  const change = await session.scm.proposeChange({ ...request, body: signPromotionMarker(request.body, ctx.services.markerKey) });
  if (change.pullRequest === undefined) {
    // The default branch holds these files already (merged meanwhile).
    return { ok: true, reply: alreadyPinnedReply(plan, commit, what, gitops), fields: { ...fields, unchanged: true } };
  }
  const pull = change.pullRequest;
  ctx.log.info({ ...fields, pullRequest: pull.number, created: pull.created, committed: change.committed }, 'gitops pull request proposed');
  let gate: GateOutcome | undefined;
  let gateProblem: string | undefined;
  try {
    gate = await ctx.gates.evaluatePullRequest(session.access, pull.number, ctx.log, {
      snapshot: prepared.snapshot,
      memberships: session.memberships,
    });
  } catch (error) {
    // The pull request exists; its check is written again on its next event.
    ctx.log.error({ err: error, pullRequest: pull.number }, 'could not evaluate the datakit/promotion check');
    gateProblem = error instanceof DataKitError ? error.code : 'internal error';
  }
  return {
    ok: true,
    reply: changeReply({ plan, change, gitops, commit, what, gate, ...(gateProblem === undefined ? {} : { gateProblem }) }),
    fields: { ...fields, pullRequest: pull.number, blockedBy: plan.evaluation.results.filter((r) => !r.passed).map((r) => r.rule) },
  };
}
