import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataKitError, UsageError } from '../../src/core/errors';
import { GitHubApiError, GitHubSourceControl, type GitHubSourceControlOptions } from '../../src/github';
import { recordingLogger } from '../helpers/lineage/recording-logger';
import {
  api,
  errorPayload,
  oid,
  owner,
  pullPayload,
  recordingSleep,
  refPayload,
  repo,
  repoPath,
  repositoryPayload,
  token,
} from './github-payloads';

const now = Date.parse('2025-06-01T12:00:00Z');

function client(options: Partial<GitHubSourceControlOptions> = {}) {
  const logger = recordingLogger();
  const { sleep, delays } = recordingSleep();
  const source = new GitHubSourceControl({ owner, repo, token, logger, sleep, random: () => 0, now: () => now, ...options });
  return { logger, delays, source };
}

/** The snapshot read after repos.get succeeded. */
function rest(scope: nock.Scope): nock.Scope {
  return scope.get(`${repoPath}/git/ref/heads%2Fmain`).reply(200, refPayload('heads/main', oid('head')));
}

async function failureOf(promise: Promise<unknown>): Promise<GitHubApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  return error as GitHubApiError;
}

/** Every error and log line of this file, checked for the token at the end. */
const seen: string[] = [];

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  expect(seen.length).toBeGreaterThan(5);
  for (const text of seen) expect(text).not.toContain(token);
});

function remember(logger: ReturnType<typeof recordingLogger>, ...errors: unknown[]): void {
  seen.push(JSON.stringify(logger.entries));
  for (const error of errors)
    seen.push(inspect(error, { depth: 10 }), String((error as Error).message), String((error as DataKitError).hint));
}

describe('retries', () => {
  it('retries a 5xx answer with backoff, then succeeds', async () => {
    const scope = rest(
      nock(api)
        .get(repoPath)
        .reply(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' })
        .get(repoPath)
        .reply(503, errorPayload(503, 'Service Unavailable'))
        .get(repoPath)
        .reply(200, repositoryPayload()),
    );
    const { source, delays, logger } = client();
    expect((await source.readSnapshot()).commit).toBe(oid('head'));
    expect(delays).toEqual([500, 1000]);
    expect(logger.warnings().map((entry) => entry.fields)).toEqual([
      expect.objectContaining({ method: 'GET', path: `/repos/${owner}/${repo}`, attempt: 1, reason: '502 <html>Bad Gateway</html>' }),
      expect.objectContaining({ attempt: 2, reason: '503 Service Unavailable' }),
    ]);
    scope.done();
    remember(logger);
  });

  it('retries a broken connection', async () => {
    const scope = rest(
      nock(api)
        .get(repoPath)
        .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
        .get(repoPath)
        .reply(200, repositoryPayload()),
    );
    const { source, delays, logger } = client();
    await source.readSnapshot();
    expect(delays).toEqual([500]);
    scope.done();
    remember(logger);
  });

  it('waits as long as retry-after says on a secondary rate limit', async () => {
    const scope = rest(
      nock(api)
        .get(repoPath)
        .reply(
          403,
          errorPayload(
            403,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          ),
          { 'retry-after': '7', 'x-ratelimit-remaining': '4321' },
        )
        .get(repoPath)
        .reply(200, repositoryPayload()),
    );
    const { source, delays, logger } = client();
    await source.readSnapshot();
    expect(delays).toEqual([7000]);
    scope.done();
    remember(logger);
  });

  it('waits until x-ratelimit-reset when no requests remain', async () => {
    const reset = Math.floor(now / 1000) + 30;
    const scope = rest(
      nock(api)
        .get(repoPath)
        .reply(403, errorPayload(403, 'API rate limit exceeded for user ID 1.'), {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        })
        .get(repoPath)
        .reply(200, repositoryPayload()),
    );
    const { source, delays, logger } = client();
    await source.readSnapshot();
    expect(delays).toEqual([31_000]);
    scope.done();
    remember(logger);
  });

  it('fails at once, naming the reset time, when the rate limit resets too late to wait for', async () => {
    const reset = Math.floor(now / 1000) + 3600;
    nock(api)
      .get(repoPath)
      .reply(403, errorPayload(403, 'API rate limit exceeded for user ID 1.'), {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
      });
    const { source, delays, logger } = client();
    const error = await failureOf(source.readSnapshot());
    expect(delays).toEqual([]);
    expect(error.code).toBe('DK710');
    expect(error.message).toBe(
      `GitHub GET /repos/${owner}/${repo} answered 403: API rate limit exceeded for user ID 1. (rate limited until ${new Date(reset * 1000).toISOString()})`,
    );
    expect(error.hint).toContain('installation token');
    remember(logger, error);
  });

  it('gives up after the attempts, saying how many', async () => {
    nock(api).get(repoPath).times(5).reply(500, errorPayload(500, 'Internal Server Error'));
    const { source, delays, logger } = client();
    const error = await failureOf(source.readSnapshot());
    expect(delays).toHaveLength(4);
    expect(error.status).toBe(500);
    expect(error.message).toBe(
      `GitHub GET /repos/${owner}/${repo} answered 500: Internal Server Error after 5 attempts (a GitHub server error)`,
    );
    expect(nock.isDone()).toBe(true);
    remember(logger, error);
  });

  it('says where it could not connect', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const baseUrl = `http://127.0.0.1:${port}/api/v3`;
    const { source, logger } = client({ baseUrl, retry: { attempts: 2 } });
    nock.enableNetConnect('127.0.0.1');
    try {
      const error = await failureOf(source.readSnapshot());
      expect(error.status).toBeUndefined();
      expect(error.message).toBe(`GitHub GET /repos/${owner}/${repo} failed: could not reach ${baseUrl} (ECONNREFUSED) after 2 attempts`);
      expect(source.description).toBe(`github:${owner}/${repo} (${baseUrl})`);
      remember(logger, error);
    } finally {
      nock.disableNetConnect();
    }
  });
});

describe('errors', () => {
  it('converts a 404 into DK710 naming the request, the status, GitHub’s message and what to check', async () => {
    nock(api)
      .get(repoPath)
      .reply(404, errorPayload(404, 'Not Found', 'https://docs.github.com/rest/repos/repos#get-a-repository'));
    const { source, delays, logger } = client();
    const error = await failureOf(source.readSnapshot());
    expect(error).toBeInstanceOf(DataKitError);
    expect(error.code).toBe('DK710');
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      `GitHub GET /repos/${owner}/${repo} answered 404: Not Found (github:${owner}/${repo}: no access or does not exist: check the repository name and the token's permissions (contents: write, pull-requests: write))`,
    );
    expect(error.hint).toBeTruthy();
    expect(error.cause).toBeInstanceOf(Error);
    expect(delays).toEqual([]);
    remember(logger, error);
  });

  it('names the concrete path of a failed request, decoded', async () => {
    nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload('release/v1'))
      .get(`${repoPath}/git/ref/heads%2Frelease%2Fv1`)
      .reply(403, errorPayload(403, 'Resource not accessible by personal access token'));
    const { source, logger } = client();
    const error = await failureOf(source.readSnapshot());
    expect(error.message).toContain(
      `GitHub GET /repos/${owner}/${repo}/git/ref/heads/release/v1 answered 403: Resource not accessible by personal access token (`,
    );
    expect(error.message).toContain('no access or does not exist');
    remember(logger, error);
  });

  it('explains a 401 as an invalid or expired token', async () => {
    nock(api)
      .get(repoPath)
      .reply(401, errorPayload(401, 'Bad credentials', 'https://docs.github.com/rest'));
    const { source, logger } = client();
    const error = await failureOf(source.readSnapshot());
    expect(error.message).toBe(`GitHub GET /repos/${owner}/${repo} answered 401: Bad credentials (the GitHub token is invalid or expired)`);
    expect(error.hint).toContain('new token');
    remember(logger, error);
  });

  it('refuses a missing, blank or malformed token with DK708 before any request', () => {
    for (const bad of ['', '   ', undefined as unknown as string, `${token}\nX`]) {
      let error: unknown;
      try {
        new GitHubSourceControl({ owner, repo, token: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({ code: 'DK708', exitCode: 2 });
      seen.push(inspect(error), (error as Error).message);
    }
  });

  it('accepts a token with a trailing newline (as read from a file)', async () => {
    nock(api, { reqheaders: { authorization: `token ${token}` } })
      .get(repoPath)
      .reply(200, repositoryPayload());
    rest(nock(api));
    const { source } = client({ token: `${token}\n` });
    await source.readSnapshot();
    expect(nock.isDone()).toBe(true);
  });
});

describe('listPending', () => {
  it('pages through open PRs and keeps this repository’s promotion and rollback branches', async () => {
    const page2 = `${api}${repoPath}/pulls?state=open&per_page=100&page=2`;
    nock(api)
      .get(`${repoPath}/pulls`)
      .query({ state: 'open', per_page: '100' })
      .reply(
        200,
        [
          pullPayload({ number: 9, head: 'datakit/rollback/prod/c0/orders', headSha: oid('9'), title: 'Roll back orders in prod/c0' }),
          pullPayload({ number: 8, head: 'feature/readme', headSha: oid('8') }),
          pullPayload({ number: 7, head: 'datakit/promote/int/c0/orders', headSha: oid('7'), headRepo: 'mallory/gitops' }),
        ],
        { link: `<${page2}>; rel="next", <${page2}>; rel="last"` },
      )
      .get(`${repoPath}/pulls`)
      .query({ state: 'open', per_page: '100', page: '2' })
      .reply(200, [
        pullPayload({ number: 3, head: 'datakit/promote/prod/c1/billing', headSha: oid('3'), title: 'Promote billing 2.0.0 to prod/c1' }),
        pullPayload({ number: 2, head: 'datakit/promote/prod/too/deep/x', headSha: oid('2') }),
      ]);
    const { source } = client();
    expect(await source.listPending()).toEqual([
      {
        branch: 'datakit/promote/prod/c1/billing',
        kind: 'promote',
        env: 'prod',
        cell: 'c1',
        package: 'billing',
        commit: oid('3'),
        title: 'Promote billing 2.0.0 to prod/c1',
        pullRequest: { number: 3, url: `https://github.com/${owner}/${repo}/pull/3` },
      },
      {
        branch: 'datakit/rollback/prod/c0/orders',
        kind: 'rollback',
        env: 'prod',
        cell: 'c0',
        package: 'orders',
        commit: oid('9'),
        title: 'Roll back orders in prod/c0',
        pullRequest: { number: 9, url: `https://github.com/${owner}/${repo}/pull/9` },
      },
    ]);
    expect(nock.isDone()).toBe(true);
  });
});
