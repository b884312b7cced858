import { DataKitError } from '@datakit/sdk/core';

/** A command of a package repository comment. */
export type Command =
  | { name: 'promote'; env: string; cell?: string }
  | { name: 'rollback'; env: string; cell?: string }
  | { name: 'status' }
  | { name: 'help' };

/** The word that starts a command comment: /promote, /rollback or /datakit. */
export type CommandWord = 'promote' | 'rollback' | 'datakit';

export type ParsedComment =
  /** Not a command at all: the comment is ignored silently. */
  | undefined
  | { word: CommandWord; command: Command; line: string }
  /** A command word with arguments that do not fit (DK804, answered with the usage). */
  | { word: CommandWord; error: DataKitError; line: string };

/** Environment and cell names as the promotion policy allows them. */
const namePattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const usage = {
  promote: '`/promote <env> [cell]`: open (or update) the pull request pinning the artifact of this commit in <env> (and cell)',
  rollback: '`/rollback <env> [cell]`: open the pull request pinning the digest deployed in <env> before the current one',
  status: '`/datakit status`: what is deployed where, and the promotions waiting to be merged',
  help: '`/datakit help`: this list',
} as const;

export function usageText(): string {
  return Object.values(usage)
    .map((line) => `- ${line}`)
    .join('\n');
}

function usageError(word: CommandWord, line: string, problem: string): DataKitError {
  const forWord = word === 'datakit' ? [usage.status, usage.help] : [usage[word]];
  const shown = line.length > 80 ? `${line.slice(0, 79)}…` : line;
  return new DataKitError('DK804', `\`${shown.replace(/`/g, "'")}\`: ${problem}`, {
    hint: `Usage: ${forWord.join('; ')}. Comment \`/datakit help\` for every command.`,
  });
}

/**
 * The command on the first non-empty line of a comment. Only that line counts, and only when it
 * starts with /promote, /rollback or /datakit as a word of its own: quotes (`> /promote`), code and
 * prose are not commands.
 */
export function parseCommand(body: string | null | undefined): ParsedComment {
  const line = (body ?? '').split(/\r?\n/).find((candidate) => candidate.trim() !== '');
  if (line === undefined) return undefined;
  const words = line.trim().split(/\s+/);
  const head = words[0] ?? '';
  const args = words.slice(1);
  const text = words.join(' ');
  if (head === '/promote' || head === '/rollback') {
    const word = head.slice(1) as 'promote' | 'rollback';
    if (args.length === 0) return { word, line: text, error: usageError(word, text, 'name the environment') };
    if (args.length > 2) return { word, line: text, error: usageError(word, text, `too many arguments (${args.slice(2).join(' ')})`) };
    const [env, cell] = args as [string, string | undefined];
    const bad = [env, cell].filter((arg): arg is string => arg !== undefined && !namePattern.test(arg));
    if (bad.length > 0) {
      return {
        word,
        line: text,
        error: usageError(
          word,
          text,
          `${bad.map((arg) => `"${arg}"`).join(' and ')} is not an environment or cell name (lowercase letters, digits, dashes)`,
        ),
      };
    }
    return { word, line: text, command: { name: word, env, ...(cell === undefined ? {} : { cell }) } };
  }
  if (head === '/datakit') {
    const [sub, ...rest] = args;
    if (rest.length > 0)
      return { word: 'datakit', line: text, error: usageError('datakit', text, `too many arguments (${rest.join(' ')})`) };
    if (sub === undefined || sub === 'help') return { word: 'datakit', line: text, command: { name: 'help' } };
    if (sub === 'status') return { word: 'datakit', line: text, command: { name: 'status' } };
    return { word: 'datakit', line: text, error: usageError('datakit', text, `unknown subcommand "${sub}"`) };
  }
  return undefined;
}
