import { GitObjectStore, type CommitObject, type FlatEntry, type Signature, type TreeEntry } from './git-object-store';

/**
 * The fake GitHub's data: repositories (a git object store, refs, pull requests, labels,
 * comments, reactions, check runs, deployments, collaborators), users, teams and app
 * installations, plus the JSON GitHub's REST API renders them as. Routes (fake-github-routes.ts)
 * and the test-facing API (fake-github.ts) both work on it.
 */

/** Repository roles as GitHub names them (role_name). */
export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

export interface FakePullRequest {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** Branch names (same repository: the fake has no forks). */
  head: string;
  base: string;
  /** The head commit when the PR was closed or its branch deleted. */
  lastHeadSha: string;
  user: string;
  requestedReviewers: string[];
  requestedTeams: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  /**
   * The commits the merge brought to the base branch (the merge commit and the branch's commits, or
   * the squash/rebase commit): what GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls associates
   * with it. Empty until merged.
   */
  mergedCommits: string[];
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface FakeReaction {
  id: number;
  commentId: number;
  content: string;
  user: string;
  createdAt: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
}

export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  description: string | null;
  creator: string;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FakeDeploymentStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  creator: string;
  createdAt: string;
}

export interface FakeRepository {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  store: GitObjectStore;
  /** Full ref names (refs/heads/main) to commit ids. */
  refs: Map<string, string>;
  pulls: FakePullRequest[];
  labels: Map<string, FakeLabel>;
  issueLabels: Map<number, string[]>;
  comments: FakeComment[];
  reactions: FakeReaction[];
  checkRuns: FakeCheckRun[];
  deployments: FakeDeployment[];
  deploymentStatuses: FakeDeploymentStatus[];
  collaborators: Map<string, RepositoryRole>;
  nextNumber: number;
}

export interface FakeInstallation {
  id: number;
  account: string;
  appSlug: string;
  permissions: Record<string, string>;
  /** Repository names (owner/name) the installation may reach; all of the account's when undefined. */
  repositories: string[] | undefined;
}

export interface ApiError {
  status: number;
  message: string;
  errors?: unknown[];
}

/** Thrown by state operations; the server renders it as GitHub's error JSON. */
export class FakeGitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class FakeGitHubState {
  readonly repositories = new Map<string, FakeRepository>();
  readonly users = new Map<string, { id: number; type: 'User' | 'Bot' | 'Organization' }>();
  /** org/slug → login → role. */
  readonly teams = new Map<string, Map<string, 'member' | 'maintainer'>>();
  readonly installations = new Map<number, FakeInstallation>();
  /** Known tokens → the login they act as (installation tokens are added when issued). */
  readonly tokens = new Map<string, string>();
  private nextId = 1000;

  constructor(
    /** API root and web root: http://127.0.0.1:<port>. */
    readonly url: () => string,
    readonly now: () => Date,
    /** Who a token the tests did not tie to anyone acts as: the owner's automation, allowed everything. */
    readonly defaultLogin: string,
  ) {}

  id(): number {
    return this.nextId++;
  }

  timestamp(): string {
    return isoSeconds(this.now());
  }

  ensureUser(
    login: string,
    type: 'User' | 'Bot' | 'Organization' = login.endsWith('[bot]') ? 'Bot' : 'User',
  ): { id: number; type: string } {
    let user = this.users.get(login.toLowerCase());
    if (!user) {
      user = { id: this.id(), type };
      this.users.set(login.toLowerCase(), user);
    }
    return user;
  }

  repository(owner: string, name: string): FakeRepository | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }

  requireRepository(fullName: string): FakeRepository {
    const [owner = '', name = ''] = fullName.split('/');
    const repository = this.repository(owner, name);
    if (!repository) throw new Error(`fake GitHub: no repository ${fullName}`);
    return repository;
  }

  createRepository(owner: string, name: string, options: { defaultBranch?: string; private?: boolean } = {}): FakeRepository {
    this.ensureUser(owner, 'Organization');
    const repository: FakeRepository = {
      id: this.id(),
      owner,
      name,
      defaultBranch: options.defaultBranch ?? 'main',
      private: options.private ?? true,
      store: new GitObjectStore(),
      refs: new Map(),
      pulls: [],
      labels: new Map(),
      issueLabels: new Map(),
      comments: [],
      reactions: [],
      checkRuns: [],
      deployments: [],
      deploymentStatuses: [],
      collaborators: new Map(),
      nextNumber: 1,
    };
    this.repositories.set(`${owner}/${name}`.toLowerCase(), repository);
    return repository;
  }

  /** A branch, tag, full ref or (abbreviated) commit id → the commit id. */
  resolve(repository: FakeRepository, refish: string): string | undefined {
    const name = refish.replace(/^refs\//, '');
    for (const candidate of [`refs/${name}`, `refs/heads/${name}`, `refs/tags/${name}`]) {
      const sha = repository.refs.get(candidate);
      if (sha) return sha;
    }
    if (repository.store.commits.has(refish)) return refish;
    if (/^[0-9a-f]{7,39}$/.test(refish)) {
      const matches = [...repository.store.commits.keys()].filter((sha) => sha.startsWith(refish));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  signature(login: string, date = this.timestamp()): Signature {
    const user = this.ensureUser(login);
    return { name: login, email: `${user.id}+${login}@users.noreply.github.com`, date };
  }

  /**
   * A commit of `files` (null deletes) on top of `parent`'s tree (nothing: an empty tree); the
   * commit id. Does not move any ref.
   */
  commitFiles(
    repository: FakeRepository,
    parent: string | undefined,
    files: Record<string, string | null>,
    options: { message?: string; author?: Signature; committer?: Signature; parents?: string[] } = {},
  ): string {
    const base = parent === undefined ? new Map<string, FlatEntry>() : repository.store.flatten(this.commit(repository, parent).tree);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) base.delete(path);
      else base.set(path, { mode: '100644', sha: repository.store.putBlob(content) });
    }
    const committer = options.committer ?? this.signature('web-flow');
    return repository.store.putCommit({
      tree: repository.store.buildTree(base),
      parents: options.parents ?? (parent === undefined ? [] : [parent]),
      message: options.message ?? 'Update files',
      author: options.author ?? committer,
      committer,
    });
  }

  commit(repository: FakeRepository, sha: string): CommitObject {
    const commit = repository.store.commits.get(sha);
    if (!commit) throw new FakeGitHubError(404, 'Not Found');
    return commit;
  }

  /** Commits reachable from `start` touching `path` (git log's default history simplification), newest first. */
  log(repository: FakeRepository, start: string, path?: string): CommitObject[] {
    const { store } = repository;
    const shown: CommitObject[] = [];
    const seen = new Set<string>();
    const pending = [start];
    while (pending.length > 0) {
      const sha = pending.pop()!;
      if (seen.has(sha)) continue;
      seen.add(sha);
      const commit = store.commits.get(sha);
      if (!commit) continue;
      if (path === undefined) {
        shown.push(commit);
        pending.push(...[...commit.parents].reverse());
        continue;
      }
      const here = store.entryAt(sha, path)?.sha;
      const sameAs = commit.parents.find((parent) => store.entryAt(parent, path)?.sha === here);
      if (sameAs !== undefined) {
        pending.push(sameAs);
        continue;
      }
      if (here !== undefined || commit.parents.length > 0) shown.push(commit);
      pending.push(...[...commit.parents].reverse());
    }
    return shown
      .map((commit, order) => ({ commit, order }))
      .sort((a, b) => Date.parse(b.commit.committer.date) - Date.parse(a.commit.committer.date) || a.order - b.order)
      .map(({ commit }) => commit);
  }

  /** The newest common ancestor of two commits. */
  mergeBase(repository: FakeRepository, a: string, b: string): string | undefined {
    const ofB = repository.store.ancestors(b);
    return this.log(repository, a).find((commit) => ofB.has(commit.sha))?.sha;
  }

  pullHeadSha(repository: FakeRepository, pull: FakePullRequest): string {
    return pull.state === 'open' ? (repository.refs.get(`refs/heads/${pull.head}`) ?? pull.lastHeadSha) : pull.lastHeadSha;
  }

  // ——— JSON as GitHub renders it ———

  api(path: string): string {
    return `${this.url()}${path}`;
  }

  web(path: string): string {
    return `${this.url()}${path}`;
  }

  userJson(login: string): Record<string, unknown> {
    const user = this.ensureUser(login);
    return {
      login,
      id: user.id,
      node_id: nodeId(user.type === 'Bot' ? 'BOT' : user.type === 'Organization' ? 'O' : 'U', user.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      url: this.api(`/users/${login}`),
      html_url: this.web(`/${login}`),
      type: user.type,
      site_admin: false,
    };
  }

  repositoryJson(repository: FakeRepository, viewer?: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const role = viewer === undefined ? undefined : this.roleOf(repository, viewer);
    return {
      id: repository.id,
      node_id: nodeId('R', repository.id),
      name: repository.name,
      full_name: fullName,
      private: repository.private,
      owner: this.userJson(repository.owner),
      html_url: this.web(`/${fullName}`),
      description: null,
      fork: false,
      url: this.api(`/repos/${fullName}`),
      default_branch: repository.defaultBranch,
      visibility: repository.private ? 'private' : 'public',
      archived: false,
      disabled: false,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: this.timestamp(),
      pushed_at: this.timestamp(),
      ...(role === undefined ? {} : { permissions: permissionFlags(role) }),
    };
  }

  roleOf(repository: FakeRepository, login: string): RepositoryRole | undefined {
    if (login.toLowerCase() === repository.owner.toLowerCase()) return 'admin';
    const role = repository.collaborators.get(login.toLowerCase());
    if (role) return role;
    // App installations are simplified to full access.
    return login === this.defaultLogin || login.endsWith('[bot]') ? 'admin' : undefined;
  }

  refJson(repository: FakeRepository, ref: string, sha: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    return {
      ref,
      node_id: nodeId('REF', hashNumber(ref)),
      url: this.api(`/repos/${fullName}/git/${ref}`),
      object: { sha, type: 'commit', url: this.api(`/repos/${fullName}/git/commits/${sha}`) },
    };
  }

  treeJson(repository: FakeRepository, sha: string, recursive: boolean): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const entries: Record<string, unknown>[] = [];
    const walk = (treeSha: string, prefix: string) => {
      for (const entry of repository.store.trees.get(treeSha) ?? []) {
        entries.push(this.treeEntryJson(repository, entry, `${prefix}${entry.name}`));
        if (recursive && entry.type === 'tree') walk(entry.sha, `${prefix}${entry.name}/`);
      }
    };
    walk(sha, '');
    return { sha, url: this.api(`/repos/${fullName}/git/trees/${sha}`), tree: entries, truncated: false };
  }

  private treeEntryJson(repository: FakeRepository, entry: TreeEntry, path: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    if (entry.type === 'blob') {
      const size = repository.store.blobs.get(entry.sha)?.length ?? 0;
      return { path, mode: entry.mode, type: 'blob', sha: entry.sha, size, url: this.api(`/repos/${fullName}/git/blobs/${entry.sha}`) };
    }
    if (entry.type === 'tree')
      return { path, mode: entry.mode, type: 'tree', sha: entry.sha, url: this.api(`/repos/${fullName}/git/trees/${entry.sha}`) };
    return { path, mode: entry.mode, type: 'commit', sha: entry.sha };
  }

  blobJson(repository: FakeRepository, sha: string, content: Buffer): Record<string, unknown> {
    return {
      sha,
      node_id: nodeId('B', hashNumber(sha)),
      size: content.length,
      url: this.api(`/repos/${repository.owner}/${repository.name}/git/blobs/${sha}`),
      content: wrappedBase64(content),
      encoding: 'base64',
    };
  }

  gitCommitJson(repository: FakeRepository, commit: CommitObject): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    return {
      sha: commit.sha,
      node_id: nodeId('C', hashNumber(commit.sha)),
      url: this.api(`/repos/${fullName}/git/commits/${commit.sha}`),
      html_url: this.web(`/${fullName}/commit/${commit.sha}`),
      author: commit.author,
      committer: commit.committer,
      tree: { sha: commit.tree, url: this.api(`/repos/${fullName}/git/trees/${commit.tree}`) },
      message: commit.message,
      parents: commit.parents.map((sha) => ({
        sha,
        url: this.api(`/repos/${fullName}/git/commits/${sha}`),
        html_url: this.web(`/${fullName}/commit/${sha}`),
      })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  /** A commit as the repository commits API renders it (GET /repos/{owner}/{repo}/commits). */
  commitJson(repository: FakeRepository, commit: CommitObject): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const git = this.gitCommitJson(repository, commit);
    const loginOf = (signature: Signature) => (this.users.has(signature.name.toLowerCase()) ? this.userJson(signature.name) : null);
    return {
      url: this.api(`/repos/${fullName}/commits/${commit.sha}`),
      sha: commit.sha,
      node_id: git.node_id,
      html_url: git.html_url,
      comments_url: this.api(`/repos/${fullName}/commits/${commit.sha}/comments`),
      commit: {
        url: git.url,
        author: commit.author,
        committer: commit.committer,
        message: commit.message,
        tree: git.tree,
        comment_count: 0,
        verification: git.verification,
      },
      author: loginOf(commit.author),
      committer: loginOf(commit.committer),
      parents: (git.parents as Record<string, unknown>[]).map(({ sha }) => ({
        sha,
        url: this.api(`/repos/${fullName}/commits/${String(sha)}`),
        html_url: this.web(`/${fullName}/commit/${String(sha)}`),
      })),
    };
  }

  contentJson(repository: FakeRepository, path: string, entry: TreeEntry, ref: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const type = entry.type === 'tree' ? 'dir' : entry.type === 'commit' ? 'submodule' : entry.mode === '120000' ? 'symlink' : 'file';
    const content = repository.store.blobs.get(entry.sha);
    const self = this.api(`/repos/${fullName}/contents/${path}?ref=${encodeURIComponent(ref)}`);
    const git = this.api(`/repos/${fullName}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`);
    const html = this.web(`/${fullName}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`);
    return {
      type,
      size: type === 'dir' ? 0 : (content?.length ?? 0),
      name: path.split('/').pop() ?? path,
      path,
      sha: entry.sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: type === 'file' ? this.web(`/raw/${fullName}/${ref}/${path}`) : null,
      _links: { self, git, html },
    };
  }

  labelJson(repository: FakeRepository, label: FakeLabel): Record<string, unknown> {
    return {
      id: label.id,
      node_id: nodeId('LA', label.id),
      url: this.api(`/repos/${repository.owner}/${repository.name}/labels/${encodeURIComponent(label.name)}`),
      name: label.name,
      color: label.color,
      default: false,
      description: label.description,
    };
  }

  branchJson(repository: FakeRepository, branch: string, sha: string): Record<string, unknown> {
    return {
      label: `${repository.owner}:${branch}`,
      ref: branch,
      sha,
      user: this.userJson(repository.owner),
      repo: this.repositoryJson(repository),
    };
  }

  pullJson(repository: FakeRepository, pull: FakePullRequest, full = false): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const url = this.api(`/repos/${fullName}/pulls/${pull.number}`);
    const labels = (repository.issueLabels.get(pull.number) ?? []).map((name) => this.labelJson(repository, repository.labels.get(name)!));
    const baseSha = repository.refs.get(`refs/heads/${pull.base}`) ?? '';
    return {
      url,
      id: pull.id,
      node_id: nodeId('PR', pull.id),
      html_url: this.web(`/${fullName}/pull/${pull.number}`),
      diff_url: this.web(`/${fullName}/pull/${pull.number}.diff`),
      patch_url: this.web(`/${fullName}/pull/${pull.number}.patch`),
      issue_url: this.api(`/repos/${fullName}/issues/${pull.number}`),
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: this.userJson(pull.user),
      body: pull.body,
      labels,
      milestone: null,
      active_lock_reason: null,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: pull.requestedReviewers.map((login) => this.userJson(login)),
      requested_teams: pull.requestedTeams.map((slug) => ({ id: hashNumber(slug), slug, name: slug })),
      draft: pull.draft,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      comments_url: this.api(`/repos/${fullName}/issues/${pull.number}/comments`),
      statuses_url: this.api(`/repos/${fullName}/statuses/${this.pullHeadSha(repository, pull)}`),
      head: this.branchJson(repository, pull.head, this.pullHeadSha(repository, pull)),
      base: this.branchJson(repository, pull.base, baseSha),
      author_association: this.roleOf(repository, pull.user) === undefined ? 'NONE' : 'MEMBER',
      auto_merge: null,
      ...(full
        ? {
            merged: pull.mergedAt !== null,
            mergeable: pull.state === 'open' ? true : null,
            mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
            merged_by: pull.mergedBy === null ? null : this.userJson(pull.mergedBy),
            comments: repository.comments.filter((comment) => comment.issueNumber === pull.number).length,
            review_comments: 0,
            maintainer_can_modify: false,
          }
        : {}),
    };
  }

  commentJson(repository: FakeRepository, comment: FakeComment): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    return {
      id: comment.id,
      node_id: nodeId('IC', comment.id),
      url: this.api(`/repos/${fullName}/issues/comments/${comment.id}`),
      html_url: this.web(`/${fullName}/pull/${comment.issueNumber}#issuecomment-${comment.id}`),
      issue_url: this.api(`/repos/${fullName}/issues/${comment.issueNumber}`),
      body: comment.body,
      user: this.userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.roleOf(repository, comment.user) === undefined ? 'NONE' : 'MEMBER',
    };
  }

  reactionJson(reaction: FakeReaction): Record<string, unknown> {
    return {
      id: reaction.id,
      node_id: nodeId('REA', reaction.id),
      user: this.userJson(reaction.user),
      content: reaction.content,
      created_at: reaction.createdAt,
    };
  }

  checkRunJson(repository: FakeRepository, run: FakeCheckRun): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    return {
      id: run.id,
      node_id: nodeId('CR', run.id),
      head_sha: run.headSha,
      external_id: run.externalId,
      url: this.api(`/repos/${fullName}/check-runs/${run.id}`),
      html_url: this.web(`/${fullName}/runs/${run.id}`),
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: { ...run.output, annotations_count: 0, annotations_url: this.api(`/repos/${fullName}/check-runs/${run.id}/annotations`) },
      name: run.name,
      check_suite: { id: hashNumber(run.headSha) },
      app: { id: 1, slug: 'datakit', name: 'DataKit', owner: this.userJson(repository.owner) },
      pull_requests: [],
    };
  }

  deploymentJson(repository: FakeRepository, deployment: FakeDeployment): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const url = this.api(`/repos/${fullName}/deployments/${deployment.id}`);
    return {
      url,
      id: deployment.id,
      node_id: nodeId('DE', deployment.id),
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.environment,
      environment: deployment.environment,
      description: deployment.description,
      creator: this.userJson(deployment.creator),
      created_at: deployment.createdAt,
      updated_at: deployment.updatedAt,
      statuses_url: `${url}/statuses`,
      repository_url: this.api(`/repos/${fullName}`),
      transient_environment: deployment.transientEnvironment,
      production_environment: deployment.productionEnvironment,
    };
  }

  deploymentStatusJson(repository: FakeRepository, status: FakeDeploymentStatus): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const deploymentUrl = this.api(`/repos/${fullName}/deployments/${status.deploymentId}`);
    return {
      url: `${deploymentUrl}/statuses/${status.id}`,
      id: status.id,
      node_id: nodeId('DES', status.id),
      state: status.state,
      creator: this.userJson(status.creator),
      description: status.description,
      environment: status.environment,
      target_url: status.logUrl,
      log_url: status.logUrl,
      environment_url: status.environmentUrl,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      deployment_url: deploymentUrl,
      repository_url: this.api(`/repos/${fullName}`),
    };
  }
}

/** The legacy `permission` GitHub reports next to role_name. */
export function legacyPermission(role: RepositoryRole | undefined): 'admin' | 'write' | 'read' | 'none' {
  if (role === undefined) return 'none';
  if (role === 'admin') return 'admin';
  return role === 'maintain' || role === 'write' ? 'write' : 'read';
}

export function permissionFlags(role: RepositoryRole): Record<string, boolean> {
  const rank = ['read', 'triage', 'write', 'maintain', 'admin'].indexOf(role);
  return { admin: rank >= 4, maintain: rank >= 3, push: rank >= 2, triage: rank >= 1, pull: rank >= 0 };
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(String(id)).toString('base64url')}`;
}

function hashNumber(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

/** Base64 broken into 60-column lines, as GitHub sends blob and file contents. */
export function wrappedBase64(content: Buffer): string {
  return (content.toString('base64').match(/.{1,60}/g) ?? []).map((line) => `${line}\n`).join('');
}
