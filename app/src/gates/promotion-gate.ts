import { verifiedPromotionMarker } from '../marker-signature';
import type { Probot } from 'probot';
import { isDataKitError, type Logger } from '@datakit/sdk/core';
import { GitHubSourceControl } from '@datakit/sdk/github';
import {
  evaluatePromotion,
  findEnvironment,
  GitopsFileError,
  parseChangeBranch,
  parseDeployment,
  parsePolicy,
  policyFileName,
  readGitopsState,
  type Actor,
  type EnvironmentPolicy,
  type GitopsState,
  type PromotionMarker,
  type GitopsSnapshot,
} from '@datakit/sdk/promotion';
import { createArtifactChecks, registryHost, type ArtifactChecks } from '../artifact-checks';
import { activeTeams, canWrite, isBot, policyTeams, repositoryRole } from '../authorize';
import type { RepositoryAccess } from '../github/repository-access';
import type { AppServices } from '../services';
import { countApprovals, listReviews, type ApprovalSummary } from './approvals';
import {
  classifyChanges,
  comparedFiles,
  maxListedFiles,
  pullRequestFiles,
  type DeploymentChange,
  type GitopsChanges,
} from './changed-files';
import { writeCheckRun } from './check-run';
import { renderFailure, renderReport, shortDigest, type PolicyChange, type Report } from './gate-report';
import type {
  GateOutcome,
  GateResult,
  GateTarget,
  MergeGroupRef,
  MergeRecord,
  PromotionGateService,
  EvaluateOptions,
} from './gate-service';
import { parseMergeQueueRef, readFileAt, readPull, sameLogin, type PullInfo } from './github-reads';
import { recordPromotionDeployment } from './merged-promotion';

export interface GateServiceOptions {
  /** The registry checks (a fresh cache by default). */
  artifactChecks?: ArtifactChecks;
  /** Open pull requests evaluated again after a merge, at most; 20 by default. */
  maxReevaluations?: number;
}

/** What one evaluation works on: the changed files of a pull request or merge group, at one commit. */
interface EvaluationInput {
  gitops: RepositoryAccess;
  changes: GitopsChanges;
  /** Where files are read and the check run is written. */
  headSha: string;
  subject: string;
  /** The pull request whose author and reviews count; undefined when it cannot be known. */
  pull: PullInfo | undefined;
  /** The commit approvals must have been given on. */
  approvalSha: string | undefined;
  log: Logger;
  /** The default branch as the caller just read it (the /promote that opened the PR); read afresh otherwise. */
  snapshot?: GitopsSnapshot;
  memberships?: EvaluateOptions['memberships'];
}

/** What every target of one evaluation shares. */
interface EvaluationContext extends EvaluationInput {
  state: GitopsState;
  marker: PromotionMarker | undefined;
  approvals: ApprovalSummary;
  botLogin: string | undefined;
  trustedHosts: ReadonlySet<string>;
  teamsOf(login: string, env: EnvironmentPolicy | undefined): Promise<string[]>;
}

const unknownActor = '(unknown)';

/**
 * The datakit/promotion gate: evaluates what a gitops pull request (or merge group) changes in
 * deployment pins against the promotion policy of the gitops repository's default branch, the
 * deployment state there, the reviews and the registry, and writes the result as one check run
 * per commit.
 */
export function createGateService(app: Probot, services: AppServices, options: GateServiceOptions = {}): PromotionGateService {
  const artifactChecks = options.artifactChecks ?? createArtifactChecks({ registryOptions: services.registryOptions });
  const maxReevaluations = options.maxReevaluations ?? 20;
  const configuredRegistryHost = services.config.registry === undefined ? undefined : registryHost(services.config.registry);

  async function botLogin(): Promise<string | undefined> {
    try {
      return await services.botLogin(app);
    } catch {
      return undefined;
    }
  }

  async function write(gitops: RepositoryAccess, headSha: string, report: Report) {
    return writeCheckRun(
      { octokit: gitops.octokit, owner: gitops.owner, repo: gitops.repo, headSha, appId: services.config.appId },
      report,
      services.clock,
    );
  }

  async function reportFailure(gitops: RepositoryAccess, headSha: string, error: unknown, log: Logger): Promise<void> {
    const written = await write(gitops, headSha, renderFailure(error, headSha));
    log.info({ checkRun: written.id, headSha }, 'datakit/promotion: evaluation failed; failure reported on the check run');
  }

  async function evaluate(input: EvaluationInput): Promise<GateOutcome> {
    try {
      return await evaluateChanges(input);
    } catch (error) {
      return failedOutcome(input.gitops, input.headSha, error, input.log);
    }
  }

  /** Logs why an evaluation could not complete and says so on the check run; throws the error when even that fails. */
  async function failedOutcome(gitops: RepositoryAccess, headSha: string, error: unknown, log: Logger): Promise<GateOutcome> {
    log.error(
      isDataKitError(error)
        ? { code: error.code, err: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }), headSha }
        : { err: error, headSha },
      'datakit/promotion could not be evaluated',
    );
    const report = renderFailure(error, headSha);
    let written;
    try {
      written = await write(gitops, headSha, report);
    } catch (writeError) {
      log.warn({ err: describe(writeError), headSha }, 'the failed datakit/promotion check run could not be written either');
      throw error;
    }
    return { headSha, ...report, targets: [], checkRunId: written.id, checkRunUrl: written.url };
  }

  async function evaluateChanges(input: EvaluationInput): Promise<GateOutcome> {
    const { gitops, changes, headSha, pull, log } = input;
    const { owner, repo, octokit } = gitops;
    const snapshot =
      input.snapshot ??
      (await new GitHubSourceControl({
        owner,
        repo,
        token: await gitops.token(),
        baseUrl: services.config.githubApiUrl,
        logger: log,
        objects: services.gitObjects,
      }).readSnapshot());
    const packages = [...new Set(changes.deployments.map((d) => d.package))];
    const state = await readGitopsState(snapshot, { packages });
    const policyChange = changes.policyChanged ? await readPolicyChange(gitops, headSha, changes) : undefined;
    const counted =
      pull === undefined || input.approvalSha === undefined
        ? { approvers: [], stale: [] }
        : countApprovals(await listReviews(octokit, owner, repo, pull.number), input.approvalSha);
    // GitHub counts reviews of people with write access only; so does the gate (an outsider's
    // approval on a public gitops repository is not an approval).
    const roles = await Promise.all(counted.approvers.map((login) => repositoryRole(octokit, owner, repo, login)));
    const approvals = { ...counted, approvers: counted.approvers.filter((_, i) => canWrite(roles[i]!)) };
    const trustedHosts = new Set<string>();
    if (configuredRegistryHost !== undefined) trustedHosts.add(configuredRegistryHost);
    for (const deployment of state.deployments) {
      const host = registryHost(deployment.ref);
      if (host !== undefined) trustedHosts.add(host);
    }
    const teams = new Map<string, Promise<string[]>>();
    for (const [login, known] of input.memberships ?? []) {
      teams.set(`${login.toLowerCase()}\0${[...known.checked].sort().join(',')}`, Promise.resolve([...known.teams]));
    }
    const context: EvaluationContext = {
      ...input,
      state,
      marker: verifiedPromotionMarker(pull?.body, services.markerKey),
      approvals,
      botLogin: pull === undefined ? undefined : await botLogin(),
      trustedHosts,
      teamsOf(login, env) {
        const wanted = policyTeams(env);
        if (wanted.length === 0 || login === unknownActor || isBot({ login })) return Promise.resolve([]);
        const key = `${login.toLowerCase()}\0${[...wanted].sort().join(',')}`;
        let found = teams.get(key);
        if (!found) {
          found = activeTeams(octokit, login, wanted);
          teams.set(key, found);
        }
        return found;
      },
    };
    const targets: GateTarget[] = [];
    // One after another: each target's GitHub and registry calls already run in parallel.
    for (const change of changes.deployments) targets.push(await evaluateTarget(context, change));
    const report = renderReport({
      targets,
      policy: { branch: state.branch, commit: state.commit, file: state.policy.file },
      ...(policyChange === undefined ? {} : { policyChange }),
      headSha,
      subject: input.subject,
    });
    const written = await write(gitops, headSha, report);
    log.info(
      {
        checkRun: written.id,
        created: written.created,
        headSha,
        conclusion: report.conclusion,
        targets: targets.map((t) => ({ env: t.env, cell: t.cell, package: t.package, passed: t.passed })),
      },
      `datakit/promotion: ${report.title}`,
    );
    return {
      headSha,
      ...report,
      targets,
      checkRunId: written.id,
      checkRunUrl: written.url,
      policySource: { branch: state.branch, commit: state.commit, file: state.policy.file },
    };
  }

  async function readPolicyChange(gitops: RepositoryAccess, headSha: string, changes: GitopsChanges): Promise<PolicyChange> {
    if (changes.policyRemoved) return { state: 'removed' };
    const text = await readFileAt(gitops.octokit, gitops.owner, gitops.repo, headSha, policyFileName);
    if (text === undefined) return { state: 'removed' };
    try {
      parsePolicy(text, policyFileName);
      return { state: 'valid' };
    } catch (error) {
      if (isDataKitError(error) && error.code === 'DK700') return { state: 'invalid', message: error.message };
      throw error;
    }
  }

  async function evaluateTarget(context: EvaluationContext, change: DeploymentChange): Promise<GateTarget> {
    const { state, gitops, headSha } = context;
    const base = { package: change.package, env: change.env, cell: change.cell, path: change.path };
    const live = state.deployments.find((d) => d.path === change.path);
    if (change.change === 'removed') {
      const results: GateResult[] = [
        {
          rule: 'file',
          passed: false,
          message: `removing ${change.path} takes ${change.package} out of ${change.env}/${change.cell}: that is not a promotion, so datakit/promotion does not allow it (an administrator merges a decommission past this check)`,
        },
      ];
      return { ...base, version: live?.version ?? '', digest: live?.digest ?? '', kind: 'remove', results, passed: false };
    }
    const text = await readFileAt(gitops.octokit, gitops.owner, gitops.repo, headSha, change.path);
    if (text === undefined) {
      const results: GateResult[] = [{ rule: 'file', passed: false, message: `${change.path} is not a file at ${headSha.slice(0, 7)}` }];
      return { ...base, version: '', digest: '', results, passed: false };
    }
    let parsed;
    try {
      parsed = parseDeployment(text, change.path);
    } catch (error) {
      if (!(error instanceof GitopsFileError)) throw error;
      const results: GateResult[] = [{ rule: 'file', passed: false, message: `${error.code} ${error.message}` }];
      return { ...base, version: '', digest: '', results, passed: false };
    }
    const fileResults: GateResult[] = [];
    if (parsed.name !== change.package) {
      fileResults.push({
        rule: 'file',
        passed: false,
        message: `spec.package.name is ${parsed.name}, but the file is in apps/${change.package}/: the directory names the package`,
      });
    }
    if (parsed.cell !== undefined && parsed.cell !== change.cell) {
      fileResults.push({ rule: 'file', passed: false, message: `spec.cell is ${parsed.cell}, but the file is in cells/${change.cell}/` });
    }

    const env = findEnvironment(state.policy, change.env);
    const notes: string[] = [];
    const kind = decideKind(context, change, parsed.digest, live, notes);
    const actor = resolveActor(context, change, parsed.digest, notes);
    const [actorTeams, approvers, registry] = await Promise.all([
      context.teamsOf(actor, env),
      Promise.all(context.approvals.approvers.map(async (login): Promise<Actor> => ({ login, teams: await context.teamsOf(login, env) }))),
      artifactChecks.check({ ref: parsed.ref, digest: parsed.digest }, { trustedHosts: context.trustedHosts, log: context.log }),
    ]);
    const evaluation = evaluatePromotion(
      state.policy,
      {
        kind,
        package: change.package,
        digest: parsed.digest,
        version: parsed.version,
        toEnv: change.env,
        cell: change.cell,
        actor: { login: actor, teams: actorTeams },
        approvals: approvers,
      },
      state.deployments,
      services.clock,
    );
    const unchanged = live !== undefined && live.digest === parsed.digest;
    const policyResults: GateResult[] = evaluation.results.map((r) =>
      unchanged && (r.rule === 'order' || r.rule === 'soak')
        ? {
            rule: r.rule,
            passed: true,
            message: `pin unchanged: ${shortDigest(parsed.digest)} is already live in ${change.env}/${change.cell}`,
          }
        : { rule: r.rule, passed: r.passed, message: r.message },
    );
    if (context.approvals.stale.length > 0) {
      notes.push(
        `Approvals given before the last push do not count: ${context.approvals.stale.map((l) => `@${l}`).join(', ')} (approve the current head again).`,
      );
    }
    const results = [...fileResults, ...policyResults, registry.artifact, registry.lint];
    return {
      ...base,
      version: parsed.version,
      digest: parsed.digest,
      ref: parsed.ref,
      kind,
      actor,
      approvers: context.approvals.approvers,
      results,
      passed: results.every((r) => r.passed),
      ...(notes.length > 0 ? { notes } : {}),
    };
  }

  /**
   * A rollback (skipping order and soak) is what the branch (datakit/rollback/…) or the promotion
   * marker claims, and only to a digest this env/cell pinned before: otherwise anyone could name a
   * branch datakit/rollback/… to skip the order rule.
   */
  function decideKind(
    context: EvaluationContext,
    change: DeploymentChange,
    digest: string,
    live: GitopsState['deployments'][number] | undefined,
    notes: string[],
  ): 'promote' | 'rollback' {
    const { pull, marker } = context;
    const branch = pull === undefined ? undefined : parseChangeBranch(pull.headRef);
    const same = (claim: { env: string; cell: string; package: string } | undefined) =>
      claim !== undefined && claim.env === change.env && claim.cell === change.cell && claim.package === change.package;
    const claimed = (branch?.kind === 'rollback' && same(branch)) || (marker?.kind === 'rollback' && same(marker));
    if (!claimed) return 'promote';
    const pinnedBefore = live !== undefined && live.digest !== digest && live.history.some((entry) => entry.digest === digest);
    if (pinnedBefore) return 'rollback';
    notes.push(
      `Evaluated as a promotion: a rollback goes back to a digest ${change.env}/${change.cell} pinned before, and the history of the default branch does not show ${shortDigest(digest)} there.`,
    );
    return 'promote';
  }

  /**
   * Who the promotion is attributed to: for a pull request the app opened, the person who asked
   * for it (the marker's requester), provided the file pins what they asked for; for any other
   * pull request, its author.
   */
  function resolveActor(context: EvaluationContext, change: DeploymentChange, digest: string, notes: string[]): string {
    const { pull, marker, botLogin: bot } = context;
    if (pull === undefined) {
      notes.push('The pull request of this change could not be found: nobody is credited with it.');
      return unknownActor;
    }
    if (!sameLogin(pull.author, bot)) return pull.author;
    const matches =
      marker !== undefined &&
      marker.package === change.package &&
      marker.env === change.env &&
      marker.cell === change.cell &&
      marker.digest === digest;
    if (matches && marker.source?.requestedBy) return marker.source.requestedBy;
    notes.push(
      matches
        ? 'The app opened this pull request but recorded no requester: it is credited to the app, which is no promoter.'
        : `The app opened this pull request, but ${change.path} does not pin what was requested: it is credited to the app, which is no promoter.`,
    );
    return pull.author;
  }

  async function evaluatePullRequest(
    gitops: RepositoryAccess,
    pullNumber: number,
    log: Logger,
    options: EvaluateOptions = {},
  ): Promise<GateOutcome | undefined> {
    const key = `gate:${gitops.owner}/${gitops.repo}#${pullNumber}`.toLowerCase();
    return services.locks.run(key, async () => {
      const { octokit, owner, repo } = gitops;
      const pull = await readPull(octokit, owner, repo, pullNumber);
      if (pull.state !== 'open') {
        log.debug({ pullNumber, state: pull.state }, 'datakit/promotion: the pull request is not open; not evaluated');
        return undefined;
      }
      if (pull.defaultBranch !== undefined && pull.baseRef !== pull.defaultBranch) {
        // Only the default branch is deployed (and holds the policy and the deployment state).
        log.debug({ pullNumber, base: pull.baseRef }, 'datakit/promotion: the pull request is not into the default branch; not evaluated');
        return undefined;
      }
      let changes: GitopsChanges;
      try {
        const files = await pullRequestFiles(octokit, owner, repo, pullNumber);
        if (files.length >= maxListedFiles) {
          throw new Error(
            `pull request #${pullNumber} changes ${maxListedFiles} files or more: GitHub does not list them all, so its pins cannot be checked`,
          );
        }
        changes = classifyChanges(files);
      } catch (error) {
        return failedOutcome(gitops, pull.headSha, error, log);
      }
      if (changes.deployments.length === 0 && !changes.policyChanged) {
        log.debug({ pullNumber }, 'datakit/promotion: no deployment pin or policy changed; no check run');
        return undefined;
      }
      return evaluate({
        gitops,
        changes,
        headSha: pull.headSha,
        subject: `pull request #${pullNumber}`,
        pull,
        approvalSha: pull.headSha,
        log,
        ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
        ...(options.memberships === undefined ? {} : { memberships: options.memberships }),
      });
    });
  }

  async function evaluateMergeGroup(gitops: RepositoryAccess, group: MergeGroupRef, log: Logger): Promise<GateOutcome | undefined> {
    const key = `gate:${gitops.owner}/${gitops.repo}@${group.headSha}`.toLowerCase();
    return services.locks.run(key, async () => {
      const { octokit, owner, repo } = gitops;
      const queued = parseMergeQueueRef(group.headRef);
      const subject = queued === undefined ? `merge group ${group.headRef}` : `the merge group of pull request #${queued.pullNumber}`;
      let changes: GitopsChanges;
      try {
        const files = await comparedFiles(octokit, owner, repo, group.baseSha, group.headSha);
        if (files === undefined)
          throw new Error(`the merge group changes too many files for GitHub to list them all, so its pins cannot be checked`);
        changes = classifyChanges(files);
      } catch (error) {
        return failedOutcome(gitops, group.headSha, error, log);
      }
      if (changes.deployments.length === 0 && !changes.policyChanged) {
        log.debug({ headRef: group.headRef }, 'datakit/promotion: the merge group changes no deployment pin or policy; no check run');
        return undefined;
      }
      let pull: PullInfo | undefined;
      if (queued !== undefined) {
        try {
          pull = await readPull(octokit, owner, repo, queued.pullNumber);
        } catch (error) {
          return failedOutcome(gitops, group.headSha, error, log);
        }
      }
      return evaluate({ gitops, changes, headSha: group.headSha, subject, pull, approvalSha: queued?.headSha, log });
    });
  }

  async function reevaluateOpenPullRequests(gitops: RepositoryAccess, except: number, log: Logger): Promise<number[]> {
    const { octokit, owner, repo } = gitops;
    const pulls = await octokit.paginate('GET /repos/{owner}/{repo}/pulls', { owner, repo, state: 'open', per_page: 100 });
    const candidates = pulls
      .filter((p) => p.number !== except && (p.base.repo?.default_branch === undefined || p.base.ref === p.base.repo.default_branch))
      .map((p) => ({ number: p.number, datakit: parseChangeBranch(p.head.ref) !== undefined }))
      .sort((a, b) => Number(b.datakit) - Number(a.datakit) || a.number - b.number);
    if (candidates.length > maxReevaluations) {
      log.info(
        { open: candidates.length, evaluated: maxReevaluations },
        'datakit/promotion: only the first open pull requests are evaluated again',
      );
    }
    const evaluated: number[] = [];
    for (const candidate of candidates.slice(0, maxReevaluations)) {
      try {
        const outcome = await evaluatePullRequest(gitops, candidate.number, log);
        if (outcome !== undefined) evaluated.push(candidate.number);
      } catch (error) {
        log.warn({ pullNumber: candidate.number, err: describe(error) }, 'datakit/promotion: re-evaluation after a merge failed');
      }
    }
    return evaluated;
  }

  async function recordMerge(gitops: RepositoryAccess, pullNumber: number, log: Logger): Promise<MergeRecord> {
    const { octokit, owner, repo } = gitops;
    const pull = await readPull(octokit, owner, repo, pullNumber);
    if (!pull.merged) return { skipped: 'the pull request was closed without merging', reevaluated: [] };
    if (pull.defaultBranch === undefined || pull.baseRef !== pull.defaultBranch) {
      // Only the default branch is deployed: a merge elsewhere (a retargeted PR) deploys nothing.
      return { skipped: `merged into ${pull.baseRef}, not the default branch`, reevaluated: [] };
    }
    const changes = classifyChanges(await pullRequestFiles(octokit, owner, repo, pullNumber));
    const marker = verifiedPromotionMarker(pull.body, services.markerKey);
    const record: MergeRecord = { reevaluated: [] };
    let failure: unknown;
    try {
      Object.assign(record, await recordPromotionDeployment({ app, services, gitops, pull, marker, log }));
    } catch (error) {
      failure = error;
    }
    if (changes.deployments.length > 0 || changes.policyChanged || marker !== undefined) {
      record.reevaluated = await reevaluateOpenPullRequests(gitops, pullNumber, log);
    }
    if (failure !== undefined) throw failure;
    return record;
  }

  return { evaluatePullRequest, evaluateMergeGroup, reportFailure, recordMerge };
}

function describe(error: unknown): string {
  if (isDataKitError(error)) return `${error.code} ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
