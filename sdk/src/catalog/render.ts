import { displayPath, plainStyle, type TextStyle } from '../validate/report';
import type { MarquezSyncResult } from './marquez-sync';
import type { Catalog, CatalogRun } from './types';

export interface CatalogRenderOptions {
  /** Files are shown relative to it. */
  cwd: string;
  style?: TextStyle;
}

/** The stable JSON form (version 1): files relative to `cwd`; fields are only ever added. */
export interface CatalogJson extends Catalog {
  version: 1;
  marquez?: MarquezSyncResult;
}

export function catalogToJson(catalog: Catalog, options: { cwd: string; marquez?: MarquezSyncResult }): CatalogJson {
  const rel = <T extends { file?: string }>(item: T): T =>
    item.file === undefined ? item : { ...item, file: displayPath(item.file, options.cwd) };
  return {
    version: 1,
    datasets: catalog.datasets.map(rel),
    jobs: catalog.jobs.map(rel),
    ...(options.marquez ? { marquez: options.marquez } : {}),
  };
}

export function formatCatalogJson(catalog: Catalog, options: { cwd: string; marquez?: MarquezSyncResult }): string {
  return `${JSON.stringify(catalogToJson(catalog, options), null, 2)}\n`;
}

const none = '-';
const list = (values: readonly string[]): string => (values.length === 0 ? none : values.join(', '));

function runText(run: CatalogRun | undefined, withJob: boolean): string {
  if (!run) return none;
  return `${run.state} at ${run.time} (run ${run.runId}${withJob ? `, job ${run.job.name}` : ''})`;
}

function rows(pairs: Array<[string, string]>): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

/** Human text: a block per DataSet, then per job, then a summary line. */
export function formatCatalogText(catalog: Catalog, options: CatalogRenderOptions): string {
  const style = options.style ?? plainStyle;
  const out: string[] = [];
  for (const d of catalog.datasets) {
    out.push(
      `${style.bold(`dataset ${d.name}`)}${d.version ? ` ${d.version}` : ''}${d.external ? style.dim(' (external: not declared here)') : ''}`,
    );
    const pairs: Array<[string, string]> = [];
    if (d.description) pairs.push(['description', d.description]);
    pairs.push(['classification', d.classification ?? none], ['owner', d.owner ?? none]);
    if (!d.external)
      pairs.push([
        'store',
        d.store === undefined ? none : `${d.store}${d.storeType ? ` (${d.storeType})` : style.dim(' (not declared here)')}`,
      ]);
    if (d.namespace !== undefined) pairs.push(['namespace', d.namespace], ['physical name', d.physicalName ?? none]);
    if (d.namingProblem) pairs.push(['physical name', style.yellow(d.namingProblem)]);
    if (d.tags.length > 0) pairs.push(['tags', d.tags.join(', ')]);
    if (!d.external) {
      pairs.push([
        'schema',
        d.schema.length === 0
          ? none
          : d.schema.map((f) => `${f.name}${f.type ? `: ${f.type}` : ''}${f.pii ? ` ${style.red('[PII]')}` : ''}`).join(', '),
      ]);
    }
    pairs.push(
      ['producers', list(d.producers)],
      ['consumers', list(d.consumers)],
      ['upstream', list(d.upstream)],
      ['downstream', list(d.downstream)],
      ['last run', runText(d.lastRun, true)],
    );
    if (d.file) pairs.push(['declared in', displayPath(d.file, options.cwd)]);
    out.push(...rows(pairs), '');
  }
  for (const j of catalog.jobs) {
    out.push(`${style.bold(`job ${j.name}`)}${j.version ? ` ${j.version}` : ''}`);
    const pairs: Array<[string, string]> = [['namespace', j.namespace]];
    if (j.runtime || j.mode) pairs.push(['runtime', [j.runtime, j.mode].filter(Boolean).join(', ')]);
    if (j.owner) pairs.push(['owner', j.owner]);
    pairs.push(['inputs', list(j.inputs)], ['outputs', list(j.outputs)], ['last run', runText(j.lastRun, false)]);
    if (j.file) pairs.push(['declared in', displayPath(j.file, options.cwd)]);
    out.push(...rows(pairs), '');
  }
  const piiDatasets = catalog.datasets.filter((d) => d.schema.some((f) => f.pii)).length;
  const piiFields = catalog.datasets.reduce((n, d) => n + d.schema.filter((f) => f.pii).length, 0);
  out.push(`${catalog.datasets.length} dataset(s), ${catalog.jobs.length} job(s); ${piiFields} PII field(s) in ${piiDatasets} dataset(s)`);
  return `${out.join('\n')}\n`;
}

/** What a Marquez sync did, for the terminal. */
export function formatSyncText(result: MarquezSyncResult, style: TextStyle = plainStyle): string {
  const out = [
    `Marquez ${result.url}: ${result.tags.length} tag(s) created or updated (${list(result.tags.map((t) => t.name))}), ` +
      `${result.datasetTags.length} dataset tag(s), ${result.fieldTags.length} field tag(s)`,
  ];
  for (const t of result.datasetTags) out.push(`  tagged  ${t.dataset} ${t.tag}  (${t.namespace} ${t.name})`);
  for (const t of result.fieldTags) out.push(`  tagged  ${t.dataset}.${t.field} ${t.tag}`);
  for (const s of result.skipped.filter((s) => s.code !== undefined))
    out.push(`  ${style.yellow('skipped')} ${s.dataset}: ${s.code}: ${s.reason}`);
  for (const p of result.problems) {
    out.push(`  ${style.red('error')}   ${p.code}: ${p.message}`);
    if (p.hint) out.push(`          hint: ${p.hint}`);
  }
  return `${out.join('\n')}\n`;
}
