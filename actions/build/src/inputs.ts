import path from 'node:path';
import * as core from '@actions/core';
import { booleanInput, readRunnerContext, type RunnerContext } from '@datakit/action-common/inputs';

/**
 * Everything the action is configured with. This module (with the shared runner context) is the
 * only one that reads the environment: action inputs (INPUT_*) and the runner's GITHUB_* variables.
 */
export interface Inputs {
  context: RunnerContext;
  /** The `path` input as written, for messages. */
  path: string;
  /** The package directory, absolute. */
  dir: string;
  /** The layout directory, absolute; undefined: .dk/build/<package name> under the workspace. */
  output: string | undefined;
  allowSecretFiles: boolean;
}

const layoutScheme = 'oci-layout:';

export function readInputs(): Inputs {
  const context = readRunnerContext();
  const pathInput = core.getInput('path') || '.';
  const outputInput = core.getInput('output');
  const output = outputInput.startsWith(layoutScheme) ? outputInput.slice(layoutScheme.length) : outputInput;
  return {
    context,
    path: pathInput,
    dir: path.resolve(context.workspace, pathInput),
    output: output === '' ? undefined : path.resolve(context.workspace, output),
    allowSecretFiles: booleanInput('allow-secret-files', false),
  };
}
