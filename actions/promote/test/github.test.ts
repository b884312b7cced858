/**
 * The bundled promote action with gitops-repo: owner/repo, talking to the fake GitHub REST API
 * (GITHUB_API_URL) over HTTP: pull requests opened and updated, labels, reviewers, the token.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackTraceProblems } from '@datakit/action-common/testing';
import { FakeGitHub } from '../../../sdk/test/helpers/github/fake-github';
import { createGitopsFixture } from '../../../sdk/test/helpers/gitops/gitops-remote';
import { expectMasked, failure, githubToken, promote, publishDemo, type Published } from './promote-helpers';

const repository = 'acme/gitops';
/** The token the gitops repository accepts (the fake refuses any other). */
const gitopsToken = 'ghp_GitopsTokenThatMustNeverLeave0123456789';
const devBranch = 'datakit/promote/dev/c0/demo';
const deployment = 'envs/dev/cells/c0/apps/demo/packagedeployment.yaml';

/** The files of a scaffolded gitops repository (dk gitops init), by path. */
async function gitopsFiles(): Promise<Record<string, string>> {
  const fixture = await createGitopsFixture();
  try {
    const files: Record<string, string> = {};
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name === '.git') continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else files[path.relative(fixture.checkout, full).split(path.sep).join('/')] = await readFile(full, 'utf8');
      }
    };
    await walk(fixture.checkout);
    return files;
  } finally {
    await fixture.cleanup();
  }
}

describe('datakit/promote on GitHub', () => {
  let published: Published;
  let github: FakeGitHub;

  beforeAll(async () => {
    published = await publishDemo();
    github = await FakeGitHub.start({ strictTokens: true });
    github.addToken(gitopsToken, 'datakit-bot');
    github.createRepository(repository, { files: await gitopsFiles(), date: new Date('2026-11-01T00:00:00Z') });
    github.setPermission(repository, 'alice', 'write');
  }, 120_000);

  afterAll(async () => {
    await github?.close();
    await published?.cleanup();
  });

  function run(inputs: Record<string, string>) {
    return promote(published, {
      inputs: { package: 'demo', environment: 'dev', 'gitops-repo': repository, registry: published.prefix, token: gitopsToken, ...inputs },
      env: { GITHUB_API_URL: github.url },
    });
  }

  it('opens a pull request, and a second run updates the same one', async () => {
    const first = await run({ version: '0.1.0', reviewers: '@alice' });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(stackTraceProblems(first)).toEqual([]);
    const url = `${github.url}/${repository}/pull/1`;
    expect(first.outputs).toEqual({
      allowed: 'true',
      version: '0.1.0',
      digest: published.digests['0.1.0'],
      branch: devBranch,
      committed: 'true',
      'pr-url': url,
      'pr-number': '1',
    });
    expect(first.stdout).toContain(`Pull request #1 opened: ${url}`);
    expect(first.summary).toContain(`pull request <a href="${url}">#1</a> opened`);
    expect(first.summary).toContain(`+    digest: ${published.digests['0.1.0']}`);

    const pulls = github.pullRequests(repository);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({
      state: 'open',
      head: devBranch,
      base: 'main',
      title: 'Promote demo 0.1.0 to dev/c0',
      requestedReviewers: ['alice'],
    });
    expect(pulls[0]!.body).toContain(published.digests['0.1.0']);
    expect(github.labelsOf(repository, 1).sort()).toEqual(['datakit', 'env:dev', 'package:demo', 'promotion']);
    expect(github.readFile(repository, devBranch, deployment)).toContain(`digest: ${published.digests['0.1.0']}`);

    const second = await run({ version: '0.2.0' });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({ version: '0.2.0', committed: 'true', 'pr-url': url, 'pr-number': '1' });
    expect(second.stdout).toContain(`Pull request #1 updated: ${url}`);
    expect(github.pullRequests(repository)).toHaveLength(1);
    expect(github.pullRequests(repository)[0]).toMatchObject({ state: 'open', title: 'Promote demo 0.2.0 to dev/c0' });
    expect(github.readFile(repository, devBranch, deployment)).toContain(`digest: ${published.digests['0.2.0']}`);

    const head = github.branchHead(repository, devBranch);
    const again = await run({ version: '0.2.0' });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs).toMatchObject({ committed: 'false', 'pr-number': '1' });
    expect(github.branchHead(repository, devBranch)).toBe(head);
    expect(github.pullRequests(repository)).toHaveLength(1);

    // The token went to the API only, and nowhere into the log, the summary or the outputs.
    for (const request of github.requests) expect(request.authorization).toBe(`token ${gitopsToken}`);
    for (const result of [first, second, again]) {
      expectMasked(result, gitopsToken);
      expect(result.stdout).not.toContain(githubToken);
    }
  });

  it('refuses prod before int without creating a branch or a pull request', async () => {
    const before = github.requests.length;
    // A directory named like the repository does not change what owner/repo means, but gets a warning.
    const shadow = path.join(published.workspace, 'acme/gitops');
    await mkdir(shadow, { recursive: true });
    const result = await run({ version: '0.1.0', environment: 'prod' });
    await rm(path.join(published.workspace, 'acme'), { recursive: true });
    expect(result.stdout).toContain(
      '::warning::gitops-repo acme/gitops is read as the GitHub repository acme/gitops; to use the directory of that name in the workspace, write ./acme/gitops',
    );
    expect(result.exitCode).toBe(1);
    expect(stackTraceProblems(result)).toEqual([]);
    expect(failure(result)).toMatch(/^DK701 promotion of demo 0\.1\.0 to prod\/c0 refused:\n {2}- order: /);
    expect(result.outputs).toMatchObject({ allowed: 'false', committed: 'false', 'pr-url': '', 'pr-number': '' });
    expect(github.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(github.branchHead(repository, 'datakit/promote/prod/c0/demo')).toBeUndefined();
    expectMasked(result, gitopsToken);
  });

  it('fails with DK708 when the token input is empty, before any request', async () => {
    const before = github.requests.length;
    const result = await run({ version: '0.1.0', token: '', 'gitops-repo': `github:${repository}` });
    expect(result.exitCode).toBe(1);
    expect(stackTraceProblems(result)).toEqual([]);
    const message = failure(result);
    expect(message).toMatch(/^DK708 input token is empty: gitops-repo github:acme\/gitops is a repository on GitHub/);
    expect(message).toContain('contents: write and pull-requests: write');
    expect(github.requests.length).toBe(before);
  });

  it('fails with a clear message on a token GitHub refuses, without showing it', async () => {
    const wrong = 'ghp_WrongTokenThatMustNeverLeave0123456789';
    const result = await run({ version: '0.1.0', token: wrong });
    expect(result.exitCode).toBe(1);
    expect(stackTraceProblems(result)).toEqual([]);
    expect(failure(result)).toMatch(/^DK710 /);
    expect(failure(result)).toContain('answered 401: Bad credentials');
    expect(failure(result)).toContain('(the token input)');
    expectMasked(result, wrong);
  });
});
