import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import type { RunnerContext } from '@datakit/action-common/inputs';
import { actionLogger, describeError, failStep } from '@datakit/action-common/report';
import { systemClock, UsageError } from '@datakit/sdk/core';
import { GitHubSourceControl } from '@datakit/sdk/github';
import {
  assertAllowed,
  GitSourceControl,
  preparePromotion,
  proposePlan,
  registryArtifactResolver,
  type ChangeResult,
  type PromotionPlan,
  type SourceControl,
} from '@datakit/sdk/promotion';
import { packageLocation, parseReference, type OpenTargetOptions } from '@datakit/sdk/registry';
import { readInputs, type Inputs } from './inputs';
import { formatPlan, writeSummary, type Outcome } from './summary';

const heading = 'DataKit promote';
const layoutScheme = 'oci-layout:';

/**
 * Promotes the `package` input (the `version` or `digest` input, resolved in the `registry`
 * input) to the `environment` input of the gitops repository: reads its default branch, plans the
 * change (the policy, the edited files, the rendered kustomize diff), and proposes it on the
 * promotion branch (with a pull request on GitHub) unless refused or a dry run. A refusal fails the
 * step with every reason and pushes nothing. Reports on the log, the outputs and the job summary.
 *
 * The action has no identity of its own: the policy's promoters and approvals are deferred to the
 * pull request, as for `dk promote` without an actor.
 */
export async function run(): Promise<void> {
  let context: RunnerContext | undefined;
  let inputs: Inputs | undefined;
  try {
    inputs = readInputs();
    context = inputs.context;
    const scm = await openGitops(inputs);
    const resolver = registryArtifactResolver(inputs.registry, registryOptions(inputs));
    core.info(
      `Planning ${inputs.package} ${inputs.versionOrDigest} → ${inputs.environment}${inputs.cell === undefined ? '' : `/${inputs.cell}`} on ${scm.description} (packages from ${resolver.description})`,
    );
    const { plan } = await preparePromotion({ scm, clock: systemClock }, resolver, {
      package: inputs.package,
      versionOrDigest: inputs.versionOrDigest,
      env: inputs.environment,
      ...(inputs.cell === undefined ? {} : { cell: inputs.cell }),
    });
    core.setOutput('allowed', plan.allowed);
    core.setOutput('version', plan.artifact.version);
    core.setOutput('digest', plan.artifact.digest);
    core.setOutput('branch', plan.branch);
    core.info(formatPlan(plan, scm));
    if (plan.rendered?.ok === true && plan.rendered.diff !== '') {
      core.startGroup('Rendered change (kustomize build)');
      core.info(plan.rendered.diff);
      core.endGroup();
    } else if (plan.rendered?.ok === false) {
      core.warning(`The rendered change is not shown: ${plan.rendered.reason}`);
    }

    const outcome = await decide(plan, scm, inputs);
    const result = outcome.kind === 'proposed' ? outcome.result : undefined;
    core.setOutput('committed', result?.committed ?? false);
    core.setOutput('pr-url', result?.pullRequest?.url ?? '');
    core.setOutput('pr-number', result?.pullRequest?.number ?? '');
    const message = outcome.kind === 'refused' ? describe(outcome.refusal, inputs) : undefined;
    if (message === undefined) core.info(outcomeLine(plan, outcome));
    if (context.summary) await writeSummary(heading, plan, scm, outcome, message);
    if (message !== undefined) core.setFailed(message);
  } catch (error) {
    await failStep(heading, describe(error, inputs), context?.summary ?? false);
  }
}

/** Refused (nothing pushed), nothing to change, a dry run, or proposed. */
async function decide(plan: PromotionPlan, scm: SourceControl, inputs: Inputs): Promise<Outcome> {
  if (!plan.allowed) return { kind: 'refused', refusal: refusalOf(plan), dryRun: inputs.dryRun };
  if (plan.unchanged) return { kind: 'unchanged', dryRun: inputs.dryRun };
  if (inputs.dryRun) return { kind: 'dry-run', dryRun: true };
  if (inputs.reviewers.length > 0 && inputs.gitops.kind === 'git') {
    core.info(`The reviewers input is for GitHub pull requests; ${scm.description} gets a branch only.`);
  }
  const result = await proposePlan(scm, plan, inputs.reviewers);
  return result === undefined ? { kind: 'unchanged', dryRun: false } : { kind: 'proposed', result, dryRun: false };
}

/** The DK701 error listing every failed rule. */
function refusalOf(plan: PromotionPlan): unknown {
  try {
    assertAllowed(plan.evaluation, {
      kind: plan.kind,
      package: plan.package,
      digest: plan.artifact.digest,
      version: plan.artifact.version,
      toEnv: plan.env,
      cell: plan.cell,
      actor: { login: '', teams: [] },
    });
  } catch (error) {
    return error;
  }
  return new Error(`the promotion of ${plan.package} to ${plan.env}/${plan.cell} was refused`);
}

function outcomeLine(plan: PromotionPlan, outcome: Outcome): string {
  switch (outcome.kind) {
    case 'unchanged':
      return `Nothing to do: ${plan.env}/${plan.cell} already pins ${plan.package} ${plan.artifact.version} (${plan.artifact.digest}).`;
    case 'dry-run':
      return `Dry run: allowed by the policy; nothing was written or pushed (the change would go to ${plan.branch}).`;
    case 'refused':
      return `Refused by the promotion policy: nothing was pushed.`;
    case 'proposed': {
      const { result } = outcome;
      return [proposedLine(result), ...(result.pullRequest ? [pullRequestLine(result.pullRequest)] : [])].join('\n');
    }
  }
}

function proposedLine(result: ChangeResult): string {
  const what = result.committed
    ? `committed ${result.commit.slice(0, 12)}`
    : `already up to date at ${result.commit.slice(0, 12)} (no new commit)`;
  const where = result.pushed ? 'pushed to the gitops repository' : 'in the local gitops repository (no remote): merge it when reviewed';
  return `Branch ${result.branch}: ${what}, ${where}${result.retries ? ` after ${result.retries} retry(ies) on a moved branch` : ''}.`;
}

function pullRequestLine(pullRequest: NonNullable<ChangeResult['pullRequest']>): string {
  return `Pull request #${pullRequest.number} ${pullRequest.created ? 'opened' : 'updated'}: ${pullRequest.url}`;
}

/** The GitHub API for owner/repo (with the token input), plain git for a checkout or a URL. */
async function openGitops(inputs: Inputs): Promise<SourceControl> {
  const { gitops, context } = inputs;
  if (gitops.kind === 'github') {
    if (inputs.token === undefined) {
      throw new UsageError(
        'DK708',
        `input token is empty: gitops-repo ${inputs.gitopsRepo} is a repository on GitHub, which the action reads and opens pull requests on with a token`,
        {
          hint:
            'Set the token input to a token with contents: write and pull-requests: write on the gitops repository (a GitHub App installation ' +
            "token or a fine-grained token from a secret; the default job token only reaches the workflow's own repository).",
        },
      );
    }
    const shadowed = await stat(path.resolve(context.workspace, inputs.gitopsRepo)).catch(() => undefined);
    if (shadowed?.isDirectory()) {
      core.warning(
        `gitops-repo ${inputs.gitopsRepo} is read as the GitHub repository ${gitops.owner}/${gitops.repo}; to use the directory of that name in the workspace, write ./${inputs.gitopsRepo}`,
      );
    }
    return new GitHubSourceControl({
      owner: gitops.owner,
      repo: gitops.repo,
      token: inputs.token,
      baseUrl: gitops.apiUrl,
      logger: actionLogger,
    });
  }
  return GitSourceControl.open(gitops.location, {
    cwd: context.workspace,
    cacheDir: gitops.cacheDir,
    clock: systemClock,
    logger: actionLogger,
    requireClean: true,
  });
}

/**
 * Where the version is resolved. The sdk's lookup gets the username and password inputs alone when
 * given (it only ever asks for the registry's host); otherwise the job's DK_REGISTRY_* variables
 * and Docker config, with the token input for ghcr.io only, as in datakit/publish.
 */
function registryOptions(inputs: Inputs): OpenTargetOptions {
  const options = {
    cwd: inputs.context.workspace,
    logger: actionLogger,
    ...(inputs.plainHttp ? { plainHttp: true } : {}),
    ...(inputs.caFile !== undefined ? { caFile: inputs.caFile } : {}),
  };
  if (inputs.registry.startsWith(layoutScheme)) return { ...options, credentials: { env: {} } };
  if (inputs.login) {
    return {
      ...options,
      credentials: { env: { DK_REGISTRY_USERNAME: inputs.login.username, DK_REGISTRY_PASSWORD: inputs.login.password } },
    };
  }
  const { host } = parseReference(packageLocation(inputs.registry, inputs.package));
  const ghcr = host.toLowerCase() === 'ghcr.io';
  return { ...options, credentials: { env: { ...inputs.lookupEnv, ...(ghcr && inputs.token ? { GITHUB_TOKEN: inputs.token } : {}) } } };
}

const flagInputs: Record<string, string> = { cell: 'cell', registry: 'registry', gitops: 'gitops-repo', to: 'environment' };

/** The failure message: code, message and a hint that names the action's inputs. */
function describe(error: unknown, inputs: Inputs | undefined): string {
  const hints: Record<string, string> = {
    DK702:
      'Set the environment input to one of the environments listed, or add it to datakit-promotion.yaml of the gitops repository by pull request.',
    DK703: 'Set the cell input to one of the cells listed, or add the cell to the environment in datakit-promotion.yaml.',
    DK704:
      'Check the package input, and that the registry input names where the package was published (the registry input of datakit/publish).',
    DK705: 'Publish that version first (datakit/publish), or check the version or digest input and the registry input.',
    DK707: 'Promote from a clean checkout of the gitops repository (a fresh actions/checkout): the action never reads uncommitted changes.',
    DK709:
      'Check the gitops-repo input: a checkout of the gitops repository relative to the repository root (actions/checkout with fetch-depth: 0), ' +
      'a git URL the runner can read and push to, or owner/repo for a repository on GitHub.',
    DK523:
      'The registry (or its token service) answered 401 Unauthorized. Check the username and password inputs (they must be set together); for ghcr.io without them, ' +
      'the token input is used: it needs read access to the package.',
  };
  let text = describeError(error, hints).replace(/--(cell|registry|gitops|to)\b/g, (_, flag: string) => `the ${flagInputs[flag]} input`);
  if (inputs?.login) text = text.replaceAll('DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD', 'the username and password inputs');
  // The sdk's advice names the CLI's GITHUB_TOKEN; here the GitHub token (and ghcr.io's) is the token input.
  return text
    .replaceAll('credentials from GITHUB_TOKEN', 'credentials from the token input')
    .replaceAll('(GITHUB_TOKEN)', '(the token input)');
}
