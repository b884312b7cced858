import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubApiError, GitHubSourceControl } from '../../src/github';
import { recordingLogger } from '../helpers/lineage/recording-logger';
import {
  api,
  blobId,
  blobPayload,
  commitPayload,
  contentPayload,
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
  treePayload,
} from './github-payloads';

const deploymentPath = 'envs/prod/cells/c0/apps/orders/packagedeployment.yaml';
const digest = (letter: string) => `sha256:${letter.repeat(64)}`;

function deployment(version: string, pinned: string, extra = ''): string {
  return [
    'apiVersion: datakit.dev/v1alpha1',
    'kind: PackageDeployment',
    'metadata:',
    '  name: orders',
    'spec:',
    '  package:',
    '    name: orders',
    `    version: ${version}`,
    `    ref: ghcr.io/acme/orders@${pinned}`,
    `    digest: ${pinned}`,
    '  cell: c0',
    extra,
  ].join('\n');
}

function source() {
  const logger = recordingLogger();
  return { logger, source: new GitHubSourceControl({ owner, repo, token, logger, sleep: recordingSleep().sleep }) };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('GitHubSourceControl snapshots', () => {
  it('reads the default branch head, its files (blobs only, sorted, cached) and their contents', async () => {
    const head = oid('head');
    const policy = 'environments: [dev, int, prod]\n';
    const pinned = deployment('1.10', digest('a'));
    const kustomization = '# café ☕\nresources:\n  - packagedeployment.yaml\n';
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload('trunk'))
      .get(`${repoPath}/git/ref/heads%2Ftrunk`)
      .reply(200, refPayload('heads/trunk', head))
      .get(`${repoPath}/git/trees/${head}`)
      .query({ recursive: 'true' })
      .once()
      .reply(
        200,
        treePayload(oid('root'), [
          { path: 'envs', type: 'tree' },
          { path: 'envs/prod/cells/c0/apps/orders', type: 'tree' },
          { path: deploymentPath, type: 'blob', content: pinned },
          { path: 'envs/prod/cells/c0/apps/orders/kustomization.yaml', type: 'blob', content: kustomization },
          { path: 'datakit-promotion.yaml', type: 'blob', content: policy },
          { path: 'vendor/charts', type: 'commit' },
        ]),
      )
      .get(`${repoPath}/git/blobs/${blobId(pinned)}`)
      .once()
      .reply(200, blobPayload(pinned))
      .get(`${repoPath}/git/blobs/${blobId(kustomization)}`)
      .once()
      .reply(200, blobPayload(kustomization));

    const snapshot = await source().source.readSnapshot();
    expect(snapshot.branch).toBe('trunk');
    expect(snapshot.commit).toBe(head);
    expect(await snapshot.listFiles()).toEqual([
      'datakit-promotion.yaml',
      'envs/prod/cells/c0/apps/orders/kustomization.yaml',
      'envs/prod/cells/c0/apps/orders/packagedeployment.yaml',
    ]);
    const kustomizationPath = 'envs/prod/cells/c0/apps/orders/kustomization.yaml';
    const contents = await snapshot.readFiles([deploymentPath, 'envs/missing.yaml', kustomizationPath, deploymentPath]);
    expect([...contents]).toEqual([
      [deploymentPath, pinned],
      [kustomizationPath, kustomization],
    ]);
    // Tree and blobs come from the cache now: nock would refuse a second request.
    expect((await snapshot.readFiles([deploymentPath])).get(deploymentPath)).toBe(pinned);
    scope.done();
  });

  it('walks a truncated tree level by level', async () => {
    const head = oid('head');
    const sub = oid('sub');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(`${repoPath}/git/ref/heads%2Fmain`)
      .reply(200, refPayload('heads/main', head))
      .get(`${repoPath}/git/trees/${head}`)
      .query({ recursive: 'true' })
      .reply(200, treePayload(oid('root'), [{ path: 'a.yaml', type: 'blob', content: 'a' }], true))
      .get(`${repoPath}/git/trees/${head}`)
      .reply(
        200,
        treePayload(oid('root'), [
          { path: 'envs', type: 'tree', sha: sub },
          { path: 'a.yaml', type: 'blob', content: 'a' },
        ]),
      )
      .get(`${repoPath}/git/trees/${sub}`)
      .reply(200, treePayload(sub, [{ path: 'b.yaml', type: 'blob', content: 'b' }]));
    const snapshot = await source().source.readSnapshot();
    expect(await snapshot.listFiles()).toEqual(['a.yaml', 'envs/b.yaml']);
    scope.done();
  });

  it('gives each digest pinned on the default branch, newest first, since the commit it entered with', async () => {
    const head = oid('head');
    const commits = [
      { sha: oid('c5'), date: '2025-03-05T10:00:00Z', content: deployment('0.3.0', digest('b'), '  mode: batch') },
      { sha: oid('c4'), date: '2025-03-04T10:00:00Z', content: deployment('0.3.0', digest('b')) },
      { sha: oid('c3'), date: '2025-03-03T10:00:00Z', content: deployment('0.2.0', digest('a')) },
      { sha: oid('c2'), date: '2025-03-02T10:00:00Z', content: undefined },
      { sha: oid('c1'), date: '2025-03-01T10:00:00Z', content: deployment('0.2.0', digest('a')) },
    ];
    const quiet = 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml';
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(`${repoPath}/git/ref/heads%2Fmain`)
      .reply(200, refPayload('heads/main', head))
      .get(`${repoPath}/commits`)
      .query({ sha: head, path: deploymentPath, per_page: '20' })
      .reply(
        200,
        commits.map((commit) => commitPayload(commit.sha, commit.date)),
      )
      .get(`${repoPath}/commits`)
      .query({ sha: head, path: quiet, per_page: '20' })
      .reply(200, []);
    // Pushed straight to the default branch: no pull request, so the committer times stand.
    for (const entered of ['c4', 'c3', 'c1'])
      scope
        .get(`${repoPath}/commits/${oid(entered)}/pulls`)
        .query({ per_page: '100' })
        .reply(200, []);
    for (const commit of commits) {
      const interceptor = scope.get(`${repoPath}/contents/${encodeURIComponent(deploymentPath)}`).query({ ref: commit.sha });
      if (commit.content === undefined)
        interceptor.reply(404, errorPayload(404, 'Not Found', 'https://docs.github.com/rest/repos/contents#get-repository-content'));
      else interceptor.reply(200, contentPayload(deploymentPath, commit.content, commit.sha));
    }

    const snapshot = await source().source.readSnapshot();
    const history = await snapshot.history([deploymentPath, quiet]);
    expect(history.get(quiet)).toEqual([]);
    expect(history.get(deploymentPath)).toEqual([
      { digest: digest('b'), version: '0.3.0', commit: oid('c4'), time: new Date('2025-03-04T10:00:00Z') },
      { digest: digest('a'), version: '0.2.0', commit: oid('c3'), time: new Date('2025-03-03T10:00:00Z') },
      { digest: digest('a'), version: '0.2.0', commit: oid('c1'), time: new Date('2025-03-01T10:00:00Z') },
    ]);
    // Files read for history are cached for readFileAt.
    expect(await snapshot.readFileAt(oid('c3'), deploymentPath)).toBe(commits[2]!.content);
    expect(await snapshot.readFileAt(oid('c2'), deploymentPath)).toBeUndefined();
    scope.done();
  });

  it('times each pin by when its pull request merged into the default branch, never earlier than its commit', async () => {
    const head = oid('head');
    const otherPath = 'envs/prod/cells/c1/apps/orders/packagedeployment.yaml';
    // A merge commit's branch side: committed at 10:00, merged at 12:00.
    const branchCommit = { sha: oid('branch'), date: '2025-03-04T10:00:00Z', content: deployment('0.3.0', digest('b')) };
    const squashed = { sha: oid('squashed'), date: '2025-03-01T10:00:00Z', content: deployment('0.2.0', digest('a')) };
    const pulls = (sha: string) => `${repoPath}/commits/${sha}/pulls`;
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(`${repoPath}/git/ref/heads%2Fmain`)
      .reply(200, refPayload('heads/main', head))
      .get(`${repoPath}/commits`)
      .query({ sha: head, path: deploymentPath, per_page: '20' })
      .reply(200, [commitPayload(branchCommit.sha, branchCommit.date), commitPayload(squashed.sha, squashed.date)])
      .get(`${repoPath}/commits`)
      .query({ sha: head, path: otherPath, per_page: '20' })
      .reply(200, [commitPayload(branchCommit.sha, branchCommit.date)])
      .get(`${repoPath}/contents/${encodeURIComponent(deploymentPath)}`)
      .query({ ref: branchCommit.sha })
      .reply(200, contentPayload(deploymentPath, branchCommit.content, branchCommit.sha))
      .get(`${repoPath}/contents/${encodeURIComponent(deploymentPath)}`)
      .query({ ref: squashed.sha })
      .reply(200, contentPayload(deploymentPath, squashed.content, squashed.sha))
      .get(`${repoPath}/contents/${encodeURIComponent(otherPath)}`)
      .query({ ref: branchCommit.sha })
      .reply(200, contentPayload(otherPath, branchCommit.content, branchCommit.sha))
      // Asked once although both files' histories hold the commit.
      .get(pulls(branchCommit.sha))
      .query({ per_page: '100' })
      .once()
      .reply(200, [
        pullPayload({ number: 9, head: 'datakit/promote/prod/c0/orders', headSha: branchCommit.sha, mergedAt: '2025-03-04T14:00:00Z' }),
        pullPayload({ number: 8, head: 'hotfix', headSha: branchCommit.sha, base: 'release', mergedAt: '2025-03-04T11:00:00Z' }),
        pullPayload({ number: 7, head: 'datakit/promote/prod/c0/orders', headSha: branchCommit.sha, mergedAt: '2025-03-04T12:00:00Z' }),
        pullPayload({ number: 6, head: 'experiment', headSha: branchCommit.sha }),
      ])
      // Merged before its commit's own time (a skewed clock): the committer time stands.
      .get(pulls(squashed.sha))
      .query({ per_page: '100' })
      .reply(200, [pullPayload({ number: 3, head: 'bump', headSha: squashed.sha, mergedAt: '2025-03-01T09:00:00Z' })]);

    const snapshot = await source().source.readSnapshot();
    const history = await snapshot.history([deploymentPath, otherPath]);
    expect(history.get(deploymentPath)).toEqual([
      { digest: digest('b'), version: '0.3.0', commit: branchCommit.sha, time: new Date('2025-03-04T12:00:00Z') },
      { digest: digest('a'), version: '0.2.0', commit: squashed.sha, time: new Date('2025-03-01T10:00:00Z') },
    ]);
    expect(history.get(otherPath)).toEqual([
      { digest: digest('b'), version: '0.3.0', commit: branchCommit.sha, time: new Date('2025-03-04T12:00:00Z') },
    ]);
    scope.done();
  });

  it('fails the history (DK710) when it cannot tell when a commit was merged, rather than count soak from the commit', async () => {
    const head = oid('head');
    const entered = oid('entered');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(`${repoPath}/git/ref/heads%2Fmain`)
      .reply(200, refPayload('heads/main', head))
      .get(`${repoPath}/commits`)
      .query({ sha: head, path: deploymentPath, per_page: '20' })
      .reply(200, [commitPayload(entered, '2025-03-04T10:00:00Z')])
      .get(`${repoPath}/contents/${encodeURIComponent(deploymentPath)}`)
      .query({ ref: entered })
      .reply(200, contentPayload(deploymentPath, deployment('0.3.0', digest('b')), entered))
      .get(`${repoPath}/commits/${entered}/pulls`)
      .query({ per_page: '100' })
      .reply(
        403,
        errorPayload(
          403,
          'Resource not accessible by integration',
          'https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit',
        ),
      );

    const snapshot = await source().source.readSnapshot();
    const failure = await snapshot.history([deploymentPath]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GitHubApiError);
    expect(failure).toMatchObject({ code: 'DK710', status: 403 });
    expect((failure as Error).message).toContain(`cannot tell when commit ${entered} reached main (needed for soak times): GitHub GET`);
    expect((failure as Error).message).toContain('Resource not accessible by integration');
    scope.done();
  });

  it('reads a file at an older commit, undefined when absent there', async () => {
    const head = oid('head');
    const scope = nock(api)
      .get(repoPath)
      .reply(200, repositoryPayload())
      .get(`${repoPath}/git/ref/heads%2Fmain`)
      .reply(200, refPayload('heads/main', head))
      .get(`${repoPath}/contents/${encodeURIComponent(deploymentPath)}`)
      .query({ ref: oid('old') })
      .reply(200, contentPayload(deploymentPath, 'old: true\n', oid('old')))
      .get(`${repoPath}/contents/gone.yaml`)
      .query({ ref: oid('old') })
      .reply(404, errorPayload(404, 'Not Found'))
      .get(`${repoPath}/contents/envs`)
      .query({ ref: oid('old') })
      .reply(200, [{ type: 'dir', name: 'prod', path: 'envs/prod', sha: oid('dir'), size: 0 }]);
    const snapshot = await source().source.readSnapshot();
    expect(await snapshot.readFileAt(oid('old'), deploymentPath)).toBe('old: true\n');
    expect(await snapshot.readFileAt(oid('old'), 'gone.yaml')).toBeUndefined();
    expect(await snapshot.readFileAt(oid('old'), 'envs')).toBeUndefined();
    scope.done();
  });
});
