import { createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger';
import { FakeGitHub } from './helpers/github/fake-github';
import {
  checkRunRerequestedPayload,
  checkSuiteRerequestedPayload,
  issueCommentCreatedPayload,
  issueCommentEditedPayload,
  mergeGroupChecksRequestedPayload,
  pullRequestPayload,
  pullRequestReviewPayload,
  signWebhook,
  webhookHeaders,
} from './helpers/github/webhook-payloads';

/** A JWT as universal-github-app-jwt (Probot, @octokit/auth-app) signs it: RS256, iat 30 s back, exp 9.5 minutes ahead. */
function appJwt(privateKey: string, claims: Record<string, unknown> = {}, alg = 'RS256'): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg, typ: 'JWT' })}.${encode({ iat: now - 30, exp: now + 570, iss: 4242, ...claims })}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey, 'base64url')}`;
}

function keyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: { status: number; response?: { data?: unknown } }) => ({ status: error.status, data: error.response?.data }),
  );

let github: FakeGitHub;
let repositories = 0;

/** A repository of acme with a main branch and a feature branch one commit ahead. */
function repository(files: Record<string, string> = { 'README.md': '# gitops\n', 'envs/prod.yaml': 'replicas: 1\n' }) {
  const name = `gitops-${++repositories}`;
  const fullName = `acme/${name}`;
  github.createRepository(fullName, { files, date: new Date('2025-01-01T00:00:00Z') });
  return { fullName, name, params: { owner: 'acme', repo: name } };
}

function octokit(auth = 'ghs_anyToken') {
  return new Octokit({ baseUrl: github.url, auth, log: silentLogger });
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  github.addToken('alice-token', 'alice');
  github.addToken('bob-token', 'bob');
  github.addToken('carol-token', 'carol');
});

afterAll(async () => {
  await github.close();
});

describe('the GitHub App itself (JWT)', () => {
  let fake: FakeGitHub;
  const { privateKey, publicKey } = keyPair();
  const other = keyPair();
  const app = (jwt: string) => new Octokit({ baseUrl: fake.url, auth: jwt, log: silentLogger });

  beforeAll(async () => {
    fake = await FakeGitHub.start();
    fake.createRepository('acme/gitops', { files: { 'README.md': '# gitops\n' } });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('answers GET /app with the app, any well-formed JWT accepted until a key is set', async () => {
    const { data } = await app('eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln').apps.getAuthenticated();
    expect(data).toMatchObject({ id: 1, slug: 'datakit', name: 'DataKit', owner: { login: 'datakit' } });
    expect(data?.html_url).toBe(`${fake.url}/apps/datakit`);
    expect(await rejection(app('ghs_notAJwt').apps.getAuthenticated())).toMatchObject({
      status: 401,
      data: { message: 'A JSON web token could not be decoded' },
    });
    expect(fake.requestsTo('GET /app').map((request) => request.status)).toEqual([200, 401]);
  });

  it('verifies the signature, issuer and times of the JWT once the app key is set', async () => {
    fake.addInstallation({ id: 31, account: 'acme' });
    fake.setApp({ id: 4242, slug: 'datakit-test', name: 'DataKit Test' });
    fake.setAppKey(privateKey);
    expect(fake.state.installations.get(31)?.appSlug).toBe('datakit-test');

    expect((await app(appJwt(privateKey)).apps.getAuthenticated()).data).toMatchObject({ id: 4242, slug: 'datakit-test' });
    expect((await app(appJwt(privateKey, { iss: '4242' })).apps.getAuthenticated()).data?.name).toBe('DataKit Test');
    expect((await app(appJwt(privateKey, { iss: fake.state.app.clientId })).apps.getAuthenticated()).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    const refused = async (jwt: string) => rejection(app(jwt).apps.getAuthenticated());
    expect(await refused(appJwt(other.privateKey))).toMatchObject({
      status: 401,
      data: { message: 'A JSON web token could not be decoded' },
    });
    expect(await refused(appJwt(privateKey, {}, 'HS256'))).toMatchObject({ status: 401 });
    expect(await refused(appJwt(privateKey, { iss: 99 }))).toMatchObject({ status: 401, data: { message: 'Integration not found' } });
    expect(await refused(appJwt(privateKey, { exp: now - 10 }))).toMatchObject({
      status: 401,
      data: {
        message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      },
    });
    expect(await refused(appJwt(privateKey, { exp: now + 3600 }))).toMatchObject({
      status: 401,
      data: { message: "'Expiration time' claim ('exp') is too far in the future" },
    });
    expect(await refused(appJwt(privateKey, { iat: now + 600 }))).toMatchObject({
      status: 401,
      data: { message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" },
    });

    // The installation token route checks the same JWT.
    expect(await rejection(app(appJwt(other.privateKey)).apps.createInstallationAccessToken({ installation_id: 31 }))).toMatchObject({
      status: 401,
    });
    const { data: token } = await app(appJwt(privateKey)).apps.createInstallationAccessToken({ installation_id: 31 });
    expect(token).toMatchObject({ token: expect.stringMatching(/^ghs_/) as unknown, repository_selection: 'all' });
    expect(fake.state.tokens.get(token.token)).toBe('datakit-test[bot]');

    // A public key works as well; unsetting it accepts any JWT again.
    fake.setAppKey(publicKey);
    expect((await app(appJwt(privateKey)).apps.getAuthenticated()).status).toBe(200);
    fake.setAppKey(undefined);
    expect((await app(appJwt(other.privateKey)).apps.getAuthenticated()).status).toBe(200);
  });

  it('finds the installation of a repository, 404 where the app is not installed', async () => {
    fake.setAppKey(privateKey);
    fake.createRepository('acme/data', { files: { 'a.txt': 'a\n' } });
    fake.createRepository('acme/private-stuff');
    fake.createRepository('globex/gitops', { files: { 'a.txt': 'a\n' } });
    fake.addInstallation({ id: 41, account: 'globex', repositories: ['globex/gitops'], permissions: { checks: 'write' } });
    fake.addInstallation({ id: 51, account: 'initech', appSlug: 'someone-else' });
    fake.createRepository('initech/gitops');
    const jwtApp = app(appJwt(privateKey));

    const { data: installation } = await jwtApp.apps.getRepoInstallation({ owner: 'globex', repo: 'gitops' });
    expect(installation).toMatchObject({
      id: 41,
      account: { login: 'globex', type: 'Organization' },
      app_id: 4242,
      app_slug: 'datakit-test',
      target_type: 'Organization',
      permissions: { checks: 'write' },
      repository_selection: 'selected',
      access_tokens_url: `${fake.url}/app/installations/41/access_tokens`,
      suspended_at: null,
    });
    expect(installation.events).toContain('issue_comment');
    // acme's installation (31) covers all of acme's repositories.
    expect((await jwtApp.apps.getRepoInstallation({ owner: 'acme', repo: 'private-stuff' })).data.id).toBe(31);
    for (const [owner, repo] of [
      ['initech', 'gitops'],
      ['globex', 'other'],
      ['nobody', 'nothing'],
    ] as const) {
      expect(await rejection(jwtApp.apps.getRepoInstallation({ owner, repo }))).toMatchObject({
        status: 404,
        data: { message: 'Not Found' },
      });
    }
    expect(await rejection(app(appJwt(other.privateKey)).apps.getRepoInstallation({ owner: 'globex', repo: 'gitops' }))).toMatchObject({
      status: 401,
    });
    expect((await jwtApp.apps.listInstallations()).data.map((found) => found.id)).toEqual([31, 41]);
    expect(fake.installationOf('globex/gitops')?.id).toBe(41);

    // A token for a repository outside the installation is refused; a suspended installation gets none.
    expect(await rejection(jwtApp.apps.createInstallationAccessToken({ installation_id: 41, repositories: ['data'] }))).toMatchObject({
      status: 422,
    });
    fake.suspendInstallation(41);
    expect(await rejection(jwtApp.apps.createInstallationAccessToken({ installation_id: 41 }))).toMatchObject({ status: 403 });
    expect(await rejection(jwtApp.apps.createInstallationAccessToken({ installation_id: 51 }))).toMatchObject({ status: 404 });
  });
});

describe('pull requests: reviews, files, fork heads', () => {
  it('lists, creates and refuses reviews like GitHub', async () => {
    const { fullName, params } = repository();
    github.commit(fullName, { branch: 'feature', files: { 'envs/prod.yaml': 'replicas: 2\n' } });
    const pull = github.openPullRequest(fullName, { head: 'feature', title: 'Scale prod', user: 'bob' });
    const head = github.branchHead(fullName, 'feature')!;
    github.setPermission(fullName, 'alice', 'write');
    github.setPermission(fullName, 'bob', 'write');
    github.setPermission(fullName, 'carol', 'read');
    const seeded = github.addReview(fullName, pull.number, {
      user: 'carol',
      state: 'CHANGES_REQUESTED',
      body: 'not yet',
      submittedAt: new Date('2025-02-01T00:00:00Z'),
    });
    expect(() => github.addReview(fullName, pull.number, { user: 'bob', state: 'APPROVED' })).toThrow(/own pull request/);

    const { data: approval, status } = await octokit('alice-token').pulls.createReview({
      ...params,
      pull_number: pull.number,
      event: 'APPROVE',
    });
    expect(status).toBe(200);
    expect(approval).toMatchObject({
      user: { login: 'alice', type: 'User' },
      state: 'APPROVED',
      body: '',
      commit_id: head,
      author_association: 'MEMBER',
      html_url: `${github.url}/${fullName}/pull/${pull.number}#pullrequestreview-${approval.id}`,
      pull_request_url: `${github.url}/repos/${fullName}/pulls/${pull.number}`,
    });
    expect(approval.submitted_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const bob = octokit('bob-token');
    expect(await rejection(bob.pulls.createReview({ ...params, pull_number: pull.number, event: 'APPROVE' }))).toMatchObject({
      status: 422,
      data: { message: 'Unprocessable Entity', errors: ['Can not approve your own pull request'] },
    });
    expect(
      await rejection(bob.pulls.createReview({ ...params, pull_number: pull.number, event: 'REQUEST_CHANGES', body: 'x' })),
    ).toMatchObject({
      status: 422,
      data: { errors: ['Can not request changes on your own pull request'] },
    });
    expect(
      await rejection(octokit('alice-token').pulls.createReview({ ...params, pull_number: pull.number, event: 'REQUEST_CHANGES' })),
    ).toMatchObject({ status: 422 });
    expect(await rejection(octokit('alice-token').pulls.createReview({ ...params, pull_number: 999, event: 'APPROVE' }))).toMatchObject({
      status: 404,
    });
    // The author may comment; a review without an event stays pending and only its author sees it.
    await bob.pulls.createReview({ ...params, pull_number: pull.number, event: 'COMMENT', body: 'answered' });
    const { data: pending } = await octokit('carol-token').pulls.createReview({ ...params, pull_number: pull.number, body: 'draft' });
    expect(pending).toMatchObject({ state: 'PENDING' });
    expect(pending.submitted_at).toBeUndefined();
    expect(await rejection(octokit('carol-token').pulls.createReview({ ...params, pull_number: pull.number }))).toMatchObject({
      status: 422,
      data: { errors: ['User can only have one pending review per pull request'] },
    });

    const states = async (token: string) =>
      (await octokit(token).paginate(octokit(token).pulls.listReviews, { ...params, pull_number: pull.number, per_page: 1 })).map(
        (review) => `${review.user?.login}:${review.state}`,
      );
    expect(await states('alice-token')).toEqual(['carol:CHANGES_REQUESTED', 'alice:APPROVED', 'bob:COMMENTED']);
    expect(await states('carol-token')).toEqual(['carol:CHANGES_REQUESTED', 'alice:APPROVED', 'bob:COMMENTED', 'carol:PENDING']);
    const firstPage = await octokit('alice-token').pulls.listReviews({ ...params, pull_number: pull.number, per_page: 2 });
    expect(firstPage.data.map((review) => review.id)).toEqual([seeded.id, approval.id]);
    expect(firstPage.data[0]).toMatchObject({ submitted_at: '2025-02-01T00:00:00Z', body: 'not yet', commit_id: head });
    expect(firstPage.headers.link).toContain('rel="next"');
    expect(github.requestsTo('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews').length).toBeGreaterThanOrEqual(7);
  });

  it('lists the files a pull request changes from its merge base, statuses and line counts included, also once merged', async () => {
    const { fullName, params } = repository({
      'README.md': '# gitops\n',
      'envs/prod.yaml': 'replicas: 1\nimage: a\nport: 80\n',
      'old-name.txt': 'same content\n',
      'gone.txt': 'one\ntwo\n',
    });
    github.commit(fullName, {
      branch: 'feature',
      files: {
        'envs/prod.yaml': 'replicas: 3\nimage: a\nport: 80\nextra: true\n',
        'old-name.txt': null,
        'new-name.txt': 'same content\n',
        'gone.txt': null,
        'added dir/new file.txt': 'x\ny\nz\n',
      },
    });
    // A later commit on main does not show in the pull request's files.
    github.commit(fullName, { files: { 'README.md': '# gitops, updated\n' } });
    const pull = github.openPullRequest(fullName, { head: 'feature', title: 'Files' });
    const head = github.branchHead(fullName, 'feature')!;

    const { data: files } = await octokit().pulls.listFiles({ ...params, pull_number: pull.number });
    expect(files.map((file) => [file.filename, file.status, file.additions, file.deletions, file.changes])).toEqual([
      ['added dir/new file.txt', 'added', 3, 0, 3],
      ['envs/prod.yaml', 'modified', 2, 1, 3],
      ['gone.txt', 'removed', 0, 2, 2],
      ['new-name.txt', 'renamed', 0, 0, 0],
    ]);
    expect(files[3]).toMatchObject({ previous_filename: 'old-name.txt' });
    expect(files[0]).toMatchObject({
      sha: github.repository(fullName).store.entryAt(head, 'added dir/new file.txt')?.sha,
      blob_url: `${github.url}/${fullName}/blob/${head}/added%20dir/new%20file.txt`,
      raw_url: `${github.url}/${fullName}/raw/${head}/added%20dir/new%20file.txt`,
      contents_url: `${github.url}/repos/${fullName}/contents/added%20dir/new%20file.txt?ref=${head}`,
    });
    const paged = await octokit().pulls.listFiles({ ...params, pull_number: pull.number, per_page: 3 });
    expect(paged.data).toHaveLength(3);
    expect(paged.headers.link).toMatch(/page=2.*rel="next"/);
    expect((await octokit().pulls.get({ ...params, pull_number: pull.number })).data).toMatchObject({
      commits: 1,
      additions: 5,
      deletions: 3,
      changed_files: 4,
    });

    github.mergePullRequest(fullName, pull.number);
    const merged = await octokit().paginate(octokit().pulls.listFiles, { ...params, pull_number: pull.number });
    expect(merged.map((file) => file.filename)).toEqual(files.map((file) => file.filename));
    expect(await rejection(octokit().pulls.listFiles({ ...params, pull_number: 42 }))).toMatchObject({ status: 404 });
  });

  it('renders pull requests with head and base repositories, merge state and fork heads', async () => {
    const { fullName, name, params } = repository();
    github.commit(fullName, { branch: 'feature', files: { 'a.txt': 'a\n' } });
    const own = github.openPullRequest(fullName, { head: 'feature', title: 'Own', user: 'bob' });
    const fork = github.forkRepository(fullName, `someone/${name}`);
    const forkHead = github.commit(`someone/${name}`, { branch: 'patch', files: { 'envs/prod.yaml': 'replicas: 9\n' }, author: 'someone' });
    const fromFork = github.openPullRequest(fullName, {
      head: 'patch',
      title: 'From a fork',
      user: 'someone',
      headRepository: `someone/${name}`,
    });
    expect(fork).toMatchObject({ parent: fullName });
    expect(github.branchHead(fullName, 'patch')).toBeUndefined();

    const { data: ownJson } = await octokit().pulls.get({ ...params, pull_number: own.number });
    expect(ownJson).toMatchObject({
      merged: false,
      merge_commit_sha: null,
      user: { login: 'bob', type: 'User' },
      head: { ref: 'feature', label: 'acme:feature', repo: { full_name: fullName, fork: false } },
      base: { ref: 'main', repo: { full_name: fullName } },
    });
    const { data: forkJson } = await octokit().pulls.get({ ...params, pull_number: fromFork.number });
    expect(forkJson).toMatchObject({
      head: {
        ref: 'patch',
        sha: forkHead,
        label: `someone:patch`,
        user: { login: 'someone' },
        repo: { full_name: `someone/${name}`, fork: true },
      },
      base: { repo: { full_name: fullName } },
    });
    expect((await octokit().pulls.list({ ...params, head: 'someone:patch' })).data.map((pull) => pull.number)).toEqual([fromFork.number]);
    expect((await octokit().pulls.list({ ...params, head: 'acme:patch' })).data).toEqual([]);
    // The base repository reads the fork's head commit, as GitHub does through refs/pull/<n>/head.
    const atHead = await octokit().repos.getContent({ ...params, path: 'envs/prod.yaml', ref: forkHead });
    expect(Buffer.from((atHead.data as { content: string }).content, 'base64').toString()).toBe('replicas: 9\n');
    const atPullRef = await octokit().repos.getContent({ ...params, path: 'envs/prod.yaml', ref: `refs/pull/${fromFork.number}/head` });
    expect((atPullRef.data as { sha: string }).sha).toBe((atHead.data as { sha: string }).sha);
    expect((await octokit().pulls.listFiles({ ...params, pull_number: fromFork.number })).data.map((file) => file.filename)).toEqual([
      'envs/prod.yaml',
    ]);

    // Pull requests can be opened from the fork through the API too.
    github.commit(`someone/${name}`, { branch: 'second', files: { 'b.txt': 'b\n' } });
    const { data: created } = await octokit().pulls.create({ ...params, title: 'Second', head: 'someone:second', base: 'main' });
    expect(created.head.repo?.full_name).toBe(`someone/${name}`);
    expect(await rejection(octokit().pulls.create({ ...params, title: 'Nope', head: 'stranger:second', base: 'main' }))).toMatchObject({
      status: 422,
    });

    const mergeCommit = github.mergePullRequest(fullName, fromFork.number, { by: 'alice' });
    const { data: mergedJson } = await octokit().pulls.get({ ...params, pull_number: fromFork.number });
    expect(mergedJson).toMatchObject({ merged: true, merge_commit_sha: mergeCommit, merged_by: { login: 'alice' }, state: 'closed' });
    expect(github.repository(fullName).store.commits.get(mergeCommit)?.message).toBe(
      `Merge pull request #${fromFork.number} from someone/patch`,
    );
    expect(github.readFile(fullName, 'main', 'envs/prod.yaml')).toBe('replicas: 9\n');
  });
});

describe('issues, comments and contents', () => {
  it('serves issues and pull requests from one numbering, pull requests with pull_request', async () => {
    const { fullName, params } = repository();
    github.commit(fullName, { branch: 'feature', files: { 'a.txt': 'a\n' } });
    const first = github.openPullRequest(fullName, { head: 'feature', title: 'First' });
    const issue = github.openIssue(fullName, { title: 'A bug', body: 'It breaks', user: 'carol' });
    github.commit(fullName, { branch: 'other', files: { 'b.txt': 'b\n' } });
    const second = github.openPullRequest(fullName, { head: 'other', title: 'Second' });
    expect([first.number, issue.number, second.number]).toEqual([1, 2, 3]);

    const { data: issueJson } = await octokit().issues.get({ ...params, issue_number: issue.number });
    expect(issueJson).toMatchObject({
      number: 2,
      title: 'A bug',
      body: 'It breaks',
      state: 'open',
      user: { login: 'carol' },
      html_url: `${github.url}/${fullName}/issues/2`,
      comments: 0,
    });
    expect(issueJson.pull_request).toBeUndefined();

    github.mergePullRequest(fullName, first.number, { at: new Date('2025-03-01T00:00:00Z') });
    const { data: pullAsIssue } = await octokit().issues.get({ ...params, issue_number: first.number });
    expect(pullAsIssue).toMatchObject({
      number: 1,
      state: 'closed',
      html_url: `${github.url}/${fullName}/pull/1`,
      pull_request: {
        url: `${github.url}/repos/${fullName}/pulls/1`,
        html_url: `${github.url}/${fullName}/pull/1`,
        diff_url: `${github.url}/${fullName}/pull/1.diff`,
        patch_url: `${github.url}/${fullName}/pull/1.patch`,
        merged_at: '2025-03-01T00:00:00Z',
      },
    });
    expect(pullAsIssue.id).not.toBe(first.id);
    expect(await rejection(octokit().issues.get({ ...params, issue_number: 9 }))).toMatchObject({
      status: 404,
      data: { message: 'Not Found' },
    });
    // A pull request route does not serve a plain issue.
    expect(await rejection(octokit().pulls.get({ ...params, pull_number: issue.number }))).toMatchObject({ status: 404 });

    const { data: comment } = await octokit().issues.createComment({ ...params, issue_number: issue.number, body: 'on the issue' });
    expect(comment.html_url).toBe(`${github.url}/${fullName}/issues/2#issuecomment-${comment.id}`);
    await octokit().issues.addLabels({ ...params, issue_number: issue.number, labels: ['bug'] });
    expect((await octokit().issues.get({ ...params, issue_number: issue.number })).data).toMatchObject({
      comments: 1,
      labels: [{ name: 'bug' }],
    });
  });

  it('reads, edits and lists reactions of one comment; refuses others’ edits without write access', async () => {
    const { fullName, params } = repository();
    github.commit(fullName, { branch: 'feature', files: { 'a.txt': 'a\n' } });
    const pull = github.openPullRequest(fullName, { head: 'feature', title: 'Feature' });
    github.setPermission(fullName, 'carol', 'read');
    github.setPermission(fullName, 'alice', 'write');
    const id = github.addComment(fullName, pull.number, '/promote prod', 'carol');

    const { data: comment } = await octokit().issues.getComment({ ...params, comment_id: id });
    expect(comment).toMatchObject({ id, body: '/promote prod', user: { login: 'carol' }, reactions: { total_count: 0 } });
    await octokit('alice-token').reactions.createForIssueComment({ ...params, comment_id: id, content: 'eyes' });
    await octokit('carol-token').reactions.createForIssueComment({ ...params, comment_id: id, content: 'rocket' });
    const reactions = await octokit().reactions.listForIssueComment({ ...params, comment_id: id });
    expect(reactions.data.map((reaction) => `${reaction.user?.login}:${reaction.content}`)).toEqual(['alice:eyes', 'carol:rocket']);
    expect((await octokit().reactions.listForIssueComment({ ...params, comment_id: id, content: 'rocket' })).data).toHaveLength(1);
    expect((await octokit().issues.getComment({ ...params, comment_id: id })).data.reactions).toMatchObject({
      total_count: 2,
      eyes: 1,
      rocket: 1,
      '+1': 0,
    });

    const { data: edited } = await octokit('carol-token').issues.updateComment({ ...params, comment_id: id, body: '/promote int' });
    expect(edited.body).toBe('/promote int');
    expect(github.repository(fullName).comments.find((candidate) => candidate.id === id)).toMatchObject({
      body: '/promote int',
      previousBody: '/promote prod',
    });
    const bobs = github.addComment(fullName, pull.number, 'by bob', 'bob');
    expect(await rejection(octokit('carol-token').issues.updateComment({ ...params, comment_id: bobs, body: 'hijacked' }))).toMatchObject({
      status: 403,
    });
    expect((await octokit('alice-token').issues.updateComment({ ...params, comment_id: bobs, body: 'moderated' })).data.body).toBe(
      'moderated',
    );
    const withoutBody = await fetch(`${github.url}/repos/${fullName}/issues/comments/${id}`, {
      method: 'PATCH',
      headers: { authorization: 'token ghs_anyToken', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(withoutBody.status).toBe(422);
    expect(await withoutBody.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }],
    });
    for (const missing of [
      () => octokit().issues.getComment({ ...params, comment_id: 1 }),
      () => octokit().issues.updateComment({ ...params, comment_id: 1, body: 'x' }),
      () => octokit().reactions.listForIssueComment({ ...params, comment_id: 1 }),
    ]) {
      expect(await rejection(missing())).toMatchObject({ status: 404 });
    }
    expect(github.requestsTo('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}').map((request) => request.status)).toEqual([
      200, 403, 200, 422, 404,
    ]);
  });

  it('reads contents at any branch, commit or abbreviated commit, 404 for a missing file or ref', async () => {
    const { fullName, params } = repository();
    const first = github.branchHead(fullName, 'main')!;
    github.commit(fullName, { branch: 'feature/x', files: { 'envs/prod.yaml': 'replicas: 5\n' } });
    github.commit(fullName, { files: { 'envs/prod.yaml': 'replicas: 2\n' } });
    const content = async (ref?: string) => {
      const { data } = await octokit().repos.getContent({ ...params, path: 'envs/prod.yaml', ...(ref === undefined ? {} : { ref }) });
      return Buffer.from((data as { content: string }).content, 'base64').toString();
    };
    expect(await content()).toBe('replicas: 2\n');
    expect(await content('main')).toBe('replicas: 2\n');
    expect(await content('feature/x')).toBe('replicas: 5\n');
    expect(await content('refs/heads/feature/x')).toBe('replicas: 5\n');
    expect(await content(first)).toBe('replicas: 1\n');
    expect(await content(first.slice(0, 7))).toBe('replicas: 1\n');
    expect(await rejection(octokit().repos.getContent({ ...params, path: 'nope.yaml', ref: first }))).toMatchObject({
      status: 404,
      data: { message: 'Not Found' },
    });
    expect(await rejection(octokit().repos.getContent({ ...params, path: 'envs/prod.yaml', ref: 'no-such-branch' }))).toMatchObject({
      status: 404,
    });
    expect(github.requestsTo('GET /repos/{owner}/{repo}/contents/{path}').at(-2)?.query).toEqual({ ref: first });
  });
});

describe('check runs', () => {
  it('lists the latest check runs of a ref with GitHub’s filters, and reads one', async () => {
    const { fullName, params } = repository();
    const head = github.branchHead(fullName, 'main')!;
    github.commit(fullName, { branch: 'feature', files: { 'a.txt': 'a\n' } });
    const pull = github.openPullRequest(fullName, { head: 'feature', title: 'Feature' });
    const featureHead = github.branchHead(fullName, 'feature')!;
    const old = github.addCheckRun(fullName, { name: 'datakit/promotion', headSha: head, conclusion: 'failure' });
    const { data: latest } = await octokit().checks.create({ ...params, name: 'datakit/promotion', head_sha: head, status: 'in_progress' });
    const lint = github.addCheckRun(fullName, { name: 'lint', headSha: head, conclusion: 'success', output: { title: 'ok' } });
    const onFeature = github.addCheckRun(fullName, { name: 'datakit/promotion', headSha: featureHead, status: 'queued' });

    const names = async (ref: string, query: Record<string, string> = {}) => {
      const { data } = await octokit().checks.listForRef({ ...params, ref, ...query });
      return { total: data.total_count, runs: data.check_runs.map((run) => `${run.name}:${run.status}:${run.id}`) };
    };
    expect(await names('main')).toEqual({
      total: 2,
      runs: [`lint:completed:${lint.id}`, `datakit/promotion:in_progress:${latest.id}`],
    });
    expect(await names(head, { filter: 'all' })).toEqual({
      total: 3,
      runs: [`lint:completed:${lint.id}`, `datakit/promotion:in_progress:${latest.id}`, `datakit/promotion:completed:${old.id}`],
    });
    expect((await names(head, { check_name: 'datakit/promotion' })).runs).toEqual([`datakit/promotion:in_progress:${latest.id}`]);
    expect((await names(head, { status: 'completed' })).runs).toEqual([`lint:completed:${lint.id}`]);
    expect((await names(head, { app_id: '12345' })).total).toBe(0);
    expect(await names('feature')).toEqual({ total: 1, runs: [`datakit/promotion:queued:${onFeature.id}`] });
    const paged = await octokit().checks.listForRef({ ...params, ref: head, filter: 'all', per_page: 2 });
    expect(paged.data).toMatchObject({ total_count: 3 });
    expect(paged.data.check_runs).toHaveLength(2);
    expect(paged.headers.link).toContain('rel="next"');
    expect(await rejection(octokit().checks.listForRef({ ...params, ref: 'no-such-ref' }))).toMatchObject({
      status: 422,
      data: { message: 'No commit found for SHA: no-such-ref' },
    });

    const { data: run } = await octokit().checks.get({ ...params, check_run_id: onFeature.id });
    expect(run).toMatchObject({
      id: onFeature.id,
      head_sha: featureHead,
      status: 'queued',
      conclusion: null,
      app: { id: 1, slug: 'datakit' },
      check_suite: { id: expect.any(Number) as unknown },
      pull_requests: [{ number: pull.number, head: { ref: 'feature', sha: featureHead }, base: { ref: 'main' } }],
    });
    const { data: suite } = await octokit().checks.getSuite({ ...params, check_suite_id: run.check_suite!.id });
    expect(suite).toMatchObject({ head_sha: featureHead, head_branch: 'feature', status: 'queued', latest_check_runs_count: 1 });
    expect(await rejection(octokit().checks.get({ ...params, check_run_id: 1 }))).toMatchObject({ status: 404 });
  });
});

describe('webhook payloads', () => {
  type Example = Record<string, unknown> & { action?: string };
  const examples = new Map(
    (
      JSON.parse(
        readFileSync(new URL('../../node_modules/@octokit/webhooks-examples/api.github.com/index.json', import.meta.url), 'utf8'),
      ) as { name: string; examples: Example[] }[]
    ).map((event) => [event.name, event.examples]),
  );
  /** The example of an event and action that carries an installation (the app's deliveries do). */
  const example = (name: string, action: string) => {
    const candidates = (examples.get(name) ?? []).filter((candidate) => candidate.action === action);
    return candidates.find((candidate) => 'installation' in candidate) ?? candidates[0]!;
  };
  /**
   * Paths of the example's keys missing from the payload (objects compared recursively, arrays by
   * their first item; an app's permissions are its own).
   */
  const missingKeys = (expected: unknown, actual: unknown, path = ''): string[] => {
    if (Array.isArray(expected) && Array.isArray(actual))
      return expected.length > 0 && actual.length > 0 ? missingKeys(expected[0], actual[0], `${path}[0]`) : [];
    if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return [];
    if (path.endsWith('.permissions')) return [];
    return Object.entries(expected).flatMap(([key, value]) =>
      key in actual ? missingKeys(value, (actual as Record<string, unknown>)[key], `${path}.${key}`) : [`${path}.${key}`],
    );
  };

  it('signs deliveries as GitHub does', () => {
    // GitHub's documented example (Validating webhook deliveries).
    expect(signWebhook("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    expect(webhookHeaders('issue_comment', 'Hello, World!', "It's a Secret to Everybody", 'delivery-1')).toMatchObject({
      'x-github-event': 'issue_comment',
      'x-github-delivery': 'delivery-1',
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
  });

  it('builds payloads with every field of @octokit/webhooks-examples, from the fake’s state', async () => {
    const { fullName, params } = repository();
    github.addInstallation({ id: 7001, account: 'acme', repositories: [fullName] });
    github.commit(fullName, { branch: 'feature', files: { 'envs/prod.yaml': 'replicas: 2\n' } });
    const pull = github.openPullRequest(fullName, { head: 'feature', title: 'Scale', user: 'bob' });
    const head = github.branchHead(fullName, 'feature')!;
    const issue = github.openIssue(fullName, { title: 'Question' });
    const onPull = github.addComment(fullName, pull.number, '/promote prod', 'alice');
    const onIssue = github.addComment(fullName, issue.number, 'hello', 'carol');
    github.editComment(fullName, onPull, '/promote int');
    const review = github.addReview(fullName, pull.number, { user: 'alice', state: 'APPROVED' });
    const run = github.addCheckRun(fullName, { name: 'datakit/promotion', headSha: head, conclusion: 'failure' });

    const created = issueCommentCreatedPayload(github, fullName, pull.number, onPull);
    expect(missingKeys(example('issue_comment', 'created'), created)).toEqual([]);
    expect(created).toMatchObject({
      action: 'created',
      installation: { id: 7001, node_id: Buffer.from('023:IntegrationInstallation7001').toString('base64') },
      organization: { login: 'acme' },
      repository: { full_name: fullName, owner: { login: 'acme', type: 'Organization' } },
      sender: { login: 'alice' },
      issue: { number: pull.number, pull_request: { url: `${github.url}/repos/${fullName}/pulls/${pull.number}`, merged_at: null } },
      comment: { id: onPull, body: '/promote int', user: { login: 'alice' } },
    });
    const onIssuePayload = issueCommentCreatedPayload(github, fullName, issue.number, onIssue, { installationId: 9, sender: 'dave' });
    expect(onIssuePayload).toMatchObject({
      installation: { id: 9 },
      sender: { login: 'dave' },
      issue: { number: issue.number, draft: false },
    });
    expect((onIssuePayload.issue as Record<string, unknown>).pull_request).toBeUndefined();
    const edited = issueCommentEditedPayload(github, fullName, pull.number, onPull);
    expect(missingKeys(example('issue_comment', 'edited'), edited)).toEqual([]);
    expect(edited).toMatchObject({ action: 'edited', changes: { body: { from: '/promote prod' } } });
    expect(() => issueCommentCreatedPayload(github, fullName, issue.number, onPull)).toThrow(/no comment/);

    const opened = pullRequestPayload(github, fullName, pull.number, 'opened');
    expect(missingKeys(example('pull_request', 'opened'), opened)).toEqual([]);
    expect(opened).toMatchObject({
      action: 'opened',
      number: pull.number,
      sender: { login: 'bob' },
      pull_request: { head: { sha: head, repo: { full_name: fullName } }, merged: false, changed_files: 1 },
    });
    const base = github.branchHead(fullName, 'main')!;
    const pushed = github.commit(fullName, { branch: 'feature', files: { 'b.txt': 'b\n' } });
    const synchronize = pullRequestPayload(github, fullName, pull.number, 'synchronize');
    expect(missingKeys(example('pull_request', 'synchronize'), synchronize)).toEqual([]);
    expect(synchronize).toMatchObject({ before: head, after: pushed, pull_request: { head: { sha: pushed }, commits: 2 } });
    expect(() => pullRequestPayload(github, fullName, pull.number, 'closed')).toThrow(/is open/);

    const submitted = pullRequestReviewPayload(github, fullName, pull.number, review.id);
    expect(missingKeys(example('pull_request_review', 'submitted'), submitted)).toEqual([]);
    expect(submitted).toMatchObject({
      action: 'submitted',
      review: { id: review.id, state: 'approved', body: null, commit_id: head, user: { login: 'alice' } },
      pull_request: { number: pull.number },
      sender: { login: 'alice' },
    });
    expect((submitted.pull_request as Record<string, unknown>).merged).toBeUndefined();

    const rerun = checkRunRerequestedPayload(github, fullName, run.id, { sender: 'carol' });
    expect(missingKeys(example('check_run', 'rerequested'), rerun)).toEqual([]);
    expect(rerun).toMatchObject({
      action: 'rerequested',
      check_run: {
        id: run.id,
        head_sha: head,
        conclusion: 'failure',
        check_suite: { head_sha: head, status: 'completed', conclusion: 'failure' },
      },
      sender: { login: 'carol' },
    });
    const suite = checkSuiteRerequestedPayload(github, fullName, pushed);
    expect(missingKeys(example('check_suite', 'rerequested'), suite)).toEqual([]);
    expect(suite).toMatchObject({
      check_suite: {
        head_sha: pushed,
        head_branch: 'feature',
        before: head,
        after: pushed,
        pull_requests: [{ number: pull.number }],
        head_commit: { id: pushed },
        app: { slug: 'datakit' },
      },
    });

    const group = github.createMergeGroup(fullName, pull.number);
    expect(group).toMatchObject({
      baseSha: base,
      baseRef: 'refs/heads/main',
      headRef: `refs/heads/gh-readonly-queue/main/pr-${pull.number}-${pushed}`,
    });
    expect(github.repository(fullName).store.commits.get(group.headSha)?.parents).toEqual([base, pushed]);
    expect(github.branchHead(fullName, 'main')).toBe(base);
    const queued = mergeGroupChecksRequestedPayload(github, fullName, group);
    expect(missingKeys(example('merge_group', 'checks_requested'), queued)).toEqual([]);
    expect(queued).toMatchObject({
      merge_group: { head_sha: group.headSha, head_commit: { id: group.headSha } },
      sender: { login: 'bob' },
    });
    // The queue's commit is readable through the API, like any other.
    const atQueue = await octokit().repos.getContent({ ...params, path: 'b.txt', ref: group.headSha });
    expect((atQueue.data as { type: string }).type).toBe('file');

    const mergeCommit = github.mergePullRequest(fullName, pull.number, { by: 'carol' });
    const closed = pullRequestPayload(github, fullName, pull.number, 'closed');
    expect(missingKeys(example('pull_request', 'closed'), closed)).toEqual([]);
    expect(closed).toMatchObject({
      action: 'closed',
      sender: { login: 'carol' },
      pull_request: { state: 'closed', merged: true, merge_commit_sha: mergeCommit, merged_by: { login: 'carol' } },
    });
    // The app is not installed on another repository: no installation in its payloads.
    const bare = repository();
    const bareIssue = github.openIssue(bare.fullName, { title: 'Elsewhere' });
    const bareComment = github.addComment(bare.fullName, bareIssue.number, 'hi');
    expect(Object.keys(issueCommentCreatedPayload(github, bare.fullName, bareIssue.number, bareComment))).toEqual([
      'action',
      'issue',
      'comment',
      'repository',
      'organization',
      'sender',
    ]);
  });
});
