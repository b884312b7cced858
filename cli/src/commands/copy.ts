import { UsageError } from '@datakit/sdk/core';
import { copyArtifact, openArtifactLocation } from '@datakit/sdk/registry';
import { systemClock } from '@datakit/sdk/core';
import type { CommandContext } from '../context';
import { createProgressBar } from '../progress';
import { targetOptions, type RegistryFlags } from './registry-options';

/** dk copy SRC DST: layout ↔ registry, registry ↔ registry, referrers included. */
export async function runCopy(src: string, dst: string, flags: RegistryFlags, ctx: CommandContext): Promise<number> {
  const options = targetOptions(flags, ctx);
  const source = openArtifactLocation(src, options);
  const destination = openArtifactLocation(dst, options);
  if (!source.reference) throw new UsageError('DK123', `${src}: name a tag or a digest to copy`);
  const tag =
    destination.reference && !destination.reference.startsWith('sha256:')
      ? destination.reference
      : source.reference.startsWith('sha256:')
        ? undefined
        : source.reference;
  const onProgress = createProgressBar(ctx.io, ctx.config.progress, systemClock);
  const manifest = await copyArtifact(source.target, source.reference, destination.target, {
    ...(tag ? { tag } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  ctx.io.stdout(
    `Copied ${manifest.digest}\n  from ${src}\n  to   ${destination.target.location}${tag ? `:${tag}` : `@${manifest.digest}`}\n`,
  );
  return 0;
}
