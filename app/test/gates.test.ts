import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deploymentPath, type ArtifactPin } from '@datakit/sdk/promotion';
import {
  checkRunRerequestedPayload,
  checkSuiteRerequestedPayload,
  pullRequestPayload,
  pullRequestReviewPayload,
} from '../../sdk/test/helpers/github/webhook-payloads';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import {
  alice,
  botLogin,
  carol,
  createGatesWorld,
  dave,
  deploymentFiles,
  gitopsRepo,
  promotionBody,
  publishPackage,
  sourceRepo,
  wednesday,
  type GatesWorld,
} from './helpers/gates-world';

const hour = 3_600_000;
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

async function setup(options: { policy?: string; start?: Date } = {}): Promise<GatesWorld> {
  world = await createGatesWorld({ registry, team: `gates${++teams}`, ...options });
  return world;
}

async function opened(w: GatesWorld, number: number): Promise<void> {
  await w.app.receive('pull_request', pullRequestPayload(w.fake, gitopsRepo, number, 'opened'));
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

/**
 * 0.1.0 then 0.2.0 live in dev and int for two days, and the app's rollback of int to 0.1.0 asked
 * for by alice (its marker signed or not), approved by carol.
 */
async function appOpenedRollback(options: { signed: boolean }): Promise<{ w: GatesWorld; rollback: { number: number; head: string } }> {
  const w = await setup();
  const old = await publishPackage(w.prefix, 'orders', '0.1.0');
  const current = await publishPackage(w.prefix, 'orders', '0.2.0');
  w.seedLive('dev', 'c0', 'orders', old, new Date(wednesday.getTime() - 48 * hour));
  w.seedLive('int', 'c0', 'orders', old, new Date(wednesday.getTime() - 47 * hour));
  w.seedLive('dev', 'c0', 'orders', current, new Date(wednesday.getTime() - 46 * hour));
  w.seedLive('int', 'c0', 'orders', current, new Date(wednesday.getTime() - 45 * hour));
  const source = { repository: sourceRepo, commit: 'f'.repeat(40), pullRequest: 7, requestedBy: alice };
  const rollback = w.openPullRequest({
    branch: 'datakit/rollback/int/c0/orders',
    files: deploymentFiles('int', 'c0', 'orders', old),
    user: botLogin,
    body: promotionBody({ kind: 'rollback', package: 'orders', env: 'int', cell: 'c0', pin: old, source, signed: options.signed }),
  });
  w.fake.addReview(gitopsRepo, rollback.number, { user: carol, state: 'APPROVED' });
  return { w, rollback };
}

describe('datakit/promotion on gitops pull requests', () => {
  it('passes a promotion to dev of a published digest, listing every rule', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', pin) });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('success');
    expect(run.output.title).toBe('dev/c0 orders 0.2.0: allowed');
    const summary = run.output.summary ?? '';
    for (const rule of ['environment', 'cell', 'order', 'soak', 'freeze', 'promoters', 'approvals', 'artifact', 'lint']) {
      expect(summary).toContain(`✅ **${rule}**`);
    }
    expect(summary).not.toContain('❌');
    expect(summary).toContain(pin.digest);
    expect(summary).toContain('`0.2.0`');
    expect(summary).toContain(`@${alice} may promote to dev`);
    const main = w.fake.branchHead(gitopsRepo, 'main')!;
    expect(summary).toContain(`\`datakit-promotion.yaml\` on the default branch \`main\` at \`${main.slice(0, 7)}\``);
  });

  it('refuses a promotion to prod before the digest is live in int', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    w.seedLive('dev', 'c0', 'orders', pin, new Date(wednesday.getTime() - 72 * hour));
    const pr = w.openPullRequest({ branch: 'promote-prod', files: deploymentFiles('prod', 'c0', 'orders', pin) });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toMatch(/^prod\/c0 orders 0\.2\.0: refused — order, soak, promoters, approvals$/);
    expect(run.output.summary).toContain('is not live in int; promote it there first');
    expect(run.output.summary).toContain('✅ **artifact**');
  });

  it('refuses a digest that is not in the registry', async () => {
    const w = await setup();
    const published = await publishPackage(w.prefix, 'orders', '0.2.0');
    const missing = `sha256:${'0'.repeat(64)}`;
    const pin: ArtifactPin = { version: '0.3.0', digest: missing, ref: published.ref.replace(published.digest, missing) };
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', pin) });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('dev/c0 orders 0.3.0: refused — artifact, lint');
    expect(run.output.summary).toMatch(/❌ \*\*artifact\*\*: .*orders@sha256:0{64} is not in the registry/);
    expect(run.output.summary).toContain('✅ **order**');
  });

  it('reads the policy from the default branch, never from the pull request', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const permissive = [
      'apiVersion: datakit.dev/v1alpha1',
      'kind: PromotionPolicy',
      'environments:',
      '  - name: dev',
      '  - name: int',
      '    requirePrevious: false',
      '  - name: prod',
      '    requirePrevious: false',
      '',
    ].join('\n');
    const pr = w.openPullRequest({
      branch: 'sneaky',
      files: { 'datakit-promotion.yaml': permissive, ...deploymentFiles('prod', 'c0', 'orders', pin) },
      user: dave,
    });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.conclusion).toBe('failure');
    const summary = run.output.summary ?? '';
    expect(summary).toContain('is not live in int');
    expect(summary).toContain(`@${dave} may not promote to prod`);
    expect(summary).toContain('0 of 2 required approvals');
    expect(summary).toContain('the new policy applies after merge, not to this pull request');
  });

  it('is neutral on a pull request that only changes the policy, and fails an invalid one', async () => {
    const w = await setup();
    const policy = w.fake.readFile(gitopsRepo, 'main', 'datakit-promotion.yaml')!;
    const valid = w.openPullRequest({
      branch: 'policy',
      files: { 'datakit-promotion.yaml': policy.replace('approvals: 2', 'approvals: 3') },
    });
    await opened(w, valid.number);
    const neutral = only(w.checkRuns(valid.head));
    expect(neutral.conclusion).toBe('neutral');
    expect(neutral.output.title).toBe('Policy change: applies after merge');

    const invalid = w.openPullRequest({
      branch: 'policy-bad',
      files: { 'datakit-promotion.yaml': policy.replace('approvals: 2', 'approvals: two') },
    });
    await opened(w, invalid.number);
    const failed = only(w.checkRuns(invalid.head));
    expect(failed.conclusion).toBe('failure');
    expect(failed.output.summary).toContain('approvals: must be a whole number');
  });

  it('writes no check run on a pull request that changes no deployment file', async () => {
    const w = await setup();
    const pr = w.openPullRequest({ branch: 'docs', files: { 'README.md': '# gitops\n\nMore words.\n' } });

    await opened(w, pr.number);

    expect(w.checkRuns(pr.head)).toEqual([]);
    expect(w.fake.requestsTo('POST /repos/{owner}/{repo}/check-runs')).toEqual([]);
  });

  it('writes no check run on a pull request into another branch than the default one', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    w.fake.commit(gitopsRepo, { branch: 'release', files: { 'RELEASE.md': 'r\n' } });
    const head = w.fake.commit(gitopsRepo, { branch: 'to-release', files: deploymentFiles('dev', 'c0', 'orders', pin) });
    const pull = w.fake.openPullRequest(gitopsRepo, { head: 'to-release', base: 'release', title: 'to release', user: alice });

    await opened(w, pull.number);

    expect(w.checkRuns(head)).toEqual([]);
  });

  it('counts only approvals of the current head by members of the allowed teams with write access', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    w.seedLive('dev', 'c0', 'orders', pin, new Date(wednesday.getTime() - 2 * hour));
    const pr = w.openPullRequest({ branch: 'promote-int', files: deploymentFiles('int', 'c0', 'orders', pin) });
    const oldHead = pr.head;
    w.fake.addReview(gitopsRepo, pr.number, { user: carol, state: 'APPROVED', commitId: oldHead });
    const newHead = w.push('promote-int', {
      [deploymentPath('int', 'c0', 'orders')]: deploymentFiles('int', 'c0', 'orders', pin)[deploymentPath('int', 'c0', 'orders')]!.replace(
        'timeout: 30m',
        'timeout: 45m',
      ),
    });

    await w.app.receive('pull_request', pullRequestPayload(w.fake, gitopsRepo, pr.number, 'synchronize'));
    let run = only(w.checkRuns(newHead));
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('❌ **approvals**: 0 of 1 required approvals');
    expect(run.output.summary).toContain(`Approvals given before the last push do not count: @${carol}`);

    // dave is a collaborator but in no promoter team.
    const outsider = w.fake.addReview(gitopsRepo, pr.number, { user: dave, state: 'APPROVED' });
    await w.app.receive('pull_request_review', pullRequestReviewPayload(w.fake, gitopsRepo, pr.number, outsider.id));
    run = only(w.checkRuns(newHead));
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('❌ **approvals**: 0 of 1 required approvals');

    // erin is in the promoter team but may only read the gitops repository: GitHub would not count her review either.
    w.fake.addTeamMember('datakit', 'engineers', 'erin');
    w.fake.setPermission(gitopsRepo, 'erin', 'read');
    const reader = w.fake.addReview(gitopsRepo, pr.number, { user: 'erin', state: 'APPROVED' });
    await w.app.receive('pull_request_review', pullRequestReviewPayload(w.fake, gitopsRepo, pr.number, reader.id));
    run = only(w.checkRuns(newHead));
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('❌ **approvals**: 0 of 1 required approvals');

    const member = w.fake.addReview(gitopsRepo, pr.number, { user: carol, state: 'APPROVED' });
    await w.app.receive('pull_request_review', pullRequestReviewPayload(w.fake, gitopsRepo, pr.number, member.id));
    run = only(w.checkRuns(newHead));
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('✅ **approvals**: 1 of 1 approvals from team datakit/engineers');
  });

  it('refuses a promotion during a freeze window', async () => {
    const policy = [
      'apiVersion: datakit.dev/v1alpha1',
      'kind: PromotionPolicy',
      'environments:',
      '  - name: dev',
      '    freezeWindows:',
      '      - name: wednesday-morning',
      "        cron: '0 9 * * 3'",
      '        duration: 2h',
      '        timezone: UTC',
      '  - name: int',
      '  - name: prod',
      '',
    ].join('\n');
    const w = await setup({ policy });
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', pin) });

    await opened(w, pr.number);
    const frozen = only(w.checkRuns(pr.head));
    expect(frozen.conclusion).toBe('failure');
    expect(frozen.output.title).toBe('dev/c0 orders 0.2.0: refused — freeze');
    expect(frozen.output.summary).toContain('dev is frozen by wednesday-morning');

    // Two hours later the window is over; a re-run passes.
    w.clock.at = new Date(wednesday.getTime() + 2 * hour);
    await w.app.receive('check_run', checkRunRerequestedPayload(w.fake, gitopsRepo, frozen.id));
    const thawed = only(w.checkRuns(pr.head));
    expect(thawed.id).toBe(frozen.id);
    expect(thawed.conclusion).toBe('success');
  });

  it('re-evaluates on synchronize, updating the run of a commit instead of adding one', async () => {
    const w = await setup();
    const missing = `sha256:${'1'.repeat(64)}`;
    const published = await publishPackage(w.prefix, 'orders', '0.2.0');
    const bad: ArtifactPin = { version: '0.2.1', digest: missing, ref: published.ref.replace(published.digest, missing) };
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', bad) });
    await opened(w, pr.number);
    expect(only(w.checkRuns(pr.head)).conclusion).toBe('failure');

    // The same commit again (a redelivered or repeated event): the run is updated in place.
    await w.app.receive('pull_request', pullRequestPayload(w.fake, gitopsRepo, pr.number, 'reopened'));
    expect(only(w.checkRuns(pr.head)).conclusion).toBe('failure');
    expect(w.fake.requestsTo('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}')).toHaveLength(1);

    const head = w.push('promote-dev', deploymentFiles('dev', 'c0', 'orders', published));
    await w.app.receive('pull_request', pullRequestPayload(w.fake, gitopsRepo, pr.number, 'synchronize'));
    expect(only(w.checkRuns(head)).conclusion).toBe('success');
    expect(w.checkRuns(pr.head)).toHaveLength(1);
    expect(w.fake.requestsTo('POST /repos/{owner}/{repo}/check-runs')).toHaveLength(2);
  });

  it('re-evaluates when a check suite is re-requested', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', pin) });
    await opened(w, pr.number);
    const first = only(w.checkRuns(pr.head));
    const patches = w.fake.requestsTo('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}').length;

    await w.app.receive('check_suite', checkSuiteRerequestedPayload(w.fake, gitopsRepo, pr.head));

    expect(only(w.checkRuns(pr.head)).id).toBe(first.id);
    expect(w.fake.requestsTo('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}')).toHaveLength(patches + 1);
  });

  it('ignores a re-run of another check', async () => {
    const w = await setup();
    const pr = w.openPullRequest({ branch: 'docs', files: { 'README.md': 'x\n' } });
    const other = w.fake.addCheckRun(gitopsRepo, { name: 'lint', headSha: pr.head, conclusion: 'success' });
    const before = w.fake.requests.length;

    await w.app.receive('check_run', checkRunRerequestedPayload(w.fake, gitopsRepo, other.id));

    expect(w.fake.requests.slice(before).filter((r) => r.route !== 'POST /app/installations/{installation_id}/access_tokens')).toEqual([]);
  });

  it('retries a GitHub server error and then succeeds', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', pin) });
    w.fake.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { status: 502 });
    w.fake.failNext('POST /repos/{owner}/{repo}/check-runs', { status: 503 });

    await opened(w, pr.number);

    expect(only(w.checkRuns(pr.head)).conclusion).toBe('success');
    expect(w.fake.requestsTo('GET /repos/{owner}/{repo}/pulls/{pull_number}/files').map((r) => r.status)).toEqual([502, 200]);
    expect(w.fake.requestsTo('POST /repos/{owner}/{repo}/check-runs').map((r) => r.status)).toEqual([503, 201]);
  });

  it('reports an evaluation that cannot complete as a failed check run with the code', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    const pr = w.openPullRequest({ branch: 'promote-dev', files: deploymentFiles('dev', 'c0', 'orders', pin) });
    w.fake.failNext('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { status: 404, times: 10 });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Evaluation could not complete (DK710)');
    expect(run.output.summary).toContain('answered 404');
    const logged = w.app.logs.find((line) => line.msg === 'datakit/promotion could not be evaluated');
    expect(logged).toMatchObject({ code: 'DK710', deliveryId: expect.any(String), event: 'pull_request.opened', repository: gitopsRepo });
    expect(w.app.logText()).not.toMatch(/"stack"/);
  });

  it('refuses removing a deployment and a file that pins another package', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    w.seedLive('dev', 'c0', 'orders', pin);
    const wrong = deploymentFiles('dev', 'c0', 'billing', pin);
    const path = deploymentPath('dev', 'c0', 'billing');
    wrong[path] = wrong[path]!.replace('name: billing\n    version', 'name: orders\n    version');
    const pr = w.openPullRequest({
      branch: 'cleanup',
      files: { [deploymentPath('dev', 'c0', 'orders')]: null, 'envs/dev/cells/c0/apps/orders/kustomization.yaml': null, ...wrong },
    });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('❌ **file**: spec.package.name is orders, but the file is in apps/billing/');
    expect(run.output.summary).toContain(
      '❌ **file**: removing envs/dev/cells/c0/apps/orders/packagedeployment.yaml takes orders out of dev/c0',
    );
  });

  it('credits an app-opened promotion to its requester, and a rollback only to an earlier pin', async () => {
    const { w, rollback } = await appOpenedRollback({ signed: true });

    await opened(w, rollback.number);

    const run = only(w.checkRuns(rollback.head));
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('Rollback: `orders` to `int/c0`');
    expect(run.output.summary).toContain('✅ **order**: not checked for a rollback');
    expect(run.output.summary).toContain(`✅ **promoters**: @${alice} may promote to int`);
  });

  it('does not credit the requester of an app-opened pull request whose marker was edited (unsigned)', async () => {
    const { w, rollback: forged } = await appOpenedRollback({ signed: false });

    await opened(w, forged.number);

    const run = only(w.checkRuns(forged.head));
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).not.toContain(`✅ **promoters**: @${alice}`);
    expect(run.output.summary).toMatch(/❌ \*\*promoters\*\*/);
  });

  it('evaluates a "rollback" to a digest the env/cell never pinned as a promotion', async () => {
    const w = await setup();
    const live = await publishPackage(w.prefix, 'orders', '0.2.0');
    const untested = await publishPackage(w.prefix, 'orders', '0.3.0');
    w.seedLive('dev', 'c0', 'orders', live, new Date(wednesday.getTime() - 5 * hour));
    w.seedLive('int', 'c0', 'orders', live, new Date(wednesday.getTime() - 4 * hour));
    const pr = w.openPullRequest({ branch: 'datakit/rollback/int/c0/orders', files: deploymentFiles('int', 'c0', 'orders', untested) });

    await opened(w, pr.number);

    const run = only(w.checkRuns(pr.head));
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('Promotion: `orders` to `int/c0`');
    expect(run.output.summary).toContain('is not live in dev; promote it there first');
    expect(run.output.summary).toContain('Evaluated as a promotion: a rollback goes back to a digest int/c0 pinned before');
  });
});
