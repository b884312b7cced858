import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger';
import { GitHubApiError, GitHubSourceControl, gitBlobSha } from '../../src/github';
import type { ChangeRequest } from '../../src/promotion/source-control';
import { FakeGitHub } from '../helpers/github/fake-github';
import { recordingLogger } from '../helpers/lineage/recording-logger';
import { recordingSleep } from './github-payloads';

const token = 'ghs_fakeInstallationToken0123456789';
const deploymentPath = 'envs/prod/cells/c0/apps/orders/packagedeployment.yaml';
const digest = (letter: string) => `sha256:${letter.repeat(64)}`;
const deployment = (version: string, pinned: string, schedule = '0 * * * *') =>
  `apiVersion: datakit.dev/v1alpha1\nkind: PackageDeployment\nmetadata:\n  name: orders\nspec:\n  package:\n    name: orders\n    version: ${version}\n    digest: ${pinned}\n  schedule:\n    cron: '${schedule}'\n`;
const seedFiles = {
  'datakit-promotion.yaml': 'environments: [dev, int, prod]\n',
  'envs/prod/cells/c0/apps/orders/kustomization.yaml': 'resources:\n  - packagedeployment.yaml\n',
  [deploymentPath]: deployment('0.1.0', digest('a')),
};
const branch = 'datakit/promote/prod/c0/orders';

let github: FakeGitHub;
let repositories = 0;

function repository(): { fullName: string; name: string } {
  const name = `gitops-${++repositories}`;
  github.createRepository(`acme/${name}`, { files: seedFiles, date: new Date('2025-01-01T00:00:00Z') });
  return { fullName: `acme/${name}`, name };
}

function client(name: string, options: { token?: string; baseUrl?: string } = {}) {
  const logger = recordingLogger();
  const source = new GitHubSourceControl({
    owner: 'acme',
    repo: name,
    token,
    baseUrl: github.url,
    logger,
    sleep: recordingSleep().sleep,
    ...options,
  });
  return { source, logger };
}

function change(baseCommit: string, content: string, overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    branch,
    baseCommit,
    files: [{ path: deploymentPath, content }],
    commitMessage: 'Promote orders to prod/c0',
    title: 'Promote orders to prod/c0',
    body: 'Pins the digest.',
    labels: ['datakit/promotion'],
    reviewers: [],
    ...overrides,
  };
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  github = await FakeGitHub.start();
});

afterAll(async () => {
  await github.close();
  nock.enableNetConnect();
});

describe('GitHubSourceControl against the fake GitHub', () => {
  it('reads a snapshot, its files and the pin history of the default branch', async () => {
    const { fullName, name } = repository();
    const first = github.branchHead(fullName, 'main')!;
    const entered = github.commit(fullName, {
      files: { [deploymentPath]: deployment('0.2.0', digest('b')) },
      date: new Date('2025-02-01T00:00:00Z'),
    });
    github.commit(fullName, { files: { 'README.md': '# gitops\n' }, date: new Date('2025-02-02T00:00:00Z') });
    github.commit(fullName, {
      files: { [deploymentPath]: deployment('0.2.0', digest('b'), '30 * * * *') },
      date: new Date('2025-02-03T00:00:00Z'),
    });
    const latest = github.commit(fullName, {
      files: { [deploymentPath]: deployment('0.3.0', digest('c')) },
      date: new Date('2025-03-01T00:00:00Z'),
    });

    const snapshot = await client(name).source.readSnapshot();
    expect(snapshot).toMatchObject({ branch: 'main', commit: latest });
    expect(await snapshot.listFiles()).toEqual([
      'README.md',
      'datakit-promotion.yaml',
      'envs/prod/cells/c0/apps/orders/kustomization.yaml',
      deploymentPath,
    ]);
    expect(await snapshot.readFiles([deploymentPath, 'nope.yaml'])).toEqual(new Map([[deploymentPath, deployment('0.3.0', digest('c'))]]));
    expect((await snapshot.history([deploymentPath])).get(deploymentPath)).toEqual([
      { digest: digest('c'), version: '0.3.0', commit: latest, time: new Date('2025-03-01T00:00:00Z') },
      { digest: digest('b'), version: '0.2.0', commit: entered, time: new Date('2025-02-01T00:00:00Z') },
      { digest: digest('a'), version: '0.1.0', commit: first, time: new Date('2025-01-01T00:00:00Z') },
    ]);
    expect(await snapshot.readFileAt(first, deploymentPath)).toBe(deployment('0.1.0', digest('a')));
    expect(await snapshot.readFileAt(first, 'README.md')).toBeUndefined();
  });

  it('times a pin merged with a merge commit by the merge, not by its branch commit', async () => {
    const { fullName, name } = repository();
    const seeded = github.branchHead(fullName, 'main')!;
    const committed = new Date('2025-02-01T10:00:00Z');
    const merged = new Date('2025-02-01T12:00:00Z');
    const promotion = github.commit(fullName, { branch, files: { [deploymentPath]: deployment('0.2.0', digest('b')) }, date: committed });
    const pull = github.openPullRequest(fullName, { head: branch, title: 'Promote orders to prod/c0' });
    const octokit = new Octokit({ baseUrl: github.url, auth: token });
    const associated = async (commit: string) =>
      (await octokit.repos.listPullRequestsAssociatedWithCommit({ owner: 'acme', repo: name, commit_sha: commit })).data.map((found) => ({
        number: found.number,
        state: found.state,
        merged_at: found.merged_at,
        base: found.base.ref,
        head: found.head.ref,
      }));
    // Not on the default branch yet: the open pull request that holds it.
    expect(await associated(promotion)).toEqual([{ number: pull.number, state: 'open', merged_at: null, base: 'main', head: branch }]);

    const mergeCommit = github.mergePullRequest(fullName, pull.number, { method: 'merge', at: merged });
    const mergeObject = github.repository(fullName).store.commits.get(mergeCommit);
    expect(mergeObject?.parents).toEqual([seeded, promotion]);
    expect(mergeObject?.committer.date).toBe('2025-02-01T12:00:00Z');
    const mergedPull = [{ number: pull.number, state: 'closed', merged_at: '2025-02-01T12:00:00Z', base: 'main', head: branch }];
    expect(await associated(promotion)).toEqual(mergedPull);
    expect(await associated(mergeCommit)).toEqual(mergedPull);
    expect(await associated(seeded)).toEqual([]);

    const snapshot = await client(name).source.readSnapshot();
    expect(snapshot.commit).toBe(mergeCommit);
    // The path-filtered history follows the branch side: the entry is the branch commit, timed by the merge.
    expect((await snapshot.history([deploymentPath])).get(deploymentPath)).toEqual([
      { digest: digest('b'), version: '0.2.0', commit: promotion, time: merged },
      { digest: digest('a'), version: '0.1.0', commit: seeded, time: new Date('2025-01-01T00:00:00Z') },
    ]);
  });

  it('proposes a change as a PR, then recognises the same change, never forcing and never opening a second PR', async () => {
    const { fullName, name } = repository();
    github.setPermission(fullName, 'alice', 'write');
    const base = github.branchHead(fullName, 'main')!;
    const { source, logger } = client(name);
    const content = deployment('0.2.0', digest('b'));

    const first = await source.proposeChange(change(base, content, { reviewers: ['alice'] }));
    expect(first).toMatchObject({ branch, committed: true, pushed: true, retries: 0, pullRequest: { number: 1, created: true } });
    expect(first.pullRequest?.url).toBe(`${github.url}/${fullName}/pull/1`);
    expect(github.branchHead(fullName, branch)).toBe(first.commit);
    expect(github.readFile(fullName, branch, deploymentPath)).toBe(content);
    const [pull] = github.pullRequests(fullName);
    expect(pull).toMatchObject({ head: branch, base: 'main', title: 'Promote orders to prod/c0', requestedReviewers: ['alice'] });
    expect(github.labelsOf(fullName, 1)).toEqual(['datakit/promotion']);
    // The blob id computed locally is git's.
    expect(github.repository(fullName).store.blobs.has(gitBlobSha(content))).toBe(true);

    const second = await source.proposeChange(
      change(base, content, { title: 'Promote orders 0.2.0 to prod/c0', reviewers: ['alice', 'mallory'] }),
    );
    expect(second).toMatchObject({ commit: first.commit, committed: false, pullRequest: { number: 1, created: false } });
    expect(github.pullRequests(fullName)).toHaveLength(1);
    expect(github.pullRequests(fullName)[0]?.title).toBe('Promote orders 0.2.0 to prod/c0');
    expect(github.requestsTo('POST /repos/{owner}/{repo}/git/commits')).toHaveLength(1);
    expect(logger.warnings().map((entry) => entry.message)).toEqual([
      'GitHub refused the review requests; the pull request is open without them',
    ]);
    for (const request of github.requests) expect(JSON.stringify(request.body ?? {})).not.toMatch(/"force":true/);
  });

  it('rebuilds on a branch pushed to concurrently, keeping the other push', async () => {
    const { fullName, name } = repository();
    const base = github.branchHead(fullName, 'main')!;
    const { source } = client(name);
    await source.proposeChange(change(base, deployment('0.2.0', digest('b'))));
    let concurrent = '';
    github.beforeNext('PATCH /repos/{owner}/{repo}/git/refs/{ref}', () => {
      concurrent = github.commit(fullName, { branch, files: { 'envs/prod/cells/c0/apps/orders/values.yaml': 'replicas: 2\n' } });
    });

    const result = await source.proposeChange(change(base, deployment('0.3.0', digest('c'))));
    expect(result).toMatchObject({ committed: true, retries: 1, pullRequest: { number: 1, created: false } });
    const patches = github.requestsTo('PATCH /repos/{owner}/{repo}/git/refs/{ref}');
    expect(patches.map((request) => request.status)).toEqual([422, 200]);
    expect(patches.every((request) => (request.body as { force?: boolean }).force === false)).toBe(true);
    expect(github.repository(fullName).store.commits.get(result.commit)?.parents).toEqual([concurrent]);
    expect(github.readFile(fullName, branch, 'envs/prod/cells/c0/apps/orders/values.yaml')).toBe('replicas: 2\n');
    expect(github.readFile(fullName, branch, deploymentPath)).toBe(deployment('0.3.0', digest('c')));
  });

  it('starts a merged branch again from the new base, fast-forward, with a new PR', async () => {
    const { fullName, name } = repository();
    const { source } = client(name);
    const first = await source.proposeChange(change(github.branchHead(fullName, 'main')!, deployment('0.2.0', digest('b'))));
    github.mergePullRequest(fullName, first.pullRequest!.number);
    const base = github.branchHead(fullName, 'main')!;

    const next = await source.proposeChange(change(base, deployment('0.3.0', digest('c'))));
    expect(next).toMatchObject({ committed: true, retries: 0, pullRequest: { number: 2, created: true } });
    expect(github.repository(fullName).store.commits.get(next.commit)?.parents).toEqual([base]);
    expect(github.requestsTo('PATCH /repos/{owner}/{repo}/git/refs/{ref}').at(-1)?.status).toBe(200);

    // Already on the default branch: nothing to propose.
    github.mergePullRequest(fullName, 2, { method: 'squash' });
    const done = await source.proposeChange(change(github.branchHead(fullName, 'main')!, deployment('0.3.0', digest('c'))));
    expect(done).toMatchObject({ committed: false, pushed: false });
    expect(done.pullRequest).toBeUndefined();
    expect(github.pullRequests(fullName).filter((pull) => pull.state === 'open')).toEqual([]);
  });

  it('lists pending promotions and rides out injected failures', async () => {
    const { fullName, name } = repository();
    const { source } = client(name);
    const base = github.branchHead(fullName, 'main')!;
    github.failNext('GET /repos/{owner}/{repo}', { status: 502 });
    github.dropNext('GET /repos/{owner}/{repo}/git/ref/{ref}');
    github.failNext('POST /repos/{owner}/{repo}/pulls', {
      status: 403,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit.', documentation_url: 'https://docs.github.com/rest' },
    });
    const proposed = await source.proposeChange(change(base, deployment('0.2.0', digest('b'))));
    await source.proposeChange(change(base, deployment('0.1.1', digest('d')), { branch: 'datakit/rollback/int/c0/orders', labels: [] }));
    expect(
      github
        .requestsTo('POST /repos/{owner}/{repo}/pulls')
        .filter((request) => request.path.startsWith(`/repos/${fullName}/`))
        .map((request) => request.status),
    ).toEqual([403, 201, 201]);
    expect(github.requestsTo('GET /repos/{owner}/{repo}/git/ref/{ref}').filter((request) => request.status === 0)).toHaveLength(1);

    expect(await source.listPending()).toEqual([
      {
        branch,
        kind: 'promote',
        env: 'prod',
        cell: 'c0',
        package: 'orders',
        commit: proposed.commit,
        title: 'Promote orders to prod/c0',
        pullRequest: { number: 1, url: `${github.url}/${fullName}/pull/1` },
      },
      expect.objectContaining({
        branch: 'datakit/rollback/int/c0/orders',
        kind: 'rollback',
        env: 'int',
        pullRequest: expect.objectContaining({ number: 2 }) as unknown,
      }),
    ]);
  });

  it('reports a refused token and an unknown repository as DK710', async () => {
    const strict = await FakeGitHub.start({ strictTokens: true });
    try {
      strict.createRepository('acme/gitops', { files: seedFiles });
      strict.addToken('ghp_good', 'alice');
      strict.setPermission('acme/gitops', 'alice', 'write');
      const bad = new GitHubSourceControl({
        owner: 'acme',
        repo: 'gitops',
        token: 'ghp_bad',
        baseUrl: strict.url,
        sleep: recordingSleep().sleep,
      });
      const refused = await bad.readSnapshot().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GitHubApiError);
      expect((refused as Error).message).toContain('answered 401: Bad credentials (the GitHub token is invalid or expired)');
      expect((refused as Error).message).not.toContain('ghp_bad');

      const missing = new GitHubSourceControl({
        owner: 'acme',
        repo: 'nope',
        token: 'ghp_good',
        baseUrl: strict.url,
        sleep: recordingSleep().sleep,
      });
      const notFound = await missing.readSnapshot().catch((error: unknown) => error);
      expect(notFound).toMatchObject({ code: 'DK710', status: 404 });
      expect((notFound as Error).message).toContain('github:acme/nope: no access or does not exist');

      const good = new GitHubSourceControl({
        owner: 'acme',
        repo: 'gitops',
        token: 'ghp_good',
        baseUrl: strict.url,
        sleep: recordingSleep().sleep,
      });
      expect((await good.readSnapshot()).branch).toBe('main');
    } finally {
      await strict.close();
    }
  });
});

describe('the fake GitHub’s other routes', () => {
  it('answers comments, reactions, check runs, deployments, permissions, teams and installation tokens like GitHub', async () => {
    const { fullName, name } = repository();
    const head = github.branchHead(fullName, 'main')!;
    github.commit(fullName, { branch: 'feature', files: { 'x.yaml': 'x: 1\n' } });
    const pull = github.openPullRequest(fullName, { head: 'feature', title: 'Feature', user: 'bob' });
    github.setPermission(fullName, 'bob', 'maintain');
    github.addTeamMember('acme', 'platform', 'carol', 'maintainer');
    github.addInstallation({ id: 77, account: 'acme', repositories: [fullName] });
    const octokit = new Octokit({ baseUrl: github.url, auth: token, log: silentLogger });
    const params = { owner: 'acme', repo: name };

    const { data: comment } = await octokit.issues.createComment({ ...params, issue_number: pull.number, body: '/promote prod' });
    expect(comment).toMatchObject({
      body: '/promote prod',
      user: { login: 'datakit-bot' },
      html_url: expect.stringContaining(`/pull/${pull.number}#issuecomment-`) as unknown,
    });
    const reaction = await octokit.reactions.createForIssueComment({ ...params, comment_id: comment.id, content: 'eyes' });
    expect(reaction.status).toBe(201);
    expect((await octokit.reactions.createForIssueComment({ ...params, comment_id: comment.id, content: 'eyes' })).status).toBe(200);

    const { data: run } = await octokit.checks.create({ ...params, name: 'datakit/promotion', head_sha: head, status: 'in_progress' });
    expect(run).toMatchObject({ name: 'datakit/promotion', head_sha: head, status: 'in_progress', conclusion: null });
    const { data: done } = await octokit.checks.update({
      ...params,
      check_run_id: run.id,
      conclusion: 'success',
      output: { title: 'ok', summary: 'fine' },
    });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'ok', summary: 'fine' } });

    const { data: deployment } = await octokit.repos.createDeployment({
      ...params,
      ref: 'main',
      environment: 'prod',
      auto_merge: false,
      required_contexts: [],
    });
    expect(deployment).toMatchObject({ sha: head, ref: 'main', environment: 'prod', task: 'deploy' });
    const id = (deployment as { id: number }).id;
    await octokit.repos.createDeploymentStatus({
      ...params,
      deployment_id: id,
      state: 'success',
      environment_url: 'https://orders.example',
    });
    expect((await octokit.repos.listDeploymentStatuses({ ...params, deployment_id: id })).data).toEqual([
      expect.objectContaining({ state: 'success', environment_url: 'https://orders.example' }),
    ]);

    expect((await octokit.repos.getCollaboratorPermissionLevel({ ...params, username: 'bob' })).data).toMatchObject({
      permission: 'write',
      role_name: 'maintain',
    });
    github.addUser('dave');
    expect((await octokit.repos.getCollaboratorPermissionLevel({ ...params, username: 'dave' })).data).toMatchObject({
      permission: 'none',
    });
    expect((await octokit.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'platform', username: 'carol' })).data).toMatchObject({
      role: 'maintainer',
      state: 'active',
    });
    await expect(octokit.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'platform', username: 'bob' })).rejects.toMatchObject({
      status: 404,
    });

    const app = new Octokit({ baseUrl: github.url, auth: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln', log: silentLogger });
    const { data: installation } = await app.apps.createInstallationAccessToken({ installation_id: 77 });
    expect(installation).toMatchObject({
      token: expect.stringMatching(/^ghs_/) as unknown,
      repository_selection: 'selected',
      repositories: [expect.objectContaining({ full_name: fullName })],
    });
    await new Octokit({ baseUrl: github.url, auth: installation.token, log: silentLogger }).issues.createComment({
      ...params,
      issue_number: pull.number,
      body: 'hi',
    });
    expect(github.repository(fullName).comments.at(-1)).toMatchObject({ user: 'datakit[bot]', body: 'hi' });
    await expect(
      new Octokit({ baseUrl: github.url, auth: token, log: silentLogger }).apps.createInstallationAccessToken({ installation_id: 77 }),
    ).rejects.toMatchObject({ status: 401 });

    expect(github.requestsTo('POST /repos/{owner}/{repo}/issues/{issue_number}/comments').map((request) => request.body)).toEqual([
      { body: '/promote prod' },
      { body: 'hi' },
    ]);
  });
});
