import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkRunRerequestedPayload, mergeGroupChecksRequestedPayload } from '../../sdk/test/helpers/github/webhook-payloads';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import {
  carol,
  createGatesWorld,
  dave,
  deploymentFiles,
  gitopsRepo,
  publishPackage,
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

async function setup(): Promise<GatesWorld> {
  world = await createGatesWorld({ registry, team: `queue${++teams}` });
  return world;
}

describe('datakit/promotion in the merge queue', () => {
  it('evaluates the merge group with the approvals of its pull request, on the group head', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    w.seedLive('dev', 'c0', 'orders', pin, new Date(wednesday.getTime() - 3 * hour));
    const pr = w.openPullRequest({ branch: 'datakit/promote/int/c0/orders', files: deploymentFiles('int', 'c0', 'orders', pin) });
    w.fake.addReview(gitopsRepo, pr.number, { user: carol, state: 'APPROVED' });
    const group = w.fake.createMergeGroup(gitopsRepo, pr.number);

    await w.app.receive('merge_group', mergeGroupChecksRequestedPayload(w.fake, gitopsRepo, group));

    const runs = w.checkRuns(group.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('success');
    expect(runs[0]!.output.summary).toContain(`Evaluated the merge group of pull request #${pr.number}`);
    expect(runs[0]!.output.summary).toContain('✅ **approvals**: 1 of 1 approvals');
    expect(w.checkRuns(pr.head)).toEqual([]);
  });

  it('refuses a merge group whose pull request lacks approvals, and re-runs it on request', async () => {
    const w = await setup();
    const pin = await publishPackage(w.prefix, 'orders', '0.2.0');
    w.seedLive('dev', 'c0', 'orders', pin, new Date(wednesday.getTime() - 3 * hour));
    const pr = w.openPullRequest({ branch: 'datakit/promote/int/c0/orders', files: deploymentFiles('int', 'c0', 'orders', pin) });
    w.fake.addReview(gitopsRepo, pr.number, { user: dave, state: 'APPROVED' });
    const group = w.fake.createMergeGroup(gitopsRepo, pr.number);

    await w.app.receive('merge_group', mergeGroupChecksRequestedPayload(w.fake, gitopsRepo, group));
    const refused = w.checkRuns(group.headSha);
    expect(refused.map((run) => run.conclusion)).toEqual(['failure']);
    expect(refused[0]!.output.title).toBe('int/c0 orders 0.2.0: refused — approvals');

    // An approval given on the queued head counts once the run is requested again.
    w.fake.addReview(gitopsRepo, pr.number, { user: carol, state: 'APPROVED' });
    await w.app.receive('check_run', checkRunRerequestedPayload(w.fake, gitopsRepo, refused[0]!.id));
    const rerun = w.checkRuns(group.headSha);
    expect(rerun).toHaveLength(1);
    expect(rerun[0]!.conclusion).toBe('success');
  });

  it('writes no run for a merge group that changes no deployment', async () => {
    const w = await setup();
    const pr = w.openPullRequest({ branch: 'docs', files: { 'README.md': 'words\n' } });
    const group = w.fake.createMergeGroup(gitopsRepo, pr.number);

    await w.app.receive('merge_group', mergeGroupChecksRequestedPayload(w.fake, gitopsRepo, group));

    expect(w.checkRuns(group.headSha)).toEqual([]);
  });
});
