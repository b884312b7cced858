import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSystemError, systemErrorCode } from '../core/errors';
import type { LoadedManifest } from '../manifest/load';
import { cloudqueryRuntime, connectorPlugins } from './cloudquery-runtime';
import { containerCommand, containerName, containerWorkdir, type ContainerEngine } from './container-command';
import { dbtRuntime, readDbtProfileName } from './dbt-runtime';
import { addSecrets, findOnPath, notInstalledError, runtimeMountPath, type RuntimeAdditions, type RuntimeLocation } from './plan-runtime';
import type { RunPlan } from './run-plan';
import { runTransform, type RunOutcome, type RunTransformOptions } from './run-transform';

/** The runtimes that need generated configuration: dbt (profiles.yml) and CloudQuery (a sync spec). */
export const toolRuntimes = ['dbt', 'cloudquery'] as const;

export interface RuntimeRunOptions extends RunTransformOptions {
  engine?: ContainerEngine;
  /** The linted manifests (lint.manifests): CloudQuery plugins come from the Connectors. */
  manifests?: readonly LoadedManifest[];
  /** Where the runtime directory is created; the system temp dir by default. Never the package. */
  tempRoot?: string;
}

export interface PreparedRuntime {
  /** The plan to give runTransform: its command and variables include the runtime's. */
  plan: RunPlan;
  /** Always undefined: a container run's engine command line is already plan.command. */
  engine?: undefined;
  /** The runtime directory holding the generated files (0700, or 0755 for a container whose user may not be root). */
  dir: string;
  additions: RuntimeAdditions;
  /** Removes the runtime directory. */
  cleanup(): Promise<void>;
}

/**
 * Prepares a dbt or CloudQuery run; undefined for other runtimes. Writes the generated files into
 * a fresh temporary directory outside the package, checks (for a local run without spec.command)
 * that the tool is installed, and returns the plan to run. In a container the directory is mounted
 * read-only at /dk/runtime and the command line is built here — containerCommand's, with that mount
 * — so it is run as a host process. The runtime's secret values are added to `plan.secrets` in
 * place, so that whoever masks with the caller's plan masks them too.
 */
export async function prepareRuntime(plan: RunPlan, options: RuntimeRunOptions): Promise<PreparedRuntime | undefined> {
  if (!isToolRuntime(plan.runtime)) return undefined;
  const env = { ...options.baseEnv, ...plan.contractEnv, ...options.extraEnv };
  let dir: string;
  try {
    dir = await mkdtemp(path.join(options.tempRoot ?? tmpdir(), `dk-${plan.runtime}-`));
    // Readable by the container's user too (images may run as non-root); the files hold no secret.
    await chmod(dir, options.engine ? 0o755 : 0o700);
  } catch (error) {
    throw new FileSystemError('DK613', `cannot create the ${plan.runtime} runtime directory: ${systemErrorCode(error) ?? String(error)}`, {
      cause: error,
      hint: 'Check that the temporary directory (TMPDIR) exists and is writable.',
    });
  }
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const container = options.engine !== undefined;
    const location: RuntimeLocation = container
      ? { configDir: runtimeMountPath, projectDir: containerWorkdir, container }
      : { configDir: dir, projectDir: plan.packageDir, container };
    const additions =
      plan.runtime === 'dbt'
        ? dbtRuntime(plan, { env, location, profileName: await readDbtProfileName(plan.packageDir, plan.packageName) })
        : cloudqueryRuntime(plan, { env, location, plugins: connectorPlugins(options.manifests ?? [], plan) });
    if (!container && !plan.command && !(await findOnPath(additions.executable, env.PATH))) throw notInstalledError(additions);
    for (const [file, content] of Object.entries(additions.files)) {
      const full = path.join(dir, file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content, { mode: container ? 0o644 : 0o600 });
    }
    addSecrets(plan.secrets, additions.secrets);
    const contractEnv = { ...plan.contractEnv, ...additions.env };
    const command = plan.command ?? additions.command;
    let runCommand = command;
    if (options.engine) {
      const names = [...new Set([...Object.keys(contractEnv), ...Object.keys(options.extraEnv ?? {})])];
      runCommand = containerCommand({ ...plan, contractEnv, command }, options.engine, names);
      runCommand.splice(2, 0, '-v', `${dir}:${runtimeMountPath}:ro`);
    }
    return { plan: { ...plan, contractEnv, command: runCommand }, dir, additions, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * runTransform, with the dbt and CloudQuery runtimes prepared first (prepareRuntime) and their
 * runtime directory removed afterwards, whatever the outcome. Other runtimes run unchanged.
 */
export async function runWithRuntime(plan: RunPlan, options: RuntimeRunOptions): Promise<RunOutcome> {
  const prepared = await prepareRuntime(plan, options);
  if (!prepared) return runTransform(plan, options);
  try {
    return await runTransform(prepared.plan, {
      ...options,
      engine: undefined,
      ...(options.engine ? { stopContainer: { engine: options.engine, name: containerName(plan) } } : {}),
    });
  } finally {
    await prepared.cleanup();
  }
}

/** True for the runtimes runWithRuntime prepares: they run without spec.command (dk run's --local guard). */
export function isToolRuntime(runtime: string): boolean {
  return (toolRuntimes as readonly string[]).includes(runtime);
}
