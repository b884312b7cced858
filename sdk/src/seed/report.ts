import { maskSecrets } from '../runner/secrets';
import type { SeedOutcome, SeedReport } from './seed-package';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describe(outcome: SeedOutcome): string {
  switch (outcome.status) {
    case 'loaded':
      return `loaded ${plural(outcome.rows, 'row')}`;
    case 'unchanged':
      return `already seeded (${plural(outcome.rows, 'row')})`;
    case 'cleaned':
      return `cleaned (${plural(outcome.rows, 'row')} removed)`;
    case 'not-seeded':
      return 'not seeded by dk, nothing to clean';
    case 'skipped':
      return `skipped: ${outcome.note ?? 'nothing to load'}`;
    case 'failed':
      return `failed${outcome.error ? ` (${outcome.error.code})` : ''}`;
  }
}

/**
 * The summary, one line per DataSet: `dataset → target (store): loaded N rows | already seeded |
 * cleaned`, then a total. Secrets are masked.
 */
export function formatSeedReport(report: SeedReport): string {
  const lines: string[] = [];
  for (const o of report.outcomes) {
    const profile = o.profile !== 'default' && !report.clean ? ` [profile ${o.profile}]` : '';
    lines.push(`  ${o.dataset} → ${o.target || '(no target)'} (${o.store})${profile}: ${describe(o)}`);
  }
  const count = (status: SeedOutcome['status']) => report.outcomes.filter((o) => o.status === status).length;
  const parts = report.clean
    ? [count('cleaned') > 0 ? `${count('cleaned')} cleaned` : '', count('not-seeded') > 0 ? `${count('not-seeded')} not seeded` : '']
    : [count('loaded') > 0 ? `${count('loaded')} loaded` : '', count('unchanged') > 0 ? `${count('unchanged')} already seeded` : ''];
  if (count('skipped') > 0) parts.push(`${count('skipped')} skipped`);
  if (count('failed') > 0) parts.push(`${count('failed')} failed`);
  const summary = parts.filter((p) => p !== '').join(', ');
  const head =
    report.outcomes.length === 0
      ? 'seed: no DataSet of the package declares spec.dev.seed; nothing to do'
      : `seed${report.profile && !report.clean ? ` (profile ${report.profile})` : ''}: ${plural(report.outcomes.length, 'DataSet')}${summary ? `, ${summary}` : ''}`;
  return maskSecrets(`${[...lines, head].join('\n')}\n`, report.secrets);
}

/** Every error as `dk: CODE: message` with its hint, secrets masked. */
export function formatSeedErrors(report: SeedReport): string {
  return maskSecrets(
    report.errors.map((e) => `dk: ${e.code}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`).join(''),
    report.secrets,
  );
}
