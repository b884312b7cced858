import type { Clock } from '../core/clock';
import { UsageError } from '../core/errors';
import {
  pinDeployment,
  renderAppKustomization,
  renderCellKustomization,
  renderCellNamespace,
  renderDeployment,
  type ArtifactPin,
} from './deployment-file';
import { deferIdentityRules, evaluatePromotion, type Actor, type PromotionEvaluation } from './evaluate';
import { appDirectory, deploymentPath, type Deployment, type GitopsState } from './gitops-state';
import { findEnvironment } from './policy';
import { renderKustomizeDiff, type RenderedDiff } from './render-diff';
import { changeBranch, type ChangeRequest, type GitopsSnapshot } from './source-control';

export type ChangeKind = 'promote' | 'rollback';

export interface PlanRequest {
  kind: ChangeKind;
  package: string;
  env: string;
  /** Default: the cell the package already has in env, else the env's first cell. */
  cell?: string;
  artifact: ArtifactPin;
  /** Who asks; without one (the CLI) promoters and approvals are deferred to the pull request. */
  actor?: Actor;
  approvals?: readonly Actor[];
  /** Where the promotion was asked for (the app binds it to a commit of a package repository). */
  source?: PromotionSource;
}

/** The package repository commit a promotion was bound to, and who asked (from a /promote comment). */
export interface PromotionSource {
  /** owner/name of the package repository. */
  repository: string;
  /** The commit the artifact was published from. */
  commit: string;
  pullRequest?: number;
  requestedBy?: string;
}

/** What the PR body's machine-readable marker holds. */
export interface PromotionMarker {
  kind: ChangeKind;
  package: string;
  env: string;
  cell: string;
  version: string;
  digest: string;
  previousDigest: string | null;
  source?: PromotionSource;
}

/** The marker renderPlanBody writes last: only one that ends the body counts (the diff above it is repository text). */
export const promotionMarkerPattern = /<!-- datakit:promotion (\{[^\n]*\}) -->\s*$/;

/** Reads the marker renderPlanBody writes; undefined when absent or not well-formed. */
export function parsePromotionMarker(body: string | null | undefined): PromotionMarker | undefined {
  const match = promotionMarkerPattern.exec(body ?? '');
  if (!match) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(match[1]!);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const strings = ['package', 'env', 'cell', 'version', 'digest'] as const;
  if ((m.kind !== 'promote' && m.kind !== 'rollback') || strings.some((k) => typeof m[k] !== 'string')) return undefined;
  const marker: PromotionMarker = {
    kind: m.kind,
    package: m.package as string,
    env: m.env as string,
    cell: m.cell as string,
    version: m.version as string,
    digest: m.digest as string,
    previousDigest: typeof m.previousDigest === 'string' ? m.previousDigest : null,
  };
  const source = m.source as Record<string, unknown> | undefined;
  if (typeof source === 'object' && source !== null && typeof source.repository === 'string' && typeof source.commit === 'string') {
    marker.source = {
      repository: source.repository,
      commit: source.commit,
      ...(typeof source.pullRequest === 'number' ? { pullRequest: source.pullRequest } : {}),
      ...(typeof source.requestedBy === 'string' ? { requestedBy: source.requestedBy } : {}),
    };
  }
  return marker;
}

export interface FileEdit {
  path: string;
  /** Absent when the file is created. */
  before?: string;
  after: string;
}

export interface PromotionPlan {
  kind: ChangeKind;
  package: string;
  env: string;
  cell: string;
  artifact: ArtifactPin;
  /** What the env/cell pins now; undefined when the package enters it for the first time. */
  previous: ArtifactPin | undefined;
  evaluation: PromotionEvaluation;
  allowed: boolean;
  /** The env/cell already pins this digest: nothing to change. */
  unchanged: boolean;
  edits: FileEdit[];
  branch: string;
  baseCommit: string;
  title: string;
  commitMessage: string;
  labels: string[];
  /** Markdown: pins, policy results, rendered diff. */
  body: string;
  rendered: RenderedDiff | undefined;
  source: PromotionSource | undefined;
}

export interface PlanOptions {
  clock: Clock;
  /** Render the `kustomize build` diff for the body (default true). */
  render?: boolean;
  kubectl?: string;
}

function resolveCell(state: GitopsState, request: PlanRequest): string {
  const env = findEnvironment(state.policy, request.env)!;
  const present = state.cells.get(request.env) ?? [];
  if (request.cell !== undefined) {
    if (env.cells.length > 0 && !env.cells.includes(request.cell) && !present.includes(request.cell)) {
      throw new UsageError(
        'DK703',
        `unknown cell "${request.cell}" in ${request.env} (cells: ${[...new Set([...env.cells, ...present])].join(', ')})`,
        {
          hint: `Pass --cell with one of them, or add the cell to ${state.policy.file ?? 'the policy'}.`,
        },
      );
    }
    if (env.cells.length === 0 && present.length > 0 && !present.includes(request.cell)) {
      throw new UsageError('DK703', `unknown cell "${request.cell}" in ${request.env} (cells: ${present.join(', ')})`, {
        hint: 'Pass --cell with one of them, or list the new cell under the environment in the policy.',
      });
    }
    return request.cell;
  }
  const deployed = state.deployments.filter((d) => d.package === request.package && d.env === request.env).map((d) => d.cell);
  if (deployed.length === 1) return deployed[0]!;
  if (deployed.length > 1) {
    throw new UsageError(
      'DK703',
      `${request.package} is deployed to several cells of ${request.env} (${deployed.join(', ')}): name one with --cell`,
    );
  }
  return env.cells[0] ?? present[0] ?? 'c0';
}

/** Throws DK702 naming the known environments. */
export function requireEnvironment(state: GitopsState, env: string): void {
  if (findEnvironment(state.policy, env) !== undefined) return;
  const known = state.policy.environments.map((e) => e.name).join(', ');
  throw new UsageError('DK702', `unknown environment "${env}" (environments: ${known})`, {
    hint: `Use one of ${known}${state.policy.file ? `, or add it to ${state.policy.file}` : ''}.`,
  });
}

function pickTemplate(state: GitopsState, request: PlanRequest, cell: string): Deployment | undefined {
  const own = state.deployments.filter((d) => d.package === request.package);
  const previousEnv = findEnvironment(state.policy, request.env)?.previous;
  return own.find((d) => d.env === previousEnv && d.cell === cell) ?? own.find((d) => d.env === previousEnv) ?? own[0];
}

async function appFiles(snapshot: GitopsSnapshot, dir: string): Promise<Map<string, string>> {
  const prefix = `${dir}/`;
  const paths = (await snapshot.listFiles()).filter((p) => p.startsWith(prefix));
  const contents = await snapshot.readFiles(paths);
  return new Map([...contents].map(([p, c]) => [p.slice(prefix.length), c]));
}

/**
 * Plans a promotion or rollback on the state of the default branch: allowed or refused with every
 * reason, the file edits (comments and key order kept), the branch, PR title, body and labels.
 * Refusals are part of the plan (callers decide); bad input (unknown env or cell) throws.
 */
export async function planPromotion(
  snapshot: GitopsSnapshot,
  state: GitopsState,
  request: PlanRequest,
  options: PlanOptions,
): Promise<PromotionPlan> {
  requireEnvironment(state, request.env);
  const cell = resolveCell(state, request);
  const current = state.deployments.find((d) => d.package === request.package && d.env === request.env && d.cell === cell);
  const raw = evaluatePromotion(
    state.policy,
    {
      kind: request.kind,
      package: request.package,
      digest: request.artifact.digest,
      version: request.artifact.version,
      toEnv: request.env,
      cell,
      actor: request.actor ?? { login: '(dk)', teams: [] },
      approvals: request.approvals ?? [],
    },
    state.deployments,
    options.clock,
  );
  const evaluation = request.actor === undefined ? deferIdentityRules(raw, findEnvironment(state.policy, request.env)) : raw;
  const dir = appDirectory(request.env, cell, request.package);
  const edits: FileEdit[] = [];
  const unchanged = current !== undefined && current.digest === request.artifact.digest && current.version === request.artifact.version;
  if (current !== undefined) {
    const after = pinDeployment(current.text, current.path, request.artifact, cell);
    if (after !== current.text) edits.push({ path: current.path, before: current.text, after });
  } else {
    const template = pickTemplate(state, request, cell);
    const files = new Set(await snapshot.listFiles());
    const cellDir = `envs/${request.env}/cells/${cell}`;
    if (![...files].some((f) => f.startsWith(`${cellDir}/`))) {
      edits.push({ path: `${cellDir}/kustomization.yaml`, after: renderCellKustomization(request.env, cell) });
      edits.push({ path: `${cellDir}/namespace.yaml`, after: renderCellNamespace(request.env, cell) });
    }
    edits.push({ path: `${dir}/kustomization.yaml`, after: renderAppKustomization(request.env, cell, request.package) });
    edits.push({
      path: deploymentPath(request.env, cell, request.package),
      after:
        template === undefined
          ? renderDeployment(request.package, cell, request.artifact)
          : pinDeployment(template.text, template.path, request.artifact, cell),
    });
  }
  let rendered: RenderedDiff | undefined;
  if (options.render !== false && edits.length > 0) {
    const before = current === undefined ? undefined : await appFiles(snapshot, dir);
    const after = new Map(before ?? []);
    for (const edit of edits) if (edit.path.startsWith(`${dir}/`)) after.set(edit.path.slice(dir.length + 1), edit.after);
    rendered = await renderKustomizeDiff(dir, before, after, options.kubectl === undefined ? {} : { kubectl: options.kubectl });
  }
  const previous = current === undefined ? undefined : { version: current.version, digest: current.digest, ref: current.ref };
  const title =
    request.kind === 'rollback'
      ? `Roll back ${request.package} in ${request.env}/${cell} to ${request.artifact.version}`
      : `Promote ${request.package} ${request.artifact.version} to ${request.env}/${cell}`;
  const plan: PromotionPlan = {
    kind: request.kind,
    package: request.package,
    env: request.env,
    cell,
    artifact: request.artifact,
    previous,
    evaluation,
    allowed: evaluation.allowed,
    unchanged,
    edits,
    branch: changeBranch(request.kind, request.env, cell, request.package),
    baseCommit: state.commit,
    title,
    commitMessage: `${title}\n\nDigest: ${request.artifact.digest}\nRef: ${request.artifact.ref}\n${
      previous ? `Previous: ${previous.version} (${previous.digest})\n` : 'Previous: none (first deployment)\n'
    }`,
    labels: ['datakit', request.kind === 'rollback' ? 'rollback' : 'promotion', `env:${request.env}`, `package:${request.package}`],
    body: '',
    rendered,
    source: request.source,
  };
  plan.body = renderPlanBody(plan);
  return plan;
}

function ruleIcon(result: { passed: boolean; deferred?: boolean }): string {
  if (result.deferred) return '⏳';
  return result.passed ? '✅' : '❌';
}

/** The PR body; ends with a machine-readable marker the app reads back. */
export function renderPlanBody(plan: PromotionPlan): string {
  const verb = plan.kind === 'rollback' ? 'Roll back' : 'Promote';
  const lines = [
    `## ${verb} \`${plan.package}\` to \`${plan.env}/${plan.cell}\``,
    '',
    '| | previous | proposed |',
    '|---|---|---|',
    `| version | ${plan.previous ? `\`${plan.previous.version}\`` : '—'} | \`${plan.artifact.version}\` |`,
    `| digest | ${plan.previous ? `\`${plan.previous.digest}\`` : '—'} | \`${plan.artifact.digest}\` |`,
    `| ref | ${plan.previous ? `\`${plan.previous.ref}\`` : '—'} | \`${plan.artifact.ref}\` |`,
    ...(plan.source === undefined
      ? []
      : [
          '',
          `Requested${plan.source.requestedBy ? ` by @${plan.source.requestedBy}` : ''} from ${plan.source.repository}${
            plan.source.pullRequest === undefined ? '' : `#${plan.source.pullRequest}`
          } at commit \`${plan.source.commit}\`.`,
        ]),
    '',
    `### Policy ${plan.allowed ? '(allowed)' : '(refused)'}`,
    '',
    ...plan.evaluation.results.map((r) => `- ${ruleIcon(r)} **${r.rule}**: ${r.message}`),
    '',
    `### Rendered change of \`${appDirectory(plan.env, plan.cell, plan.package)}\``,
    '',
  ];
  if (plan.rendered === undefined) lines.push(plan.unchanged ? 'No change: the environment already pins this digest.' : '(not rendered)');
  else if (!plan.rendered.ok) lines.push(`> ⚠️ ${plan.rendered.reason}`);
  else lines.push('```diff', plan.rendered.diff === '' ? '(no change in the rendered manifests)' : plan.rendered.diff, '```');
  const marker: PromotionMarker = {
    kind: plan.kind,
    package: plan.package,
    env: plan.env,
    cell: plan.cell,
    version: plan.artifact.version,
    digest: plan.artifact.digest,
    previousDigest: plan.previous?.digest ?? null,
    ...(plan.source === undefined ? {} : { source: plan.source }),
  };
  lines.push('', `<!-- datakit:promotion ${JSON.stringify(marker)} -->`);
  return lines.join('\n') + '\n';
}

/** What the source control is asked to do for a plan. */
export function changeRequestFor(plan: PromotionPlan, reviewers: readonly string[] = []): ChangeRequest {
  return {
    branch: plan.branch,
    baseCommit: plan.baseCommit,
    files: plan.edits.map((e) => ({ path: e.path, content: e.after })),
    commitMessage: plan.commitMessage,
    title: plan.title,
    body: plan.body,
    labels: plan.labels,
    reviewers,
  };
}
