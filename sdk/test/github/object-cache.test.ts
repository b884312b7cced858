import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSourceControl, GitObjectCache } from '../../src/github';
import { FakeGitHub } from '../helpers/github';

describe('GitObjectCache: git objects read once across GitHubSourceControl instances', () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await FakeGitHub.start();
    fake.createRepository('acme/gitops', { files: { 'datakit-promotion.yaml': 'environments: []\n', 'README.md': '# gitops\n' } });
  });
  afterAll(async () => fake?.close());

  const open = (objects?: GitObjectCache) =>
    new GitHubSourceControl({ owner: 'acme', repo: 'gitops', token: 'ghs_test', baseUrl: fake.url, ...(objects ? { objects } : {}) });

  async function readAll(scm: GitHubSourceControl): Promise<Map<string, string>> {
    const snapshot = await scm.readSnapshot();
    return snapshot.readFiles(await snapshot.listFiles());
  }

  it('reads each tree and blob once; refs are read every time', async () => {
    const objects = new GitObjectCache();
    const before = fake.requests.length;
    const first = await readAll(open(objects));
    const second = await readAll(open(objects));
    const made = fake.requests.slice(before);
    expect(second).toEqual(first);
    expect(first.get('README.md')).toBe('# gitops\n');
    expect(made.filter((r) => r.route === 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}')).toHaveLength(1);
    expect(made.filter((r) => r.route === 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}')).toHaveLength(2);
    expect(made.filter((r) => r.route === 'GET /repos/{owner}/{repo}/git/ref/{ref}')).toHaveLength(2);
  });

  it('sees a new commit of the default branch (ids change, nothing stale)', async () => {
    const objects = new GitObjectCache();
    await readAll(open(objects));
    fake.commit('acme/gitops', { files: { 'README.md': '# gitops v2\n' } });
    expect((await readAll(open(objects))).get('README.md')).toBe('# gitops v2\n');
  });

  it('without a cache, every instance reads again', async () => {
    const before = fake.requests.length;
    await readAll(open());
    await readAll(open());
    const trees = fake.requests.slice(before).filter((r) => r.route === 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}');
    expect(trees).toHaveLength(2);
  });

  it('keeps no failed read and evicts beyond its capacity', async () => {
    const objects = new GitObjectCache(2);
    const context = { owner: 'acme', repo: 'gitops' } as Parameters<GitObjectCache['get']>[0];
    const id = (n: number) => String(n).repeat(40).slice(0, 40);
    await expect(objects.get(context, 'blob', id(1), () => Promise.reject(new Error('502')))).rejects.toThrow('502');
    await Promise.resolve();
    expect(await objects.get(context, 'blob', id(1), async () => 'one')).toBe('one');
    await objects.get(context, 'blob', id(2), async () => 'two');
    await objects.get(context, 'blob', id(3), async () => 'three');
    expect(objects.size).toBe(2);
    expect(await objects.get(context, 'blob', id(1), async () => 'read again')).toBe('read again');
    // Names that are not object ids (branches) are never cached.
    expect(await objects.get(context, 'tree', 'main', async () => 'a')).toBe('a');
    expect(await objects.get(context, 'tree', 'main', async () => 'b')).toBe('b');
  });
});
