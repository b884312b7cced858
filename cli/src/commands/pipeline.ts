import path from 'node:path';
import { UsageError } from '@datakit/sdk/core';
import { renderGraph, upstreamOf, type GraphFormat } from '@datakit/sdk/graph';
import { lintPath } from '@datakit/sdk/validate';
import type { CommandContext } from '../context';

export interface PipelineFlags {
  scanDir?: boolean;
  output?: string;
  destination?: string;
}

const formats: readonly GraphFormat[] = ['text', 'mermaid', 'dot', 'json'];

/** dk pipeline show: the DAG of Transforms and DataSets, optionally only what feeds one DataSet. */
export async function runPipelineShow(dir: string | undefined, flags: PipelineFlags, ctx: CommandContext): Promise<number> {
  const format = (flags.output ?? 'text') as GraphFormat;
  if (!formats.includes(format)) throw new UsageError('DK123', `-o ${format}: expected one of ${formats.join(', ')}`);
  const result = await lintPath(path.resolve(ctx.config.cwd, dir ?? '.'), { scan: flags.scanDir ?? false });
  const fatal = result.issues.filter((i) => i.code === 'DK501' || i.code === 'DK100' || i.code === 'DK503');
  if (fatal.length > 0) {
    for (const issue of fatal) ctx.io.stderr(`dk: ${issue.code}: ${issue.message}\n`);
    return result.ioFailure ? 2 : 1;
  }
  let graph = result.graph;
  if (flags.destination !== undefined) {
    if (!graph.datasets.some((d) => d.name === flags.destination)) {
      ctx.io.stderr(
        `dk: DK201: no DataSet ${JSON.stringify(flags.destination)} in this pipeline (known: ${graph.datasets.map((d) => d.name).join(', ') || 'none'})\n`,
      );
      return 1;
    }
    graph = upstreamOf(graph, flags.destination);
  }
  ctx.io.stdout(renderGraph(graph, format));
  if (result.counts.errors > 0) ctx.io.stderr(`dk: the manifests have ${result.counts.errors} lint error(s); run dk lint for details\n`);
  return 0;
}
