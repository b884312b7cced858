import type { Probot } from 'probot';
import { isDataKitError, type Logger } from '@datakit/sdk/core';
import {
  defaultPolicy,
  deploymentPath,
  parseDeployment,
  parsePolicy,
  policyFileName,
  type Policy,
  type PromotionMarker,
} from '@datakit/sdk/promotion';
import type { AppOctokit } from '../github/app-octokit';
import type { RepositoryAccess } from '../github/repository-access';
import type { AppServices } from '../services';
import type { MergeRecord } from './gate-service';
import { readFileAt, sameLogin, type PullInfo } from './github-reads';

export interface MergedPromotion {
  app: Probot;
  services: AppServices;
  gitops: RepositoryAccess;
  pull: PullInfo;
  marker: PromotionMarker | undefined;
  log: Logger;
}

/** The payload of the deployments the app creates (GitHub keeps it as JSON). */
export interface DeploymentPayload {
  package: string;
  version: string;
  digest: string;
  cell: string;
  gitopsPullRequest: string;
}

/** Hidden in the source pull request comment: one comment per merged gitops pull request. */
export function deployedMarker(gitopsPullRequestUrl: string): string {
  return `<!-- datakit:deployed ${gitopsPullRequestUrl} -->`;
}

/**
 * A merged promotion the app opened, recorded where it came from: a GitHub deployment (task
 * deploy, environment = the gitops environment) of the source commit on the source repository
 * with a success status, and a comment on the source pull request. Idempotent: a repeated
 * delivery, or a second closed event, finds the deployment (same commit, environment, digest and
 * gitops pull request), its status and the comment, and creates none of them again.
 *
 * The marker of a pull request is trusted only when the app opened it and the merge commit pins
 * exactly the marker's digest in the marker's env/cell: a pull request body anyone wrote cannot
 * make the app create deployments on another repository.
 */
export async function recordPromotionDeployment(input: MergedPromotion): Promise<Omit<MergeRecord, 'reevaluated'>> {
  const { app, services, gitops, pull, marker, log } = input;
  if (marker === undefined) return { skipped: 'not a DataKit promotion (no promotion marker in the body)' };
  const source = marker.source;
  if (source === undefined) return { skipped: 'the promotion names no source repository' };
  const bot = await services.botLogin(app);
  if (!sameLogin(pull.author, bot)) {
    log.warn({ author: pull.author }, 'a merged pull request carries a promotion marker but was not opened by the app; nothing recorded');
    return { skipped: `the pull request was opened by @${pull.author}, not by the app: its promotion marker is not trusted` };
  }
  const [sourceOwner, sourceRepo, ...extra] = source.repository.split('/');
  if (!sourceOwner || !sourceRepo || extra.length > 0) return { skipped: `"${source.repository}" is not a repository (owner/name)` };
  const merged = pull.mergeCommitSha;
  if (merged === null) return { skipped: 'GitHub reports no merge commit' };
  const file = deploymentPath(marker.env, marker.cell, marker.package);
  const text = await readFileAt(gitops.octokit, gitops.owner, gitops.repo, merged, file);
  let pinned: string | undefined;
  try {
    pinned = text === undefined ? undefined : parseDeployment(text, file).digest;
  } catch {
    pinned = undefined;
  }
  if (pinned !== marker.digest) {
    log.warn({ file, pinned, requested: marker.digest }, 'the merged pull request does not pin the requested digest; nothing recorded');
    return { skipped: `${file} at the merge commit does not pin ${marker.digest}` };
  }

  let access: RepositoryAccess;
  try {
    access = await services.repositories.access(sourceOwner, sourceRepo);
  } catch (error) {
    if (isDataKitError(error) && error.code === 'DK806') {
      log.warn({ repository: source.repository }, error.message);
      return { skipped: error.message };
    }
    throw error;
  }
  const policy = await readPolicy(gitops, merged);
  const environments = policy.environments;
  const payload: DeploymentPayload = {
    package: marker.package,
    version: marker.version,
    digest: marker.digest,
    cell: marker.cell,
    gitopsPullRequest: pull.htmlUrl,
  };
  const key = `deployment:${source.repository}@${source.commit}:${marker.env}/${marker.cell}`.toLowerCase();
  return services.locks.run(key, async () => {
    const { octokit } = access;
    const where = { owner: sourceOwner, repo: sourceRepo };
    let deployment = await findDeployment(octokit, sourceOwner, sourceRepo, source.commit, marker.env, payload);
    let created = false;
    if (deployment === undefined) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/deployments', {
        ...where,
        ref: source.commit,
        task: 'deploy',
        environment: marker.env,
        auto_merge: false,
        required_contexts: [],
        payload: { ...payload },
        description: truncate(`${marker.package} ${marker.version} pinned in ${marker.env}/${marker.cell}`, 140),
        production_environment: environments.at(-1)?.name === marker.env,
        transient_environment: false,
      });
      if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no reason given'}`);
      deployment = Number(data.id);
      created = true;
    }
    const statuses = await octokit.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
      ...where,
      deployment_id: deployment,
      per_page: 100,
    });
    if (!statuses.data.some((status) => status.state === 'success')) {
      await octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
        ...where,
        deployment_id: deployment,
        state: 'success',
        log_url: pull.htmlUrl,
        environment: marker.env,
        description: truncate(`pinned in ${marker.env}/${marker.cell}; Argo CD syncs it`, 140),
      });
    }
    log.info(
      { repository: source.repository, deployment, created, environment: marker.env, digest: marker.digest },
      created ? 'deployment recorded on the source repository' : 'deployment already recorded',
    );
    const record: Omit<MergeRecord, 'reevaluated'> = { deployment: { repository: source.repository, id: deployment, created } };
    if (source.pullRequest !== undefined) {
      record.comment = await commentOnce(
        octokit,
        sourceOwner,
        sourceRepo,
        source.pullRequest,
        pull,
        marker,
        `${gitops.owner}/${gitops.repo}`,
      );
    }
    return record;
  });
}

async function findDeployment(
  octokit: AppOctokit,
  owner: string,
  repo: string,
  sha: string,
  environment: string,
  payload: DeploymentPayload,
): Promise<number | undefined> {
  const deployments = await octokit.paginate('GET /repos/{owner}/{repo}/deployments', {
    owner,
    repo,
    sha,
    environment,
    task: 'deploy',
    per_page: 100,
  });
  const match = deployments.find((deployment) => {
    const given = payloadOf(deployment.payload);
    return (
      deployment.sha === sha &&
      given.digest === payload.digest &&
      given.cell === payload.cell &&
      given.gitopsPullRequest === payload.gitopsPullRequest
    );
  });
  return match === undefined ? undefined : Number(match.id);
}

/** GitHub returns a deployment's payload as an object, or as the JSON text it was given. */
function payloadOf(payload: unknown): Partial<DeploymentPayload> {
  if (typeof payload === 'string') {
    try {
      return payloadOf(JSON.parse(payload));
    } catch {
      return {};
    }
  }
  return typeof payload === 'object' && payload !== null ? (payload as Partial<DeploymentPayload>) : {};
}

async function commentOnce(
  octokit: AppOctokit,
  owner: string,
  repo: string,
  issueNumber: number,
  pull: PullInfo,
  marker: PromotionMarker,
  gitopsRepository: string,
): Promise<{ id: number; created: boolean }> {
  const hidden = deployedMarker(pull.htmlUrl);
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const existing = comments.find((comment) => comment.body?.includes(hidden));
  if (existing) return { id: Number(existing.id), created: false };
  const by = pull.mergedBy === undefined ? '' : ` (merged by @${pull.mergedBy})`;
  const body = [
    `🚀 ${marker.package} ${marker.version} (\`${marker.digest}\`) is now pinned in ${marker.env}/${marker.cell} by [${gitopsRepository}#${pull.number}](${pull.htmlUrl})${by}.`,
    '',
    hidden,
  ].join('\n');
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: issueNumber,
    body,
  });
  return { id: Number(data.id), created: true };
}

/** The policy of the merge commit (the default branch after the merge); the default policy when it has none or it is invalid. */
async function readPolicy(gitops: RepositoryAccess, commit: string): Promise<Policy> {
  const text = await readFileAt(gitops.octokit, gitops.owner, gitops.repo, commit, policyFileName);
  if (text === undefined) return defaultPolicy();
  try {
    return parsePolicy(text, policyFileName);
  } catch {
    return defaultPolicy();
  }
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
