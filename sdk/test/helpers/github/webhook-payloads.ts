import { createHmac, randomUUID } from 'node:crypto';
import type { FakeGitHub, FakeMergeGroup } from './fake-github';
import { headCommitJson, type FakeRepository } from './fake-github-state';

/**
 * Webhook payloads built from the fake GitHub's state, shaped like GitHub's own deliveries (the
 * examples of @octokit/webhooks-examples): `installation: { id, node_id }` when the app under test
 * is installed on the repository (or `installationId` says so), `organization` when the repository
 * belongs to an organization, `repository` and `sender` always. URLs point at the fake, so a
 * handler following them lands on it. Serialise with JSON.stringify and sign with signWebhook.
 */

export type WebhookPayload = Record<string, unknown>;

export interface WebhookOptions {
  /** The installation the delivery is for; by default the app's installation covering the repository (none: no `installation`). */
  installationId?: number;
  /** Who acted; by default the event's author (the comment's, the pull request's, the review's; octocat for re-runs). */
  sender?: string;
}

export type PullRequestAction =
  | 'opened'
  | 'synchronize'
  | 'reopened'
  | 'closed'
  | 'edited'
  | 'ready_for_review'
  | 'converted_to_draft'
  | 'labeled'
  | 'unlabeled'
  | 'review_requested';

/** `sha256=<hex HMAC-SHA256 of body>`: the X-Hub-Signature-256 header of a delivery. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The headers of a delivery of `body` (the serialised payload) for event `name`, as GitHub sends them. */
export function webhookHeaders(name: string, body: string, secret: string, delivery: string = randomUUID()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/fake',
    'x-github-event': name,
    'x-github-delivery': delivery,
    'x-hub-signature-256': signWebhook(secret, body),
  };
}

/** repository, organization, sender and installation, as every repository event carries them. */
function envelope(fake: FakeGitHub, repository: FakeRepository, sender: string, options: WebhookOptions): WebhookPayload {
  const { state } = fake;
  const owner = state.ensureUser(repository.owner);
  const installationId = options.installationId ?? state.installationFor(repository)?.id;
  return {
    repository: state.repositoryJson(repository),
    ...(owner.type === 'Organization' ? { organization: state.organizationJson(repository.owner) } : {}),
    sender: state.userJson(options.sender ?? sender),
    ...(installationId === undefined
      ? {}
      : { installation: { id: installationId, node_id: Buffer.from(`023:IntegrationInstallation${installationId}`).toString('base64') } }),
  };
}

function issueAndComment(fake: FakeGitHub, fullName: string, issueNumber: number, commentId: number) {
  const repository = fake.repository(fullName);
  const issue = fake.state.findIssue(repository, issueNumber);
  if (!issue) throw new Error(`fake GitHub: no issue or pull request #${issueNumber} in ${fullName}`);
  const comment = repository.comments.find((candidate) => candidate.id === commentId);
  if (!comment || comment.issueNumber !== issueNumber)
    throw new Error(`fake GitHub: no comment ${commentId} on #${issueNumber} in ${fullName}`);
  // Webhooks carry `draft` on plain issues too.
  const issueJson = { ...('head' in issue ? {} : { draft: false }), ...fake.state.issueJson(repository, issue) };
  return { repository, issue: issueJson, comment };
}

/** issue_comment.created for a comment (added with addComment or through the API) on an issue or a pull request. */
export function issueCommentCreatedPayload(
  fake: FakeGitHub,
  fullName: string,
  issueNumber: number,
  commentId: number,
  options: WebhookOptions = {},
): WebhookPayload {
  const { repository, issue, comment } = issueAndComment(fake, fullName, issueNumber, commentId);
  return {
    action: 'created',
    issue,
    comment: fake.state.commentJson(repository, comment),
    ...envelope(fake, repository, comment.user, options),
  };
}

/** issue_comment.edited; `changes.body.from` is `from`, else the body before the last edit (editComment, PATCH). */
export function issueCommentEditedPayload(
  fake: FakeGitHub,
  fullName: string,
  issueNumber: number,
  commentId: number,
  options: WebhookOptions & { from?: string } = {},
): WebhookPayload {
  const { repository, issue, comment } = issueAndComment(fake, fullName, issueNumber, commentId);
  return {
    action: 'edited',
    changes: { body: { from: options.from ?? comment.previousBody ?? comment.body } },
    issue,
    comment: fake.state.commentJson(repository, comment),
    ...envelope(fake, repository, comment.user, options),
  };
}

/**
 * pull_request.<action> with the full pull request (merged, commits, additions, …). The pull
 * request must be in the state the action leaves it in (closed for `closed`: merge it with
 * mergePullRequest first for a merged close). synchronize carries `before` (the head's first
 * parent unless given) and `after` (the head). The sender is the merger for a merged close, else
 * the author.
 */
export function pullRequestPayload(
  fake: FakeGitHub,
  fullName: string,
  number: number,
  action: PullRequestAction,
  options: WebhookOptions & { before?: string; after?: string } = {},
): WebhookPayload {
  const repository = fake.repository(fullName);
  const pull = fake.pullRequest(fullName, number);
  if ((action === 'closed') !== (pull.state === 'closed') && ['opened', 'synchronize', 'reopened', 'closed'].includes(action)) {
    throw new Error(`fake GitHub: #${number} in ${fullName} is ${pull.state}, not as pull_request.${action} leaves it`);
  }
  const head = fake.state.pullHeadSha(repository, pull);
  const sender = action === 'closed' && pull.mergedBy !== null ? pull.mergedBy : pull.user;
  return {
    action,
    number,
    pull_request: fake.state.pullJson(repository, pull, true),
    ...(action === 'synchronize'
      ? { before: options.before ?? repository.store.commits.get(head)?.parents[0] ?? null, after: options.after ?? head }
      : {}),
    ...envelope(fake, repository, sender, options),
  };
}

/** pull_request_review.<action> (submitted by default): the review (state in lower case, as webhooks send it) and the pull request. */
export function pullRequestReviewPayload(
  fake: FakeGitHub,
  fullName: string,
  number: number,
  reviewId: number,
  options: WebhookOptions & { action?: 'submitted' | 'edited' | 'dismissed' } = {},
): WebhookPayload {
  const repository = fake.repository(fullName);
  const pull = fake.pullRequest(fullName, number);
  const review = repository.reviews.find((candidate) => candidate.id === reviewId && candidate.pullNumber === number);
  if (!review) throw new Error(`fake GitHub: no review ${reviewId} of #${number} in ${fullName}`);
  const rest = fake.state.reviewJson(repository, review);
  return {
    action: options.action ?? (review.state === 'DISMISSED' ? 'dismissed' : 'submitted'),
    review: {
      id: rest.id,
      node_id: rest.node_id,
      user: rest.user,
      body: review.body === '' ? null : review.body,
      commit_id: review.commitId,
      submitted_at: review.submittedAt,
      state: review.state.toLowerCase(),
      html_url: rest.html_url,
      pull_request_url: rest.pull_request_url,
      author_association: rest.author_association,
      _links: rest._links,
    },
    pull_request: fake.state.pullJson(repository, pull),
    ...envelope(fake, repository, review.user, options),
  };
}

/** check_run.rerequested for a check run of the app (addCheckRun or POST check-runs), with its check suite. */
export function checkRunRerequestedPayload(
  fake: FakeGitHub,
  fullName: string,
  checkRunId: number,
  options: WebhookOptions = {},
): WebhookPayload {
  const repository = fake.repository(fullName);
  const run = repository.checkRuns.find((candidate) => candidate.id === checkRunId);
  if (!run) throw new Error(`fake GitHub: no check run ${checkRunId} in ${fullName}`);
  return {
    action: 'rerequested',
    check_run: { ...fake.state.checkRunJson(repository, run), check_suite: fake.state.checkSuiteJson(repository, run.headSha) },
    ...envelope(fake, repository, 'octocat', options),
  };
}

/** check_suite.rerequested for the app's check suite of a commit. */
export function checkSuiteRerequestedPayload(
  fake: FakeGitHub,
  fullName: string,
  headSha: string,
  options: WebhookOptions = {},
): WebhookPayload {
  const repository = fake.repository(fullName);
  if (!repository.store.commits.has(headSha)) throw new Error(`fake GitHub: no commit ${headSha} in ${fullName}`);
  return {
    action: 'rerequested',
    check_suite: fake.state.checkSuiteJson(repository, headSha),
    ...envelope(fake, repository, 'octocat', options),
  };
}

/** merge_group.checks_requested for a merge queue commit (createMergeGroup); the sender is the pull request's author unless given. */
export function mergeGroupChecksRequestedPayload(
  fake: FakeGitHub,
  fullName: string,
  group: FakeMergeGroup,
  options: WebhookOptions = {},
): WebhookPayload {
  const repository = fake.repository(fullName);
  const commit = repository.store.commits.get(group.headSha);
  if (!commit) throw new Error(`fake GitHub: no commit ${group.headSha} in ${fullName}`);
  return {
    action: 'checks_requested',
    merge_group: {
      head_sha: group.headSha,
      head_ref: group.headRef,
      base_sha: group.baseSha,
      base_ref: group.baseRef,
      head_commit: headCommitJson(commit),
    },
    ...envelope(fake, repository, fake.pullRequest(fullName, group.pullNumber).user, options),
  };
}
