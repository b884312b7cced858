import { createPublicKey, type KeyObject } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergePullRequest, mergeTrees, routes, type Reply, type RouteDefinition } from './fake-github-routes';
import {
  FakeGitHubError,
  FakeGitHubState,
  isoSeconds,
  type FakeApp,
  type FakeCheckRun,
  type FakeInstallation,
  type FakeIssue,
  type FakePullRequest,
  type FakeRepository,
  type FakeReview,
  type RepositoryRole,
} from './fake-github-state';

/**
 * A fake GitHub REST API for tests: a real HTTP server on 127.0.0.1 (a random port) that Octokit,
 * Probot or fetch talk to with `baseUrl: fake.url`. Repositories live in memory with a git object
 * store whose ids are real git sha1s, so commits, trees, refs, pull requests and the rest behave
 * as on GitHub for the routes listed in fake-github-routes.ts (refs refuse non-fast-forward
 * updates, a second open pull request for one branch is refused, reviewers must be
 * collaborators, …).
 *
 * Every request is recorded (method, decoded path, query, route, body, authorization, status).
 * Tests seed state through this class, inject failures for the next N requests of a route
 * (`failNext`, `dropNext`) and run actions just before a request is handled (`beforeNext`, e.g.
 * to push to a branch concurrently).
 *
 *   const github = await FakeGitHub.start();
 *   github.createRepository('acme/gitops', { files: { 'README.md': '# gitops\n' } });
 *   github.failNext('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { status: 502 });
 *   … new Octokit({ baseUrl: github.url, auth: 'any-token' }) …
 *   await github.close();
 *
 * As a GitHub App's GitHub: `setApp` names the app (GET /app), `setAppKey` makes app JWTs
 * verified as GitHub verifies them, `addInstallation` installs it (GET /repos/{owner}/{repo}/installation,
 * installation tokens); webhook-payloads.ts builds the webhooks GitHub would send from this state.
 */

export interface FakeGitHubOptions {
  /** The clock of commits, pull requests and comments; real time by default. */
  now?: () => Date;
  /** Who a token not added with addToken acts as: allowed everything, like an admin's token. Default datakit-bot. */
  defaultLogin?: string;
  /** Accept only tokens added with addToken (or issued to an installation); 401 Bad credentials otherwise. */
  strictTokens?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Decoded, without the query: /repos/acme/gitops/git/refs/heads/datakit/promote/prod/c0/orders */
  path: string;
  query: Record<string, string>;
  /** The route matched, as GitHub's documentation names it; undefined when none did. */
  route: string | undefined;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
  authorization: string | undefined;
  /** The status answered; 0 when the connection was dropped. */
  status: number;
}

export interface InjectedFailure {
  status: number;
  headers?: Record<string, string>;
  /** GitHub's error JSON for the status by default. */
  body?: unknown;
  /** How many matching requests fail; 1 by default. */
  times?: number;
}

/** A merge queue's commit for a pull request (merge_group.checks_requested). */
export interface FakeMergeGroup {
  headSha: string;
  /** refs/heads/gh-readonly-queue/<base>/pr-<number>-<pull head sha> */
  headRef: string;
  baseSha: string;
  /** refs/heads/<base> */
  baseRef: string;
  pullNumber: number;
}

export interface SeedCommit {
  /** The branch to commit on (the default branch when absent); created from the default branch when missing. */
  branch?: string;
  /** Full contents by path; null deletes. */
  files: Record<string, string | null>;
  message?: string;
  /** Author and committer time; the fake's clock by default. */
  date?: Date;
  author?: string;
}

interface Interception {
  route: string;
  remaining: number;
  run: (request: RecordedRequest) => Reply | 'drop' | undefined | Promise<void>;
}

interface CompiledRoute extends RouteDefinition {
  method: string;
  pattern: RegExp;
  names: string[];
}

/** Parameters that may span slashes when they come last (Octokit encodes them as %2F, other clients do not). */
const restParameters = new Set(['ref', 'path', 'basehead']);

function compile(definition: RouteDefinition): CompiledRoute {
  const [method = 'GET', template = '/'] = definition.route.split(' ');
  const names: string[] = [];
  const segments = template.split('/').map((segment, index, all) =>
    segment.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return index === all.length - 1 && restParameters.has(name) ? '(.+)' : '([^/]+)';
    }),
  );
  return { ...definition, method, names, pattern: new RegExp(`^${segments.join('/')}$`) };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function errorBody(status: number, message: string, errors?: unknown[]): Record<string, unknown> {
  return { message, ...(errors ? { errors } : {}), documentation_url: 'https://docs.github.com/rest', status: String(status) };
}

export class FakeGitHub {
  /** Every request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** The data behind the API, for assertions and seeding beyond this class's helpers. */
  readonly state: FakeGitHubState;
  private readonly routes = routes().map(compile);
  private readonly interceptions: Interception[] = [];
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeGitHubOptions,
  ) {
    this.state = new FakeGitHubState(() => this.url, options.now ?? (() => new Date()), options.defaultLogin ?? 'datakit-bot');
    this.state.ensureUser(this.state.defaultLogin);
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const server = createServer();
    const fake = new FakeGitHub(server, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      fake.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(errorBody(500, `fake GitHub failed: ${error instanceof Error ? error.message : String(error)}`)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** The API root, http://127.0.0.1:<port> (pass it as Octokit's baseUrl). Web URLs (html_url) live under it too. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ——— seeding ———

  /** A repository; with `files`, an initial commit on its default branch. Returns the repository's data. */
  createRepository(
    fullName: string,
    options: { defaultBranch?: string; private?: boolean; files?: Record<string, string>; message?: string; date?: Date } = {},
  ): FakeRepository {
    const [owner = '', name = ''] = fullName.split('/');
    const repository = this.state.createRepository(owner, name, options);
    if (options.files) this.commit(fullName, { files: options.files, message: options.message ?? 'Initial commit', date: options.date });
    return repository;
  }

  repository(fullName: string): FakeRepository {
    return this.state.requireRepository(fullName);
  }

  /** A commit on a branch (as a push would make it); its id. */
  commit(fullName: string, commit: SeedCommit): string {
    const repository = this.repository(fullName);
    const branch = commit.branch ?? repository.defaultBranch;
    const ref = `refs/heads/${branch}`;
    const parent = repository.refs.get(ref) ?? repository.refs.get(`refs/heads/${repository.defaultBranch}`);
    const date = isoSeconds(commit.date ?? this.state.now());
    const signature = this.state.signature(commit.author ?? 'octocat', date);
    const sha = this.state.commitFiles(repository, parent, commit.files, {
      message: commit.message,
      author: signature,
      committer: signature,
    });
    repository.refs.set(ref, sha);
    return sha;
  }

  branchHead(fullName: string, branch: string): string | undefined {
    return this.repository(fullName).refs.get(`refs/heads/${branch}`);
  }

  /** Points a branch at a commit (creating it), as a force push would. */
  setBranch(fullName: string, branch: string, sha: string): void {
    this.repository(fullName).refs.set(`refs/heads/${branch}`, sha);
  }

  deleteBranch(fullName: string, branch: string): void {
    this.repository(fullName).refs.delete(`refs/heads/${branch}`);
  }

  /** A file's content at a branch or commit; undefined when absent. */
  readFile(fullName: string, ref: string, path: string): string | undefined {
    const repository = this.repository(fullName);
    const commit = this.state.resolve(repository, ref);
    const entry = commit === undefined ? undefined : repository.store.entryAt(commit, path);
    return entry?.type === 'blob' ? repository.store.blobs.get(entry.sha)?.toString('utf8') : undefined;
  }

  pullRequests(fullName: string): FakePullRequest[] {
    return this.repository(fullName).pulls;
  }

  labelsOf(fullName: string, issueNumber: number): string[] {
    return this.repository(fullName).issueLabels.get(issueNumber) ?? [];
  }

  /**
   * Opens a pull request as `user` would (the head branch must exist). With `headRepository` (a fork
   * made with forkRepository), `head` is a branch of the fork.
   */
  openPullRequest(
    fullName: string,
    pull: { head: string; base?: string; title: string; body?: string; user?: string; draft?: boolean; headRepository?: string },
  ): FakePullRequest {
    const repository = this.repository(fullName);
    const headRepository = pull.headRepository === undefined ? repository : this.repository(pull.headRepository);
    const fork = headRepository === repository ? undefined : `${headRepository.owner}/${headRepository.name}`;
    const now = this.state.timestamp();
    const created: FakePullRequest = {
      id: this.state.id(),
      issueId: this.state.id(),
      number: repository.nextNumber++,
      title: pull.title,
      body: pull.body ?? null,
      state: 'open',
      draft: pull.draft ?? false,
      head: pull.head,
      ...(fork === undefined ? {} : { headRepository: fork }),
      base: pull.base ?? repository.defaultBranch,
      lastHeadSha: headRepository.refs.get(`refs/heads/${pull.head}`) ?? '',
      user: pull.user ?? 'octocat',
      requestedReviewers: [],
      requestedTeams: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      mergeCommitSha: null,
      mergedBy: null,
      mergedCommits: [],
    };
    this.state.ensureUser(created.user);
    repository.pulls.push(created);
    return created;
  }

  /** Closes an open pull request without merging it (at the fake's clock). */
  closePullRequest(fullName: string, number: number): FakePullRequest {
    const repository = this.repository(fullName);
    const pull = this.pullRequest(fullName, number);
    if (pull.state === 'open') {
      pull.lastHeadSha = this.state.pullHeadSha(repository, pull);
      Object.assign(pull, { state: 'closed', closedAt: this.state.timestamp(), updatedAt: this.state.timestamp() });
    }
    return pull;
  }

  /** Reopens a closed, unmerged pull request. */
  reopenPullRequest(fullName: string, number: number): FakePullRequest {
    const pull = this.pullRequest(fullName, number);
    if (pull.mergedAt !== null) throw new Error(`fake GitHub: #${number} in ${fullName} is merged`);
    Object.assign(pull, { state: 'open', closedAt: null, updatedAt: this.state.timestamp() });
    return pull;
  }

  pullRequest(fullName: string, number: number): FakePullRequest {
    const pull = this.repository(fullName).pulls.find((candidate) => candidate.number === number);
    if (!pull) throw new Error(`fake GitHub: no pull request #${number} in ${fullName}`);
    return pull;
  }

  /** Opens an issue as `user` (octocat by default); issues and pull requests share numbers. */
  openIssue(fullName: string, issue: { title: string; body?: string; user?: string }): FakeIssue {
    const repository = this.repository(fullName);
    const now = this.state.timestamp();
    const created: FakeIssue = {
      id: this.state.id(),
      number: repository.nextNumber++,
      title: issue.title,
      body: issue.body ?? null,
      user: issue.user ?? 'octocat',
      state: 'open',
      stateReason: null,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
    };
    this.state.ensureUser(created.user);
    repository.issues.push(created);
    return created;
  }

  /**
   * A review of a pull request (submitted at the fake's clock unless `submittedAt`; of the PR's
   * current head unless `commitId`). Like GitHub, refuses an approval or a change request by the
   * pull request's author.
   */
  addReview(
    fullName: string,
    number: number,
    review: { user: string; state: FakeReview['state']; body?: string; commitId?: string; submittedAt?: Date },
  ): FakeReview {
    const repository = this.repository(fullName);
    const pull = this.pullRequest(fullName, number);
    if (review.state !== 'COMMENTED' && review.state !== 'PENDING' && review.user.toLowerCase() === pull.user.toLowerCase()) {
      throw new Error(`fake GitHub: ${review.user} can not approve or request changes on their own pull request`);
    }
    this.state.ensureUser(review.user);
    const added: FakeReview = {
      id: this.state.id(),
      pullNumber: number,
      user: review.user,
      body: review.body ?? '',
      state: review.state,
      commitId: review.commitId ?? this.state.pullHeadSha(repository, pull),
      submittedAt: review.state === 'PENDING' ? null : isoSeconds(review.submittedAt ?? this.state.now()),
    };
    repository.reviews.push(added);
    return added;
  }

  /** A check run of the app under test, as POST /repos/{owner}/{repo}/check-runs would make it. */
  addCheckRun(
    fullName: string,
    run: {
      name: string;
      headSha: string;
      status?: 'queued' | 'in_progress' | 'completed';
      conclusion?: string;
      externalId?: string;
      detailsUrl?: string;
      output?: { title?: string; summary?: string; text?: string };
    },
  ): FakeCheckRun {
    const repository = this.repository(fullName);
    if (!repository.store.commits.has(run.headSha)) throw new Error(`fake GitHub: no commit ${run.headSha} in ${fullName}`);
    const now = this.state.timestamp();
    const completed = run.conclusion !== undefined || run.status === 'completed';
    const added: FakeCheckRun = {
      id: this.state.id(),
      name: run.name,
      headSha: run.headSha,
      status: completed ? 'completed' : (run.status ?? 'queued'),
      conclusion: run.conclusion ?? (completed ? 'success' : null),
      externalId: run.externalId ?? null,
      detailsUrl: run.detailsUrl ?? null,
      startedAt: now,
      completedAt: completed ? now : null,
      output: { title: run.output?.title ?? null, summary: run.output?.summary ?? null, text: run.output?.text ?? null },
    };
    repository.checkRuns.push(added);
    return added;
  }

  /**
   * A fork of a repository (owner/name → forkFullName) with the parent's branches; it shares the
   * parent's objects, so the parent's API resolves the fork's commits, as a fork network does.
   */
  forkRepository(fullName: string, forkFullName: string, options: { private?: boolean } = {}): FakeRepository {
    const parent = this.repository(fullName);
    const [owner = '', name = ''] = forkFullName.split('/');
    this.state.ensureUser(owner);
    const fork = this.state.createRepository(owner, name, {
      defaultBranch: parent.defaultBranch,
      private: options.private ?? parent.private,
      store: parent.store,
      parent: `${parent.owner}/${parent.name}`,
    });
    for (const [ref, sha] of parent.refs) if (ref.startsWith('refs/heads/')) fork.refs.set(ref, sha);
    return fork;
  }

  /**
   * What a merge queue builds for an open pull request: the merge of its head into its base's
   * current head, on refs/heads/gh-readonly-queue/<base>/pr-<number>-<head sha> (the base does not
   * move). Throws on a conflict.
   */
  createMergeGroup(fullName: string, number: number): FakeMergeGroup {
    const repository = this.repository(fullName);
    const pull = this.pullRequest(fullName, number);
    const headSha = this.state.pullHeadSha(repository, pull);
    const baseSha = repository.refs.get(`refs/heads/${pull.base}`);
    if (pull.state !== 'open' || baseSha === undefined) throw new Error(`fake GitHub: #${number} in ${fullName} can not be queued`);
    const tree = mergeTrees(this.state, repository, baseSha, headSha);
    if (tree === undefined) throw new Error(`fake GitHub: #${number} in ${fullName} conflicts with ${pull.base}`);
    const headOwner = this.state.headRepositoryOf(repository, pull)?.owner ?? repository.owner;
    const now = this.state.timestamp();
    const sha = repository.store.putCommit({
      tree,
      parents: [baseSha, headSha],
      message: `Merge pull request #${number} from ${headOwner}/${pull.head}\n\n${pull.title}`,
      author: this.state.signature(pull.user, now),
      committer: this.state.signature('web-flow', now),
    });
    const headRef = `refs/heads/gh-readonly-queue/${pull.base}/pr-${number}-${headSha}`;
    repository.refs.set(headRef, sha);
    return { headSha: sha, headRef, baseSha, baseRef: `refs/heads/${pull.base}`, pullNumber: number };
  }

  /**
   * Merges an open pull request (merge commit by default) at `at` (the fake's clock by default: the
   * merge commit's time and merged_at); the new head of its base branch. The commits it brought are
   * then associated with it (GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls).
   */
  mergePullRequest(
    fullName: string,
    number: number,
    options: { method?: 'merge' | 'squash' | 'rebase'; by?: string; at?: Date } = {},
  ): string {
    const repository = this.repository(fullName);
    const pull = repository.pulls.find((candidate) => candidate.number === number);
    if (!pull) throw new Error(`fake GitHub: no pull request #${number} in ${fullName}`);
    return mergePullRequest(this.state, repository, pull, {
      method: options.method,
      login: options.by ?? 'octocat',
      ...(options.at === undefined ? {} : { date: isoSeconds(options.at) }),
    });
  }

  /** A comment on a pull request, as `user`; its id. */
  addComment(fullName: string, issueNumber: number, body: string, user = 'octocat'): number {
    const repository = this.repository(fullName);
    this.state.ensureUser(user);
    const now = this.state.timestamp();
    const comment = { id: this.state.id(), issueNumber, body, user, createdAt: now, updatedAt: now };
    repository.comments.push(comment);
    return comment.id;
  }

  /** Edits a comment as its author would (the previous body is kept for issue_comment.edited payloads). */
  editComment(fullName: string, commentId: number, body: string): void {
    const comment = this.repository(fullName).comments.find((candidate) => candidate.id === commentId);
    if (!comment) throw new Error(`fake GitHub: no comment ${commentId} in ${fullName}`);
    comment.previousBody = comment.body;
    comment.body = body;
    comment.updatedAt = this.state.timestamp();
  }

  addUser(login: string, type: 'User' | 'Bot' | 'Organization' = 'User'): void {
    this.state.ensureUser(login, type);
  }

  /** A collaborator's role on a repository; undefined removes them. */
  setPermission(fullName: string, login: string, role: RepositoryRole | undefined): void {
    this.state.ensureUser(login);
    const collaborators = this.repository(fullName).collaborators;
    if (role === undefined) collaborators.delete(login.toLowerCase());
    else collaborators.set(login.toLowerCase(), role);
  }

  addTeamMember(org: string, teamSlug: string, login: string, role: 'member' | 'maintainer' = 'member'): void {
    this.state.ensureUser(login);
    const key = `${org}/${teamSlug}`.toLowerCase();
    const members = this.state.teams.get(key) ?? new Map<string, 'member' | 'maintainer'>();
    members.set(login.toLowerCase(), role);
    this.state.teams.set(key, members);
  }

  /** An empty team (so that it exists for team reviewers and memberships). */
  addTeam(org: string, teamSlug: string): void {
    const key = `${org}/${teamSlug}`.toLowerCase();
    if (!this.state.teams.has(key)) this.state.teams.set(key, new Map());
  }

  /**
   * Installs an app (the app under test unless `appSlug` names another) on an account: on all of its
   * repositories, or on `repositories` (owner/name) only.
   */
  addInstallation(installation: {
    id: number;
    account: string;
    appSlug?: string;
    permissions?: Record<string, string>;
    repositories?: string[];
    events?: string[];
  }): FakeInstallation {
    const added: FakeInstallation = {
      id: installation.id,
      account: installation.account,
      appSlug: installation.appSlug ?? this.state.app.slug,
      permissions: installation.permissions ?? {
        contents: 'write',
        pull_requests: 'write',
        checks: 'write',
        issues: 'write',
        members: 'read',
      },
      repositories: installation.repositories,
      events: installation.events ?? [...this.state.app.events],
      createdAt: this.state.timestamp(),
      suspendedAt: null,
    };
    this.state.ensureUser(installation.account);
    this.state.ensureUser(`${added.appSlug}[bot]`, 'Bot');
    this.state.installations.set(added.id, added);
    return added;
  }

  /** Suspends an installation (its token requests then answer 403) or, with false, lifts the suspension. */
  suspendInstallation(id: number, suspended = true): void {
    const installation = this.state.installations.get(id);
    if (!installation) throw new Error(`fake GitHub: no installation ${id}`);
    installation.suspendedAt = suspended ? this.state.timestamp() : null;
  }

  /** The app under test's installation covering a repository (as GET /repos/{owner}/{repo}/installation finds it). */
  installationOf(fullName: string): FakeInstallation | undefined {
    return this.state.installationFor(this.repository(fullName));
  }

  /**
   * Names the app under test (GET /app, check runs, webhooks); installations of the previous slug
   * follow. Default: id 1, slug datakit, name DataKit, owned by the datakit account.
   */
  setApp(app: Partial<Omit<FakeApp, 'createdAt'>>): FakeApp {
    const previous = this.state.app.slug;
    this.state.app = { ...this.state.app, ...app };
    if (this.state.app.slug !== previous) {
      for (const installation of this.state.installations.values())
        if (installation.appSlug === previous) installation.appSlug = this.state.app.slug;
      this.state.ensureUser(`${this.state.app.slug}[bot]`, 'Bot');
    }
    return this.state.app;
  }

  /**
   * The app's key: from then on app JWTs must be RS256-signed by it, name the app (`iss`) and be
   * current, as on GitHub. A private key PEM (its public key is derived), a public key PEM or a
   * KeyObject; undefined goes back to accepting any well-formed JWT.
   */
  setAppKey(key: string | KeyObject | undefined): void {
    this.state.appKey = key === undefined || (typeof key !== 'string' && key.type === 'public') ? key : createPublicKey(key);
  }

  /** A token acting as `login` (with strictTokens, the only kind accepted). */
  addToken(token: string, login: string): void {
    this.state.ensureUser(login);
    this.state.tokens.set(token, login);
  }

  // ——— failures and interleavings ———

  /** The next `times` requests of `route` (e.g. `PATCH /repos/{owner}/{repo}/git/refs/{ref}`, or `*`) answer `status`. */
  failNext(route: string, failure: InjectedFailure): void {
    const reply: Reply = {
      status: failure.status,
      headers: failure.headers,
      body: failure.body ?? errorBody(failure.status, STATUS_CODES[failure.status] ?? 'Error'),
    };
    this.intercept(route, failure.times ?? 1, () => reply);
  }

  /** The next `times` requests of `route` get their connection closed without an answer. */
  dropNext(route: string, times = 1): void {
    this.intercept(route, times, () => 'drop');
  }

  /** Runs `action` just before the next `times` requests of `route` are handled (then they are, normally). */
  beforeNext(route: string, action: (request: RecordedRequest) => void | Promise<void>, times = 1): void {
    this.intercept(route, times, async (request) => {
      await action(request);
    });
  }

  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  private intercept(route: string, times: number, run: Interception['run']): void {
    if (route !== '*' && !this.routes.some((candidate) => candidate.route === route)) throw new Error(`fake GitHub: no route ${route}`);
    this.interceptions.push({ route, remaining: times, run });
  }

  // ——— serving ———

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    // GitHub Enterprise Server serves the same API under /api/v3 (GHE_HOST clients call it there).
    if (url.pathname.startsWith('/api/v3/')) url.pathname = url.pathname.slice('/api/v3'.length);
    const text = await readBody(request);
    const method = request.method ?? 'GET';
    const match = this.match(method, url.pathname);
    const recorded: RecordedRequest = {
      method,
      path: safeDecode(url.pathname),
      query: Object.fromEntries(url.searchParams),
      route: match?.route.route,
      body: undefined,
      authorization: request.headers.authorization,
      status: 0,
    };
    this.requests.push(recorded);
    const send = (reply: Reply) => {
      recorded.status = reply.status;
      this.send(response, reply);
    };
    try {
      recorded.body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      return send({ status: 400, body: errorBody(400, 'Problems parsing JSON') });
    }
    if (!match) return send({ status: 404, body: errorBody(404, 'Not Found') });

    for (const interception of this.interceptions) {
      if (interception.remaining <= 0 || (interception.route !== '*' && interception.route !== match.route.route)) continue;
      interception.remaining--;
      const outcome = await interception.run(recorded);
      if (outcome === 'drop') {
        request.socket.destroy();
        return;
      }
      if (outcome) return send(outcome);
    }

    const login = this.authenticate(match.route, request.headers.authorization);
    if (login === undefined) return send({ status: 401, body: errorBody(401, 'Bad credentials') });
    try {
      const body = recorded.body;
      send(
        match.route.handle({
          state: this.state,
          params: match.params,
          query: url.searchParams,
          body: typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {},
          rawBody: body,
          login,
          authorization: request.headers.authorization,
          url,
        }),
      );
    } catch (error) {
      if (!(error instanceof FakeGitHubError)) throw error;
      send({ status: error.status, body: errorBody(error.status, error.message, error.errors) });
    }
  }

  private match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      return { route, params: Object.fromEntries(route.names.map((name, index) => [name, safeDecode(found[index + 1] ?? '')])) };
    }
    return undefined;
  }

  /** The login a request acts as; undefined for a refused token. App routes check their JWT themselves. */
  private authenticate(route: CompiledRoute, authorization: string | undefined): string | undefined {
    if (route.auth === 'app') return `app`;
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    const login = this.state.tokens.get(token);
    if (login !== undefined) return login;
    return this.options.strictTokens ? undefined : this.state.defaultLogin;
  }

  private send(response: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = {
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `FAKE:${this.requests.length}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(Math.floor(this.state.now().getTime() / 1000) + 3600),
      ...reply.headers,
    };
    if (reply.status === 204 || reply.body === undefined) {
      response.writeHead(reply.status, headers);
      response.end();
      return;
    }
    response.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(reply.body));
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
