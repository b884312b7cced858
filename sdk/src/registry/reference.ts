import { UsageError } from '../core/errors';

/**
 * Artifact references: `oci://host[:port]/repo/path[:tag|@sha256:…]` or bare `host/repo:tag`.
 * Names are checked against the OCI distribution spec here, before any request, because
 * registries answer invalid names with an unhelpful plain-text "404 page not found".
 */
export interface RegistryReference {
  /** host[:port], IPv6 literals in brackets. */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const ociScheme = 'oci://';
const pathComponent = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const hostPattern =
  /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]{1,5})?$/;
const maxRepositoryLength = 255;

export const invalidReferenceCode = 'DK520';

/** `subject` says what was being checked, e.g. 'invalid artifact reference "oci://…"' or 'invalid tag'. */
function invalid(subject: string, reason: string, hint?: string): UsageError {
  return new UsageError(invalidReferenceCode, `${subject}: ${reason}`, {
    hint: hint ?? 'Write oci://<host>[:port]/<repository>[:<tag>|@sha256:<hex>], e.g. oci://localhost:5000/team/orders:1.2.0.',
  });
}

/** Parses a reference; throws UsageError DK520 saying which part is wrong and why. */
export function parseReference(input: string): RegistryReference {
  const subject = `invalid artifact reference ${JSON.stringify(input)}`;
  const explicit = input.startsWith(ociScheme);
  const rest = explicit ? input.slice(ociScheme.length) : input;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) {
    throw invalid(subject, 'only the oci:// scheme is understood');
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) throw invalid(subject, 'expected <host>/<repository>');
  const host = rest.slice(0, slash);
  if (!explicit && !looksLikeHost(host)) {
    throw invalid(subject, `"${host}" is not a registry host (no dot, port or localhost)`, `Name the registry: oci://<host>/${rest}.`);
  }
  checkHost(subject, host);

  let remainder = rest.slice(slash + 1);
  let digest: string | undefined;
  const at = remainder.indexOf('@');
  if (at >= 0) {
    digest = remainder.slice(at + 1);
    remainder = remainder.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = remainder.lastIndexOf('/');
  const colon = remainder.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = remainder.slice(colon + 1);
    remainder = remainder.slice(0, colon);
  }
  const reference: RegistryReference = { host, repository: remainder };
  checkRepository(subject, remainder);
  if (tag !== undefined) {
    checkTag(subject, tag);
    reference.tag = tag;
  }
  if (digest !== undefined) {
    checkDigest(subject, digest);
    reference.digest = digest;
  }
  return reference;
}

/** Docker's rule for bare references: the first component is a host when it could not be a path. */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

function checkHost(subject: string, host: string): void {
  if (!hostPattern.test(host)) throw invalid(subject, `"${host}" is not a valid host[:port]`);
  const port = /:([0-9]+)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']')) : host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalid(subject, `port ${port} is out of range`);
}

function checkRepository(subject: string, repository: string): void {
  const problem = repositoryProblem(repository);
  if (problem) throw invalid(subject, problem.reason, problem.hint);
}

function checkTag(subject: string, tag: string): void {
  const problem = tagProblem(tag);
  if (problem) throw invalid(subject, problem, 'Tags are 1-128 characters from A-Z a-z 0-9 _ . -, not starting with . or -.');
}

function checkDigest(subject: string, digest: string): void {
  const problem = digestProblem(digest);
  if (problem) throw invalid(subject, problem, 'Digests look like sha256:<64 lower-case hex digits>.');
}

function repositoryProblem(repository: string): { reason: string; hint?: string } | undefined {
  if (repository === '') return { reason: 'the repository name is empty' };
  if (repository.length > maxRepositoryLength) {
    return { reason: `the repository name is ${repository.length} characters long; the limit is ${maxRepositoryLength}` };
  }
  const hint = 'Repository names are lower-case path components (a-z 0-9 separated by . _ __ or -) joined by /.';
  if (/[A-Z]/.test(repository))
    return { reason: `repository "${repository}" has upper-case letters; use "${repository.toLowerCase()}"`, hint };
  for (const component of repository.split('/')) {
    if (component === '') return { reason: `repository "${repository}" has an empty path component`, hint };
    if (!pathComponent.test(component)) {
      return {
        reason: `repository path component "${component}" is not lower-case letters and digits separated by ".", "_", "__" or "-"`,
        hint,
      };
    }
  }
  return undefined;
}

function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'the tag is empty';
  if (tag.length > 128) return `tag "${tag.slice(0, 20)}…" is ${tag.length} characters long; the limit is 128`;
  if (!tagPattern.test(tag)) {
    const bad = [...tag].find((char) => !/[A-Za-z0-9._-]/.test(char));
    if (bad !== undefined)
      return `tag "${tag}" contains ${JSON.stringify(bad)}, which tags may not contain (semver build metadata "+" included)`;
    return `tag "${tag}" may not start with "${tag[0] ?? ''}"`;
  }
  return undefined;
}

function digestProblem(digest: string): string | undefined {
  if (!digestPattern.test(digest)) return `"${digest}" is not a digest (algorithm:hex)`;
  const [algorithm, encoded = ''] = digest.split(':', 2);
  if (algorithm === 'sha256' && !/^[a-f0-9]{64}$/.test(encoded)) return `"${digest}" is not a sha256 digest (64 lower-case hex digits)`;
  if (algorithm === 'sha512' && !/^[a-f0-9]{128}$/.test(encoded)) return `"${digest}" is not a sha512 digest (128 lower-case hex digits)`;
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return `digest algorithm "${algorithm}" is not supported (use sha256)`;
  return undefined;
}

/** Throws DK520 unless `host` is host[:port] (a name, IPv4 or bracketed IPv6 address). */
export function validateHost(host: string): void {
  checkHost('invalid registry host', host);
}

/** Throws DK520 unless `repository` is a valid distribution-spec repository name. */
export function validateRepository(repository: string): void {
  checkRepository('invalid repository name', repository);
}

/** Throws DK520 unless `tag` is a valid tag. */
export function validateTag(tag: string): void {
  checkTag('invalid tag', tag);
}

/** Throws DK520 unless `digest` is a valid (sha256 or sha512) digest. */
export function validateDigest(digest: string): void {
  checkDigest('invalid digest', digest);
}

/** A tag or a digest, as used in /v2/<repo>/manifests/<reference>. */
export function validateManifestReference(reference: string): void {
  if (reference.includes(':')) validateDigest(reference);
  else validateTag(reference);
}

export function isDigest(reference: string): boolean {
  return reference.includes(':');
}

/** oci://host/repo[:tag][@digest] */
export function formatReference(reference: RegistryReference): string {
  return `${ociScheme}${reference.host}/${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ''}${
    reference.digest !== undefined ? `@${reference.digest}` : ''
  }`;
}

/** The host name without port or IPv6 brackets. */
export function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts reached over plain HTTP unless asked. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
