import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataKitError } from '../core/errors';

/**
 * What a tool runtime (dbt, CloudQuery) adds to a planned run: configuration files for a fresh
 * temporary directory outside the package, variables, and the command. No file holds a secret:
 * the files refer to variables, and the variables carry the values.
 */
export interface RuntimeAdditions {
  runtime: string;
  /** The program a local run needs on PATH (checked before the run starts). */
  executable: string;
  /** How to install it, for the error when it is missing. */
  installAdvice: string;
  /** Files to write into the runtime directory, by relative path. */
  files: Record<string, string>;
  /** Variables for the run. Values may be secrets: passed through the environment only, never written. */
  env: Record<string, string>;
  /**
   * The command: a full command line for a local run; for a container run, the arguments given to
   * the image's entrypoint (dbt and CloudQuery images have the tool as their entrypoint).
   */
  command: string[];
  /** Secret values among `env`, for masking. */
  secrets: string[];
}

/** Where the runtime directory is mounted, read-only, in a container run. */
export const runtimeMountPath = '/dk/runtime';

export interface RuntimeLocation {
  /** The runtime directory as the tool sees it: the host temp dir (local) or runtimeMountPath (container). */
  configDir: string;
  /** The package as the tool sees it: its directory (local) or the container's working directory. */
  projectDir: string;
  /** True in a container: the package is read-only there, so tools keep their own files in /tmp. */
  container: boolean;
}

/** The first executable file `name` on `PATH` (a colon-separated list), or undefined. */
export async function findOnPath(name: string, searchPath: string | undefined): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? name : undefined;
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The error for a local run whose tool is not installed. */
export function notInstalledError(additions: RuntimeAdditions): DataKitError {
  return new DataKitError(
    'DK610',
    `${additions.executable} is not installed: ${additions.installAdvice}, or run in a container without --local`,
    {
      hint: `${additions.executable} was not found on PATH. Install it, or drop --local to run spec.image with podman or docker.`,
    },
  );
}

/** Appends the values not yet listed, so that every printed form masks them too. */
export function addSecrets(list: string[], more: readonly string[]): void {
  for (const secret of more) if (secret !== '' && !list.includes(secret)) list.push(secret);
}
