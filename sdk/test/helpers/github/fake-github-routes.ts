import { randomBytes } from 'node:crypto';
import type { FlatEntry } from './git-object-store';
import { appRoutes } from './fake-github-app-routes';
import {
  created,
  fail,
  issueOf,
  list,
  ok,
  paginate,
  pullOf,
  repo,
  text,
  validation,
  verifyAppJwt,
  type RouteContext,
  type RouteDefinition,
} from './fake-github-route-kit';
import {
  isoSeconds,
  legacyPermission,
  permissionFlags,
  wrappedBase64,
  type FakeGitHubState,
  type FakePullRequest,
  type FakeRepository,
} from './fake-github-state';

export type { Reply, RouteContext, RouteDefinition } from './fake-github-route-kit';

/**
 * The REST routes of the fake GitHub, named exactly as GitHub's documentation (and Octokit) name
 * them, e.g. `PATCH /repos/{owner}/{repo}/git/refs/{ref}`. Status codes, validation messages and
 * response shapes follow the real API for the cases the tests exercise; anything else is minimal.
 */

/** The tree of a three-way merge of `headSha` into `baseSha` (file by file); undefined on a conflict. */
export function mergeTrees(state: FakeGitHubState, repository: FakeRepository, baseSha: string, headSha: string): string | undefined {
  const { store } = repository;
  const mergeBase = state.mergeBase(repository, baseSha, headSha);
  const filesOf = (sha: string | undefined) =>
    sha === undefined ? new Map<string, FlatEntry>() : store.flatten(state.commit(repository, sha).tree);
  const [ancestorFiles, baseFiles, headFiles] = [filesOf(mergeBase), filesOf(baseSha), filesOf(headSha)];
  const merged = new Map(baseFiles);
  for (const path of new Set([...ancestorFiles.keys(), ...baseFiles.keys(), ...headFiles.keys()])) {
    const [was, ours, theirs] = [ancestorFiles.get(path)?.sha, baseFiles.get(path)?.sha, headFiles.get(path)?.sha];
    if (theirs === was || theirs === ours) continue;
    if (ours !== was) return undefined;
    if (theirs === undefined) merged.delete(path);
    else merged.set(path, headFiles.get(path)!);
  }
  return store.buildTree(merged);
}

/** Merges a pull request as GitHub does (merge commit, squash or rebase as one commit); the new base head. */
export function mergePullRequest(
  state: FakeGitHubState,
  repository: FakeRepository,
  pull: FakePullRequest,
  options: { method?: string; login: string; sha?: string; title?: string; message?: string; date?: string },
): string {
  if (pull.state !== 'open') fail(405, 'Pull Request is not mergeable');
  const headSha = state.pullHeadSha(repository, pull);
  if (options.sha !== undefined && options.sha !== headSha) fail(409, 'Head branch was modified. Review and try the merge again.');
  const baseRef = `refs/heads/${pull.base}`;
  const baseSha = repository.refs.get(baseRef) ?? fail(405, 'Base branch was deleted');
  const { store } = repository;
  const tree = mergeTrees(state, repository, baseSha, headSha) ?? fail(405, 'Pull Request is not mergeable');
  const method = options.method ?? 'merge';
  const now = options.date ?? state.timestamp();
  const committer = state.signature('web-flow', now);
  const headOwner = state.headRepositoryOf(repository, pull)?.owner ?? repository.owner;
  const title =
    options.title ??
    (method === 'merge' ? `Merge pull request #${pull.number} from ${headOwner}/${pull.head}` : `${pull.title} (#${pull.number})`);
  const commit = store.putCommit({
    tree,
    parents: method === 'merge' ? [baseSha, headSha] : [baseSha],
    message: options.message ? `${title}\n\n${options.message}` : title,
    author: state.signature(options.login, now),
    committer,
  });
  repository.refs.set(baseRef, commit);
  const onBase = store.ancestors(baseSha);
  Object.assign(pull, {
    state: 'closed',
    lastHeadSha: headSha,
    closedAt: now,
    mergedAt: now,
    updatedAt: now,
    mergeCommitSha: commit,
    mergedBy: options.login,
    mergedCommits: [...store.ancestors(commit)].filter((sha) => !onBase.has(sha)),
  });
  return commit;
}

export function routes(): RouteDefinition[] {
  return [
    { route: 'GET /repos/{owner}/{repo}', handle: (c) => ok(c.state.repositoryJson(repo(c), c.login)) },

    // ——— git data ———
    {
      route: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
      handle: (c) => {
        const repository = repo(c);
        const ref = `refs/${c.params.ref}`;
        const sha = repository.refs.get(ref) ?? fail(404, 'Not Found');
        return ok(c.state.refJson(repository, ref, sha));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
      handle: (c) => {
        const repository = repo(c);
        const prefix = `refs/${c.params.ref}`;
        const refs = [...repository.refs].filter(([name]) => name.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
        return ok(refs.map(([name, sha]) => c.state.refJson(repository, name, sha)));
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/git/refs',
      handle: (c) => {
        const repository = repo(c, 'write');
        const ref = text(c.body, 'ref') ?? '';
        const sha = text(c.body, 'sha') ?? '';
        if (!/^refs\/[^/]+\/.+/.test(ref)) fail(422, 'Reference name is not valid');
        if (!repository.store.commits.has(sha)) fail(422, 'Object does not exist');
        if (repository.refs.has(ref)) fail(422, 'Reference already exists');
        repository.refs.set(ref, sha);
        return created(c.state.refJson(repository, ref, sha));
      },
    },
    {
      route: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
      handle: (c) => {
        const repository = repo(c, 'write');
        const ref = `refs/${c.params.ref}`;
        const sha = text(c.body, 'sha') ?? '';
        const current = repository.refs.get(ref) ?? fail(422, 'Reference does not exist');
        if (!repository.store.commits.has(sha)) fail(422, 'Object does not exist');
        if (c.body.force !== true && !repository.store.isAncestor(current, sha)) fail(422, 'Update is not a fast forward');
        repository.refs.set(ref, sha);
        return ok(c.state.refJson(repository, ref, sha));
      },
    },
    {
      route: 'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
      handle: (c) => {
        const repository = repo(c, 'write');
        const ref = `refs/${c.params.ref}`;
        if (!repository.refs.delete(ref)) fail(422, 'Reference does not exist');
        return { status: 204 };
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
      handle: (c) => {
        const repository = repo(c);
        const wanted = c.params.tree_sha ?? '';
        const commit = repository.store.trees.has(wanted) ? undefined : c.state.resolve(repository, wanted);
        const sha = commit === undefined ? wanted : c.state.commit(repository, commit).tree;
        if (!repository.store.trees.has(sha)) fail(404, 'Not Found');
        const recursive = c.query.has('recursive') && !['0', 'false'].includes(c.query.get('recursive') ?? '');
        return ok(c.state.treeJson(repository, sha, recursive));
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/git/trees',
      handle: (c) => {
        const repository = repo(c, 'write');
        const { store } = repository;
        const baseTree = text(c.body, 'base_tree');
        if (baseTree !== undefined && !store.trees.has(baseTree)) fail(422, 'base_tree is not a valid tree oid');
        const files = baseTree === undefined ? new Map<string, FlatEntry>() : store.flatten(baseTree);
        const entries = Array.isArray(c.body.tree)
          ? (c.body.tree as Record<string, unknown>[])
          : validation([{ resource: 'Tree', field: 'tree', code: 'missing_field' }]);
        for (const entry of entries) {
          const path = text(entry, 'path') ?? fail(422, 'tree.path is missing');
          const mode = text(entry, 'mode') ?? '';
          if (!['100644', '100755', '040000', '160000', '120000'].includes(mode)) fail(422, `tree.mode ${mode} is not valid`);
          if ('content' in entry && 'sha' in entry) fail(422, 'tree.sha and tree.content cannot both be given');
          if ('content' in entry) files.set(path, { mode, sha: store.putBlob(text(entry, 'content') ?? '') });
          else if (entry.sha === null)
            for (const key of [...files.keys()])
              if (key === path || key.startsWith(`${path}/`)) files.delete(key);
              else {
                const sha = text(entry, 'sha') ?? '';
                if (!store.blobs.has(sha) && mode !== '160000') fail(422, `tree.sha ${sha} is not a valid blob`);
                files.set(path, { mode, sha });
              }
        }
        return created(c.state.treeJson(repository, store.buildTree(files), false));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
      handle: (c) => {
        const repository = repo(c);
        const content = repository.store.blobs.get(c.params.file_sha ?? '') ?? fail(404, 'Not Found');
        return ok(c.state.blobJson(repository, c.params.file_sha!, content));
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/git/blobs',
      handle: (c) => {
        const repository = repo(c, 'write');
        const content = text(c.body, 'content') ?? validation([{ resource: 'Blob', field: 'content', code: 'missing_field' }]);
        const sha = repository.store.putBlob(Buffer.from(content, text(c.body, 'encoding') === 'base64' ? 'base64' : 'utf8'));
        return created({ sha, url: c.state.api(`/repos/${repository.owner}/${repository.name}/git/blobs/${sha}`) });
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
      handle: (c) => {
        const repository = repo(c);
        return ok(c.state.gitCommitJson(repository, c.state.commit(repository, c.params.commit_sha ?? '')));
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/git/commits',
      handle: (c) => {
        const repository = repo(c, 'write');
        const tree = text(c.body, 'tree') ?? '';
        const parents = list(c.body, 'parents');
        const message = text(c.body, 'message') ?? validation([{ resource: 'Commit', field: 'message', code: 'missing_field' }]);
        if (!repository.store.trees.has(tree)) fail(422, 'Tree SHA does not exist');
        if (parents.some((parent) => !repository.store.commits.has(parent)))
          fail(422, 'Parent SHA does not exist or is not a commit object');
        const signature = (value: unknown) => {
          const given = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
          const fallback = c.state.signature(c.login);
          return {
            name: text(given, 'name') ?? fallback.name,
            email: text(given, 'email') ?? fallback.email,
            date: text(given, 'date') ?? fallback.date,
          };
        };
        const author = signature(c.body.author);
        const committer = c.body.committer === undefined ? author : signature(c.body.committer);
        const sha = repository.store.putCommit({ tree, parents, message, author, committer });
        return created(c.state.gitCommitJson(repository, c.state.commit(repository, sha)));
      },
    },

    // ——— commits and contents ———
    {
      route: 'GET /repos/{owner}/{repo}/commits',
      handle: (c) => {
        const repository = repo(c);
        const from = c.query.get('sha') ?? repository.defaultBranch;
        const start = c.state.resolve(repository, from) ?? fail(404, `No commit found for SHA: ${from}`);
        const since = c.query.has('since') ? Date.parse(c.query.get('since')!) : -Infinity;
        const until = c.query.has('until') ? Date.parse(c.query.get('until')!) : Infinity;
        const commits = c.state
          .log(repository, start, c.query.get('path') ?? undefined)
          .filter((commit) => Date.parse(commit.committer.date) >= since && Date.parse(commit.committer.date) <= until);
        return paginate(
          c,
          commits.map((commit) => c.state.commitJson(repository, commit)),
        );
      },
    },
    {
      // A commit of the default branch: the merged pull requests that brought it there; any other
      // commit: the merged and open pull requests that hold it.
      route: 'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      handle: (c) => {
        const repository = repo(c);
        const wanted = c.params.commit_sha ?? '';
        const sha = c.state.resolve(repository, wanted) ?? fail(422, `No commit found for SHA: ${wanted}`);
        const { store } = repository;
        const defaultHead = repository.refs.get(`refs/heads/${repository.defaultBranch}`);
        const onDefault = defaultHead !== undefined && store.isAncestor(sha, defaultHead);
        const holds = (pull: FakePullRequest) => {
          const baseHead = repository.refs.get(`refs/heads/${pull.base}`);
          return (
            store.isAncestor(sha, c.state.pullHeadSha(repository, pull)) && (baseHead === undefined || !store.isAncestor(sha, baseHead))
          );
        };
        const pulls = repository.pulls
          .filter((pull) => pull.mergedCommits.includes(sha) || (!onDefault && pull.state === 'open' && holds(pull)))
          .sort((a, b) => b.number - a.number);
        return paginate(
          c,
          pulls.map((pull) => c.state.pullJson(repository, pull)),
        );
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/compare/{basehead}',
      handle: (c) => {
        const repository = repo(c);
        const [base = '', head = ''] = (c.params.basehead ?? '').split('...');
        const baseSha = c.state.resolve(repository, base) ?? fail(404, 'Not Found');
        const headSha = c.state.resolve(repository, head) ?? fail(404, 'Not Found');
        const ofBase = repository.store.ancestors(baseSha);
        const ofHead = repository.store.ancestors(headSha);
        const ahead = c.state.log(repository, headSha).filter((commit) => !ofBase.has(commit.sha));
        const behind = [...ofBase].filter((sha) => !ofHead.has(sha)).length;
        const status = baseSha === headSha ? 'identical' : behind === 0 ? 'ahead' : ahead.length === 0 ? 'behind' : 'diverged';
        const mergeBase = c.state.mergeBase(repository, baseSha, headSha) ?? baseSha;
        const fullName = `${repository.owner}/${repository.name}`;
        const files = c.state.diffFiles(repository, mergeBase, headSha).map((file) => c.state.fileJson(repository, file, headSha));
        return ok({
          url: c.state.api(`/repos/${fullName}/compare/${base}...${head}`),
          html_url: c.state.web(`/${fullName}/compare/${base}...${head}`),
          permalink_url: c.state.web(`/${fullName}/compare/${baseSha}...${headSha}`),
          diff_url: c.state.web(`/${fullName}/compare/${base}...${head}.diff`),
          patch_url: c.state.web(`/${fullName}/compare/${base}...${head}.patch`),
          base_commit: c.state.commitJson(repository, c.state.commit(repository, baseSha)),
          merge_base_commit: c.state.commitJson(repository, c.state.commit(repository, mergeBase)),
          status,
          ahead_by: ahead.length,
          behind_by: behind,
          total_commits: ahead.length,
          commits: ahead.reverse().map((commit) => c.state.commitJson(repository, commit)),
          files,
        });
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/contents/{path}',
      handle: (c) => {
        const repository = repo(c);
        const ref = c.query.get('ref') ?? repository.defaultBranch;
        const commit = c.state.resolve(repository, ref) ?? fail(404, `No commit found for the ref ${ref}`);
        const path = (c.params.path ?? '').replace(/^\/+|\/+$/g, '');
        const entry = repository.store.entryAt(commit, path) ?? fail(404, 'Not Found');
        if (entry.type === 'tree') {
          const children = repository.store.trees.get(entry.sha) ?? [];
          return ok(children.map((child) => c.state.contentJson(repository, path ? `${path}/${child.name}` : child.name, child, ref)));
        }
        const content = repository.store.blobs.get(entry.sha) ?? Buffer.alloc(0);
        return ok({ ...c.state.contentJson(repository, path, entry, ref), content: wrappedBase64(content), encoding: 'base64' });
      },
    },

    // ——— pull requests and issues ———
    {
      route: 'GET /repos/{owner}/{repo}/pulls',
      handle: (c) => {
        const repository = repo(c);
        const state = c.query.get('state') ?? 'open';
        const head = c.query.get('head');
        const base = c.query.get('base');
        const pulls = repository.pulls
          .filter((pull) => state === 'all' || pull.state === state)
          .filter((pull) => {
            const headOwner = c.state.headRepositoryOf(repository, pull)?.owner ?? repository.owner;
            return head === null || `${headOwner}:${pull.head}`.toLowerCase() === head.toLowerCase();
          })
          .filter((pull) => base === null || pull.base === base)
          .sort((a, b) => b.number - a.number);
        return paginate(
          c,
          pulls.map((pull) => c.state.pullJson(repository, pull)),
        );
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/pulls',
      handle: (c) => {
        const repository = repo(c, 'write');
        const title = text(c.body, 'title') ?? validation([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
        const headText = text(c.body, 'head') ?? '';
        const head = headText.includes(':') ? headText.slice(headText.indexOf(':') + 1) : headText;
        const headOwner = headText.includes(':') ? headText.slice(0, headText.indexOf(':')) : repository.owner;
        const base = text(c.body, 'base') ?? '';
        // A head in another account: that account's fork of this repository (or `head_repo`).
        const fullName = `${repository.owner}/${repository.name}`;
        const headRepoName = text(c.body, 'head_repo');
        const headRepository =
          headOwner.toLowerCase() === repository.owner.toLowerCase() && headRepoName === undefined
            ? repository
            : [...c.state.repositories.values()].find(
                (candidate) =>
                  candidate.parent?.toLowerCase() === fullName.toLowerCase() &&
                  candidate.owner.toLowerCase() === headOwner.toLowerCase() &&
                  (headRepoName === undefined || `${candidate.owner}/${candidate.name}`.toLowerCase() === headRepoName.toLowerCase()),
              );
        const headSha = headRepository?.refs.get(`refs/heads/${head}`);
        const baseSha = repository.refs.get(`refs/heads/${base}`);
        if (baseSha === undefined) validation([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        if (headSha === undefined || headRepository === undefined)
          validation([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        const fork = headRepository === repository ? undefined : `${headRepository!.owner}/${headRepository!.name}`;
        if (
          repository.pulls.some(
            (pull) =>
              pull.state === 'open' &&
              pull.head === head &&
              pull.base === base &&
              pull.headRepository?.toLowerCase() === fork?.toLowerCase(),
          )
        ) {
          validation([
            { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${headRepository!.owner}:${head}.` },
          ]);
        }
        if (repository.store.isAncestor(headSha!, baseSha!)) {
          validation([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }]);
        }
        const now = c.state.timestamp();
        const pull: FakePullRequest = {
          id: c.state.id(),
          issueId: c.state.id(),
          number: repository.nextNumber++,
          title,
          body: text(c.body, 'body') ?? null,
          state: 'open',
          draft: c.body.draft === true,
          head,
          ...(fork === undefined ? {} : { headRepository: fork }),
          base,
          lastHeadSha: headSha!,
          user: c.login,
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
        repository.pulls.push(pull);
        return created(c.state.pullJson(repository, pull, true));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      handle: (c) => {
        const repository = repo(c);
        return ok(c.state.pullJson(repository, pullOf(repository, c.params.pull_number), true));
      },
    },
    {
      route: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
      handle: (c) => {
        const repository = repo(c, 'write');
        const pull = pullOf(repository, c.params.pull_number);
        const state = text(c.body, 'state');
        if (state !== undefined && state !== 'open' && state !== 'closed')
          validation([{ resource: 'PullRequest', field: 'state', code: 'invalid' }]);
        if (state === 'closed' && pull.state === 'open') {
          pull.lastHeadSha = c.state.pullHeadSha(repository, pull);
          pull.closedAt = c.state.timestamp();
        }
        if (state === 'open') pull.closedAt = null;
        Object.assign(pull, {
          title: text(c.body, 'title') ?? pull.title,
          body: 'body' in c.body ? (text(c.body, 'body') ?? null) : pull.body,
          base: text(c.body, 'base') ?? pull.base,
          state: state ?? pull.state,
          updatedAt: c.state.timestamp(),
        });
        return ok(c.state.pullJson(repository, pull, true));
      },
    },
    {
      route: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
      handle: (c) => {
        const repository = repo(c, 'write');
        const pull = pullOf(repository, c.params.pull_number);
        const sha = mergePullRequest(c.state, repository, pull, {
          method: text(c.body, 'merge_method'),
          login: c.login,
          sha: text(c.body, 'sha'),
          title: text(c.body, 'commit_title'),
          message: text(c.body, 'commit_message'),
        });
        return ok({ sha, merged: true, message: 'Pull Request successfully merged' });
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      handle: (c) => {
        const repository = repo(c, 'write');
        const pull = pullOf(repository, c.params.pull_number);
        const reviewers = list(c.body, 'reviewers');
        const teams = list(c.body, 'team_reviewers');
        if (reviewers.some((login) => login.toLowerCase() === pull.user.toLowerCase())) {
          fail(422, 'Review cannot be requested from pull request author.');
        }
        const unknownTeam = teams.some((slug) => !c.state.teams.has(`${repository.owner}/${slug}`.toLowerCase()));
        if (unknownTeam || reviewers.some((login) => c.state.roleOf(repository, login) === undefined)) {
          fail(
            422,
            `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repository.owner}/${repository.name} repository.`,
          );
        }
        pull.requestedReviewers = [...new Set([...pull.requestedReviewers, ...reviewers])];
        pull.requestedTeams = [...new Set([...pull.requestedTeams, ...teams])];
        return created(c.state.pullJson(repository, pull));
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
      handle: (c) => {
        const repository = repo(c, 'write');
        const issue = issueOf(repository, c.params.issue_number);
        const given = Array.isArray(c.rawBody)
          ? (c.rawBody as unknown[])
          : Array.isArray(c.body.labels)
            ? (c.body.labels as unknown[])
            : [];
        const names = given.map((label) => (typeof label === 'string' ? label : (text(label as Record<string, unknown>, 'name') ?? '')));
        if (names.length === 0 || names.some((name) => name === ''))
          validation([{ resource: 'Label', field: 'name', code: 'missing_field' }]);
        for (const name of names) {
          if (!repository.labels.has(name)) repository.labels.set(name, { id: c.state.id(), name, color: 'ededed', description: null });
        }
        const labels = [...new Set([...(repository.issueLabels.get(issue.number) ?? []), ...names])];
        repository.issueLabels.set(issue.number, labels);
        return ok(labels.map((name) => c.state.labelJson(repository, repository.labels.get(name)!)));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      handle: (c) => {
        const repository = repo(c);
        const issue = issueOf(repository, c.params.issue_number);
        return paginate(
          c,
          repository.comments
            .filter((comment) => comment.issueNumber === issue.number)
            .map((comment) => c.state.commentJson(repository, comment)),
        );
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      handle: (c) => {
        const repository = repo(c);
        const issue = issueOf(repository, c.params.issue_number);
        const body = text(c.body, 'body') ?? validation([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
        const now = c.state.timestamp();
        const comment = { id: c.state.id(), issueNumber: issue.number, body, user: c.login, createdAt: now, updatedAt: now };
        repository.comments.push(comment);
        return created(c.state.commentJson(repository, comment));
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      handle: (c) => {
        const repository = repo(c);
        const commentId = Number(c.params.comment_id);
        if (!repository.comments.some((comment) => comment.id === commentId)) fail(404, 'Not Found');
        const content = text(c.body, 'content') ?? '';
        if (!['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content)) {
          validation([{ resource: 'Reaction', field: 'content', code: 'invalid' }]);
        }
        const existing = repository.reactions.find(
          (reaction) => reaction.commentId === commentId && reaction.user === c.login && reaction.content === content,
        );
        if (existing) return ok(c.state.reactionJson(existing));
        const reaction = { id: c.state.id(), commentId, content, user: c.login, createdAt: c.state.timestamp() };
        repository.reactions.push(reaction);
        return created(c.state.reactionJson(reaction));
      },
    },

    // ——— checks and deployments ———
    {
      route: 'POST /repos/{owner}/{repo}/check-runs',
      handle: (c) => {
        const repository = repo(c, 'write');
        const name = text(c.body, 'name') ?? validation([{ resource: 'CheckRun', field: 'name', code: 'missing_field' }]);
        const headSha = text(c.body, 'head_sha') ?? validation([{ resource: 'CheckRun', field: 'head_sha', code: 'missing_field' }]);
        if (!repository.store.commits.has(headSha)) fail(422, `No commit found for SHA: ${headSha}`);
        const run = {
          id: c.state.id(),
          name,
          headSha,
          status: 'queued',
          conclusion: null,
          externalId: null,
          detailsUrl: null,
          startedAt: c.state.timestamp(),
          completedAt: null,
          output: { title: null, summary: null, text: null },
        };
        applyCheckRun(c, run);
        repository.checkRuns.push(run);
        return created(c.state.checkRunJson(repository, run));
      },
    },
    {
      route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      handle: (c) => {
        const repository = repo(c, 'write');
        const run = repository.checkRuns.find((candidate) => String(candidate.id) === c.params.check_run_id) ?? fail(404, 'Not Found');
        applyCheckRun(c, run);
        return ok(c.state.checkRunJson(repository, run));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/deployments',
      handle: (c) => {
        const repository = repo(c);
        const filters = ['sha', 'ref', 'task', 'environment'] as const;
        const deployments = repository.deployments
          .filter((deployment) => filters.every((key) => !c.query.has(key) || String(deployment[key]) === c.query.get(key)))
          .sort((a, b) => b.id - a.id);
        return paginate(
          c,
          deployments.map((deployment) => c.state.deploymentJson(repository, deployment)),
        );
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/deployments',
      handle: (c) => {
        const repository = repo(c, 'write');
        const ref = text(c.body, 'ref') ?? validation([{ resource: 'Deployment', field: 'ref', code: 'missing_field' }]);
        const sha = c.state.resolve(repository, ref) ?? fail(422, `No ref found for: ${ref}`);
        const environment = text(c.body, 'environment') ?? 'production';
        const now = c.state.timestamp();
        const deployment = {
          id: c.state.id(),
          sha,
          ref,
          task: text(c.body, 'task') ?? 'deploy',
          payload: c.body.payload ?? {},
          environment,
          description: text(c.body, 'description') ?? null,
          creator: c.login,
          transientEnvironment: c.body.transient_environment === true,
          productionEnvironment:
            typeof c.body.production_environment === 'boolean' ? c.body.production_environment : environment === 'production',
          createdAt: now,
          updatedAt: now,
        };
        repository.deployments.push(deployment);
        return created(c.state.deploymentJson(repository, deployment));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      handle: (c) => {
        const repository = repo(c);
        const id = Number(c.params.deployment_id);
        if (!repository.deployments.some((deployment) => deployment.id === id)) fail(404, 'Not Found');
        const statuses = repository.deploymentStatuses.filter((status) => status.deploymentId === id).sort((a, b) => b.id - a.id);
        return paginate(
          c,
          statuses.map((status) => c.state.deploymentStatusJson(repository, status)),
        );
      },
    },
    {
      route: 'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      handle: (c) => {
        const repository = repo(c, 'write');
        const deployment =
          repository.deployments.find((candidate) => String(candidate.id) === c.params.deployment_id) ?? fail(404, 'Not Found');
        const state = text(c.body, 'state') ?? '';
        if (!['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'].includes(state)) {
          validation([{ resource: 'DeploymentStatus', field: 'state', code: 'invalid' }]);
        }
        const status = {
          id: c.state.id(),
          deploymentId: deployment.id,
          state,
          description: text(c.body, 'description') ?? '',
          environment: text(c.body, 'environment') ?? deployment.environment,
          logUrl: text(c.body, 'log_url') ?? text(c.body, 'target_url') ?? '',
          environmentUrl: text(c.body, 'environment_url') ?? '',
          creator: c.login,
          createdAt: c.state.timestamp(),
        };
        repository.deploymentStatuses.push(status);
        deployment.updatedAt = status.createdAt;
        return created(c.state.deploymentStatusJson(repository, status));
      },
    },

    // ——— people and apps ———
    {
      route: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
      handle: (c) => {
        const repository = repo(c);
        const login = c.params.username ?? '';
        if (!c.state.users.has(login.toLowerCase())) fail(404, 'Not Found');
        const role = c.state.roleOf(repository, login);
        const permission = legacyPermission(role);
        return ok({
          permission,
          role_name: role ?? 'none',
          user: {
            ...c.state.userJson(login),
            permissions: role === undefined ? permissionFlags('read') : permissionFlags(role),
            role_name: role ?? 'none',
          },
        });
      },
    },
    {
      route: 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
      handle: (c) => {
        const members = c.state.teams.get(`${c.params.org}/${c.params.team_slug}`.toLowerCase()) ?? fail(404, 'Not Found');
        const role = members.get((c.params.username ?? '').toLowerCase()) ?? fail(404, 'Not Found');
        return ok({
          url: c.state.api(`/orgs/${c.params.org}/teams/${c.params.team_slug}/memberships/${c.params.username}`),
          role,
          state: 'active',
        });
      },
    },
    {
      route: 'POST /app/installations/{installation_id}/access_tokens',
      auth: 'app',
      handle: (c) => {
        verifyAppJwt(c);
        const installation = c.state.appInstallation(c.params.installation_id) ?? fail(404, 'Not Found');
        if (installation.suspendedAt !== null) fail(403, 'This installation has been suspended');
        const asked = list(c.body, 'repositories');
        const permissions = typeof c.body.permissions === 'object' && c.body.permissions !== null ? c.body.permissions : {};
        const names = asked.length > 0 ? asked : installation.repositories?.map((fullName) => fullName.split('/')[1] ?? fullName);
        const repositories = names?.map((name) => {
          const found = c.state.repository(installation.account, name);
          return found && c.state.installationCovers(installation, found)
            ? found
            : fail(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
        });
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        c.state.tokens.set(token, `${installation.appSlug}[bot]`);
        return created({
          token,
          expires_at: isoSeconds(new Date(c.state.now().getTime() + 3_600_000)),
          permissions: { ...installation.permissions, ...permissions },
          repository_selection: installation.repositories === undefined ? 'all' : 'selected',
          ...(repositories === undefined ? {} : { repositories: repositories.map((repository) => c.state.repositoryJson(repository)) }),
        });
      },
    },
    ...appRoutes(),
  ];
}

function applyCheckRun(context: RouteContext, run: RouteCheckRun): void {
  const body = context.body;
  const conclusion = text(body, 'conclusion');
  const status = text(body, 'status');
  if (status !== undefined && !['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'].includes(status)) {
    validation([{ resource: 'CheckRun', field: 'status', code: 'invalid' }]);
  }
  if (status === 'completed' && conclusion === undefined && run.conclusion === null)
    fail(422, 'Conclusion is required when status is completed.');
  run.status = conclusion !== undefined ? 'completed' : (status ?? run.status);
  if (conclusion !== undefined) {
    run.conclusion = conclusion;
    run.completedAt = text(body, 'completed_at') ?? context.state.timestamp();
  }
  run.externalId = text(body, 'external_id') ?? run.externalId;
  run.detailsUrl = text(body, 'details_url') ?? run.detailsUrl;
  run.startedAt = text(body, 'started_at') ?? run.startedAt;
  run.name = text(body, 'name') ?? run.name;
  const output = typeof body.output === 'object' && body.output !== null ? (body.output as Record<string, unknown>) : undefined;
  if (output) {
    run.output = { title: text(output, 'title') ?? null, summary: text(output, 'summary') ?? null, text: text(output, 'text') ?? null };
  }
}

type RouteCheckRun = FakeRepository['checkRuns'][number];
