import { fileURLToPath } from 'node:url';
import { DataKitError } from '../core/errors';
import type { RunPlan } from './run-plan';

export type ContainerEngine = 'podman' | 'docker';

/** Where the package is mounted, read-only, in the container; also the working directory. */
export const containerWorkdir = '/work';

/** The container's name: from the run id, so that dk can stop exactly its own container. */
export function containerName(plan: RunPlan): string {
  return `dk-${plan.runId}`;
}

/**
 * The engine command line for a container run. Variables are passed by name only (`-e NAME`), so
 * their values — secrets included — come from the engine's environment and never appear in a
 * process listing or in the printed plan.
 */
export function containerCommand(plan: RunPlan, engine: ContainerEngine, envNames: readonly string[]): string[] {
  if (!plan.image)
    throw new DataKitError('DK604', 'the Transform has no spec.image to run in a container', {
      hint: 'Add spec.image, or run with --local.',
    });
  const args = [
    engine,
    'run',
    '--rm',
    '--name',
    containerName(plan),
    '--network',
    'host',
    '-v',
    `${plan.packageDir}:${containerWorkdir}:ro`,
    '-w',
    containerWorkdir,
  ];
  // File stores are directories on this machine: mounted read-write at the same path, so the DSN holds inside too.
  for (const store of plan.stores) {
    const dsn = plan.contractEnv[`DK_STORE_DSN_${store.name.toUpperCase().replace(/[-.]/g, '_')}`];
    if (store.type === 'file' && dsn?.startsWith('file:')) {
      const dir = fileURLToPath(dsn);
      args.push('-v', `${dir}:${dir}`);
    }
  }
  for (const name of [...envNames].sort()) args.push('-e', name);
  args.push(plan.image, ...(plan.command ?? []));
  return args;
}
