import { UsageError } from '@datakit/sdk/core';
import { formatBytes } from '@datakit/sdk/manifest';
import { openArtifactLocation, type ImageManifest } from '@datakit/sdk/registry';
import type { CommandContext } from '../context';
import { targetOptions, type RegistryFlags } from './registry-options';

export interface InspectFlags extends RegistryFlags {
  output?: string;
}

/** dk inspect REF: manifest, config, layers and annotations. */
export async function runInspect(ref: string, flags: InspectFlags, ctx: CommandContext): Promise<number> {
  const format = flags.output ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('DK123', `-o ${format}: expected text or json`);
  const { target, reference } = openArtifactLocation(ref, targetOptions(flags, ctx));
  if (!reference) throw new UsageError('DK123', `${ref}: name a tag or a digest (…:1.0.0 or …@sha256:…)`);
  const { descriptor, bytes } = await target.fetchManifest(reference);
  const manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest;
  let config: unknown;
  if (manifest.config?.mediaType?.includes('json') && manifest.config.size <= 4 * 1024 * 1024) {
    const chunks: Buffer[] = [];
    for await (const chunk of await target.fetchBlob(manifest.config)) chunks.push(chunk as Buffer);
    config = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }
  if (format === 'json') {
    ctx.io.stdout(JSON.stringify({ reference: `${target.location}@${descriptor.digest}`, descriptor, manifest, config }, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `${target.location}@${descriptor.digest}`,
    `  media type:    ${descriptor.mediaType}`,
    `  artifact type: ${manifest.artifactType ?? '(none)'}`,
    `  size:          ${formatBytes(descriptor.size)}`,
  ];
  lines.push(`  config:        ${manifest.config.digest} (${manifest.config.mediaType}, ${formatBytes(manifest.config.size)})`);
  lines.push('  layers:');
  for (const layer of manifest.layers) lines.push(`    ${layer.digest}  ${formatBytes(layer.size).padStart(10)}  ${layer.mediaType}`);
  if (manifest.annotations) {
    lines.push('  annotations:');
    for (const [k, v] of Object.entries(manifest.annotations).sort()) lines.push(`    ${k}: ${v}`);
  }
  const c = config as
    | { name?: string; version?: string; runtime?: string; mode?: string; inputs?: { dataset: string }[]; outputs?: { dataset: string }[] }
    | undefined;
  if (c?.name) {
    lines.push('  package:');
    lines.push(`    ${c.name} ${c.version ?? ''} (${c.runtime ?? '?'}, ${c.mode ?? '?'})`);
    lines.push(`    inputs:  ${(c.inputs ?? []).map((i) => i.dataset).join(', ')}`);
    lines.push(`    outputs: ${(c.outputs ?? []).map((o) => o.dataset).join(', ')}`);
  }
  ctx.io.stdout(lines.join('\n') + '\n');
  return 0;
}
