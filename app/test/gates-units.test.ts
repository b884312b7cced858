import { describe, expect, it } from 'vitest';
import { countApprovals, type Review } from '../src/gates/approvals';
import { classifyChanges } from '../src/gates/changed-files';
import { maxSummaryLength, renderFailure, renderReport } from '../src/gates/gate-report';
import type { GateTarget } from '../src/gates/gate-service';
import { parseMergeQueueRef } from '../src/gates/github-reads';
import { DataKitError } from '@datakit/sdk/core';

const head = 'a'.repeat(40);
const old = 'b'.repeat(40);

function review(id: number, login: string, state: string, commit = head, at = id): Review {
  return { id, user: { login, type: 'User' }, state, commit_id: commit, submitted_at: new Date(Date.UTC(2026, 0, 1, 0, at)).toISOString() };
}

describe('countApprovals', () => {
  it('takes the latest verdict of each reviewer on the current head', () => {
    const reviews: Review[] = [
      review(1, 'alice', 'APPROVED'),
      review(2, 'alice', 'COMMENTED'),
      review(3, 'bob', 'APPROVED'),
      review(4, 'bob', 'CHANGES_REQUESTED'),
      review(5, 'carol', 'APPROVED', old),
      review(6, 'dave', 'CHANGES_REQUESTED'),
      review(7, 'Dave', 'approved'),
      review(8, 'erin', 'APPROVED'),
      review(9, 'erin', 'DISMISSED'),
      { ...review(10, 'renovate[bot]', 'APPROVED'), user: { login: 'renovate[bot]', type: 'Bot' } },
      { ...review(11, 'ghost', 'APPROVED'), user: null },
      review(12, 'frank', 'PENDING'),
    ];
    expect(countApprovals(reviews, head)).toEqual({ approvers: ['Dave', 'alice'], stale: ['carol'] });
  });
});

describe('classifyChanges', () => {
  it('finds deployment files and the policy among changed files', () => {
    const changes = classifyChanges([
      { filename: 'README.md', status: 'modified' },
      { filename: 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml', status: 'modified' },
      { filename: 'envs/dev/cells/c0/apps/orders/kustomization.yaml', status: 'modified' },
      { filename: 'envs/prod/cells/c1/apps/billing/packagedeployment.yaml', status: 'added' },
      {
        filename: 'envs/int/cells/c1/apps/search/packagedeployment.yaml',
        previous_filename: 'envs/int/cells/c0/apps/search/packagedeployment.yaml',
        status: 'renamed',
      },
      { filename: 'envs/dev/cells/c0/apps/gone/packagedeployment.yaml', status: 'removed' },
      { filename: 'nested/datakit-promotion.yaml', status: 'modified' },
    ]);
    expect(changes.policyChanged).toBe(false);
    expect(changes.deployments.map((d) => `${d.change} ${d.env}/${d.cell}/${d.package}`)).toEqual([
      'removed dev/c0/gone',
      'modified dev/c0/orders',
      'removed int/c0/search',
      'added int/c1/search',
      'added prod/c1/billing',
    ]);
    expect(classifyChanges([{ filename: 'datakit-promotion.yaml', status: 'removed' }])).toEqual({
      deployments: [],
      policyChanged: true,
      policyRemoved: true,
    });
  });
});

describe('parseMergeQueueRef', () => {
  it('reads the pull request and its head from a merge queue branch', () => {
    expect(parseMergeQueueRef(`refs/heads/gh-readonly-queue/main/pr-104-${head}`)).toEqual({
      base: 'main',
      pullNumber: 104,
      headSha: head,
    });
    expect(parseMergeQueueRef(`gh-readonly-queue/release/v1/pr-7-${head}`)).toEqual({ base: 'release/v1', pullNumber: 7, headSha: head });
    expect(parseMergeQueueRef('datakit/promote/dev/c0/orders')).toBeUndefined();
  });
});

function target(index: number, passed: boolean): GateTarget {
  return {
    package: `package-${index}`,
    env: 'prod',
    cell: 'c0',
    version: '1.0.0',
    digest: `sha256:${String(index).padStart(64, '0')}`,
    path: `envs/prod/cells/c0/apps/package-${index}/packagedeployment.yaml`,
    results: [
      { rule: 'order', passed, message: passed ? 'live in int' : 'not live in int; promote it there first' },
      { rule: 'approvals', passed, message: `${passed ? 2 : 0} of 2 approvals | with a pipe` },
    ],
    passed,
  };
}

describe('renderReport', () => {
  const policy = { branch: 'main', commit: head, file: 'datakit-promotion.yaml' };

  it('titles several targets by their refusals', () => {
    const report = renderReport({ targets: [target(1, true), target(2, false)], policy, headSha: head, subject: 'pull request #3' });
    expect(report.conclusion).toBe('failure');
    expect(report.title).toBe('2 promotions: 1 refused (prod/c0 package-2 1.0.0: refused — order, approvals)');
    expect(report.summary).toContain('- ❌ **order**: not live in int; promote it there first');
  });

  it('keeps the summary under GitHub’s limit, naming the targets left out', () => {
    const targets = Array.from({ length: 1500 }, (_, i) => target(i, i % 3 !== 0));
    const report = renderReport({ targets, policy, headSha: head, subject: 'pull request #3' });
    expect(report.summary.length).toBeLessThanOrEqual(maxSummaryLength);
    expect(report.summary).toMatch(/… \d+ more/);
    expect(report.title.length).toBeLessThanOrEqual(200);
  });

  it('says why an evaluation could not complete', () => {
    const report = renderFailure(new DataKitError('DK710', 'GitHub GET /x answered 502', { hint: 'Try later.' }), head);
    expect(report).toMatchObject({ conclusion: 'failure', title: 'Evaluation could not complete (DK710)' });
    expect(report.summary).toContain('GitHub GET /x answered 502');
    expect(report.summary).toContain('Try later.');
  });
});
