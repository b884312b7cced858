import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataKitError } from '../../src/core/errors';
import { GitHubSourceControl } from '../../src/github';
import type { ChangeRequest } from '../../src/promotion/source-control';
import { recordingLogger } from '../helpers/lineage/recording-logger';
import {
  api,
  comparePayload,
  errorPayload,
  gitCommitPayload,
  labelsPayload,
  oid,
  owner,
  pullPayload,
  recordingFetch,
  recordingSleep,
  refPayload,
  repo,
  repoPath,
  repositoryPayload,
  token,
  treePayload,
} from './github-payloads';

const branch = 'datakit/promote/prod/c0/orders';
const refPath = `${repoPath}/git/ref/${encodeURIComponent(`heads/${branch}`)}`;
const refsPath = `${repoPath}/git/refs/${encodeURIComponent(`heads/${branch}`)}`;
const deploymentPath = 'envs/prod/cells/c0/apps/orders/packagedeployment.yaml';
const kustomizationPath = 'envs/prod/cells/c0/apps/orders/kustomization.yaml';
const oldDeployment = 'spec:\n  package:\n    version: 0.1.0\n';
const newDeployment = 'spec:\n  package:\n    version: 0.2.0\n';
const kustomization = 'resources:\n  - packagedeployment.yaml\n';
const base = oid('base');

function request(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    branch,
    baseCommit: base,
    files: [
      { path: deploymentPath, content: newDeployment },
      { path: kustomizationPath, content: kustomization },
    ],
    commitMessage: 'Promote orders 0.2.0 to prod/c0',
    title: 'Promote orders 0.2.0 to prod/c0',
    body: 'digest sha256:…',
    labels: ['datakit/promotion', 'env/prod'],
    reviewers: ['alice'],
    ...overrides,
  };
}

function client() {
  const logger = recordingLogger();
  const recorder = recordingFetch();
  const source = new GitHubSourceControl({
    owner,
    repo,
    token,
    logger,
    fetch: recorder.fetch,
    sleep: recordingSleep().sleep,
    random: () => 0,
  });
  return { logger, source, sent: recorder.sent };
}

/** The JSON bodies sent to a method and path suffix. */
function bodies(sent: ReturnType<typeof client>['sent'], method: string, suffix: string): Record<string, unknown>[] {
  return sent
    .filter((call) => call.method === method && new URL(call.url).pathname.endsWith(suffix))
    .map((call) => JSON.parse(call.body ?? '{}') as Record<string, unknown>);
}

/** A parent commit whose tree holds the given deployment file. */
function parentAt(scope: nock.Scope, commit: string, deployment: string): nock.Scope {
  const tree = oid(`tree of ${commit}`);
  return scope
    .get(`${repoPath}/git/commits/${commit}`)
    .reply(200, gitCommitPayload(commit, tree, [oid('older')]))
    .get(`${repoPath}/git/trees/${tree}`)
    .query({ recursive: 'true' })
    .reply(
      200,
      treePayload(tree, [
        { path: 'envs', type: 'tree' },
        { path: deploymentPath, type: 'blob', content: deployment },
        { path: kustomizationPath, type: 'blob', content: kustomization },
      ]),
    );
}

function writes(scope: nock.Scope, parent: string, commit: string): nock.Scope {
  return scope
    .post(`${repoPath}/git/trees`)
    .reply(201, treePayload(oid(`tree of ${commit}`), []))
    .post(`${repoPath}/git/commits`)
    .reply(201, gitCommitPayload(commit, oid(`tree of ${commit}`), [parent]));
}

const notFastForward = errorPayload(422, 'Update is not a fast forward', 'https://docs.github.com/rest/git/refs#update-a-reference');

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('GitHubSourceControl.proposeChange', () => {
  it('creates the branch at the base commit, commits the changed files, opens the PR, labels it and asks for review', async () => {
    const commit = oid('new');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .reply(404, errorPayload(404, 'Not Found', 'https://docs.github.com/rest/git/refs#get-a-reference'));
    parentAt(scope, base, oldDeployment);
    writes(scope, base, commit)
      .post(`${repoPath}/git/refs`)
      .reply(201, refPayload(`heads/${branch}`, commit))
      .get(`${repoPath}/pulls`)
      .query({ state: 'open', head: `${owner}:${branch}`, base: 'main' })
      .reply(200, [])
      .post(`${repoPath}/pulls`)
      .reply(201, pullPayload({ number: 42, head: branch, headSha: commit }))
      .post(`${repoPath}/issues/42/labels`)
      .reply(200, labelsPayload(['datakit/promotion', 'env/prod']))
      .post(`${repoPath}/pulls/42/requested_reviewers`)
      .reply(201, pullPayload({ number: 42, head: branch, headSha: commit }));

    const { source, sent } = client();
    const result = await source.proposeChange(request());
    expect(result).toEqual({
      branch,
      commit,
      committed: true,
      pushed: true,
      retries: 0,
      pullRequest: { number: 42, url: `https://github.com/${owner}/${repo}/pull/42`, created: true },
    });
    scope.done();
    // Only the changed file is written, on the base commit's tree.
    expect(bodies(sent, 'POST', '/git/trees')).toEqual([
      { base_tree: oid(`tree of ${base}`), tree: [{ path: deploymentPath, mode: '100644', type: 'blob', content: newDeployment }] },
    ]);
    expect(bodies(sent, 'POST', '/git/commits')).toEqual([
      { message: 'Promote orders 0.2.0 to prod/c0', tree: oid(`tree of ${commit}`), parents: [base] },
    ]);
    expect(bodies(sent, 'POST', '/git/refs')).toEqual([{ ref: `refs/heads/${branch}`, sha: commit }]);
    expect(bodies(sent, 'POST', '/pulls')).toEqual([{ head: branch, base: 'main', title: request().title, body: request().body }]);
    expect(bodies(sent, 'POST', '/labels')).toEqual([{ labels: ['datakit/promotion', 'env/prod'] }]);
    expect(bodies(sent, 'POST', '/requested_reviewers')).toEqual([{ reviewers: ['alice'] }]);
  });

  it('commits nothing when the branch already holds the files, and updates the open PR instead of opening another', async () => {
    const head = oid('branch head');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .reply(200, refPayload(`heads/${branch}`, head))
      .get(`${repoPath}/compare/${head}...${base}`)
      .query(true)
      .reply(200, comparePayload('behind', 0, 1));
    parentAt(scope, base, oldDeployment);
    parentAt(scope, head, newDeployment)
      .get(`${repoPath}/pulls`)
      .query({ state: 'open', head: `${owner}:${branch}`, base: 'main' })
      .reply(200, [pullPayload({ number: 42, head: branch, headSha: head })])
      .patch(`${repoPath}/pulls/42`)
      .reply(200, pullPayload({ number: 42, head: branch, headSha: head }))
      .post(`${repoPath}/issues/42/labels`)
      .reply(200, labelsPayload(['datakit/promotion', 'env/prod']))
      .post(`${repoPath}/pulls/42/requested_reviewers`)
      .reply(201, pullPayload({ number: 42, head: branch, headSha: head }));

    const { source, sent } = client();
    const result = await source.proposeChange(request({ title: 'Promote orders 0.2.0 to prod/c0 (again)' }));
    expect(result).toMatchObject({ commit: head, committed: false, pushed: true, retries: 0, pullRequest: { number: 42, created: false } });
    scope.done();
    expect(sent.filter((call) => call.method !== 'GET').map((call) => `${call.method} ${new URL(call.url).pathname}`)).toEqual([
      `PATCH ${repoPath}/pulls/42`,
      `POST ${repoPath}/issues/42/labels`,
      `POST ${repoPath}/pulls/42/requested_reviewers`,
    ]);
    expect(bodies(sent, 'PATCH', '/pulls/42')).toEqual([{ title: 'Promote orders 0.2.0 to prod/c0 (again)', body: request().body }]);
  });

  it('retries on top of the new head when a concurrent push makes the update a non-fast-forward, never forcing', async () => {
    const [first, second] = [oid('head 1'), oid('head 2')];
    const [mine1, mine2] = [oid('mine 1'), oid('mine 2')];
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .reply(200, refPayload(`heads/${branch}`, first))
      .get(`${repoPath}/compare/${first}...${base}`)
      .query(true)
      .reply(200, comparePayload('behind', 0, 1));
    parentAt(scope, base, oldDeployment);
    parentAt(scope, first, oldDeployment);
    writes(scope, first, mine1)
      .patch(refsPath)
      .reply(422, notFastForward)
      .get(refPath)
      .reply(200, refPayload(`heads/${branch}`, second))
      .get(`${repoPath}/compare/${second}...${base}`)
      .query(true)
      .reply(200, comparePayload('diverged', 1, 2));
    parentAt(scope, second, oldDeployment);
    writes(scope, second, mine2)
      .patch(refsPath)
      .reply(200, refPayload(`heads/${branch}`, mine2))
      .get(`${repoPath}/pulls`)
      .query(true)
      .reply(200, [pullPayload({ number: 7, head: branch, headSha: second })])
      .patch(`${repoPath}/pulls/7`)
      .reply(200, pullPayload({ number: 7, head: branch, headSha: mine2 }));

    const { source, sent, logger } = client();
    const result = await source.proposeChange(request({ labels: [], reviewers: [] }));
    expect(result).toMatchObject({ commit: mine2, committed: true, retries: 1, pullRequest: { number: 7, created: false } });
    scope.done();
    expect(bodies(sent, 'POST', '/git/commits').map((body) => body.parents)).toEqual([[first], [second]]);
    expect(bodies(sent, 'PATCH', refsPath)).toEqual([
      { sha: mine1, force: false },
      { sha: mine2, force: false },
    ]);
    for (const call of sent) expect(call.body ?? '').not.toMatch(/"force"\s*:\s*true/);
    expect(logger.entries.some((entry) => entry.message.includes('retrying on its new head'))).toBe(true);
  });

  it('gives up with DK711 when the branch keeps moving', async () => {
    const head = oid('moving');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .times(6)
      .reply(200, refPayload(`heads/${branch}`, head))
      .get(`${repoPath}/compare/${head}...${base}`)
      .query(true)
      .times(6)
      .reply(200, comparePayload('behind', 0, 1))
      .get(`${repoPath}/git/commits/${head}`)
      .reply(200, gitCommitPayload(head, oid('tree'), []))
      .get(`${repoPath}/git/trees/${oid('tree')}`)
      .query(true)
      .reply(200, treePayload(oid('tree'), [{ path: deploymentPath, type: 'blob', content: oldDeployment }]))
      .post(`${repoPath}/git/trees`)
      .times(6)
      .reply(201, treePayload(oid('new tree'), []))
      .post(`${repoPath}/git/commits`)
      .times(6)
      .reply(201, gitCommitPayload(oid('mine'), oid('new tree'), [head]))
      .patch(refsPath)
      .times(6)
      .reply(422, notFastForward);
    parentAt(scope, base, oldDeployment);

    const { source, sent } = client();
    const failure = await source.proposeChange(request()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DataKitError);
    expect(failure).toMatchObject({ code: 'DK711' });
    expect((failure as Error).message).toContain(`branch ${branch} of github:${owner}/${repo} moved at each of 6 attempts`);
    expect((failure as Error).message).toContain('nothing was force-pushed');
    scope.done();
    expect(sent.some((call) => call.url.endsWith('/pulls'))).toBe(false);
  });

  it('moves a merged branch fast-forward onto the base commit and opens a new PR', async () => {
    const merged = oid('merged head');
    const commit = oid('fresh');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .reply(200, refPayload(`heads/${branch}`, merged))
      .get(`${repoPath}/compare/${merged}...${base}`)
      .query(true)
      .reply(200, comparePayload('ahead', 3, 0));
    parentAt(scope, base, oldDeployment);
    writes(scope, base, commit)
      .patch(refsPath)
      .reply(200, refPayload(`heads/${branch}`, commit))
      .get(`${repoPath}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${repoPath}/pulls`)
      .reply(201, pullPayload({ number: 43, head: branch, headSha: commit }));

    const { source, sent } = client();
    const result = await source.proposeChange(request({ labels: [], reviewers: [] }));
    expect(result).toMatchObject({ commit, committed: true, pullRequest: { number: 43, created: true } });
    expect(bodies(sent, 'POST', '/git/commits')[0]?.parents).toEqual([base]);
    expect(bodies(sent, 'PATCH', refsPath)).toEqual([{ sha: commit, force: false }]);
    scope.done();
  });

  it('writes no branch and opens no PR when the default branch already holds the files', async () => {
    const scope = nock(api).get(repoPath).reply(200, repositoryPayload()).get(refPath).reply(404, errorPayload(404, 'Not Found'));
    parentAt(scope, base, newDeployment);
    const { source, sent } = client();
    const result = await source.proposeChange(request());
    expect(result).toEqual({ branch, commit: base, committed: false, pushed: false, retries: 0 });
    expect(sent.every((call) => call.method === 'GET')).toBe(true);
    scope.done();
  });

  it('warns, without failing, when GitHub refuses a reviewer', async () => {
    const head = oid('branch head');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .reply(200, refPayload(`heads/${branch}`, head))
      .get(`${repoPath}/compare/${head}...${base}`)
      .query(true)
      .reply(200, comparePayload('behind', 0, 1));
    parentAt(scope, base, oldDeployment);
    parentAt(scope, head, newDeployment)
      .get(`${repoPath}/pulls`)
      .query(true)
      .reply(200, [pullPayload({ number: 42, head: branch, headSha: head })])
      .patch(`${repoPath}/pulls/42`)
      .reply(200, pullPayload({ number: 42, head: branch, headSha: head }))
      .post(`${repoPath}/pulls/42/requested_reviewers`)
      .reply(
        422,
        errorPayload(
          422,
          'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/gitops repository.',
          'https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request',
        ),
      );

    const { source, logger, sent } = client();
    const result = await source.proposeChange(request({ labels: [], reviewers: ['mallory', 'acme/platform'] }));
    expect(result.pullRequest).toEqual({ number: 42, url: `https://github.com/${owner}/${repo}/pull/42`, created: false });
    expect(bodies(sent, 'POST', '/requested_reviewers')).toEqual([{ reviewers: ['mallory'], team_reviewers: ['platform'] }]);
    const [warning] = logger.warnings();
    expect(warning?.message).toContain('GitHub refused the review requests');
    expect(warning?.fields).toMatchObject({ pullRequest: 42, reason: expect.stringContaining('not a collaborator') as unknown });
    scope.done();
  });

  it('updates the PR a concurrent promotion opened meanwhile', async () => {
    const head = oid('branch head');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(refPath)
      .reply(200, refPayload(`heads/${branch}`, head))
      .get(`${repoPath}/compare/${head}...${base}`)
      .query(true)
      .reply(200, comparePayload('behind', 0, 1));
    parentAt(scope, base, oldDeployment);
    parentAt(scope, head, newDeployment)
      .get(`${repoPath}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${repoPath}/pulls`)
      .reply(
        422,
        errorPayload(422, 'Validation Failed', 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request', [
          { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${branch}.` },
        ]),
      )
      .get(`${repoPath}/pulls`)
      .query(true)
      .reply(200, [pullPayload({ number: 44, head: branch, headSha: head })])
      .patch(`${repoPath}/pulls/44`)
      .reply(200, pullPayload({ number: 44, head: branch, headSha: head }));
    const { source } = client();
    const result = await source.proposeChange(request({ labels: [], reviewers: [] }));
    expect(result.pullRequest).toMatchObject({ number: 44, created: false });
    scope.done();
  });
});
