import path from 'node:path';
import { openArtifactLocation, packageLocation, pushArtifact } from '@datakit/sdk/registry';
import { systemClock } from '@datakit/sdk/core';
import type { CommandContext } from '../context';
import { createProgressBar } from '../progress';
import { readSettingsFiles } from '../settings-file';
import { defaultBuildLayout, lintAndBuild } from './build';
import { targetOptions, type RegistryFlags } from './registry-options';

export interface PublishFlags extends RegistryFlags {
  registry?: string;
  tag?: string;
  allowOverwrite?: boolean;
  allowSecretFiles?: boolean;
  json?: boolean;
}

/** dk publish: lint → build → push under the package version (and --tag), immutably. */
export async function runPublish(dir: string | undefined, flags: PublishFlags, ctx: CommandContext): Promise<number> {
  const settings = flags.registry || ctx.config.registry ? {} : await readSettingsFiles(ctx.config.cwd, ctx.config.userConfigFile);
  const registry = flags.registry ?? ctx.config.registry ?? settings.registry;
  const built = await lintAndBuild(dir, (name) => defaultBuildLayout(ctx.config.cwd, name), flags, ctx);
  if ('exitCode' in built) return built.exitCode;
  const prefix = registry ?? `oci-layout:${path.join(ctx.config.cwd, '.dk', 'oci')}`;
  if (!registry && !flags.json)
    ctx.io.stderr(
      `dk: no registry configured (--registry, DK_REGISTRY or .dk/config.yaml): publishing to the local OCI layout ${path.relative(ctx.config.cwd, path.join(ctx.config.cwd, '.dk', 'oci', built.config.name))}\n`,
    );
  const { target: destination } = openArtifactLocation(packageLocation(prefix, built.config.name), targetOptions(flags, ctx));
  const tags = [built.config.version, ...(flags.tag && flags.tag !== built.config.version ? [flags.tag] : [])];
  const results = [];
  for (const tag of tags) {
    const onProgress = createProgressBar(ctx.io, ctx.config.progress, systemClock);
    results.push(
      await pushArtifact({
        source: built.target,
        manifest: built.manifest,
        destination,
        tag,
        allowOverwrite: flags.allowOverwrite ?? false,
        ...(onProgress ? { onProgress } : {}),
      }),
    );
  }
  const reference = `${destination.location}@${built.manifest.digest}`;
  if (flags.json) {
    ctx.io.stdout(
      JSON.stringify(
        {
          name: built.config.name,
          version: built.config.version,
          digest: built.manifest.digest,
          reference,
          tags,
          pushed: results.some((r) => r.pushed),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const verb = results.some((r) => r.pushed) ? 'Published' : 'Already published (nothing uploaded):';
    ctx.io.stdout(
      `${verb} ${built.config.name} ${built.config.version}\n  digest:    ${built.manifest.digest}\n  reference: ${reference}\n  tags:      ${tags.map((t) => `${destination.location}:${t}`).join(', ')}\n`,
    );
    for (const r of results) if (r.replaced) ctx.io.stdout(`  moved from ${r.replaced}\n`);
  }
  return 0;
}
