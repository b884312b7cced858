import { createHash } from 'node:crypto';

/**
 * Response bodies shaped like GitHub's REST API (trimmed copies of the examples in GitHub's
 * documentation), for nock. Blob ids are computed here with git's own formula, independently of
 * the library under test.
 */

export const api = 'https://api.github.com';
export const owner = 'acme';
export const repo = 'gitops';
export const repoPath = `/repos/${owner}/${repo}`;
export const token = 'ghp_SeCrEtT0kenValue1234567890abcdefABCD';

/** A deterministic 40-hex object id. */
export function oid(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

export function blobId(content: string): string {
  return createHash('sha1')
    .update(`blob ${Buffer.byteLength(content)}\0${content}`)
    .digest('hex');
}

/** Base64 in 60-column lines, as GitHub sends it. */
export function base64Lines(content: string): string {
  return (
    (
      Buffer.from(content)
        .toString('base64')
        .match(/.{1,60}/g) ?? []
    ).join('\n') + '\n'
  );
}

const user = (login: string, id = 583231) => ({
  login,
  id,
  node_id: 'MDQ6VXNlcjU4MzIzMQ==',
  avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  url: `${api}/users/${login}`,
  html_url: `https://github.com/${login}`,
  type: 'User',
  site_admin: false,
});

export function repositoryPayload(defaultBranch = 'main', fullName = `${owner}/${repo}`) {
  return {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name: fullName.split('/')[1],
    full_name: fullName,
    private: true,
    owner: { ...user(fullName.split('/')[0]!), type: 'Organization' },
    html_url: `https://github.com/${fullName}`,
    fork: false,
    url: `${api}/repos/${fullName}`,
    default_branch: defaultBranch,
    visibility: 'private',
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
}

export function refPayload(ref: string, sha: string) {
  return {
    ref: `refs/${ref}`,
    node_id: 'MDM6UmVmcmVmcy9oZWFkcy9mZWF0dXJlQQ==',
    url: `${api}${repoPath}/git/refs/${ref}`,
    object: { type: 'commit', sha, url: `${api}${repoPath}/git/commits/${sha}` },
  };
}

export type TreeItem = { path: string; type: 'blob' | 'tree' | 'commit'; sha?: string; content?: string; mode?: string };

/** A tree; blob entries given `content` get its blob id. */
export function treePayload(sha: string, items: TreeItem[], truncated = false) {
  return {
    sha,
    url: `${api}${repoPath}/git/trees/${sha}`,
    tree: items.map((item) => {
      const id = item.sha ?? (item.content === undefined ? oid(item.path) : blobId(item.content));
      const mode = item.mode ?? (item.type === 'tree' ? '040000' : item.type === 'commit' ? '160000' : '100644');
      return {
        path: item.path,
        mode,
        type: item.type,
        sha: id,
        ...(item.type === 'blob' ? { size: Buffer.byteLength(item.content ?? ''), url: `${api}${repoPath}/git/blobs/${id}` } : {}),
        ...(item.type === 'tree' ? { url: `${api}${repoPath}/git/trees/${id}` } : {}),
      };
    }),
    truncated,
  };
}

export function blobPayload(content: string) {
  const sha = blobId(content);
  return {
    content: base64Lines(content),
    encoding: 'base64',
    url: `${api}${repoPath}/git/blobs/${sha}`,
    sha,
    size: Buffer.byteLength(content),
    node_id: 'Q29udGVudCBvZiBibG9i',
  };
}

const signature = (date: string) => ({ name: 'Monalisa Octocat', email: 'mona@github.com', date });

export function gitCommitPayload(sha: string, tree: string, parents: string[], message = 'Update', date = '2025-01-01T00:00:00Z') {
  return {
    sha,
    node_id: 'MDY6Q29tbWl0NmRjYjA5YjViNTc4NzVmMzM0ZjYxYWViZWQ2OTVlMmU0MTkzZGI1ZQ==',
    url: `${api}${repoPath}/git/commits/${sha}`,
    html_url: `https://github.com/${owner}/${repo}/commit/${sha}`,
    author: signature(date),
    committer: signature(date),
    message,
    tree: { url: `${api}${repoPath}/git/trees/${tree}`, sha: tree },
    parents: parents.map((parent) => ({
      url: `${api}${repoPath}/git/commits/${parent}`,
      sha: parent,
      html_url: `https://github.com/${owner}/${repo}/commit/${parent}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

/** An item of GET /repos/{owner}/{repo}/commits. */
export function commitPayload(sha: string, date: string, message = 'Promote') {
  return {
    url: `${api}${repoPath}/commits/${sha}`,
    sha,
    node_id: 'MDY6Q29tbWl0NmRjYjA5YjViNTc4NzVmMzM0ZjYxYWViZWQ2OTVlMmU0MTkzZGI1ZQ==',
    html_url: `https://github.com/${owner}/${repo}/commit/${sha}`,
    comments_url: `${api}${repoPath}/commits/${sha}/comments`,
    commit: {
      url: `${api}${repoPath}/git/commits/${sha}`,
      author: { ...signature(date), date: '2020-01-01T00:00:00Z' },
      committer: signature(date),
      message,
      tree: { url: `${api}${repoPath}/tree/${oid(`tree ${sha}`)}`, sha: oid(`tree ${sha}`) },
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: user('octocat'),
    committer: user('web-flow', 19864447),
    parents: [],
  };
}

/** GET /repos/{owner}/{repo}/contents/{path} for a file. */
export function contentPayload(path: string, content: string, ref: string) {
  const sha = blobId(content);
  return {
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(content),
    name: path.split('/').pop(),
    path,
    content: base64Lines(content),
    sha,
    url: `${api}${repoPath}/contents/${path}?ref=${ref}`,
    git_url: `${api}${repoPath}/git/blobs/${sha}`,
    html_url: `https://github.com/${owner}/${repo}/blob/${ref}/${path}`,
    download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/${path}`,
    _links: {
      git: `${api}${repoPath}/git/blobs/${sha}`,
      self: `${api}${repoPath}/contents/${path}?ref=${ref}`,
      html: `https://github.com/${owner}/${repo}/blob/${ref}/${path}`,
    },
  };
}

export function comparePayload(status: 'ahead' | 'behind' | 'identical' | 'diverged', aheadBy = 0, behindBy = 0) {
  return {
    url: `${api}${repoPath}/compare/a...b`,
    html_url: `https://github.com/${owner}/${repo}/compare/a...b`,
    status,
    ahead_by: aheadBy,
    behind_by: behindBy,
    total_commits: aheadBy,
    commits: [],
    files: [],
  };
}

export function pullPayload(pull: {
  number: number;
  head: string;
  headSha: string;
  title?: string;
  base?: string;
  headRepo?: string;
  /** A merged pull request: closed, merged at this time. */
  mergedAt?: string;
}) {
  const headRepo = pull.headRepo ?? `${owner}/${repo}`;
  const merged = pull.mergedAt !== undefined;
  return {
    url: `${api}${repoPath}/pulls/${pull.number}`,
    id: 1000 + pull.number,
    node_id: 'MDExOlB1bGxSZXF1ZXN0MQ==',
    html_url: `https://github.com/${owner}/${repo}/pull/${pull.number}`,
    diff_url: `https://github.com/${owner}/${repo}/pull/${pull.number}.diff`,
    issue_url: `${api}${repoPath}/issues/${pull.number}`,
    number: pull.number,
    state: merged ? 'closed' : 'open',
    locked: false,
    title: pull.title ?? `Promote ${pull.head}`,
    user: user('datakit[bot]'),
    body: 'body',
    labels: [],
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    closed_at: pull.mergedAt ?? null,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: merged ? oid(`merge ${pull.number}`) : null,
    requested_reviewers: [],
    requested_teams: [],
    draft: false,
    head: {
      label: `${headRepo.split('/')[0]}:${pull.head}`,
      ref: pull.head,
      sha: pull.headSha,
      user: user(headRepo.split('/')[0]!),
      repo: repositoryPayload('main', headRepo),
    },
    base: {
      label: `${owner}:${pull.base ?? 'main'}`,
      ref: pull.base ?? 'main',
      sha: oid('base'),
      user: user(owner),
      repo: repositoryPayload(),
    },
    author_association: 'NONE',
  };
}

export function labelsPayload(names: string[]) {
  return names.map((name, index) => ({
    id: 208045946 + index,
    node_id: 'MDU6TGFiZWwyMDgwNDU5NDY=',
    url: `${api}${repoPath}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: 'ededed',
    default: false,
  }));
}

export function errorPayload(status: number, message: string, documentation = 'https://docs.github.com/rest', errors?: unknown[]) {
  return { message, ...(errors ? { errors } : {}), documentation_url: documentation, status: String(status) };
}

/** A fetch that records what it sends (nock still answers through the global fetch). */
export function recordingFetch(): { fetch: typeof fetch; sent: { method: string; url: string; body: string | undefined }[] } {
  const sent: { method: string; url: string; body: string | undefined }[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    sent.push({ method: init?.method ?? 'GET', url, body: typeof init?.body === 'string' ? init.body : undefined });
    return globalThis.fetch(input, init);
  };
  return { fetch: recording, sent };
}

/** A sleep that records the delays asked for and never waits. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}
