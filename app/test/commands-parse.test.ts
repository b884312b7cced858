import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/commands/parse-command';

describe('parseCommand', () => {
  it('reads /promote, /rollback and /datakit from the first non-empty line', () => {
    expect(parseCommand('/promote dev')).toMatchObject({ command: { name: 'promote', env: 'dev' } });
    expect(parseCommand('\n\n  /promote prod c1  \nplease')).toMatchObject({ command: { name: 'promote', env: 'prod', cell: 'c1' } });
    expect(parseCommand('/rollback prod\r\n')).toMatchObject({ command: { name: 'rollback', env: 'prod' } });
    expect(parseCommand('/datakit status')).toMatchObject({ command: { name: 'status' } });
    expect(parseCommand('/datakit help')).toMatchObject({ command: { name: 'help' } });
    expect(parseCommand('/datakit')).toMatchObject({ command: { name: 'help' } });
  });

  it('ignores anything that is not a command on the first line', () => {
    for (const body of [
      '',
      '   \n ',
      'LGTM',
      'please /promote dev',
      '> /promote dev',
      '`/promote dev`',
      '/promoted dev',
      '/promote-now dev',
      '/Promote dev',
      'Thanks!\n/promote dev',
      null,
      undefined,
    ]) {
      expect(parseCommand(body), String(body)).toBeUndefined();
    }
  });

  it('answers bad arguments with DK804 and the usage', () => {
    const cases: [string, RegExp][] = [
      ['/promote', /name the environment/],
      ['/promote dev c0 extra', /too many arguments \(extra\)/],
      ['/promote Prod!', /"Prod!" is not an environment or cell name/],
      ['/rollback dev C_0', /"C_0" is not an environment or cell name/],
      ['/datakit deploy', /unknown subcommand "deploy"/],
      ['/datakit status now', /too many arguments/],
    ];
    for (const [body, message] of cases) {
      const parsed = parseCommand(body);
      expect(parsed && 'error' in parsed, body).toBe(true);
      if (!parsed || !('error' in parsed)) continue;
      expect(parsed.error.code).toBe('DK804');
      expect(parsed.error.message).toMatch(message);
      expect(parsed.error.hint).toMatch(/Usage: `\/(promote|rollback|datakit)/);
    }
  });
});
