import type { Clock } from '../core/clock';
import { UsageError } from '../core/errors';
import type { ArtifactResolver } from './artifact-resolver';
import { parseDeployment, type ArtifactPin } from './deployment-file';
import type { Actor } from './evaluate';
import { readGitopsState, type GitopsState } from './gitops-state';
import { changeRequestFor, planPromotion, requireEnvironment, type PromotionPlan, type PromotionSource } from './plan';
import type { ChangeResult, GitopsSnapshot, PinHistoryEntry, SourceControl } from './source-control';

export interface PromotionContext {
  scm: SourceControl;
  clock: Clock;
  /** Render the kustomize diff into the PR body (default true). */
  render?: boolean;
  kubectl?: string;
}

export interface PromoteInput {
  package: string;
  /** A version (tag) or a digest. */
  versionOrDigest: string;
  env: string;
  cell?: string;
  actor?: Actor;
  approvals?: readonly Actor[];
  source?: PromotionSource;
}

export interface PreparedChange {
  plan: PromotionPlan;
  state: GitopsState;
  snapshot: GitopsSnapshot;
}

/** Reads the default branch, resolves the artifact in the registry and plans the promotion. */
export async function preparePromotion(
  context: PromotionContext,
  resolver: ArtifactResolver,
  input: PromoteInput,
): Promise<PreparedChange> {
  const snapshot = await context.scm.readSnapshot();
  const state = await readGitopsState(snapshot, { packages: [input.package] });
  requireEnvironment(state, input.env);
  const artifact = await resolver.resolve(input.package, input.versionOrDigest);
  const plan = await planPromotion(
    snapshot,
    state,
    {
      kind: 'promote',
      package: input.package,
      env: input.env,
      ...(input.cell === undefined ? {} : { cell: input.cell }),
      artifact,
      ...(input.actor === undefined ? {} : { actor: input.actor }),
      ...(input.approvals === undefined ? {} : { approvals: input.approvals }),
      ...(input.source === undefined ? {} : { source: input.source }),
    },
    planOptions(context),
  );
  return { plan, state, snapshot };
}

export interface RollbackInput {
  package: string;
  env: string;
  cell?: string;
  /** Default: the digest pinned before the current one. */
  toVersion?: string;
  actor?: Actor;
  approvals?: readonly Actor[];
  source?: PromotionSource;
}

/** Plans a rollback to an earlier pin of the env/cell from the history of the default branch. */
export async function prepareRollback(context: PromotionContext, input: RollbackInput): Promise<PreparedChange> {
  const snapshot = await context.scm.readSnapshot();
  const state = await readGitopsState(snapshot, { packages: [input.package] });
  requireEnvironment(state, input.env);
  const candidates = state.deployments.filter(
    (d) => d.package === input.package && d.env === input.env && (input.cell === undefined || d.cell === input.cell),
  );
  if (candidates.length !== 1) {
    const where = `${input.env}${input.cell ? `/${input.cell}` : ''}`;
    const deployedAt = state.deployments.filter((d) => d.package === input.package).map((d) => `${d.env}/${d.cell}`);
    throw new UsageError(
      'DK714',
      candidates.length === 0
        ? `${input.package} is not deployed in ${where}${deployedAt.length ? ` (deployed in: ${deployedAt.join(', ')})` : ' nor anywhere else'}`
        : `${input.package} is deployed in several cells of ${input.env} (${candidates.map((c) => c.cell).join(', ')}): name one with --cell`,
    );
  }
  const current = candidates[0]!;
  if (input.toVersion !== undefined && input.toVersion === current.version) {
    throw new UsageError(
      'DK712',
      `${input.package} in ${current.env}/${current.cell} already pins ${current.version} (${current.digest})`,
      {
        hint: 'Nothing to roll back to: name an earlier version.',
      },
    );
  }
  // Pins as a stack, oldest first: a promotion pushes, a rollback pops back to the pin it restored.
  // So rolling back twice goes further back, not forth to the pin just rolled back from.
  const stack: PinHistoryEntry[] = [];
  for (const entry of [...current.history].reverse()) {
    const at = stack.findIndex((e) => e.digest === entry.digest);
    if (entry.rollback && at >= 0) stack.splice(at + 1);
    else if (stack[stack.length - 1]?.digest !== entry.digest) stack.push(entry);
  }
  const candidatesNewestFirst = input.toVersion === undefined ? stack.slice(0, -1).reverse() : distinctEntries(current.history);
  const earlier: (ArtifactPin & { commit: string })[] = [];
  for (const entry of candidatesNewestFirst) {
    if (entry.digest === current.digest || earlier.some((e) => e.digest === entry.digest)) continue;
    const text = await snapshot.readFileAt(entry.commit, current.path);
    if (text === undefined) continue;
    let pinned;
    try {
      pinned = parseDeployment(text, `${current.path}@${entry.commit.slice(0, 12)}`);
    } catch {
      continue; // a historic file that was broken then is no rollback target
    }
    earlier.push({ version: pinned.version, digest: pinned.digest, ref: pinned.ref, commit: entry.commit });
    if (input.toVersion === undefined || pinned.version === input.toVersion) break;
  }
  const target = input.toVersion === undefined ? earlier[0] : earlier.find((e) => e.version === input.toVersion);
  if (target === undefined) {
    throw new UsageError(
      'DK712',
      input.toVersion === undefined
        ? `${input.package} in ${current.env}/${current.cell} has no earlier digest than ${current.version} (${current.digest}) on ${state.branch}`
        : `${input.package} in ${current.env}/${current.cell} never pinned ${input.toVersion}${
            earlier.length ? ` (earlier versions: ${earlier.map((e) => e.version).join(', ')})` : ' (no earlier versions)'
          }`,
      { hint: 'Promote the version you want instead (dk promote).' },
    );
  }
  const plan = await planPromotion(
    snapshot,
    state,
    {
      kind: 'rollback',
      package: input.package,
      env: input.env,
      cell: current.cell,
      artifact: { version: target.version, digest: target.digest, ref: target.ref },
      ...(input.actor === undefined ? {} : { actor: input.actor }),
      ...(input.approvals === undefined ? {} : { approvals: input.approvals }),
      ...(input.source === undefined ? {} : { source: input.source }),
    },
    planOptions(context),
  );
  return { plan, state, snapshot };
}

/** Opens or updates the branch (and PR) of an allowed plan. Refused or unchanged plans change nothing. */
export async function proposePlan(
  scm: SourceControl,
  plan: PromotionPlan,
  reviewers: readonly string[] = [],
): Promise<ChangeResult | undefined> {
  if (!plan.allowed || plan.edits.length === 0) return undefined;
  return scm.proposeChange(changeRequestFor(plan, reviewers));
}

function distinctEntries(history: readonly PinHistoryEntry[]): PinHistoryEntry[] {
  const seen = new Set<string>();
  return history.filter((e) => !seen.has(e.digest) && seen.add(e.digest));
}

function planOptions(context: PromotionContext) {
  return {
    clock: context.clock,
    ...(context.render === undefined ? {} : { render: context.render }),
    ...(context.kubectl === undefined ? {} : { kubectl: context.kubectl }),
  };
}
