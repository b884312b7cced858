import { UsageError } from '@datakit/sdk/core';
import { readStatus, type PackageStatus, type PendingChange, type StatusReport } from '@datakit/sdk/promotion';
import type { CommandContext } from '../context';
import { textStyle } from '../io';
import { clockOf, gitopsLocation, openSourceControl, type GitopsFlags } from './gitops-options';

export interface StatusFlags extends GitopsFlags {
  output?: string;
}

function ago(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

function describePending(change: PendingChange): string {
  const pr = change.pullRequest ? `PR #${change.pullRequest.number}` : change.branch;
  return `pending: ${change.title} (${pr})`;
}

function formatStatus(report: StatusReport, description: string, ctx: CommandContext): string {
  const style = textStyle(ctx.config.color);
  const now = clockOf(ctx).now();
  const rows: string[][] = [];
  const notes = new Map<number, string[]>();
  const add = (p: PackageStatus) => {
    let first = true;
    for (const e of p.entries) {
      rows.push([
        first ? p.package : '',
        `${e.env}/${e.cell}`,
        e.version,
        e.digest.slice(0, 19),
        `${e.since.slice(0, 16).replace('T', ' ')} (${ago(new Date(e.since), now)})`,
      ]);
      first = false;
      const extra = [
        ...(e.sinceUnknown === undefined ? [] : [style.yellow(`! since unknown: ${e.sinceUnknown}`)]),
        ...e.drift.map((d) => style.yellow(`! drift: ${d}`)),
        ...e.pending.map((c) => style.blue(`→ ${describePending(c)}`)),
      ];
      if (extra.length) notes.set(rows.length - 1, extra);
    }
    for (const c of p.incoming) {
      rows.push([first ? p.package : '', `${c.env}/${c.cell}`, '—', '—', '—']);
      first = false;
      notes.set(rows.length - 1, [style.blue(`→ ${describePending(c)}`)]);
    }
  };
  for (const p of report.packages) add(p);
  const header = ['PACKAGE', 'ENV/CELL', 'VERSION', 'DIGEST', 'SINCE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [`gitops: ${description}, ${report.branch} at ${report.commit.slice(0, 12)}`, style.bold(line(header))];
  rows.forEach((row, index) => {
    out.push(line(row));
    for (const note of notes.get(index) ?? []) out.push(`${' '.repeat(widths[0]! + 2)}  ${note}`);
  });
  if (rows.length === 0) out.push('(no package is deployed yet: dk promote puts the first one in)');
  return out.join('\n') + '\n';
}

/** dk status [PACKAGE]: package × env/cell with version, digest, since when, drift and pending promotions. */
export async function runStatus(packageName: string | undefined, flags: StatusFlags, ctx: CommandContext): Promise<number> {
  const format = flags.output ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('DK123', `-o ${format}: expected text or json`);
  const scm = await openSourceControl(await gitopsLocation(flags, ctx), ctx, { requireClean: false });
  const report = await readStatus(scm, packageName);
  if (packageName !== undefined && report.packages.every((p) => p.entries.length === 0 && p.incoming.length === 0)) {
    throw new UsageError(
      'DK704',
      `unknown package ${packageName}: it is deployed nowhere in ${scm.description} and no promotion of it is pending`,
      {
        hint: 'dk status without a package lists every deployed package.',
      },
    );
  }
  if (format === 'json') ctx.io.stdout(JSON.stringify({ gitops: scm.description, ...report }, null, 2) + '\n');
  else ctx.io.stdout(formatStatus(report, scm.description, ctx));
  return 0;
}
