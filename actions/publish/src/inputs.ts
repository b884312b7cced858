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

/**
 * Everything the action is configured with. This module (with the shared runner context) is the
 * only one that reads the environment: action inputs (INPUT_*), the runner's GITHUB_* variables
 * and what the registry credential lookup needs.
 */
export interface Inputs {
  context: RunnerContext;
  /** The `path` input as written, for messages. */
  path: string;
  /** The package directory, absolute. */
  dir: string;
  /** The `registry` input: oci://host/prefix or oci-layout:PATH. */
  registry: string;
  /** An extra tag besides the version. */
  tag: string | undefined;
  allowOverwrite: boolean;
  plainHttp: boolean;
  /** Absolute path of the CA file. */
  caFile: string | undefined;
  allowSecretFiles: boolean;
  /** The username and password inputs, when given (both or neither). */
  login: { username: string; password: string } | undefined;
  /** The token input (GITHUB_TOKEN by default): for ghcr.io only. */
  token: string | undefined;
  /**
   * For the sdk's credential lookup when no username and password are given: DK_REGISTRY_USERNAME
   * and DK_REGISTRY_PASSWORD from the job's environment, and the Docker config (docker login,
   * docker/login-action) with its credential helpers. Never GITHUB_TOKEN from the environment.
   */
  lookupEnv: Record<string, string | undefined>;
}

/**
 * Reads the inputs. The secrets are masked first, before anything can be logged: the runner then
 * replaces them with *** in everything the step prints.
 */
export function readInputs(): Inputs {
  const env = process.env;
  const { username, password, token } = readSecretInputs(env);

  const context = readRunnerContext();
  const registry = core.getInput('registry');
  if (registry === '') {
    throw new InputError('input registry is required: oci://<host>/<prefix> (e.g. oci://ghcr.io/my-org) or oci-layout:<path>');
  }
  const pathValue = core.getInput('path') || '.';
  const tag = core.getInput('tag');
  return {
    context,
    path: pathValue,
    dir: path.resolve(context.workspace, pathValue),
    registry,
    tag: tag === '' ? undefined : tag,
    allowOverwrite: booleanInput('allow-overwrite', false),
    plainHttp: booleanInput('plain-http', false),
    caFile: pathInput('ca-file', context.workspace),
    allowSecretFiles: booleanInput('allow-secret-files', false),
    login: username && password ? { username, password } : undefined,
    token: token === '' ? undefined : token,
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
