import { codes, isCode } from '@datakit/contracts';
import { UsageError } from '@datakit/sdk/core';
import { suggestClosest } from '@datakit/sdk/validate';
import type { CommandContext } from '../context';

/** dk explain CODE: the catalogue entry; without a code, the list of codes. */
export function runExplain(code: string | undefined, ctx: CommandContext): number {
  if (code === undefined) {
    for (const [id, info] of Object.entries(codes)) ctx.io.stdout(`${id}  ${info.severity.padEnd(7)}  ${info.title}\n`);
    return 0;
  }
  const normalised = code.toUpperCase();
  if (!isCode(normalised)) {
    const suggestion = suggestClosest(normalised, Object.keys(codes));
    throw new UsageError('DK123', `unknown code ${code}${suggestion ? `; did you mean ${suggestion}?` : ''} (dk explain lists them all)`);
  }
  const info = codes[normalised];
  ctx.io.stdout(`${normalised}: ${info.title} (${info.severity})\n\n${info.explanation}\n\nFix: ${info.fix}\n`);
  return 0;
}
