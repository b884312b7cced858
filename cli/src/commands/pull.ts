import path from 'node:path';
import { UsageError } from '@datakit/sdk/core';
import { extractArtifact, openArtifactLocation } from '@datakit/sdk/registry';
import type { CommandContext } from '../context';
import { targetOptions, type RegistryFlags } from './registry-options';

export interface PullFlags extends RegistryFlags {
  output?: string;
}

/** dk pull REF: verified, safe extraction into a new directory. */
export async function runPull(ref: string, flags: PullFlags, ctx: CommandContext): Promise<number> {
  const { target, reference } = openArtifactLocation(ref, targetOptions(flags, ctx));
  if (!reference) throw new UsageError('DK123', `${ref}: name a tag or a digest (…:1.0.0 or …@sha256:…)`);
  const name = target.location
    .replace(/\/+$/, '')
    .split('/')
    .pop()!
    .replace(/^oci-layout:/, '');
  const dest = path.resolve(ctx.config.cwd, flags.output ?? name);
  const extracted = await extractArtifact(target, reference, dest);
  ctx.io.stdout(
    `Pulled ${ref}\n  digest: ${extracted.manifest.digest}\n  into:   ${path.relative(ctx.config.cwd, dest) || '.'} (${extracted.files} files)\n`,
  );
  return 0;
}
