import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import {
  booleanInput,
  InputError,
  pathInput,
  readRunnerContext,
  readSecretInputs,
  type RunnerContext,
} from '@datakit/action-common/inputs';

/** Where the gitops repository lives: the GitHub API, or plain git (a checkout or a URL). */
export type GitopsLocation =
  | { kind: 'github'; owner: string; repo: string; /** The REST API root (GITHUB_API_URL). */ apiUrl: string }
  | {
      kind: 'git';
      /** A checkout relative to the workspace, or a git URL, as GitSourceControl.open takes it. */
      location: string;
      /** Where clones of remote URLs are cached: under RUNNER_TEMP. */
      cacheDir: string;
    };

/**
 * Everything the action is configured with. This module (with the shared runner context) is the
 * only one that reads the environment: action inputs (INPUT_*), the runner's GITHUB_* and
 * RUNNER_TEMP variables, and what the registry credential lookup needs.
 */
export interface Inputs {
  context: RunnerContext;
  package: string;
  /** The version or digest input, whichever was set. */
  versionOrDigest: string;
  environment: string;
  cell: string | undefined;
  /** The gitops-repo input as written, for messages. */
  gitopsRepo: string;
  gitops: GitopsLocation;
  /** The token input; only ever sent to the GitHub API. */
  token: string | undefined;
  /** The `registry` input: oci://host/prefix or oci-layout:PATH. */
  registry: string;
  /** The username and password inputs, when given (both or neither). */
  login: { username: string; password: string } | undefined;
  /** GitHub logins or org/team-slug, without a leading @. */
  reviewers: string[];
  dryRun: boolean;
  plainHttp: boolean;
  /** Absolute path of the CA file. */
  caFile: string | undefined;
  /**
   * For the sdk's credential lookup when no username and password are given: DK_REGISTRY_USERNAME
   * and DK_REGISTRY_PASSWORD from the job's environment, and the Docker config (docker login,
   * docker/login-action) with its credential helpers. Never GITHUB_TOKEN from the environment.
   */
  lookupEnv: Record<string, string | undefined>;
}

export const defaultGitHubApiUrl = 'https://api.github.com';

const packagePattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const githubRepoPattern = /^(?:github:)?([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/;
const urlPattern = /^(file|https?|ssh|git):\/\/|^[\w.-]+@[\w.-]+:/;

/**
 * Reads the inputs. The secrets are masked first, before anything can be logged: the runner then
 * replaces them with *** in everything the step prints.
 */
export function readInputs(): Inputs {
  const env = process.env;
  const { username, password, token } = readSecretInputs(env);
  const gitopsRepo = core.getInput('gitops-repo');

  const context = readRunnerContext();
  const packageName = required('package', 'the package name (metadata.name in its dk.yaml)');
  if (packageName.length > 63 || !packagePattern.test(packageName)) {
    throw new InputError(
      `input package: ${JSON.stringify(packageName)} is not a package name (lower-case letters, digits and "-", starting and ending with a letter or digit)`,
    );
  }
  const environment = required('environment', 'the environment to promote to (dev, int, prod, … as in datakit-promotion.yaml)');
  if (gitopsRepo === '') {
    throw new InputError('input gitops-repo is required: owner/repo (on GitHub), a checkout relative to the repository root, or a git URL');
  }
  refuseUrlCredentials(gitopsRepo);
  const registry = core.getInput('registry');
  if (registry === '') {
    throw new InputError('input registry is required: where the package was published, oci://<host>/<prefix> or oci-layout:<path>');
  }
  const cell = core.getInput('cell');
  return {
    context,
    package: packageName,
    versionOrDigest: versionOrDigest(),
    environment,
    cell: cell === '' ? undefined : cell,
    gitopsRepo,
    gitops: gitopsLocation(gitopsRepo, env),
    token: token === '' ? undefined : token,
    registry,
    login: username && password ? { username, password } : undefined,
    reviewers: core
      .getInput('reviewers')
      .split(/[,\n]/)
      .map((reviewer) => reviewer.trim().replace(/^@/, ''))
      .filter((reviewer) => reviewer !== ''),
    dryRun: booleanInput('dry-run', false),
    plainHttp: booleanInput('plain-http', false),
    caFile: pathInput('ca-file', context.workspace),
    lookupEnv: {
      DK_REGISTRY_USERNAME: env.DK_REGISTRY_USERNAME,
      DK_REGISTRY_PASSWORD: env.DK_REGISTRY_PASSWORD,
      GITHUB_ACTOR: env.GITHUB_ACTOR,
      DOCKER_CONFIG: env.DOCKER_CONFIG,
      HOME: env.HOME,
      USERPROFILE: env.USERPROFILE,
      PATH: env.PATH,
    },
  };
}

function required(name: string, what: string): string {
  const value = core.getInput(name);
  if (value === '') throw new InputError(`input ${name} is required: ${what}`);
  return value;
}

/** Exactly one of the version and digest inputs. */
function versionOrDigest(): string {
  const version = core.getInput('version');
  const digest = core.getInput('digest');
  if (version !== '' && digest !== '') {
    throw new InputError('inputs version and digest are both set: set exactly one (version: 0.2.0, or digest: sha256:…)');
  }
  if (version === '' && digest === '') {
    throw new InputError(
      'input version or digest is required: set exactly one (version: 0.2.0, or digest: sha256:…, such as the digest output of datakit/publish)',
    );
  }
  if (digest !== '' && !digest.startsWith('sha256:')) {
    throw new InputError(`input digest: ${JSON.stringify(digest)} is not a digest (sha256:…); a version goes into the version input`);
  }
  if (version.startsWith('sha256:')) {
    throw new InputError('input version holds a digest: set the digest input instead');
  }
  return version || digest;
}

/**
 * owner/repo (or github:owner/repo) is a repository on GitHub; a URL or any other path is plain
 * git. A checkout whose relative path has the owner/repo shape is written ./dir/sub.
 */
function gitopsLocation(input: string, env: NodeJS.ProcessEnv): GitopsLocation {
  const github = urlPattern.test(input) ? null : githubRepoPattern.exec(input);
  if (github) {
    return { kind: 'github', owner: github[1]!, repo: github[2]!, apiUrl: (env.GITHUB_API_URL || defaultGitHubApiUrl).replace(/\/+$/, '') };
  }
  if (input.startsWith('github:')) throw new InputError(`input gitops-repo: ${JSON.stringify(input)} is not github:owner/repo`);
  return { kind: 'git', location: input, cacheDir: path.join(env.RUNNER_TEMP || os.tmpdir(), 'datakit-gitops') };
}

/**
 * A git URL with a password (or a token as its user name) is refused: the sdk names the repository
 * by its URL in messages, and git keeps it in the cached clone's configuration. The secret is
 * masked first, and the message does not repeat the URL.
 */
function refuseUrlCredentials(value: string): void {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return; // Not a URL after all: GitSourceControl reports it.
  }
  // https://<token>@github.com/… carries a token as the user name (a short name is a name).
  const secret = url.password || (url.protocol.startsWith('http') && url.username.length >= 16 ? url.username : '');
  if (secret === '') return;
  core.setSecret(secret);
  if (decodeURIComponent(secret) !== secret) core.setSecret(decodeURIComponent(secret));
  throw new InputError(
    'input gitops-repo: a URL with credentials in it is refused (they would show in messages and stay in the cached clone); ' +
      'use owner/repo with the token input for GitHub, a checkout made by actions/checkout, or git credential helpers or SSH keys',
  );
}
