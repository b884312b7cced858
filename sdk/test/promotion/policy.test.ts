import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DataKitError } from '../../src/core/errors';
import { defaultPolicy, parsePolicy, PolicyError } from '../../src/promotion/policy';

const head = 'apiVersion: datakit.dev/v1alpha1\nkind: PromotionPolicy\nenvironments:\n';

function problemsOf(text: string): PolicyError {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toBeInstanceOf(DataKitError);
    expect((error as PolicyError).code).toBe('DK700');
    return error as PolicyError;
  }
  throw new Error('expected the policy to be refused');
}

describe('parsePolicy', () => {
  it('parses the reference gitops/datakit-promotion.yaml', async () => {
    const file = new URL('../../../gitops/datakit-promotion.yaml', import.meta.url);
    const policy = parsePolicy(await readFile(file, 'utf8'), 'gitops/datakit-promotion.yaml');
    expect(policy.environments.map((e) => e.name)).toEqual(['dev', 'int', 'prod']);
    const [dev, int, prod] = policy.environments;
    expect(dev!.previous).toBeUndefined();
    expect(dev!.requirePrevious).toBe(false);
    expect(int!.previous).toBe('dev');
    expect(int!.soakMs).toBe(3_600_000);
    expect(int!.approvals).toBe(1);
    expect(prod!.requirePrevious).toBe(true);
    expect(prod!.promoters).toEqual({ users: ['release-manager'], teams: ['datakit/release'] });
    expect(prod!.freezeWindows.map((w) => [w.name, w.durationMs, w.timezone])).toEqual([
      ['weekend', 62 * 3_600_000, 'Europe/Berlin'],
      ['year-end', 408 * 3_600_000, 'Europe/Berlin'],
    ]);
    expect(prod!.cells).toEqual(['c0']);
  });

  it('applies defaults to a minimal file', () => {
    const policy = parsePolicy(`${head}  - name: dev\n  - name: int\n`, 'p.yaml');
    expect(policy.environments[1]).toMatchObject({
      name: 'int',
      previous: 'dev',
      requirePrevious: true,
      requireSameCell: false,
      cells: [],
      approvals: 0,
      soakMs: 0,
      freezeWindows: [],
      promoters: { users: [], teams: [] },
    });
  });

  it('has a default policy dev → int → prod with order and no other restriction', () => {
    const policy = defaultPolicy();
    expect(policy.environments.map((e) => [e.name, e.previous, e.requirePrevious])).toEqual([
      ['dev', undefined, false],
      ['int', 'dev', true],
      ['prod', 'int', true],
    ]);
    expect(policy.environments.every((e) => e.approvals === 0 && e.freezeWindows.length === 0 && e.cells.length === 0)).toBe(true);
  });

  it('accepts an explicit previous environment listed earlier', () => {
    const policy = parsePolicy(`${head}  - name: dev\n  - name: int\n  - name: hotfix\n    previous: dev\n`, 'p.yaml');
    expect(policy.environments[2]!.previous).toBe('dev');
  });

  it('refuses an unknown environment referenced by previous, located', () => {
    const error = problemsOf(`${head}  - name: dev\n  - name: prod\n    previous: staging\n`);
    expect(error.problems).toEqual([
      { path: 'environments[1].previous', line: 6, column: 15, message: 'unknown environment "staging": must be one listed before "prod"' },
    ]);
    expect(error.message).toContain('policy.yaml:6:15: environments[1].previous: unknown environment "staging"');
  });

  it('refuses a previous environment listed later or itself', () => {
    const error = problemsOf(`${head}  - name: dev\n    previous: int\n  - name: int\n    previous: int\n`);
    expect(error.problems.map((p) => p.path)).toEqual(['environments[0].previous', 'environments[1].previous']);
  });

  it('refuses duplicate environments', () => {
    const error = problemsOf(`${head}  - name: dev\n  - name: int\n  - name: dev\n`);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ path: 'environments[2].name', line: 6 });
    expect(error.problems[0]!.message).toContain('duplicate environment "dev"');
  });

  it('refuses bad soak durations', () => {
    const error = problemsOf(`${head}  - name: dev\n  - name: int\n    soak: 1 hour\n`);
    expect(error.problems[0]).toMatchObject({ path: 'environments[1].soak', line: 6 });
    expect(error.problems[0]!.message).toContain('bad duration "1 hour"');
  });

  it('refuses negative and fractional approvals', () => {
    const error = problemsOf(`${head}  - name: dev\n    approvals: -1\n  - name: int\n    approvals: 1.5\n`);
    expect(error.problems.map((p) => [p.path, p.message])).toEqual([
      ['environments[0].approvals', 'must be 0 or more, not -1'],
      ['environments[1].approvals', 'must be a whole number'],
    ]);
  });

  const freeze = (fields: string): string =>
    `${head}  - name: prod\n    freezeWindows:\n      - name: w\n${fields
      .split('\n')
      .map((l) => `        ${l}`)
      .join('\n')}\n`;

  it('refuses a bad cron in a freeze window', () => {
    const error = problemsOf(freeze("cron: '0 25 * * 5'\nduration: 1h\ntimezone: UTC"));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ path: 'environments[0].freezeWindows[0].cron', line: 7 });
    expect(error.problems[0]!.message).toContain('hour field "25"');
  });

  it('refuses an unknown macro and a wrong field count', () => {
    expect(problemsOf(freeze('cron: "@fortnightly"\nduration: 1h\ntimezone: UTC')).problems[0]!.message).toContain('unknown macro');
    expect(problemsOf(freeze('cron: "0 18 * *"\nduration: 1h\ntimezone: UTC')).problems[0]!.message).toContain('expected 5 fields');
  });

  it('refuses a bad timezone in a freeze window', () => {
    const error = problemsOf(freeze('cron: "@daily"\nduration: 1h\ntimezone: Mars/Olympus'));
    expect(error.problems).toEqual([
      {
        path: 'environments[0].freezeWindows[0].timezone',
        line: 9,
        column: 19,
        message: 'unknown timezone "Mars/Olympus": use an IANA name such as Europe/Berlin or UTC',
      },
    ]);
  });

  it('refuses bad, zero and over-long freeze durations', () => {
    expect(problemsOf(freeze('cron: "@daily"\nduration: 2 days\ntimezone: UTC')).problems[0]!.path).toBe(
      'environments[0].freezeWindows[0].duration',
    );
    expect(problemsOf(freeze('cron: "@daily"\nduration: 0s\ntimezone: UTC')).problems[0]!.message).toContain('bad duration');
    expect(problemsOf(freeze('cron: "@daily"\nduration: 400d\ntimezone: UTC')).problems[0]!.message).toContain('permanent freeze');
  });

  it('lists every problem at once', () => {
    const error = problemsOf(
      'apiVersion: v2\nkind: PromotionPolicy\nenvironments:\n  - name: dev\n    approvals: -2\n    soak: soon\n    colour: blue\n  - name: dev\n',
    );
    expect(error.problems.map((p) => p.path)).toEqual([
      'apiVersion',
      'environments[0].colour',
      'environments[0].approvals',
      'environments[0].soak',
      'environments[1].name',
    ]);
    expect(error.problems.map((p) => p.line)).toEqual([1, 7, 5, 6, 8]);
  });

  it('refuses bad teams, cells and booleans', () => {
    const error = problemsOf(`${head}  - name: dev\n    cells: [C0]\n    requirePrevious: yes\n    promoters:\n      teams: [engineers]\n`);
    expect(error.problems.map((p) => p.path)).toEqual([
      'environments[0].cells[0]',
      'environments[0].requirePrevious',
      'environments[0].promoters.teams[0]',
    ]);
  });

  it('refuses YAML syntax errors, duplicate keys, a non-mapping and no environments', () => {
    expect(problemsOf('environments: [\n').problems[0]!.line).toBeGreaterThanOrEqual(1);
    expect(problemsOf(`${head}  - name: dev\n    soak: 1h\n    soak: 2h\n`).problems[0]!.message).toMatch(/unique/i);
    expect(problemsOf('- a\n- b\n').problems[0]!.message).toContain('must be a mapping');
    expect(problemsOf('apiVersion: datakit.dev/v1alpha1\nkind: PromotionPolicy\nenvironments: []\n').problems[0]!.path).toBe(
      'environments',
    );
  });
});
