import path from 'node:path';
import * as core from '@actions/core';
import { booleanInput } from '@datakit/action-common/inputs';

/**
 * Everything the action is configured with. This module is the only one that reads the
 * environment: action inputs (INPUT_*) through @actions/core, and the runner's GITHUB_* variables.
 */
export interface Inputs {
  /** The `path` input as written, for messages. */
  path: string;
  /**
   * `path` resolved against the repository root, then made relative to the working directory (the
   * repository root on a runner) because the linter quotes it in messages such as "not a package".
   */
  target: string;
  scanDir: boolean;
  strict: boolean;
  /** Absolute path of the SARIF report to write, if asked for. */
  sarifFile: string | undefined;
  /** The repository root: annotation and SARIF paths are relative to it. */
  workspace: string;
  /** GITHUB_STEP_SUMMARY is set, so a job summary can be written. */
  summary: boolean;
  /** Base URL for links to files in the summary (…/blob/<sha>), when the runner says where we are. */
  blobUrl: string | undefined;
}

export { InputError } from '@datakit/action-common/inputs';

export function readInputs(): Inputs {
  const env = process.env;
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd());
  const pathInput = core.getInput('path') || '.';
  const sarifInput = core.getInput('sarif-file');
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  return {
    path: pathInput,
    target: path.relative(process.cwd(), path.resolve(workspace, pathInput)) || '.',
    scanDir: booleanInput('scan-dir', false),
    strict: booleanInput('strict', false),
    sarifFile: sarifInput === '' ? undefined : path.resolve(workspace, sarifInput),
    workspace,
    summary: Boolean(env.GITHUB_STEP_SUMMARY),
    blobUrl: server && repository && sha ? `${server}/${repository}/blob/${sha}` : undefined,
  };
}
