import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSourceControl } from '../../src/github';
import type { ChangeRequest } from '../../src/promotion';
import { FakeGitHub } from '../helpers/github';

describe('GitHubSourceControl: updating an open promotion pull request', () => {
  let fake: FakeGitHub;
  let base: string;
  beforeAll(async () => {
    fake = await FakeGitHub.start();
    fake.createRepository('acme/gitops', { files: { 'README.md': '# gitops\n' } });
    base = fake.branchHead('acme/gitops', 'main')!;
  });
  afterAll(async () => fake?.close());

  const scm = () => new GitHubSourceControl({ owner: 'acme', repo: 'gitops', token: 'ghs_test', baseUrl: fake.url });
  const request = (body: string): ChangeRequest => ({
    branch: 'datakit/promote/dev/c0/orders',
    baseCommit: base,
    files: [{ path: 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml', content: 'pinned: 1\n' }],
    commitMessage: 'Promote orders',
    title: 'Promote orders 0.2.0 to dev/c0',
    body,
    labels: ['datakit', 'promotion'],
    reviewers: [],
  });
  const writes = (from: number) =>
    fake.requests
      .slice(from)
      .filter((r) => r.method !== 'GET')
      .map((r) => r.route);

  it('writes nothing when the pull request already says the same, and only what changed otherwise', async () => {
    const opened = await scm().proposeChange(request('body one'));
    expect(opened.pullRequest?.created).toBe(true);
    const number = opened.pullRequest!.number;

    let from = fake.requests.length;
    const again = await scm().proposeChange(request('body one'));
    expect(again.pullRequest).toMatchObject({ number, created: false });
    expect(writes(from)).toEqual([]);

    from = fake.requests.length;
    await scm().proposeChange(request('body two'));
    expect(writes(from)).toEqual(['PATCH /repos/{owner}/{repo}/pulls/{pull_number}']);
    expect(fake.pullRequest('acme/gitops', number).body).toBe('body two');

    fake.repository('acme/gitops').issueLabels.set(number, ['datakit']);
    from = fake.requests.length;
    await scm().proposeChange(request('body two'));
    expect(writes(from)).toEqual(['POST /repos/{owner}/{repo}/issues/{issue_number}/labels']);
    expect(fake.labelsOf('acme/gitops', number).sort()).toEqual(['datakit', 'promotion']);
  });
});
