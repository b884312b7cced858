/**
 * The comment commands with Probot's testing convention: `app.receive` with payloads shaped like
 * @octokit/webhooks-examples, and every GitHub request the app may make mocked with nock (any
 * other request fails the test).
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';
import { issueCommentPayload } from './helpers/commands-payloads';

const api = 'https://api.github.com';
const repository = 'acme/orders';
const installationId = 2;
const token = 'ghs_NockInstallationToken0123456789abcd';

let app: TestApp;
let unmatched: string[] = [];
const recordUnmatched = (request: { method?: string; path?: string; href?: string }) =>
  unmatched.push(`${request.method ?? ''} ${request.href ?? request.path ?? ''}`);

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock.emitter.on('no match', recordUnmatched);
});

afterAll(() => {
  nock.emitter.removeListener('no match', recordUnmatched);
  nock.cleanAll();
  nock.enableNetConnect();
});

beforeEach(async () => {
  unmatched = [];
  app = await createTestApp({ env: { DATAKIT_GITOPS_REPOSITORY: 'acme/gitops', DATAKIT_REGISTRY: 'oci://registry.example/acme' } });
});

afterEach(() => {
  nock.cleanAll();
});

function payload(body: string, options: Partial<Parameters<typeof issueCommentPayload>[0]> = {}) {
  return issueCommentPayload({
    repository,
    issueNumber: 7,
    commentId: 4242,
    body,
    user: 'alice',
    pullRequest: true,
    installationId,
    ...options,
  });
}

/** The installation token, and the 👀 and final reactions on comment 4242; the final reaction and reply bodies are captured. */
function expectCommandRoundTrip(finalReaction: 'rocket' | 'confused') {
  const sent: { reactions: string[]; replies: string[] } = { reactions: [], replies: [] };
  const scope = nock(api)
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token, expires_at: '2099-01-01T00:00:00Z', permissions: { issues: 'write', pull_requests: 'write' } })
    .post(`/repos/${repository}/issues/comments/4242/reactions`, (body: { content: string }) => sent.reactions.push(body.content) > 0)
    .times(2)
    .reply(201, { id: 1, content: 'eyes' })
    .post(`/repos/${repository}/issues/7/comments`, (body: { body: string }) => sent.replies.push(body.body) > 0)
    .reply(201, { id: 5151 });
  return {
    scope,
    sent,
    check() {
      expect(unmatched).toEqual([]);
      expect(scope.pendingMocks()).toEqual([]);
      expect(sent.reactions).toEqual(['eyes', finalReaction]);
      expect(sent.replies).toHaveLength(1);
      return sent.replies[0]!;
    },
  };
}

describe('comment commands (nock)', () => {
  it('bad arguments: 👀, then 😕 and a DK804 reply with the usage; nothing else is asked of GitHub', async () => {
    const round = expectCommandRoundTrip('confused');
    await app.receive('issue_comment', payload('/rollback'));
    const reply = round.check();
    expect(reply).toContain('**DK804** `/rollback`: name the environment');
    expect(reply).toContain('Usage: `/rollback <env> [cell]`');
  });

  it('an edited comment, and a comment that is not a command, make no request at all', async () => {
    await app.receive('issue_comment', payload('/promote dev', { action: 'edited', previousBody: 'hello' }));
    await app.receive('issue_comment', payload('Ship it! /promote dev'));
    await app.receive('issue_comment', payload(''));
    expect(unmatched).toEqual([]);
  });

  it('a reader is refused from the collaborator permission, whatever author_association says', async () => {
    const round = expectCommandRoundTrip('confused');
    round.scope
      .get(`/repos/${repository}/collaborators/bob/permission`)
      .reply(200, { permission: 'read', role_name: 'read', user: { login: 'bob', type: 'User' } });
    // The payload says OWNER: the app must not trust it.
    await app.receive('issue_comment', payload('/promote prod', { user: 'bob' }));
    expect(round.check()).toContain('**DK802** @bob needs write access to acme/orders to promote to prod (has read)');
  });

  it('a fork pull request is refused after the permission check, before anything is read from the registry or the gitops repository', async () => {
    const round = expectCommandRoundTrip('confused');
    round.scope
      .get(`/repos/${repository}/collaborators/alice/permission`)
      .reply(200, { permission: 'write', role_name: 'write', user: { login: 'alice', type: 'User' } })
      .get(`/repos/${repository}/pulls/7`)
      .reply(200, {
        number: 7,
        state: 'open',
        merged: false,
        merge_commit_sha: null,
        head: { ref: 'patch-1', sha: 'a'.repeat(40), repo: { full_name: 'mallory/orders' } },
        base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: repository } },
      });
    await app.receive('issue_comment', payload('/promote dev'));
    expect(round.check()).toContain('**DK802** #7 comes from a fork (mallory/orders)');
  });

  it('a bot gets a refusal and nothing is looked up', async () => {
    const round = expectCommandRoundTrip('confused');
    round.scope.get('/app').reply(200, { id: 4242, slug: 'datakit', name: 'DataKit' });
    await app.receive('issue_comment', payload('/promote dev', { user: 'renovate[bot]' }));
    expect(round.check()).toContain('**DK802** @renovate[bot] is a bot');
  });

  it('a secondary rate limit is waited out as long as GitHub asks (retry-after), then the reply goes through', async () => {
    const slept: number[] = [];
    app = await createTestApp({
      env: { DATAKIT_GITOPS_REPOSITORY: 'acme/gitops', DATAKIT_REGISTRY: 'oci://registry.example/acme' },
      sleep: async (ms) => void slept.push(ms),
    });
    const limited = nock(api)
      .post(`/repos/${repository}/issues/7/comments`)
      .reply(
        403,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        { 'retry-after': '3', 'x-ratelimit-remaining': '4000' },
      );
    const round = expectCommandRoundTrip('rocket');
    await app.receive('issue_comment', payload('/datakit help', { pullRequest: false }));
    expect(limited.isDone()).toBe(true);
    expect(round.check()).toContain('`/promote <env> [cell]`');
    expect(slept).toContain(3000);
  });

  it('/datakit help answers with every command and 🚀', async () => {
    const round = expectCommandRoundTrip('rocket');
    await app.receive('issue_comment', payload('/datakit help', { pullRequest: false }));
    const reply = round.check();
    expect(reply).toContain('`/promote <env> [cell]`');
    expect(reply).toContain('`/datakit status`');
    expect(app.logs.find((line) => line.msg === 'command done')).toMatchObject({ command: 'help', actor: 'alice', repository });
  });
});
