import { verify } from 'node:crypto';
import { FakeGitHubError, type FakeGitHubState, type FakeIssue, type FakePullRequest, type FakeRepository } from './fake-github-state';

/**
 * What the fake GitHub's routes share: the request context, replies, GitHub's error shapes, the
 * repository and pull request look-ups with GitHub's 404s, pagination with Link headers and the
 * GitHub App JWT check.
 */

export interface RouteContext {
  state: FakeGitHubState;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body ({} when there was none). */
  body: Record<string, unknown>;
  rawBody: unknown;
  /** Who the token belongs to. */
  login: string;
  authorization: string | undefined;
  /** The request URL, for pagination links. */
  url: URL;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDefinition {
  /** e.g. GET /repos/{owner}/{repo}/git/ref/{ref} */
  route: string;
  /** `app`: authenticated as the GitHub App itself (a JWT), not with a token. */
  auth?: 'app';
  handle: (context: RouteContext) => Reply;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const fail = (status: number, message: string, errors?: unknown[]): never => {
  throw new FakeGitHubError(status, message, errors);
};
export const validation = (errors: unknown[]): never => fail(422, 'Validation Failed', errors);

export function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

export function list(body: Record<string, unknown>, key: string): string[] {
  const value = body[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export const roleRank = ['read', 'triage', 'write', 'maintain', 'admin'];

/** The repository of the route, as the caller may see it: 404 when absent or private to them, 403 when a write is not theirs to make. */
export function repo(context: RouteContext, access: 'read' | 'write' = 'read'): FakeRepository {
  const repository = context.state.repository(context.params.owner ?? '', context.params.repo ?? '');
  if (!repository) return fail(404, 'Not Found');
  const role = context.state.roleOf(repository, context.login);
  if (role === undefined && repository.private) return fail(404, 'Not Found');
  if (access === 'write' && roleRank.indexOf(role ?? '') < roleRank.indexOf('write')) {
    return fail(403, 'Resource not accessible by personal access token');
  }
  return repository;
}

export function pullOf(repository: FakeRepository, number: string | undefined): FakePullRequest {
  const pull = repository.pulls.find((candidate) => String(candidate.number) === number);
  return pull ?? fail(404, 'Not Found');
}

/**
 * Pages of a list with GitHub's Link header (per_page ≤ 100, default 30); `wrap` shapes a page
 * when GitHub wraps the list (`{ total_count, check_runs }`).
 */
export function paginate(context: RouteContext, items: readonly unknown[], wrap?: (page: unknown[]) => unknown): Reply {
  const perPage = Math.min(100, Math.max(1, Number(context.query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(context.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (to: number, rel: string) => {
    const url = new URL(context.url);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(to));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return {
    status: 200,
    body: wrap ? wrap(items.slice((page - 1) * perPage, page * perPage)) : items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

/** An issue or a pull request (they share numbers, as on GitHub); 404 when neither. */
export function issueOf(repository: FakeRepository, number: string | undefined): FakeIssue | FakePullRequest {
  const found =
    repository.pulls.find((candidate) => String(candidate.number) === number) ??
    repository.issues.find((candidate) => String(candidate.number) === number);
  return found ?? fail(404, 'Not Found');
}

/** GitHub's 422 with plain-text errors (`{"message":"Unprocessable Entity","errors":["…"]}`), as the reviews API answers. */
export const unprocessable = (error: string): never => fail(422, 'Unprocessable Entity', [error]);

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks the GitHub App JWT of an app route (`Authorization: Bearer <jwt>`). It must always be a
 * decodable JWT; once the app's key is set (FakeGitHub.setAppKey), also as GitHub checks it: `iss`
 * the app id (number or numeric string) or its client id, an RS256 signature by the app's key,
 * `iat` an integer not in the future, `exp` in the future and at most 10 minutes ahead. Times are
 * the real clock's (Date.now), which is what JWT libraries sign with. 401 with GitHub's messages.
 */
export function verifyAppJwt(context: RouteContext): void {
  const undecodable = (): never => fail(401, 'A JSON web token could not be decoded');
  const token = /^bearer\s+(\S+)$/i.exec(context.authorization ?? '')?.[1] ?? undecodable();
  const parts = token.split('.');
  if (parts.length !== 3) undecodable();
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeSegment(headerPart) ?? undecodable();
  const payload = decodeSegment(payloadPart) ?? undecodable();
  const { app, appKey } = context.state;
  if (appKey === undefined) return;

  const iss = payload.iss;
  const numeric = typeof iss === 'number' ? iss : typeof iss === 'string' && /^\d+$/.test(iss) ? Number(iss) : undefined;
  if (numeric === undefined && !(typeof iss === 'string' && iss === app.clientId)) {
    fail(401, typeof iss === 'string' && iss !== '' ? 'Integration not found' : "'Issuer' claim ('iss') must be an Integer");
  }
  if (numeric !== undefined && numeric !== app.id) fail(401, 'Integration not found');
  if (header.alg !== 'RS256') undecodable();
  let signed = false;
  try {
    signed = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), appKey, Buffer.from(signaturePart, 'base64url'));
  } catch {
    // A signature that is not one: not decodable either.
  }
  if (!signed) undecodable();

  const now = Math.floor(Date.now() / 1000);
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + 60) {
    fail(401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  }
  if (typeof exp !== 'number' || exp <= now) {
    fail(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
  }
  if ((exp as number) - now > 600) fail(401, "'Expiration time' claim ('exp') is too far in the future");
}
