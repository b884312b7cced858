import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestPayload } from '../../sdk/test/helpers/github/webhook-payloads';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import {
  alice,
  botLogin,
  createGatesWorld,
  dave,
  deploymentFiles,
  gitopsRepo,
  promotionBody,
  publishPackage,
  sourceRepo,
  type GatesWorld,
} from './helpers/gates-world';

let registry: TestRegistry;
let world: GatesWorld | undefined;
let teams = 0;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setup(policy?: string): Promise<GatesWorld> {
  world = await createGatesWorld({ registry, team: `merge${++teams}`, ...(policy === undefined ? {} : { policy }) });
  return world;
}

/** A pull request of the package repository the promotion was asked for on; its number and head. */
function sourcePullRequest(w: GatesWorld): { number: number; head: string } {
  const head = w.fake.commit(sourceRepo, { branch: 'feature', files: { 'src/main.mjs': 'console.log("v2");\n' }, message: 'v2' });
  const pull = w.fake.openPullRequest(sourceRepo, { head: 'feature', title: 'v2', user: alice });
  return { number: pull.number, head };
}

async function closed(w: GatesWorld, number: number, delivery?: string): Promise<void> {
  await w.app.receive('pull_request', pullRequestPayload(w.fake, gitopsRepo, number, 'closed'), delivery);
}

describe('merged promotions', () => {
  it('records a deployment, its status and a comment on the source repository, once for two deliveries', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const source = sourcePullRequest(w);
    const pr = w.openPullRequest({
      branch: 'datakit/promote/prod/c0/orders',
      files: deploymentFiles('prod', 'c0', 'orders', pin),
      user: botLogin,
      body: promotionBody({
        package: 'orders',
        env: 'prod',
        cell: 'c0',
        pin,
        source: { repository: sourceRepo, commit: source.head, pullRequest: source.number, requestedBy: alice },
      }),
    });
    w.fake.mergePullRequest(gitopsRepo, pr.number, { by: 'release-manager' });

    await closed(w, pr.number);
    await closed(w, pr.number);
    await Promise.all([closed(w, pr.number), closed(w, pr.number)]);

    const repository = w.fake.repository(sourceRepo);
    const gitopsUrl = `${w.fake.url}/${gitopsRepo}/pull/${pr.number}`;
    expect(repository.deployments).toHaveLength(1);
    const deployment = repository.deployments[0]!;
    expect(deployment).toMatchObject({
      sha: source.head,
      ref: source.head,
      task: 'deploy',
      environment: 'prod',
      productionEnvironment: true,
      creator: botLogin,
      payload: { package: 'orders', version: '0.2.0', digest: pin.digest, cell: 'c0', gitopsPullRequest: gitopsUrl },
    });
    expect(repository.deploymentStatuses).toHaveLength(1);
    expect(repository.deploymentStatuses[0]).toMatchObject({
      deploymentId: deployment.id,
      state: 'success',
      logUrl: gitopsUrl,
      description: 'pinned in prod/c0; Argo CD syncs it',
    });
    const comments = repository.comments.filter((comment) => comment.issueNumber === source.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(
      `🚀 orders 0.2.0 (\`${pin.digest}\`) is now pinned in prod/c0 by [${gitopsRepo}#${pr.number}](${gitopsUrl}) (merged by @release-manager)`,
    );
    expect(comments[0]!.user).toBe(botLogin);
  });

  it('marks only the last environment of the policy as production', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const source = sourcePullRequest(w);
    const pr = w.openPullRequest({
      branch: 'datakit/promote/dev/c0/orders',
      files: deploymentFiles('dev', 'c0', 'orders', pin),
      user: botLogin,
      body: promotionBody({ package: 'orders', env: 'dev', cell: 'c0', pin, source: { repository: sourceRepo, commit: source.head } }),
    });
    w.fake.mergePullRequest(gitopsRepo, pr.number, { by: alice });

    await closed(w, pr.number);

    const repository = w.fake.repository(sourceRepo);
    expect(repository.deployments).toHaveLength(1);
    expect(repository.deployments[0]).toMatchObject({ environment: 'dev', productionEnvironment: false });
    // No source pull request named: no comment.
    expect(repository.comments).toEqual([]);
  });

  it('does nothing for a pull request closed without merging', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const source = sourcePullRequest(w);
    const pr = w.openPullRequest({
      branch: 'datakit/promote/dev/c0/orders',
      files: deploymentFiles('dev', 'c0', 'orders', pin),
      user: botLogin,
      body: promotionBody({
        package: 'orders',
        env: 'dev',
        cell: 'c0',
        pin,
        source: { repository: sourceRepo, commit: source.head, pullRequest: source.number },
      }),
    });
    w.fake.closePullRequest(gitopsRepo, pr.number);
    const before = w.fake.requests.length;

    await closed(w, pr.number);

    expect(w.fake.requests.slice(before)).toEqual([]);
    expect(w.fake.repository(sourceRepo).deployments).toEqual([]);
    expect(w.fake.repository(sourceRepo).comments).toEqual([]);
  });

  it('does not trust a promotion marker in a pull request the app did not open', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const source = sourcePullRequest(w);
    const pr = w.openPullRequest({
      branch: 'manual',
      files: deploymentFiles('dev', 'c0', 'orders', pin),
      user: dave,
      body: promotionBody({
        package: 'orders',
        env: 'dev',
        cell: 'c0',
        pin,
        source: { repository: sourceRepo, commit: source.head, pullRequest: source.number, requestedBy: alice },
      }),
    });
    w.fake.mergePullRequest(gitopsRepo, pr.number, { by: dave });

    await closed(w, pr.number);

    expect(w.fake.repository(sourceRepo).deployments).toEqual([]);
    expect(w.fake.repository(sourceRepo).comments).toEqual([]);
    expect(w.app.logText()).toContain('was not opened by the app');
  });

  it('records nothing for an app-opened pull request whose marker was edited (signature broken)', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const source = sourcePullRequest(w);
    const signed = promotionBody({
      package: 'orders',
      env: 'dev',
      cell: 'c0',
      pin,
      source: { repository: sourceRepo, commit: source.head, pullRequest: source.number, requestedBy: alice },
    });
    const pr = w.openPullRequest({
      branch: 'datakit/promote/dev/c0/orders',
      files: deploymentFiles('dev', 'c0', 'orders', pin),
      user: botLogin,
      body: signed.replace(`"pullRequest":${source.number}`, `"pullRequest":${source.number + 100}`),
    });
    w.fake.mergePullRequest(gitopsRepo, pr.number, { by: 'release-manager' });

    await closed(w, pr.number);

    expect(w.fake.repository(sourceRepo).deployments).toEqual([]);
    expect(w.fake.repository(sourceRepo).comments).toEqual([]);
  });

  it('records nothing for a promotion merged into another branch than the default one', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const source = sourcePullRequest(w);
    w.fake.commit(gitopsRepo, { branch: 'scratch', files: { 'NOTES.md': 'scratch\n' } });
    const head = w.fake.commit(gitopsRepo, {
      branch: 'datakit/promote/dev/c0/orders',
      files: deploymentFiles('dev', 'c0', 'orders', pin),
      message: 'Promote',
      author: botLogin,
    });
    const pull = w.fake.openPullRequest(gitopsRepo, {
      head: 'datakit/promote/dev/c0/orders',
      base: 'scratch',
      title: 'Promote orders',
      user: botLogin,
      body: promotionBody({
        package: 'orders',
        env: 'dev',
        cell: 'c0',
        pin,
        source: { repository: sourceRepo, commit: source.head, pullRequest: source.number, requestedBy: alice },
      }),
    });
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    w.fake.mergePullRequest(gitopsRepo, pull.number, { by: 'release-manager' });

    await closed(w, pull.number);

    expect(w.fake.repository(sourceRepo).deployments).toEqual([]);
    expect(w.fake.repository(sourceRepo).comments).toEqual([]);
    expect(w.app.logText()).toContain('not the default branch');
  });

  it('re-evaluates the other open promotions after a merge', async () => {
    const policy = [
      'apiVersion: datakit.dev/v1alpha1',
      'kind: PromotionPolicy',
      'environments:',
      '  - name: dev',
      '  - name: int',
      '  - name: prod',
      '    approvals: 1',
      '',
    ].join('\n');
    const w = await setup(policy);
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const toInt = w.openPullRequest({ branch: 'datakit/promote/int/c0/orders', files: deploymentFiles('int', 'c0', 'orders', pin) });
    await w.app.receive('pull_request', pullRequestPayload(w.fake, gitopsRepo, toInt.number, 'opened'));
    const blocked = w.checkRuns(toInt.head);
    expect(blocked.map((run) => run.conclusion)).toEqual(['failure']);
    expect(blocked[0]!.output.summary).toContain('is not live in dev');
    const docs = w.openPullRequest({ branch: 'docs', files: { 'README.md': 'more\n' } });

    const toDev = w.openPullRequest({ branch: 'datakit/promote/dev/c0/orders', files: deploymentFiles('dev', 'c0', 'orders', pin) });
    w.fake.mergePullRequest(gitopsRepo, toDev.number, { by: alice });
    await closed(w, toDev.number);

    const after = w.checkRuns(toInt.head);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(blocked[0]!.id);
    expect(after[0]!.conclusion).toBe('success');
    expect(after[0]!.output.summary).toContain('is live in dev since');
    expect(w.checkRuns(docs.head)).toEqual([]);
  });
});
