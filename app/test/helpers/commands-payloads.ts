/**
 * issue_comment webhook payloads shaped like GitHub's (a copy of the @octokit/webhooks-examples
 * issue_comment.created example that carries an installation), with the repository, issue, comment
 * and author of a test.
 */
import webhookDefinitions from '@octokit/webhooks-examples';

export interface CommentPayloadOptions {
  /** owner/name of the package repository. */
  repository: string;
  issueNumber: number;
  commentId: number;
  body: string;
  user: string;
  userType?: 'User' | 'Bot';
  /** Whether the issue is a pull request (GitHub sends issue.pull_request then). */
  pullRequest?: boolean;
  installationId?: number;
  defaultBranch?: string;
  action?: 'created' | 'edited' | 'deleted';
  /** For edited: the body before. */
  previousBody?: string;
  /** html_url host, e.g. the fake's url. */
  webUrl?: string;
  apiUrl?: string;
}

type Json = Record<string, unknown>;

function example(): Json {
  const definition = webhookDefinitions.find((d) => d.name === 'issue_comment');
  const examples = (definition?.examples ?? []) as unknown as Json[];
  const withInstallation = examples.find((e) => e.action === 'created' && e.installation !== undefined);
  const chosen = withInstallation ?? examples.find((e) => e.action === 'created');
  if (!chosen) throw new Error('no issue_comment.created example in @octokit/webhooks-examples');
  return structuredClone(chosen);
}

function userJson(login: string, type: string, web: string, api: string): Json {
  return {
    login,
    id: 1000 + [...login].reduce((sum, c) => sum + c.charCodeAt(0), 0),
    node_id: 'MDQ6VXNlcjIxMDMxMDY3',
    avatar_url: 'https://avatars.githubusercontent.com/u/21031067?v=4',
    gravatar_id: '',
    url: `${api}/users/${login}`,
    html_url: `${web}/${login}`,
    type,
    site_admin: false,
  };
}

/** issue_comment.created (or edited/deleted) as GitHub sends it. */
export function issueCommentPayload(options: CommentPayloadOptions): Json {
  const web = options.webUrl ?? 'https://github.com';
  const api = options.apiUrl ?? 'https://api.github.com';
  const [owner = '', name = ''] = options.repository.split('/');
  const payload = example();
  const author = userJson(options.user, options.userType ?? (options.user.endsWith('[bot]') ? 'Bot' : 'User'), web, api);
  const repository = payload.repository as Json;
  Object.assign(repository, {
    name,
    full_name: options.repository,
    html_url: `${web}/${options.repository}`,
    url: `${api}/repos/${options.repository}`,
    default_branch: options.defaultBranch ?? 'main',
    owner: { ...(repository.owner as Json), ...userJson(owner, 'Organization', web, api) },
  });
  const issueUrl = `${api}/repos/${options.repository}/issues/${options.issueNumber}`;
  const issue = payload.issue as Json;
  Object.assign(issue, {
    url: issueUrl,
    repository_url: `${api}/repos/${options.repository}`,
    comments_url: `${issueUrl}/comments`,
    html_url: `${web}/${options.repository}/${options.pullRequest ? 'pull' : 'issues'}/${options.issueNumber}`,
    number: options.issueNumber,
    title: options.pullRequest ? 'Change the orders transform' : 'Deploy orders',
  });
  if (options.pullRequest) {
    issue.pull_request = {
      url: `${api}/repos/${options.repository}/pulls/${options.issueNumber}`,
      html_url: `${web}/${options.repository}/pull/${options.issueNumber}`,
      diff_url: `${web}/${options.repository}/pull/${options.issueNumber}.diff`,
      patch_url: `${web}/${options.repository}/pull/${options.issueNumber}.patch`,
      merged_at: null,
    };
  } else delete issue.pull_request;
  const comment = payload.comment as Json;
  Object.assign(comment, {
    url: `${api}/repos/${options.repository}/issues/comments/${options.commentId}`,
    html_url: `${issue.html_url as string}#issuecomment-${options.commentId}`,
    issue_url: issueUrl,
    id: options.commentId,
    body: options.body,
    user: author,
    // author_association says nothing about permissions; the app must not trust it.
    author_association: 'OWNER',
  });
  payload.action = options.action ?? 'created';
  if (payload.action === 'edited') payload.changes = { body: { from: options.previousBody ?? '' } };
  payload.sender = author;
  if (options.installationId !== undefined)
    payload.installation = { id: options.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  else delete payload.installation;
  payload.organization = { ...(payload.organization as Json | undefined), login: owner };
  return payload;
}
