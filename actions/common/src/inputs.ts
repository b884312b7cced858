import path from 'node:path';
import * as core from '@actions/core';

/**
 * What the runner tells every DataKit action about the job, and input helpers. Together with each
 * action's own inputs.ts, this is the only code that reads the environment.
 */
export interface RunnerContext {
  /** The repository root ($GITHUB_WORKSPACE, else the working directory): inputs are relative to it. */
  workspace: string;
  /** GITHUB_SHA: the artifact's org.opencontainers.image.revision. */
  revision: string | undefined;
  /** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}`: the artifact's org.opencontainers.image.source. */
  sourceUrl: string | undefined;
  /** SOURCE_DATE_EPOCH, when set: the artifact's `created` date (else the commit time). */
  sourceDateEpoch: number | undefined;
  /** GITHUB_STEP_SUMMARY is set, so a job summary can be written. */
  summary: boolean;
}

/** An input the action cannot work with. Reported as is, without a stack trace. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export function readRunnerContext(): RunnerContext {
  const env = process.env;
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository } = env;
  return {
    workspace: path.resolve(env.GITHUB_WORKSPACE || process.cwd()),
    revision: env.GITHUB_SHA || undefined,
    sourceUrl: server && repository ? `${server.replace(/\/+$/, '')}/${repository}` : undefined,
    sourceDateEpoch: sourceDateEpoch(env.SOURCE_DATE_EPOCH),
    summary: Boolean(env.GITHUB_STEP_SUMMARY),
  };
}

/** Whole seconds since 1970 (reproducible-builds.org); anything else is refused rather than ignored. */
function sourceDateEpoch(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,12}$/.test(raw)) {
    throw new InputError(`SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01 UTC, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/**
 * A YAML 1.2 boolean input. An empty (unset) input takes the default, so the action also runs
 * outside the runner, which fills in action.yml's defaults itself.
 */
export function booleanInput(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name);
  if (raw === '') return fallback;
  try {
    return core.getBooleanInput(name);
  } catch {
    throw new InputError(`input ${name}: expected true or false, got ${JSON.stringify(raw)}`);
  }
}

/** A path input resolved against the repository root; undefined when empty. */
export function pathInput(name: string, workspace: string): string | undefined {
  const raw = core.getInput(name);
  return raw === '' ? undefined : path.resolve(workspace, raw);
}

/** The registry login and GitHub token inputs, masked before anything can be logged. */
export interface SecretInputs {
  username: string;
  password: string;
  token: string;
}

/**
 * Reads the username, password and token inputs and masks them first (the runner then replaces
 * them with *** in everything the step prints), together with DK_REGISTRY_PASSWORD and the Basic
 * credentials a header would carry. Username and password come both or neither.
 */
export function readSecretInputs(env: NodeJS.ProcessEnv): SecretInputs {
  const password = core.getInput('password');
  const token = core.getInput('token');
  for (const secret of [password, token, env.DK_REGISTRY_PASSWORD]) if (secret) core.setSecret(secret);
  const username = core.getInput('username');
  if (username && password) core.setSecret(Buffer.from(`${username}:${password}`).toString('base64'));
  if (Boolean(username) !== Boolean(password)) {
    throw new InputError(
      `input ${username ? 'password' : 'username'} is empty, but ${username ? 'username' : 'password'} is set: set both or neither`,
    );
  }
  return { username, password, token };
}
