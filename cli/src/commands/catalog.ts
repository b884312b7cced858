import path from 'node:path';
import { Option, type Command } from 'commander';
import {
  buildCatalog,
  formatCatalogJson,
  formatCatalogText,
  formatSyncText,
  marquezBaseUrl,
  readLineageEvents,
  syncToMarquez,
  type MarquezSyncResult,
} from '@datakit/sdk/catalog';
import type { RunEvent } from '@datakit/sdk/lineage';
import { lintPath } from '@datakit/sdk/validate';
import { createCliLogger } from '../cli-logger';
import type { CommandContext } from '../context';
import { textStyle } from '../io';

export interface CatalogFlags {
  scanDir?: boolean;
  events?: string;
  output?: string;
  syncMarquez?: string;
}

/**
 * dk catalog: a record per DataSet (schema, PII, classification, owner, physical name, producers,
 * consumers, upstream/downstream, last run) and per job; --events adds the last runs from a lineage
 * file, --sync-marquez pushes PII and classification tags to Marquez.
 */
export async function runCatalog(dir: string | undefined, flags: CatalogFlags, ctx: CommandContext): Promise<number> {
  const format = flags.output ?? 'text';
  // Bad values fail before anything is read (DK682, exit 2).
  const marquezUrl = flags.syncMarquez === undefined ? undefined : marquezBaseUrl(flags.syncMarquez);
  const lint = await lintPath(path.resolve(ctx.config.cwd, dir ?? '.'), { scan: flags.scanDir ?? false });
  const fatal = lint.issues.filter((i) => i.code === 'DK501' || i.code === 'DK100' || i.code === 'DK503');
  if (fatal.length > 0 || lint.manifests.length === 0) {
    for (const issue of fatal) ctx.io.stderr(`dk: ${issue.code}: ${issue.message}\n`);
    if (fatal.length === 0) ctx.io.stderr(`dk: DK501: no DataKit manifests in ${dir ?? '.'}\n`);
    return lint.ioFailure ? 2 : 1;
  }
  let lineageEvents: RunEvent[] | undefined;
  if (flags.events !== undefined)
    lineageEvents = await readLineageEvents(path.resolve(ctx.config.cwd, flags.events), { displayName: flags.events });
  const catalog = buildCatalog(lint, lineageEvents ? { lineageEvents } : {});

  let sync: MarquezSyncResult | undefined;
  if (marquezUrl !== undefined) {
    sync = await syncToMarquez(catalog, {
      url: marquezUrl,
      fetch: (url, init) => fetch(url, init),
      logger: createCliLogger(ctx.io, ctx.config.debug),
      ...(ctx.config.openLineageToken ? { token: ctx.config.openLineageToken } : {}),
    });
  }

  const style = textStyle(ctx.config.color);
  if (format === 'json') ctx.io.stdout(formatCatalogJson(catalog, { cwd: ctx.config.cwd, ...(sync ? { marquez: sync } : {}) }));
  else {
    ctx.io.stdout(formatCatalogText(catalog, { cwd: ctx.config.cwd, style }));
    if (sync) ctx.io.stdout(`\n${formatSyncText(sync, style)}`);
  }
  if (lint.counts.errors > 0) ctx.io.stderr(`dk: the manifests have ${lint.counts.errors} lint error(s); run dk lint for details\n`);
  if (sync && sync.problems.length > 0) {
    ctx.io.stderr(
      `dk: ${sync.problems.length} tag(s) could not be set in Marquez (${[...new Set(sync.problems.map((p) => p.code))].join(', ')})\n`,
    );
    return 1;
  }
  return 0;
}

/** Adds `dk catalog` to the program. */
export function registerCatalogCommand(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  program
    .command('catalog')
    .description('catalog DataSets and jobs: schema, PII, classification, owners, lineage and last runs; sync tags to Marquez')
    .argument('[dir]', 'package or project directory', '.')
    .option('--scan-dir', 'include every package found below dir')
    .option('--events <file>', 'a JSON-lines lineage file (dk run --lineage file:PATH) giving each job and DataSet its last run')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--sync-marquez <url>', 'tag PII fields and classifications in Marquez at this URL (token: OPENLINEAGE_API_KEY)')
    .action(async (dir: string, flags: CatalogFlags) => setExit(await runCatalog(dir, flags, ctx)));
}
