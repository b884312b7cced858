import type { Context, Probot } from 'probot';
import { isDataKitError, type Logger } from '@datakit/sdk/core';
import type { RepositoryAccess } from '../github/repository-access';
import type { AppServices } from '../services';
import { checkName } from './gate-report';
import type { MergeGroupRef, PromotionGateService } from './gate-service';
import { parseMergeQueueRef } from './github-reads';

/**
 * Webhook handlers of the datakit/promotion gate. The repository of the event is the gitops
 * repository. Nothing here throws: a failure is reported on the check run where possible and
 * logged with its code, never left to Probot as a bare stack.
 */

type PullRequestGateContext = Context<'pull_request.opened' | 'pull_request.synchronize' | 'pull_request.reopened' | 'pull_request_review'>;
type RerequestContext = Context<'check_suite.rerequested' | 'check_run.rerequested'>;

interface EventContext {
  id: string;
  name: string;
  payload: { action?: string; repository?: { full_name: string; name: string; owner: { login: string } } };
  log: { child(bindings: Record<string, unknown>): Logger };
}

function eventLog(context: EventContext): Logger {
  const action = context.payload.action;
  return context.log.child({
    deliveryId: context.id,
    event: action === undefined ? context.name : `${context.name}.${action}`,
    repository: context.payload.repository?.full_name,
  });
}

function logFailure(log: Logger, error: unknown, what: string): void {
  if (isDataKitError(error)) {
    log.error({ code: error.code, err: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) }, `${what} failed`);
  } else {
    log.error({ err: error }, `${what} failed`);
  }
}

/** Evaluates one pull request; when that throws before any check run is written, writes the failure on `headSha`. */
async function evaluateSafely(
  gates: PromotionGateService,
  gitops: RepositoryAccess,
  pullNumber: number,
  headSha: string | undefined,
  log: Logger,
): Promise<void> {
  try {
    await gates.evaluatePullRequest(gitops, pullNumber, log);
  } catch (error) {
    logFailure(log, error, `datakit/promotion of pull request #${pullNumber}`);
    // Nothing visible said why: the delivery fails (500), so GitHub shows it and a redelivery runs again.
    if (headSha === undefined) throw error;
    try {
      await gates.reportFailure(gitops, headSha, error, log);
    } catch (reportError) {
      log.warn(
        { err: reportError instanceof Error ? reportError.message : String(reportError) },
        'the failure could not be reported on a check run',
      );
      throw error;
    }
  }
}

async function accessOf(services: AppServices, repository: { name: string; owner: { login: string } }, log: Logger) {
  try {
    return await services.repositories.access(repository.owner.login, repository.name);
  } catch (error) {
    logFailure(log, error, 'installation access');
    throw error;
  }
}

/** pull_request opened / synchronize / reopened and pull_request_review (submitted, edited, dismissed): evaluate that pull request. */
export async function handlePullRequestGate(
  _app: Probot,
  context: PullRequestGateContext,
  services: AppServices,
  gates: PromotionGateService,
): Promise<void> {
  const log = eventLog(context);
  const pull = context.payload.pull_request;
  if (pull.state !== 'open') {
    log.debug({ pullNumber: pull.number }, 'pull request not open; not evaluated');
    return;
  }
  const gitops = await accessOf(services, context.payload.repository, log);
  if (gitops === undefined) return;
  await evaluateSafely(gates, gitops, pull.number, pull.head.sha, log);
}

/**
 * pull_request.closed: merged, a promotion the app opened is recorded on its source repository
 * (deployment, status, comment; once) and the other open pull requests are evaluated again (a
 * prod promotion waiting for int may pass now). Closed without merging: nothing.
 */
export async function handlePullRequestClosed(
  _app: Probot,
  context: Context<'pull_request.closed'>,
  services: AppServices,
  gates: PromotionGateService,
): Promise<void> {
  const log = eventLog(context);
  const pull = context.payload.pull_request;
  if (!pull.merged) {
    log.debug({ pullNumber: pull.number }, 'pull request closed without merging; nothing to do');
    return;
  }
  const gitops = await accessOf(services, context.payload.repository, log);
  if (gitops === undefined) return;
  try {
    const record = await gates.recordMerge(gitops, pull.number, log);
    log.info(
      {
        pullNumber: pull.number,
        ...(record.deployment === undefined ? {} : { deployment: record.deployment }),
        ...(record.comment === undefined ? {} : { comment: record.comment }),
        ...(record.skipped === undefined ? {} : { skipped: record.skipped }),
        reevaluated: record.reevaluated,
      },
      'merged pull request handled',
    );
  } catch (error) {
    logFailure(log, error, `recording merged pull request #${pull.number}`);
    // Failed (500): GitHub shows the delivery as failed and a redelivery records it (idempotently).
    throw error;
  }
}

/**
 * check_run.rerequested (a run named datakit/promotion) and check_suite.rerequested (a suite of
 * this app): the pull requests of the commit are evaluated again; a merge queue commit is
 * evaluated as its merge group.
 */
export async function handleCheckRerequest(
  _app: Probot,
  context: RerequestContext,
  services: AppServices,
  gates: PromotionGateService,
): Promise<void> {
  const log = eventLog(context);
  const payload = context.payload;
  let headSha: string;
  let headBranch: string | null;
  let pullNumbers: number[];
  const repositoryId = payload.repository.id;
  if ('check_run' in payload) {
    const run = payload.check_run;
    if (run.name !== checkName) {
      log.debug({ name: run.name }, 'not a datakit/promotion check run; ignored');
      return;
    }
    headSha = run.head_sha;
    headBranch = run.check_suite?.head_branch ?? null;
    pullNumbers = run.pull_requests.filter((p) => p.base.repo.id === repositoryId).map((p) => p.number);
  } else {
    const suite = payload.check_suite;
    if (suite.app?.id !== undefined && suite.app.id !== services.config.appId) {
      log.debug({ appId: suite.app.id }, "another app's check suite; ignored");
      return;
    }
    headSha = suite.head_sha;
    headBranch = suite.head_branch;
    pullNumbers = suite.pull_requests.filter((p) => p.base.repo.id === repositoryId).map((p) => p.number);
  }
  const gitops = await accessOf(services, payload.repository, log);
  if (gitops === undefined) return;

  const queued = headBranch === null ? undefined : parseMergeQueueRef(headBranch);
  if (queued !== undefined) {
    let baseSha: string | undefined;
    try {
      const { data } = await gitops.octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
        owner: gitops.owner,
        repo: gitops.repo,
        commit_sha: headSha,
      });
      baseSha = data.parents[0]?.sha;
      if (baseSha === undefined) throw new Error(`merge group commit ${headSha} has no parent`);
    } catch (error) {
      logFailure(log, error, 'reading the merge group commit');
      await reportQuietly(gates, gitops, headSha, error, log);
      return;
    }
    await evaluateMergeGroupSafely(gates, gitops, { headSha, baseSha, headRef: headBranch! }, log);
    return;
  }

  if (pullNumbers.length === 0) {
    // Pull requests from forks are not listed in the payload: ask which open ones hold the commit.
    try {
      const pulls = await gitops.octokit.paginate('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
        owner: gitops.owner,
        repo: gitops.repo,
        commit_sha: headSha,
        per_page: 100,
      });
      pullNumbers = pulls.filter((p) => p.state === 'open' && p.head.sha === headSha).map((p) => p.number);
    } catch (error) {
      logFailure(log, error, `finding the pull requests of ${headSha}`);
      await reportQuietly(gates, gitops, headSha, error, log);
      return;
    }
  }
  if (pullNumbers.length === 0) {
    log.info({ headSha }, 'no open pull request holds the commit; nothing to evaluate');
    return;
  }
  for (const number of [...new Set(pullNumbers)]) await evaluateSafely(gates, gitops, number, headSha, log);
}

/** merge_group.checks_requested: the changes the group makes on its base, approvals of its pull request, the run on the group's head. */
export async function handleMergeGroup(
  _app: Probot,
  context: Context<'merge_group.checks_requested'>,
  services: AppServices,
  gates: PromotionGateService,
): Promise<void> {
  const log = eventLog(context);
  const group = context.payload.merge_group;
  const repository = context.payload.repository;
  if (repository === undefined) {
    log.warn('merge_group event without a repository; ignored');
    return;
  }
  const gitops = await accessOf(services, repository, log);
  if (gitops === undefined) return;
  await evaluateMergeGroupSafely(gates, gitops, { headSha: group.head_sha, baseSha: group.base_sha, headRef: group.head_ref }, log);
}

/** evaluateMergeGroup reports its own failures on the check run; what still escapes is only logged. */
async function evaluateMergeGroupSafely(
  gates: PromotionGateService,
  gitops: RepositoryAccess,
  group: MergeGroupRef,
  log: Logger,
): Promise<void> {
  try {
    await gates.evaluateMergeGroup(gitops, group, log);
  } catch (error) {
    logFailure(log, error, 'datakit/promotion of the merge group');
  }
}

async function reportQuietly(
  gates: PromotionGateService,
  gitops: RepositoryAccess,
  headSha: string,
  error: unknown,
  log: Logger,
): Promise<void> {
  try {
    await gates.reportFailure(gitops, headSha, error, log);
  } catch (reportError) {
    log.warn(
      { err: reportError instanceof Error ? reportError.message : String(reportError) },
      'the failure could not be reported on a check run',
    );
    throw error;
  }
}
