/**
 * End to end: the app's real HTTP server (startAppServer, as `node app/dist/server.js` runs it)
 * receives real signed webhooks over HTTP; a fake GitHub (an HTTP server) records every API call;
 * artifacts live in a real registry (CNCF distribution). Nothing is called in-process. The gitops
 * repository the promotion wrote is then read back by real git (fsck, clone) as Argo CD would.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitopsTemplateFiles } from '../../sdk/src/promotion/generated/gitops-template';
import { exportToGit, FakeGitHub, issueCommentCreatedPayload, webhookHeaders } from '../../sdk/test/helpers/github';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import { dataKitApp } from '../src/app';
import { createAppOctokit } from '../src/github/app-octokit';
import { startAppServer, type AppServer } from '../src/http/app-server';
import { createAppLogger } from '../src/logging/logger';
import { packageFiles, publishPackage } from './helpers/commands-world';
import { testConfig, testPrivateKey, testWebhookSecret } from './helpers/test-app';

const packageRepo = 'acme/orders';
const gitopsRepo = 'acme/gitops';
const writer = 'alice';
const reader = 'rob';
/** A Wednesday, outside the template policy's freeze windows. */
const now = new Date('2026-03-04T10:00:00Z');

describe('the DataKit app end to end (real HTTP server, signed webhooks, fake GitHub, real registry)', () => {
  let registry: TestRegistry;
  let github: FakeGitHub;
  let server: AppServer;
  let prefix: string;
  let head: string;
  let digest: string;
  let pullNumber: number;
  const logLines: string[] = [];
  const rotatedSecret = 'the-new-webhook-secret-after-rotation';

  beforeAll(async () => {
    registry = await startRegistry();
    prefix = `oci://${registry.host}/e2e`;
    github = await FakeGitHub.start({ now: () => new Date(now), strictTokens: true });
    github.setApp({ id: 4242, slug: 'datakit' });
    github.setAppKey(testPrivateKey());
    github.addInstallation({ id: 77, account: 'acme' });
    github.createRepository(packageRepo, {
      files: { ...packageFiles('orders', '0.1.0'), '.github/datakit.yml': `gitops: ${gitopsRepo}\nregistry: ${prefix}\n` },
    });
    github.createRepository(gitopsRepo, { files: { ...gitopsTemplateFiles } });
    github.setPermission(packageRepo, writer, 'write');
    github.setPermission(packageRepo, reader, 'read');
    // The reference policy: dev and int promoted by datakit/engineers, prod by datakit/release.
    github.addTeamMember('datakit', 'engineers', writer);
    github.addTeamMember('datakit', 'release', writer);
    github.addTeamMember('datakit', 'engineers', reader);
    head = github.commit(packageRepo, { branch: 'faster', files: { 'src/main.mjs': 'console.log("faster");\n' }, message: 'faster' });
    pullNumber = github.openPullRequest(packageRepo, { head: 'faster', title: 'Faster orders', user: writer }).number;
    digest = await publishPackage(prefix, 'orders', '0.2.0', head);

    const config = {
      ...testConfig({ WEBHOOK_SECRETS: rotatedSecret }),
      githubApiUrl: github.url,
    };
    const log = createAppLogger({
      level: 'debug',
      secrets: [config.privateKey, ...config.webhookSecrets],
      destination: { write: (line) => void logLines.push(line) },
    });
    server = await startAppServer({
      config,
      appFn: dataKitApp({ config, clock: { now: () => new Date(now) } }),
      log,
      probotOptions: {
        Octokit: createAppOctokit({ baseUrl: github.url, logger: log, sleep: async () => {}, retry: { baseDelayMs: 1, maxDelayMs: 5 } }),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await github?.close();
    await registry?.stop();
  });

  async function deliver(name: string, payload: unknown, secret = testWebhookSecret): Promise<Response> {
    const body = JSON.stringify(payload);
    return fetch(`${server.url}/api/github/webhooks`, { method: 'POST', headers: webhookHeaders(name, body, secret), body });
  }

  function comment(body: string, user: string): { id: number; payload: unknown } {
    const id = github.addComment(packageRepo, pullNumber, body, user);
    return { id, payload: issueCommentCreatedPayload(github, packageRepo, pullNumber, id, { installationId: 77 }) };
  }

  function botReplies(): string[] {
    return github
      .repository(packageRepo)
      .comments.filter((c) => c.issueNumber === pullNumber && c.user === 'datakit[bot]')
      .map((c) => c.body);
  }

  function reactionsOn(commentId: number): string[] {
    return github
      .repository(packageRepo)
      .reactions.filter((r) => r.commentId === commentId)
      .map((r) => r.content);
  }

  function promotionCheck(branch: string) {
    const pull = github.pullRequests(gitopsRepo).find((p) => p.head === branch);
    if (!pull) return undefined;
    const sha = github.branchHead(gitopsRepo, branch);
    return github.repository(gitopsRepo).checkRuns.find((run) => run.headSha === sha && run.name === 'datakit/promotion');
  }

  it('rejects unsigned and wrongly signed deliveries before doing anything', async () => {
    const before = github.requests.length;
    const { payload } = comment('/promote dev', writer);
    const body = JSON.stringify(payload);
    const unsigned = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': 'unsigned-1' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect((await deliver('issue_comment', payload, 'not-the-secret')).status).toBe(401);
    expect(github.requests.length).toBe(before);
  });

  it('a signed /promote dev from a writer: reply with commit and digest, a gitops PR pinning the digest, a green check', async () => {
    const { id, payload } = comment('/promote dev', writer);
    const membershipsBefore = github.requestsTo('GET /orgs/{org}/teams/{team_slug}/memberships/{username}').length;
    const response = await deliver('issue_comment', payload);
    expect(response.status).toBe(200);
    // The check evaluated right after proposing reuses the membership the command checked.
    expect(github.requestsTo('GET /orgs/{org}/teams/{team_slug}/memberships/{username}').length - membershipsBefore).toBe(1);

    expect(reactionsOn(id), botReplies().join('\n---\n')).toEqual(expect.arrayContaining(['eyes', 'rocket']));
    expect(reactionsOn(id)).not.toContain('confused');
    const reply = botReplies().at(-1) ?? '';
    expect(reply).toContain(head);
    expect(reply).toContain(digest);

    const branch = 'datakit/promote/dev/c0/orders';
    const pull = github.pullRequests(gitopsRepo).find((p) => p.head === branch);
    expect(pull, 'a gitops pull request on the promotion branch').toBeDefined();
    expect(reply).toContain(`${gitopsRepo}`);
    const pinned = github.readFile(gitopsRepo, branch, 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml') ?? '';
    expect(pinned).toContain(digest);
    expect(pull!.body ?? '').toContain(head);

    const check = promotionCheck(branch);
    expect(check?.status).toBe('completed');
    expect(check?.conclusion).toBe('success');
    expect(check?.output?.summary ?? '').toMatch(/order/);
  });

  it('the gitops repository as real git reads it: valid objects, the promotion branch pins the digest', async () => {
    const git = promisify(execFile);
    const dir = await mkdtemp(path.join(tmpdir(), 'dk-app-e2e-git-'));
    try {
      await exportToGit(github, gitopsRepo, path.join(dir, 'gitops.git'));
      await git('git', ['--git-dir', path.join(dir, 'gitops.git'), 'fsck', '--strict', '--no-dangling', '--no-progress']);
      await git('git', [
        'clone',
        '--quiet',
        '--branch',
        'datakit/promote/dev/c0/orders',
        path.join(dir, 'gitops.git'),
        path.join(dir, 'clone'),
      ]);
      const pinned = await readFile(path.join(dir, 'clone/envs/dev/cells/c0/apps/orders/packagedeployment.yaml'), 'utf8');
      expect(pinned).toContain(`digest: ${digest}`);
      const { stdout: message } = await git('git', ['-C', path.join(dir, 'clone'), 'log', '-1', '--format=%B']);
      expect(message).toContain(`Digest: ${digest}`);
      const { stdout: parents } = await git('git', ['-C', path.join(dir, 'clone'), 'rev-list', '--count', 'HEAD']);
      expect(Number(parents.trim())).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a delivery signed with the rotated secret is accepted; a repeated delivery id is processed once', async () => {
    const { id, payload } = comment('/datakit help', writer);
    const body = JSON.stringify(payload);
    const headers = webhookHeaders('issue_comment', body, rotatedSecret, 'repeated-delivery-1');
    const repliesBefore = botReplies().length;
    const first = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', headers, body });
    const second = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', headers, body });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(botReplies().length).toBe(repliesBefore + 1);
    expect(botReplies().at(-1)).toMatch(/\/promote/);
    expect(reactionsOn(id).filter((r) => r === 'eyes')).toHaveLength(1);
  });

  it('/promote prod from a reader is refused: a reply giving the reason, no gitops change', async () => {
    const branchesBefore = [...github.repository(gitopsRepo).refs.keys()];
    const { id, payload } = comment('/promote prod', reader);
    expect((await deliver('issue_comment', payload)).status).toBe(200);
    expect(reactionsOn(id)).toContain('confused');
    expect(reactionsOn(id)).not.toContain('rocket');
    expect(botReplies().at(-1)).toMatch(/write access/);
    expect([...github.repository(gitopsRepo).refs.keys()]).toEqual(branchesBefore);
  });

  it('/promote prod before int opens the PR with a red check giving the reason', async () => {
    const { payload } = comment('/promote prod', writer);
    expect((await deliver('issue_comment', payload)).status).toBe(200);
    const check = promotionCheck('datakit/promote/prod/c0/orders');
    expect(check?.conclusion).toBe('failure');
    expect(check?.output?.summary ?? '').toMatch(/not live in int/);
    expect(botReplies().at(-1)).toContain(head);
  });

  it('never logs a secret: the private key, webhook secrets or installation tokens; every line is JSON with the delivery', () => {
    expect(logLines.length).toBeGreaterThan(5);
    const text = logLines.join('\n');
    const tokens = [...github.state.tokens.keys()].filter((t) => t.startsWith('ghs_'));
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [
      testWebhookSecret,
      rotatedSecret,
      ...tokens,
      ...testPrivateKey()
        .split('\n')
        .filter((l) => l.length > 40),
    ]) {
      expect(text).not.toContain(secret);
    }
    const parsed = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.some((line) => typeof line.deliveryId === 'string' && line.repository === packageRepo && line.event)).toBe(true);
  });
});
