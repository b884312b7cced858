import {
  fail,
  issueOf,
  ok,
  paginate,
  pullOf,
  repo,
  text,
  unprocessable,
  validation,
  verifyAppJwt,
  type RouteDefinition,
} from './fake-github-route-kit';
import { checkSuiteId, type FakeReview, type ReviewState } from './fake-github-state';

/**
 * The routes a GitHub App needs beyond the source-control ones: the app itself and its
 * installations (JWT), pull request reviews and files, issues, reading check runs and suites, and
 * issue comments by id. Named, answered and paginated as GitHub's REST API does.
 */

const reviewEvents: Record<string, ReviewState> = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' };

export function appRoutes(): RouteDefinition[] {
  return [
    // ——— the app (JWT) ———
    {
      route: 'GET /app',
      auth: 'app',
      handle: (c) => {
        verifyAppJwt(c);
        return ok(c.state.appJson());
      },
    },
    {
      route: 'GET /app/installations',
      auth: 'app',
      handle: (c) => {
        verifyAppJwt(c);
        const installations = [...c.state.installations.values()].filter((installation) => installation.appSlug === c.state.app.slug);
        return paginate(
          c,
          installations.map((installation) => c.state.installationJson(installation)),
        );
      },
    },
    {
      route: 'GET /app/installations/{installation_id}',
      auth: 'app',
      handle: (c) => {
        verifyAppJwt(c);
        const installation = c.state.appInstallation(c.params.installation_id) ?? fail(404, 'Not Found');
        return ok(c.state.installationJson(installation));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/installation',
      auth: 'app',
      handle: (c) => {
        verifyAppJwt(c);
        const repository = c.state.repository(c.params.owner ?? '', c.params.repo ?? '') ?? fail(404, 'Not Found');
        const installation = c.state.installationFor(repository) ?? fail(404, 'Not Found');
        return ok(c.state.installationJson(installation));
      },
    },

    // ——— reviews and files ———
    {
      // Oldest first; another user's pending review is not shown.
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      handle: (c) => {
        const repository = repo(c);
        const pull = pullOf(repository, c.params.pull_number);
        const reviews = repository.reviews
          .filter((review) => review.pullNumber === pull.number)
          .filter((review) => review.state !== 'PENDING' || review.user.toLowerCase() === c.login.toLowerCase());
        return paginate(
          c,
          reviews.map((review) => c.state.reviewJson(repository, review)),
        );
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}',
      handle: (c) => {
        const repository = repo(c);
        const pull = pullOf(repository, c.params.pull_number);
        const review =
          repository.reviews.find(
            (candidate) =>
              candidate.pullNumber === pull.number &&
              String(candidate.id) === c.params.review_id &&
              (candidate.state !== 'PENDING' || candidate.user.toLowerCase() === c.login.toLowerCase()),
          ) ?? fail(404, 'Not Found');
        return ok(c.state.reviewJson(repository, review));
      },
    },
    {
      // Without an event the review stays PENDING; GitHub answers 200, not 201.
      route: 'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      handle: (c) => {
        const repository = repo(c);
        const pull = pullOf(repository, c.params.pull_number);
        const event = text(c.body, 'event');
        if (event !== undefined && !(event in reviewEvents)) {
          validation([{ resource: 'PullRequestReview', field: 'event', code: 'invalid' }]);
        }
        const body = text(c.body, 'body') ?? '';
        const commentsGiven = Array.isArray(c.body.comments) && c.body.comments.length > 0;
        const own = pull.user.toLowerCase() === c.login.toLowerCase();
        if (event === 'APPROVE' && own) unprocessable('Can not approve your own pull request');
        if (event === 'REQUEST_CHANGES' && own) unprocessable('Can not request changes on your own pull request');
        if (event === 'REQUEST_CHANGES' && body.trim() === '' && !commentsGiven) {
          unprocessable('You need to leave a comment indicating the requested changes.');
        }
        if (event === 'COMMENT' && body.trim() === '' && !commentsGiven) unprocessable('Review body can not be blank.');
        const commitId = text(c.body, 'commit_id') ?? c.state.pullHeadSha(repository, pull);
        if (!repository.store.commits.has(commitId)) validation([{ resource: 'PullRequestReview', field: 'commit_id', code: 'invalid' }]);
        const pending = repository.reviews.find(
          (review) =>
            review.pullNumber === pull.number && review.state === 'PENDING' && review.user.toLowerCase() === c.login.toLowerCase(),
        );
        if (event === undefined && pending) unprocessable('User can only have one pending review per pull request');
        const review: FakeReview = {
          id: c.state.id(),
          pullNumber: pull.number,
          user: c.login,
          body,
          state: event === undefined ? 'PENDING' : reviewEvents[event]!,
          commitId,
          submittedAt: event === undefined ? null : c.state.timestamp(),
        };
        c.state.ensureUser(c.login);
        repository.reviews.push(review);
        return ok(c.state.reviewJson(repository, review));
      },
    },
    {
      // From the merge base with the base branch to the head, by path (up to 3000 files on GitHub).
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
      handle: (c) => {
        const repository = repo(c);
        const pull = pullOf(repository, c.params.pull_number);
        const { base, head } = c.state.pullRange(repository, pull);
        const files = c.state.diffFiles(repository, base, head).slice(0, 3000);
        return paginate(
          c,
          files.map((file) => c.state.fileJson(repository, file, head)),
        );
      },
    },

    // ——— issues and comments ———
    {
      route: 'GET /repos/{owner}/{repo}/issues/{issue_number}',
      handle: (c) => {
        const repository = repo(c);
        return ok(c.state.issueJson(repository, issueOf(repository, c.params.issue_number), true));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
      handle: (c) => {
        const repository = repo(c);
        const comment = repository.comments.find((candidate) => String(candidate.id) === c.params.comment_id) ?? fail(404, 'Not Found');
        return ok(c.state.commentJson(repository, comment));
      },
    },
    {
      // The author may edit a comment, and so may anyone with write access.
      route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
      handle: (c) => {
        const repository = repo(c);
        const comment = repository.comments.find((candidate) => String(candidate.id) === c.params.comment_id) ?? fail(404, 'Not Found');
        if (comment.user.toLowerCase() !== c.login.toLowerCase()) repo(c, 'write');
        const body = text(c.body, 'body') ?? validation([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
        comment.previousBody = comment.body;
        comment.body = body;
        comment.updatedAt = c.state.timestamp();
        return ok(c.state.commentJson(repository, comment));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      handle: (c) => {
        const repository = repo(c);
        const commentId = Number(c.params.comment_id);
        if (!repository.comments.some((comment) => comment.id === commentId)) fail(404, 'Not Found');
        const content = c.query.get('content');
        const reactions = repository.reactions.filter(
          (reaction) => reaction.commentId === commentId && (content === null || reaction.content === content),
        );
        return paginate(
          c,
          reactions.map((reaction) => c.state.reactionJson(reaction)),
        );
      },
    },

    // ——— checks ———
    {
      // filter=latest (the default) keeps the newest run of each name; newest first.
      route: 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      handle: (c) => {
        const repository = repo(c);
        const ref = c.params.ref ?? '';
        const sha = c.state.resolve(repository, ref) ?? fail(422, `No commit found for SHA: ${ref}`);
        const name = c.query.get('check_name');
        const status = c.query.get('status');
        const appId = c.query.get('app_id');
        if (status !== null && !['queued', 'in_progress', 'completed'].includes(status)) {
          validation([{ resource: 'CheckRun', field: 'status', code: 'invalid' }]);
        }
        const filter = c.query.get('filter') ?? 'latest';
        if (filter !== 'latest' && filter !== 'all') validation([{ resource: 'CheckRun', field: 'filter', code: 'invalid' }]);
        // Every run is the app under test's.
        const ofApp = appId === null || appId === String(c.state.app.id);
        const newestFirst = repository.checkRuns.filter((run) => ofApp && run.headSha === sha).sort((a, b) => b.id - a.id);
        const runs = (
          filter === 'all'
            ? newestFirst
            : newestFirst.filter((candidate, index) => newestFirst.findIndex((other) => other.name === candidate.name) === index)
        )
          .filter((run) => name === null || run.name === name)
          .filter((run) => status === null || run.status === status);
        return paginate(
          c,
          runs.map((run) => c.state.checkRunJson(repository, run)),
          (page) => ({ total_count: runs.length, check_runs: page }),
        );
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/check-runs/{check_run_id}',
      handle: (c) => {
        const repository = repo(c);
        const run = repository.checkRuns.find((candidate) => String(candidate.id) === c.params.check_run_id) ?? fail(404, 'Not Found');
        return ok(c.state.checkRunJson(repository, run));
      },
    },
    {
      route: 'GET /repos/{owner}/{repo}/check-suites/{check_suite_id}',
      handle: (c) => {
        const repository = repo(c);
        const headSha =
          [...repository.store.commits.keys()].find((sha) => String(checkSuiteId(sha)) === c.params.check_suite_id) ??
          fail(404, 'Not Found');
        return ok(c.state.checkSuiteJson(repository, headSha));
      },
    },
  ];
}
