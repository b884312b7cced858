import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { modes, runtimes, type Mode, type Runtime } from '@datakit/contracts';
import { DataKitError, FileSystemError, UsageError } from '@datakit/sdk/core';
import { suggestClosest } from '@datakit/sdk/validate';
import type { CommandContext } from '../context';
import { renderPackage } from '../templates/package-template';

export interface InitFlags {
  runtime?: string;
  store?: string;
  mode?: string;
  namespace?: string;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** dk init: scaffolds a package that lints clean; never overwrites, never leaves half a package. */
export async function runInit(name: string, flags: InitFlags, ctx: CommandContext): Promise<number> {
  const target = path.resolve(ctx.config.cwd, name);
  const packageName = path.basename(target);
  if (packageName.length > 63 || !dnsLabel.test(packageName)) {
    throw new UsageError(
      'DK110',
      `${JSON.stringify(packageName)} is not a valid package name: use lower-case letters, digits and "-", at most 63 characters`,
    );
  }
  const runtime = flags.runtime ?? 'generic-python';
  if (!(runtimes as readonly string[]).includes(runtime)) {
    const suggestion = suggestClosest(runtime, runtimes);
    throw new UsageError(
      'DK108',
      `--runtime ${runtime}: expected one of ${runtimes.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    );
  }
  const mode = flags.mode ?? 'batch';
  if (!(modes as readonly string[]).includes(mode)) throw new UsageError('DK108', `--mode ${mode}: expected batch or streaming`);
  const namespace = flags.namespace ?? 'default';
  if (!dnsLabel.test(namespace) || namespace.length > 63) throw new UsageError('DK110', `--namespace ${namespace}: not a valid name`);

  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new DataKitError('DK505', `${name} already exists; dk init never overwrites`, {
      hint: 'Choose another name or remove the directory first.',
    });
  }
  const store = flags.store ?? 'file';
  if (store !== 'file' && store !== 'postgres') throw new UsageError('DK123', `--store ${store}: expected file or postgres`);
  if (store === 'postgres' && runtime !== 'generic-node' && runtime !== 'generic-python') {
    throw new UsageError(
      'DK123',
      `--store postgres is available for generic-node and generic-python (dbt and cloudquery always use Postgres)`,
    );
  }
  const files = renderPackage({ name: packageName, runtime: runtime as Runtime, mode: mode as Mode, namespace, store });
  const parent = path.dirname(target);
  // Written into a sibling temporary directory, then renamed: either the whole package appears or nothing does.
  let staging: string | undefined;
  try {
    await mkdir(parent, { recursive: true });
    staging = await mkdtemp(path.join(parent, `.${packageName}.dk-init-`));
    for (const [file, content] of files) {
      const full = path.join(staging, file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
    }
    await rename(staging, target);
    staging = undefined;
  } catch (error) {
    throw new FileSystemError('DK503', `cannot create ${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
  }
  const shown = path.relative(ctx.config.cwd, target) || '.';
  ctx.io.stdout(
    `Created ${runtime} package ${packageName} in ${shown}/ (${files.size} files)\n\nNext:\n  dk lint ${shown}\n  dk run ${shown} --local\n`,
  );
  return 0;
}
