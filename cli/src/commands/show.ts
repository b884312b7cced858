import path from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '@datakit/sdk/core';
import { applyOverlay, loadManifests } from '@datakit/sdk/manifest';
import { formatTextReport } from '@datakit/sdk/validate';
import { countIssues } from '@datakit/sdk/core';
import type { CommandContext } from '../context';
import { textStyle } from '../io';
import { readOverlay, type OverlayFlags } from './overlay-options';

export interface ShowFlags extends OverlayFlags {
  output?: string;
}

/** dk show: the manifests after -f and --set, printed, never written back. */
export async function runShow(dir: string | undefined, flags: ShowFlags, ctx: CommandContext): Promise<number> {
  const format = flags.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError('DK123', `-o ${format}: expected yaml or json`);
  const overlay = await readOverlay(flags, ctx.config.cwd);
  const tree = await loadManifests(path.resolve(ctx.config.cwd, dir ?? '.'));
  const blocking = tree.issues.filter((i) => i.severity === 'error');
  if (blocking.length > 0) {
    ctx.io.stderr(
      formatTextReport(
        { issues: blocking, counts: countIssues(blocking), fileCount: tree.fileCount, manifestCount: tree.manifests.length },
        { cwd: ctx.config.cwd, style: textStyle(ctx.config.color) },
      ),
    );
    return tree.ioFailure ? 2 : 1;
  }
  const manifests = overlay ? applyOverlay(tree.manifests, overlay) : tree.manifests;
  const order = ['Transform', 'DataSet', 'DataSetGroup', 'Store', 'Connector'];
  const sorted = [...manifests].sort((a, b) => {
    const ka = order.indexOf(a.kind ?? '');
    const kb = order.indexOf(b.kind ?? '');
    return (ka === -1 ? 99 : ka) - (kb === -1 ? 99 : kb) || (a.name ?? '').localeCompare(b.name ?? '');
  });
  if (format === 'json') {
    ctx.io.stdout(
      JSON.stringify(
        sorted.map((m) => m.value),
        null,
        2,
      ) + '\n',
    );
  } else {
    ctx.io.stdout(sorted.map((m) => stringify(m.value, { lineWidth: 0 })).join('---\n'));
  }
  return 0;
}
