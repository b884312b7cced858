import path from 'node:path';
import type { Command } from 'commander';
import { isDataKitError, UsageError } from '@datakit/sdk/core';
import { planRun } from '@datakit/sdk/runner';
import { formatSeedErrors, formatSeedReport, seedPlans } from '@datakit/sdk/seed';
import { formatTextReport, lintPath } from '@datakit/sdk/validate';
import { createCliLogger } from '../cli-logger';
import type { CommandContext } from '../context';
import { textStyle } from '../io';

export interface DevSeedFlags {
  profile?: string;
  clean?: boolean;
}

/** `dk dev …`: the local development environment. For now: `dk dev seed`. */
export function registerDevCommand(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  const dev = program.command('dev').description('local development: load seed data into the Stores of a package');
  dev
    .command('seed')
    .description(
      'load spec.dev.seed of every input and output DataSet into its Store (postgres tables, file Store prefixes); unchanged seeds are skipped (checksums in _dk_seed_meta)',
    )
    .argument('[dir]', 'package or project directory', '.')
    .option('--profile <name>', 'load the seed profile of that name where a DataSet declares one (spec.dev.seed.profiles.<name>)')
    .option('--clean', 'remove what dk seeded (the rows and their _dk_seed_meta entries) instead of loading')
    .action(async (dir: string, flags: DevSeedFlags) => setExit(await runDevSeed(dir, flags, ctx)));
}

/** dk dev seed: lint, plan the Stores, then load (or --clean) the seeds. Exit 0 ok, 1 errors, 2 usage. */
export async function runDevSeed(dir: string | undefined, flags: DevSeedFlags, ctx: CommandContext): Promise<number> {
  if (flags.profile !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.profile)) {
    throw new UsageError('DK123', `--profile ${JSON.stringify(flags.profile)}: expected a profile name such as small or edge-cases`);
  }
  if (flags.profile !== undefined && flags.clean) {
    throw new UsageError('DK123', '--clean removes every seed dk loaded, whatever its profile: leave out --profile');
  }
  const logger = createCliLogger(ctx.io, ctx.config.debug);
  const lint = await lintPath(path.resolve(ctx.config.cwd, dir ?? '.'));
  if (lint.counts.errors > 0 || lint.ioFailure) {
    ctx.io.stderr(
      formatTextReport(
        { issues: lint.issues, counts: lint.counts, fileCount: lint.fileCount, manifestCount: lint.manifests.length },
        { cwd: ctx.config.cwd, style: textStyle(ctx.config.color) },
      ),
    );
    ctx.io.stderr('dk: the package has lint errors; nothing was seeded\n');
    return lint.ioFailure ? 2 : 1;
  }
  const env = ctx.config.runEnvironment;
  // Lenient: a Store that is not seeded may lack its secrets here; the seeded ones are resolved again (and must resolve).
  const plans = lint.transforms.map((t) => planRun(lint, t, { env, lenient: true }));
  let report;
  try {
    report = await seedPlans(plans, lint, {
      env,
      logger,
      cwd: ctx.config.cwd,
      ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
      ...(flags.clean ? { clean: true } : {}),
    });
  } catch (error) {
    if (!isDataKitError(error)) throw error;
    ctx.io.stderr(`dk: ${error.code}: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
    return error.exitCode;
  }
  ctx.io.stdout(formatSeedReport(report));
  if (report.errors.length > 0) {
    ctx.io.stderr(formatSeedErrors(report));
    return 1;
  }
  if (plans.length === 0) ctx.io.stderr('dk: no Transform found: seeding loads the inputs and outputs of Transforms\n');
  return 0;
}
