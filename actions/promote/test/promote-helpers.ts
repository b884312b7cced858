/**
 * What the promote action's tests share: a registry holding the scaffolded `demo` package at 0.1.0
 * and 0.2.0 (published by the bundled datakit/publish, as a workflow would), running the bundled
 * promote action, and reading its failure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import {
  edit,
  runAction,
  scaffoldWorkspaces,
  workflowCommands,
  type ActionRun,
  type RunActionOptions,
  type Workspaces,
} from '@datakit/action-common/testing';
import { startRegistry, type RegistryOptions, type TestRegistry } from '../../../sdk/test/helpers/registry';

export const actionDir = path.resolve(import.meta.dirname, '..');
const publishDir = path.resolve(import.meta.dirname, '../../publish');

/** What `${{ github.token }}` evaluates to in these runs: it must never be shown. */
export const githubToken = 'ghs_PromoteTokenThatMustNeverLeave01234';

export interface Published {
  registry: TestRegistry;
  /** The registry input: oci://<host>/team. */
  prefix: string;
  workspaces: Workspaces;
  /** The workspace the runs use (GITHUB_WORKSPACE). */
  workspace: string;
  /** RUNNER_TEMP of the runs. */
  runnerTemp: string;
  digests: { '0.1.0': string; '0.2.0': string };
  /** The inputs the registry needs (username, password, ca-file) besides registry. */
  registryInputs: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Starts a registry and publishes demo 0.1.0 and 0.2.0 to it with the publish action. */
export async function publishDemo(options: RegistryOptions = {}): Promise<Published> {
  const registry = await startRegistry(options);
  const workspaces = await scaffoldWorkspaces('dk-action-promote-');
  const runnerTemp = await mkdtemp(path.join(tmpdir(), 'dk-action-promote-runner-'));
  const prefix = `oci://${registry.host}/team`;
  const registryInputs: Record<string, string> = options.auth
    ? { username: registry.username, password: registry.password, ...(registry.caFile ? { 'ca-file': registry.caFile } : {}) }
    : {};
  const digests: Record<string, string> = {};
  for (const version of ['0.1.0', '0.2.0']) {
    const workspace = await workspaces.create(`publish-${version}`);
    if (version !== '0.1.0') await edit(path.join(workspace, 'demo/dk.yaml'), 'version: 0.1.0', `version: ${version}`);
    const run = await runAction(publishDir, { workspace, inputs: { path: 'demo', registry: prefix, ...registryInputs } });
    expect(run.exitCode, run.stdout).toBe(0);
    digests[version] = run.outputs.digest!;
  }
  return {
    registry,
    prefix,
    workspaces,
    workspace: await workspaces.create('promote'),
    runnerTemp,
    digests: digests as Published['digests'],
    registryInputs,
    async cleanup() {
      await registry.stop();
      await workspaces.remove();
      await rm(runnerTemp, { recursive: true, force: true });
    },
  };
}

/** Runs dist/index.js as the runner does, with the job's token as the token input's default. */
export function promote(published: Published, options: Omit<RunActionOptions, 'workspace'> & { workspace?: string }): Promise<ActionRun> {
  return runAction(actionDir, {
    workspace: published.workspace,
    githubToken,
    ...options,
    env: {
      RUNNER_TEMP: published.runnerTemp,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/data-packages',
      ...options.env,
    },
  });
}

/** The failure message (the one error annotation without a file). */
export function failure(run: ActionRun): string | undefined {
  return workflowCommands(run.stdout, 'error').find((c) => c.properties.file === undefined)?.message;
}

/**
 * `secret` appears on stdout only in its own `::add-mask::` command, which comes before any other
 * line mentioning it; and nowhere else (stderr, the job summary, GITHUB_OUTPUT).
 */
export function expectMasked(run: ActionRun, secret: string): void {
  const mentioning = run.stdout.split('\n').filter((line) => line.includes(secret));
  expect(mentioning).toEqual([`::add-mask::${secret}`]);
  expect(run.stderr).not.toContain(secret);
  expect(run.summary).not.toContain(secret);
  expect(run.outputFile).not.toContain(secret);
}
