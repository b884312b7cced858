import type { KeyObject } from 'node:crypto';
import { GitObjectStore, type CommitObject, type FlatEntry, type Signature, type TreeEntry } from './git-object-store';

/**
 * The fake GitHub's data: repositories (a git object store, refs, pull requests, issues, reviews,
 * labels, comments, reactions, check runs, deployments, collaborators; forks share their parent's
 * object store, as a fork network does), users, teams, the GitHub App and its installations, plus
 * the JSON GitHub's REST API renders them as. Routes (fake-github-routes.ts)
 * and the test-facing API (fake-github.ts) both work on it.
 */

/** Repository roles as GitHub names them (role_name). */
export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

export interface FakePullRequest {
  id: number;
  /** The id of the pull request's issue (GET /repos/{owner}/{repo}/issues/{issue_number}). */
  issueId: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** Branch names; `head` is a branch of headRepository when that is set. */
  head: string;
  /** The fork (owner/name) the head branch lives in; the pull request's own repository when absent. */
  headRepository?: string;
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

export interface FakeIssue {
  id: number;
  /** Shared with pull requests, as on GitHub. */
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
}

/** A review's state as the REST API names it (webhooks send it in lower case). */
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface FakeReview {
  id: number;
  pullNumber: number;
  user: string;
  /** '' when none, as the REST API renders it. */
  body: string;
  state: ReviewState;
  /** The pull request's head when the review was submitted. */
  commitId: string;
  /** null while PENDING. */
  submittedAt: string | null;
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
  /** The body before the last edit (for issue_comment.edited payloads). */
  previousBody?: string;
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
  /** Shared by a fork with its parent (a fork network's objects are reachable from each of its repositories). */
  store: GitObjectStore;
  /** Full ref names (refs/heads/main) to commit ids. */
  refs: Map<string, string>;
  /** owner/name of the repository this one is a fork of. */
  parent: string | undefined;
  pulls: FakePullRequest[];
  issues: FakeIssue[];
  reviews: FakeReview[];
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
  /** The app installed (FakeGitHubState.app.slug for the app under test). */
  appSlug: string;
  permissions: Record<string, string>;
  /** Repository names (owner/name) the installation may reach; all of the account's when undefined. */
  repositories: string[] | undefined;
  events: string[];
  createdAt: string;
  /** When set, tokens are refused (403), as for a suspended installation. */
  suspendedAt: string | null;
}

/** The GitHub App the installations belong to (GET /app). */
export interface FakeApp {
  id: number;
  slug: string;
  name: string;
  /** The account owning the app. */
  owner: string;
  clientId: string;
  description: string | null;
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
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
  /** The app under test: the app of the installations, of GET /app and of check runs. */
  app: FakeApp = {
    id: 1,
    slug: 'datakit',
    name: 'DataKit',
    owner: 'datakit',
    clientId: 'Iv1.0123456789abcdef',
    description: 'DataKit promotions and gates',
    permissions: { checks: 'write', contents: 'write', issues: 'write', members: 'read', metadata: 'read', pull_requests: 'write' },
    events: ['check_run', 'check_suite', 'issue_comment', 'merge_group', 'pull_request', 'pull_request_review'],
    createdAt: '2024-01-01T00:00:00Z',
  };
  /** The app's public key: app JWTs are verified with it once set. */
  appKey: KeyObject | undefined;
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

  createRepository(
    owner: string,
    name: string,
    options: { defaultBranch?: string; private?: boolean; store?: GitObjectStore; parent?: string } = {},
  ): FakeRepository {
    this.ensureUser(owner, 'Organization');
    const repository: FakeRepository = {
      id: this.id(),
      owner,
      name,
      defaultBranch: options.defaultBranch ?? 'main',
      private: options.private ?? true,
      store: options.store ?? new GitObjectStore(),
      refs: new Map(),
      parent: options.parent,
      pulls: [],
      issues: [],
      reviews: [],
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

  /** A branch, tag, full ref (refs/pull/<number>/head too) or (abbreviated) commit id → the commit id. */
  resolve(repository: FakeRepository, refish: string): string | undefined {
    const name = refish.replace(/^refs\//, '');
    const pullHead = /^pull\/(\d+)\/head$/.exec(name);
    if (pullHead) {
      const pull = repository.pulls.find((candidate) => String(candidate.number) === pullHead[1]);
      return pull === undefined ? undefined : this.pullHeadSha(repository, pull) || undefined;
    }
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
    const headRepository = this.headRepositoryOf(repository, pull);
    return pull.state === 'open' ? (headRepository?.refs.get(`refs/heads/${pull.head}`) ?? pull.lastHeadSha) : pull.lastHeadSha;
  }

  /** The repository of a pull request's head branch (a fork, or the repository itself); undefined when the fork is gone. */
  headRepositoryOf(repository: FakeRepository, pull: FakePullRequest): FakeRepository | undefined {
    if (pull.headRepository === undefined) return repository;
    const [owner = '', name = ''] = pull.headRepository.split('/');
    return this.repository(owner, name);
  }

  /**
   * What a pull request changes: from the merge base of its base branch (for a merged one, of the
   * base as it was just before the merge) to its head. `base` is undefined when there is none.
   */
  pullRange(repository: FakeRepository, pull: FakePullRequest): { base: string | undefined; head: string; baseTip: string | undefined } {
    const head = this.pullHeadSha(repository, pull);
    const baseTip =
      pull.mergeCommitSha !== null
        ? repository.store.commits.get(pull.mergeCommitSha)?.parents[0]
        : repository.refs.get(`refs/heads/${pull.base}`);
    const base = baseTip === undefined || !repository.store.commits.has(head) ? undefined : this.mergeBase(repository, baseTip, head);
    return { base, head, baseTip };
  }

  /** The files that differ between two commits (nothing: an empty tree), renames of identical content detected, by path. */
  diffFiles(repository: FakeRepository, from: string | undefined, to: string): FileChange[] {
    const { store } = repository;
    const before = from === undefined ? new Map<string, FlatEntry>() : store.flatten(this.commit(repository, from).tree);
    const after = store.commits.has(to) ? store.flatten(this.commit(repository, to).tree) : new Map<string, FlatEntry>();
    const removed = [...before.keys()].filter((path) => !after.has(path));
    const changes: FileChange[] = [];
    const textOf = (sha: string | undefined) => (sha === undefined ? '' : (store.blobs.get(sha) ?? Buffer.alloc(0)));
    for (const [path, entry] of after) {
      const old = before.get(path);
      if (old?.sha === entry.sha && old.mode === entry.mode) continue;
      const renamedFrom = old === undefined ? removed.find((candidate) => before.get(candidate)?.sha === entry.sha) : undefined;
      if (renamedFrom !== undefined) {
        removed.splice(removed.indexOf(renamedFrom), 1);
        changes.push({ filename: path, previousFilename: renamedFrom, status: 'renamed', sha: entry.sha, additions: 0, deletions: 0 });
        continue;
      }
      const counts = lineChanges(textOf(old?.sha), textOf(entry.sha));
      changes.push({ filename: path, status: old === undefined ? 'added' : 'modified', sha: entry.sha, ...counts });
    }
    for (const path of removed) {
      const sha = before.get(path)!.sha;
      changes.push({ filename: path, status: 'removed', sha, ...lineChanges(textOf(sha), '') });
    }
    return changes.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  }

  /** An issue or a pull request by number. */
  findIssue(repository: FakeRepository, number: number): FakeIssue | FakePullRequest | undefined {
    return repository.pulls.find((pull) => pull.number === number) ?? repository.issues.find((issue) => issue.number === number);
  }

  /** An installation of the app under test; undefined for another app's or an unknown one. */
  appInstallation(id: string | number | undefined): FakeInstallation | undefined {
    const installation = this.installations.get(Number(id));
    return installation?.appSlug === this.app.slug ? installation : undefined;
  }

  installationCovers(installation: FakeInstallation, repository: FakeRepository): boolean {
    const fullName = `${repository.owner}/${repository.name}`.toLowerCase();
    return (
      installation.account.toLowerCase() === repository.owner.toLowerCase() &&
      (installation.repositories === undefined || installation.repositories.some((name) => name.toLowerCase() === fullName))
    );
  }

  /** The app's installation that covers a repository. */
  installationFor(repository: FakeRepository): FakeInstallation | undefined {
    return [...this.installations.values()].find(
      (installation) => installation.appSlug === this.app.slug && this.installationCovers(installation, repository),
    );
  }

  // ——— JSON as GitHub renders it ———

  api(path: string): string {
    return `${this.url()}${path}`;
  }

  web(path: string): string {
    return `${this.url()}${path}`;
  }

  /** A user (simple-user: a bot's or an organization's login too) as GitHub renders it. */
  userJson(login: string): Record<string, unknown> {
    const user = this.ensureUser(login);
    const url = this.api(`/users/${login}`);
    return {
      login,
      id: user.id,
      node_id: nodeId(user.type === 'Bot' ? 'BOT' : user.type === 'Organization' ? 'O' : 'U', user.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      gravatar_id: '',
      url,
      html_url: this.web(`/${login}`),
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** An organization as webhook payloads carry it (`organization`). */
  organizationJson(login: string): Record<string, unknown> {
    const user = this.ensureUser(login, 'Organization');
    const url = this.api(`/orgs/${login}`);
    return {
      login,
      id: user.id,
      node_id: nodeId('O', user.id),
      url,
      repos_url: `${url}/repos`,
      events_url: `${url}/events`,
      hooks_url: `${url}/hooks`,
      issues_url: `${url}/issues`,
      members_url: `${url}/members{/member}`,
      public_members_url: `${url}/public_members{/member}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      description: null,
    };
  }

  repositoryJson(repository: FakeRepository, viewer?: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const role = viewer === undefined ? undefined : this.roleOf(repository, viewer);
    const url = this.api(`/repos/${fullName}`);
    const host = new URL(this.url()).host;
    const openIssues =
      repository.issues.filter((issue) => issue.state === 'open').length + repository.pulls.filter((pull) => pull.state === 'open').length;
    return {
      id: repository.id,
      node_id: nodeId('R', repository.id),
      name: repository.name,
      full_name: fullName,
      private: repository.private,
      owner: this.userJson(repository.owner),
      html_url: this.web(`/${fullName}`),
      description: null,
      fork: repository.parent !== undefined,
      url,
      forks_url: `${url}/forks`,
      keys_url: `${url}/keys{/key_id}`,
      collaborators_url: `${url}/collaborators{/collaborator}`,
      teams_url: `${url}/teams`,
      hooks_url: `${url}/hooks`,
      issue_events_url: `${url}/issues/events{/number}`,
      events_url: `${url}/events`,
      assignees_url: `${url}/assignees{/user}`,
      branches_url: `${url}/branches{/branch}`,
      tags_url: `${url}/tags`,
      blobs_url: `${url}/git/blobs{/sha}`,
      git_tags_url: `${url}/git/tags{/sha}`,
      git_refs_url: `${url}/git/refs{/sha}`,
      trees_url: `${url}/git/trees{/sha}`,
      statuses_url: `${url}/statuses/{sha}`,
      languages_url: `${url}/languages`,
      stargazers_url: `${url}/stargazers`,
      contributors_url: `${url}/contributors`,
      subscribers_url: `${url}/subscribers`,
      subscription_url: `${url}/subscription`,
      commits_url: `${url}/commits{/sha}`,
      git_commits_url: `${url}/git/commits{/sha}`,
      comments_url: `${url}/comments{/number}`,
      issue_comment_url: `${url}/issues/comments{/number}`,
      contents_url: `${url}/contents/{+path}`,
      compare_url: `${url}/compare/{base}...{head}`,
      merges_url: `${url}/merges`,
      archive_url: `${url}/{archive_format}{/ref}`,
      downloads_url: `${url}/downloads`,
      issues_url: `${url}/issues{/number}`,
      pulls_url: `${url}/pulls{/number}`,
      milestones_url: `${url}/milestones{/number}`,
      notifications_url: `${url}/notifications{?since,all,participating}`,
      labels_url: `${url}/labels{/name}`,
      releases_url: `${url}/releases{/id}`,
      deployments_url: `${url}/deployments`,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: this.timestamp(),
      pushed_at: this.timestamp(),
      git_url: `git://${host}/${fullName}.git`,
      ssh_url: `git@${host}:${fullName}.git`,
      clone_url: this.web(`/${fullName}.git`),
      svn_url: this.web(`/${fullName}`),
      homepage: null,
      size: 0,
      stargazers_count: 0,
      watchers_count: 0,
      language: null,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: false,
      forks_count: 0,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: openIssues,
      license: null,
      forks: 0,
      open_issues: openIssues,
      watchers: 0,
      default_branch: repository.defaultBranch,
      is_template: false,
      topics: [],
      visibility: repository.private ? 'private' : 'public',
      web_commit_signoff_required: false,
      custom_properties: {},
      ...(role === undefined ? {} : { permissions: permissionFlags(role) }),
    };
  }

  /** How GitHub relates a login to a repository (author_association), simplified: OWNER, MEMBER for anyone with a role, NONE. */
  association(repository: FakeRepository, login: string): string {
    if (login.toLowerCase() === repository.owner.toLowerCase()) return 'OWNER';
    return this.roleOf(repository, login) === undefined ? 'NONE' : 'MEMBER';
  }

  /** The app under test (GET /app; `app` of check runs and suites). */
  appJson(): Record<string, unknown> {
    const { app } = this;
    return {
      id: app.id,
      slug: app.slug,
      client_id: app.clientId,
      node_id: nodeId('A', app.id),
      owner: this.userJson(app.owner),
      name: app.name,
      description: app.description,
      external_url: this.web(`/apps/${app.slug}`),
      html_url: this.web(`/apps/${app.slug}`),
      created_at: app.createdAt,
      updated_at: app.createdAt,
      permissions: app.permissions,
      events: app.events,
      installations_count: [...this.installations.values()].filter((installation) => installation.appSlug === app.slug).length,
    };
  }

  installationJson(installation: FakeInstallation): Record<string, unknown> {
    const account = this.ensureUser(installation.account);
    return {
      id: installation.id,
      node_id: Buffer.from(`023:IntegrationInstallation${installation.id}`).toString('base64'),
      account: this.userJson(installation.account),
      repository_selection: installation.repositories === undefined ? 'all' : 'selected',
      access_tokens_url: this.api(`/app/installations/${installation.id}/access_tokens`),
      repositories_url: this.api('/installation/repositories'),
      html_url: this.web(
        account.type === 'Organization'
          ? `/organizations/${installation.account}/settings/installations/${installation.id}`
          : `/settings/installations/${installation.id}`,
      ),
      app_id: installation.appSlug === this.app.slug ? this.app.id : hashNumber(installation.appSlug),
      app_slug: installation.appSlug,
      target_id: account.id,
      target_type: account.type,
      permissions: installation.permissions,
      events: installation.events,
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: installation.suspendedAt,
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
    const headSha = this.pullHeadSha(repository, pull);
    const headRepository = this.headRepositoryOf(repository, pull);
    const htmlUrl = this.web(`/${fullName}/pull/${pull.number}`);
    const issueUrl = this.api(`/repos/${fullName}/issues/${pull.number}`);
    const statusesUrl = this.api(`/repos/${fullName}/statuses/${headSha}`);
    return {
      url,
      id: pull.id,
      node_id: nodeId('PR', pull.id),
      html_url: htmlUrl,
      diff_url: this.web(`/${fullName}/pull/${pull.number}.diff`),
      patch_url: this.web(`/${fullName}/pull/${pull.number}.patch`),
      issue_url: issueUrl,
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
      review_comment_url: this.api(`/repos/${fullName}/pulls/comments{/number}`),
      comments_url: `${issueUrl}/comments`,
      statuses_url: statusesUrl,
      head: headRepository
        ? this.branchJson(headRepository, pull.head, headSha)
        : { label: `unknown:${pull.head}`, ref: pull.head, sha: headSha, user: null, repo: null },
      base: this.branchJson(repository, pull.base, baseSha),
      _links: {
        self: { href: url },
        html: { href: htmlUrl },
        issue: { href: issueUrl },
        comments: { href: `${issueUrl}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: this.api(`/repos/${fullName}/pulls/comments{/number}`) },
        commits: { href: `${url}/commits` },
        statuses: { href: statusesUrl },
      },
      author_association: this.association(repository, pull.user),
      auto_merge: null,
      ...(full ? this.pullDetailJson(repository, pull) : {}),
    };
  }

  /** What only a single pull request (and pull_request webhooks) carry: merge state and change counts. */
  private pullDetailJson(repository: FakeRepository, pull: FakePullRequest): Record<string, unknown> {
    const { base, head, baseTip } = this.pullRange(repository, pull);
    const files = this.diffFiles(repository, base, head);
    const onBase = baseTip === undefined ? new Set<string>() : repository.store.ancestors(baseTip);
    const commits = repository.store.commits.has(head) ? [...repository.store.ancestors(head)].filter((sha) => !onBase.has(sha)).length : 0;
    return {
      merged: pull.mergedAt !== null,
      mergeable: pull.state === 'open' ? true : null,
      rebaseable: pull.state === 'open' ? true : null,
      mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
      merged_by: pull.mergedBy === null ? null : this.userJson(pull.mergedBy),
      comments: repository.comments.filter((comment) => comment.issueNumber === pull.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      changed_files: files.length,
    };
  }

  /** A pull request as check runs and check suites list it (`pull_requests`). */
  pullReferenceJson(repository: FakeRepository, pull: FakePullRequest): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const repo = { id: repository.id, url: this.api(`/repos/${fullName}`), name: repository.name };
    return {
      url: this.api(`/repos/${fullName}/pulls/${pull.number}`),
      id: pull.id,
      number: pull.number,
      head: { ref: pull.head, sha: this.pullHeadSha(repository, pull), repo },
      base: { ref: pull.base, sha: repository.refs.get(`refs/heads/${pull.base}`) ?? '', repo },
    };
  }

  /** An issue, or a pull request as the issues API renders it (with `pull_request`). */
  issueJson(repository: FakeRepository, item: FakeIssue | FakePullRequest, full = false): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const url = this.api(`/repos/${fullName}/issues/${item.number}`);
    const isPull = 'head' in item;
    const id = isPull ? item.issueId : item.id;
    const labels = (repository.issueLabels.get(item.number) ?? []).map((name) => this.labelJson(repository, repository.labels.get(name)!));
    const htmlUrl = this.web(`/${fullName}/${isPull ? 'pull' : 'issues'}/${item.number}`);
    return {
      url,
      repository_url: this.api(`/repos/${fullName}`),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: htmlUrl,
      id,
      node_id: nodeId(isPull ? 'PR' : 'I', id),
      number: item.number,
      title: item.title,
      user: this.userJson(item.user),
      labels,
      state: item.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: repository.comments.filter((comment) => comment.issueNumber === item.number).length,
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      closed_at: item.closedAt,
      author_association: this.association(repository, item.user),
      active_lock_reason: null,
      body: item.body,
      reactions: reactionSummary(`${url}/reactions`, []),
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: isPull ? null : item.stateReason,
      ...(isPull
        ? {
            draft: item.draft,
            pull_request: {
              url: this.api(`/repos/${fullName}/pulls/${item.number}`),
              html_url: htmlUrl,
              diff_url: `${htmlUrl}.diff`,
              patch_url: `${htmlUrl}.patch`,
              merged_at: item.mergedAt,
            },
          }
        : {}),
      ...(full
        ? {
            closed_by: isPull
              ? item.mergedBy === null
                ? null
                : this.userJson(item.mergedBy)
              : item.closedBy && this.userJson(item.closedBy),
          }
        : {}),
    };
  }

  reviewJson(repository: FakeRepository, review: FakeReview): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const htmlUrl = this.web(`/${fullName}/pull/${review.pullNumber}#pullrequestreview-${review.id}`);
    const pullUrl = this.api(`/repos/${fullName}/pulls/${review.pullNumber}`);
    return {
      id: review.id,
      node_id: nodeId('PRR', review.id),
      user: this.userJson(review.user),
      body: review.body,
      state: review.state,
      html_url: htmlUrl,
      pull_request_url: pullUrl,
      author_association: this.association(repository, review.user),
      _links: { html: { href: htmlUrl }, pull_request: { href: pullUrl } },
      ...(review.submittedAt === null ? {} : { submitted_at: review.submittedAt }),
      commit_id: review.commitId,
    };
  }

  /** A changed file as the pull request files and compare APIs render it. */
  fileJson(repository: FakeRepository, file: FileChange, headSha: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const path = file.filename.split('/').map(encodeURIComponent).join('/');
    return {
      sha: file.sha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: this.web(`/${fullName}/blob/${headSha}/${path}`),
      raw_url: this.web(`/${fullName}/raw/${headSha}/${path}`),
      contents_url: this.api(`/repos/${fullName}/contents/${path}?ref=${headSha}`),
      ...(file.previousFilename === undefined ? {} : { previous_filename: file.previousFilename }),
    };
  }

  commentJson(repository: FakeRepository, comment: FakeComment): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const url = this.api(`/repos/${fullName}/issues/comments/${comment.id}`);
    const kind = repository.pulls.some((pull) => pull.number === comment.issueNumber) ? 'pull' : 'issues';
    return {
      id: comment.id,
      node_id: nodeId('IC', comment.id),
      url,
      html_url: this.web(`/${fullName}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`),
      issue_url: this.api(`/repos/${fullName}/issues/${comment.issueNumber}`),
      body: comment.body,
      user: this.userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.association(repository, comment.user),
      performed_via_github_app: null,
      reactions: reactionSummary(
        `${url}/reactions`,
        repository.reactions.filter((reaction) => reaction.commentId === comment.id),
      ),
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
      check_suite: { id: checkSuiteId(run.headSha) },
      app: this.appJson(),
      pull_requests: this.pullsAt(repository, run.headSha).map((pull) => this.pullReferenceJson(repository, pull)),
    };
  }

  /** Open pull requests of this repository (not from forks) whose head is `sha`, as checks list them. */
  pullsAt(repository: FakeRepository, sha: string): FakePullRequest[] {
    return repository.pulls.filter(
      (pull) => pull.state === 'open' && pull.headRepository === undefined && this.pullHeadSha(repository, pull) === sha,
    );
  }

  /** The app's check suite of a commit: its status and conclusion summarise the app's check runs there. */
  checkSuiteJson(repository: FakeRepository, headSha: string): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const id = checkSuiteId(headSha);
    const runs = repository.checkRuns.filter((run) => run.headSha === headSha);
    const status =
      runs.length === 0
        ? 'queued'
        : runs.every((run) => run.status === 'completed')
          ? 'completed'
          : runs.some((run) => run.status === 'in_progress')
            ? 'in_progress'
            : 'queued';
    const conclusion =
      status === 'completed' ? (conclusionRank.find((candidate) => runs.some((run) => run.conclusion === candidate)) ?? null) : null;
    const commit = repository.store.commits.get(headSha);
    const branch = [...repository.refs].find(([ref, sha]) => ref.startsWith('refs/heads/') && sha === headSha)?.[0];
    const created =
      runs
        .map((run) => run.startedAt ?? '')
        .filter(Boolean)
        .sort()[0] ?? this.timestamp();
    return {
      id,
      node_id: nodeId('CS', id),
      head_branch: branch?.slice('refs/heads/'.length) ?? null,
      head_sha: headSha,
      status,
      conclusion,
      url: this.api(`/repos/${fullName}/check-suites/${id}`),
      before: commit?.parents[0] ?? null,
      after: headSha,
      pull_requests: this.pullsAt(repository, headSha).map((pull) => this.pullReferenceJson(repository, pull)),
      app: this.appJson(),
      created_at: created,
      updated_at: this.timestamp(),
      rerequestable: true,
      runs_rerequestable: true,
      latest_check_runs_count: new Set(runs.map((run) => run.name)).size,
      check_runs_url: this.api(`/repos/${fullName}/check-suites/${id}/check-runs`),
      head_commit: commit === undefined ? null : headCommitJson(commit),
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

/** A changed file between two commits. */
export interface FileChange {
  filename: string;
  previousFilename?: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  /** The blob after the change (before it, for a removed file). */
  sha: string;
  additions: number;
  deletions: number;
}

/** The id of the app's check suite of a commit (one app, one suite per commit). */
export function checkSuiteId(headSha: string): number {
  return hashNumber(headSha);
}

/** The most significant conclusion of a suite's runs comes first. */
const conclusionRank = [
  'action_required',
  'cancelled',
  'timed_out',
  'failure',
  'startup_failure',
  'stale',
  'success',
  'neutral',
  'skipped',
];

/** A commit as webhooks carry it (head_commit). */
export function headCommitJson(commit: CommitObject): Record<string, unknown> {
  return {
    id: commit.sha,
    tree_id: commit.tree,
    message: commit.message,
    timestamp: commit.committer.date,
    author: { name: commit.author.name, email: commit.author.email },
    committer: { name: commit.committer.name, email: commit.committer.email },
  };
}

const reactionContents = ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes'];

/** The `reactions` roll-up of issues and comments. */
function reactionSummary(url: string, reactions: readonly FakeReaction[]): Record<string, unknown> {
  return {
    url,
    total_count: reactions.length,
    ...Object.fromEntries(
      reactionContents.map((content) => [content, reactions.filter((reaction) => reaction.content === content).length]),
    ),
  };
}

/** Lines added and removed from `before` to `after` (a longest-common-subsequence diff; binary content counts nothing). */
export function lineChanges(before: Buffer | string, after: Buffer | string): { additions: number; deletions: number } {
  const isBinary = (content: Buffer | string) => typeof content !== 'string' && content.includes(0);
  if (isBinary(before) || isBinary(after)) return { additions: 0, deletions: 0 };
  const lines = (content: Buffer | string) => {
    const text = content.toString();
    if (text === '') return [];
    const split = text.split('\n');
    return text.endsWith('\n') ? split.slice(0, -1) : split;
  };
  const [a, b] = [lines(before), lines(after)];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let [endA, endB] = [a.length, b.length];
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const [x, y] = [a.slice(start, endA), b.slice(start, endB)];
  let common = 0;
  if (x.length > 0 && y.length > 0 && x.length * y.length <= 4_000_000) {
    let previous = new Uint32Array(y.length + 1);
    for (const line of x) {
      const row = new Uint32Array(y.length + 1);
      for (let j = 1; j <= y.length; j++) row[j] = line === y[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, row[j - 1]!);
      previous = row;
    }
    common = previous[y.length]!;
  } else if (x.length > 0 && y.length > 0) {
    // Too large for the table: lines in common regardless of order, an upper bound.
    const counts = new Map<string, number>();
    for (const line of x) counts.set(line, (counts.get(line) ?? 0) + 1);
    for (const line of y) {
      const left = counts.get(line) ?? 0;
      if (left > 0) {
        counts.set(line, left - 1);
        common++;
      }
    }
  }
  return { additions: y.length - common, deletions: x.length - common };
}
