import type { Command } from 'commander';
import { UsageError } from '@datakit/sdk/core';
import type { CommandContext } from '../context';

interface CommandShape {
  name: string;
  subcommands: string[];
  options: string[];
}

function describe(program: Command): CommandShape[] {
  const shapes: CommandShape[] = [];
  for (const command of program.commands) {
    shapes.push({
      name: command.name(),
      subcommands: command.commands.map((c) => c.name()),
      options: [
        ...command.options.flatMap((o) => [o.long, o.short]),
        ...command.commands.flatMap((c) => c.options.flatMap((o) => [o.long, o.short])),
      ].filter((o): o is string => typeof o === 'string'),
    });
  }
  return shapes;
}

/** dk completion bash|zsh|fish: a completion script generated from the command tree. */
export function runCompletion(shell: string, program: Command, ctx: CommandContext): number {
  const shapes = describe(program);
  const names = shapes.map((s) => s.name).join(' ');
  switch (shell) {
    case 'bash':
    case 'zsh': {
      const cases = shapes.map((s) => `    ${s.name}) words="${[...new Set([...s.subcommands, ...s.options])].join(' ')}" ;;`).join('\n');
      const body = `_dk_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local cmd="\${COMP_WORDS[1]}"
  local words
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${names} --help --version"
  else
    case "$cmd" in
${cases}
      *) words="" ;;
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  if [ \${#COMPREPLY[@]} -eq 0 ]; then COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -F _dk_complete dk
`;
      ctx.io.stdout(
        shell === 'zsh'
          ? `# dk completion for zsh\nautoload -U +X bashcompinit && bashcompinit\n${body}`
          : `# dk completion for bash\n${body}`,
      );
      return 0;
    }
    case 'fish': {
      const lines = ['# dk completion for fish', 'complete -c dk -f'];
      for (const s of shapes) {
        lines.push(`complete -c dk -n '__fish_use_subcommand' -a ${s.name}`);
        for (const sub of s.subcommands) lines.push(`complete -c dk -n '__fish_seen_subcommand_from ${s.name}' -a ${sub}`);
        for (const option of s.options.filter((o) => o.startsWith('--'))) {
          lines.push(`complete -c dk -n '__fish_seen_subcommand_from ${s.name}' -l ${option.slice(2)}`);
        }
      }
      ctx.io.stdout(lines.join('\n') + '\n');
      return 0;
    }
    default:
      throw new UsageError('DK123', `dk completion ${shell}: expected bash, zsh or fish`);
  }
}
