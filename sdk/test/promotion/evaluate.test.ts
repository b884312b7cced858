import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock';
import { DataKitError } from '../../src/core/errors';
import { assertAllowed, evaluatePromotion, type DeploymentState, type PromotionRequest, type RuleName } from '../../src/promotion/evaluate';
import { defaultPolicy, parsePolicy } from '../../src/promotion/policy';

const policy = parsePolicy(
  `apiVersion: datakit.dev/v1alpha1
kind: PromotionPolicy
environments:
  - name: dev
    cells: [c0, c1]
  - name: int
    cells: [c0, c1]
    soak: 1h
    promoters:
      teams: [acme/engineers]
    approvals: 1
  - name: prod
    cells: [c0]
    requireSameCell: true
    soak: 24h
    promoters:
      users: [release-manager]
      teams: [acme/release]
    approvals: 2
    freezeWindows:
      - name: weekend
        cron: '0 18 * * 5'
        duration: 62h
        timezone: Europe/Paris
  - name: sandbox
    requirePrevious: false
    soak: 1h
`,
  'policy.yaml',
);

const digest = `sha256:${'a'.repeat(64)}`;
const other = `sha256:${'b'.repeat(64)}`;
const hour = 3_600_000;
// A Wednesday, outside the weekend freeze.
const now = new Date('2025-06-04T12:00:00Z');
const clock = fixedClock(now);
const ago = (ms: number): Date => new Date(now.getTime() - ms);

const engineer = { login: 'alice', teams: ['acme/engineers'] };
const releaser = { login: 'rm', teams: ['acme/release'] };

function request(overrides: Partial<PromotionRequest> = {}): PromotionRequest {
  return {
    package: 'demo',
    digest,
    version: '1.2.0',
    toEnv: 'int',
    cell: 'c0',
    actor: engineer,
    approvals: [{ login: 'bob', teams: ['acme/engineers'] }],
    ...overrides,
  };
}

const inDev: DeploymentState = [{ package: 'demo', env: 'dev', cell: 'c0', digest, version: '1.2.0', since: ago(2 * hour) }];
const inInt: DeploymentState = [{ package: 'demo', env: 'int', cell: 'c0', digest, version: '1.2.0', since: ago(48 * hour) }];

function failed(results: { rule: RuleName; passed: boolean }[]): RuleName[] {
  return results.filter((r) => !r.passed).map((r) => r.rule);
}

function result(evaluation: { results: { rule: RuleName; passed: boolean; message: string }[] }, rule: RuleName) {
  return evaluation.results.find((r) => r.rule === rule)!;
}

const prodRequest = (overrides: Partial<PromotionRequest> = {}): PromotionRequest =>
  request({
    toEnv: 'prod',
    actor: releaser,
    approvals: [
      { login: 'release-manager', teams: [] },
      { login: 'carol', teams: ['acme/release'] },
    ],
    ...overrides,
  });

describe('evaluatePromotion', () => {
  it('allows a promotion that passes every rule and reports each rule', () => {
    const evaluation = evaluatePromotion(policy, request(), inDev, clock);
    expect(evaluation.allowed).toBe(true);
    expect(evaluation.results.map((r) => [r.rule, r.passed])).toEqual([
      ['environment', true],
      ['cell', true],
      ['order', true],
      ['soak', true],
      ['freeze', true],
      ['promoters', true],
      ['approvals', true],
    ]);
  });

  it('refuses an unknown environment', () => {
    const evaluation = evaluatePromotion(policy, request({ toEnv: 'staging' }), inDev, clock);
    expect(evaluation).toEqual({
      allowed: false,
      results: [{ rule: 'environment', passed: false, message: 'unknown environment "staging" (known: dev, int, prod, sandbox)' }],
    });
  });

  it('refuses a cell the environment does not have, any cell when none are listed', () => {
    expect(failed(evaluatePromotion(policy, request({ cell: 'c9' }), inDev, clock).results)).toEqual(['cell']);
    expect(result(evaluatePromotion(policy, request({ toEnv: 'sandbox', cell: 'c9' }), [], clock), 'cell').passed).toBe(true);
  });

  it('requires the digest live in the previous environment, any cell', () => {
    expect(failed(evaluatePromotion(policy, request(), [], clock).results)).toEqual(['order', 'soak']);
    const otherDigest = [{ ...inDev[0]!, digest: other }];
    expect(result(evaluatePromotion(policy, request(), otherDigest, clock), 'order').message).toContain('is not live in dev');
    const otherCell = [{ ...inDev[0]!, cell: 'c1' }];
    expect(evaluatePromotion(policy, request(), otherCell, clock).allowed).toBe(true);
    const otherPackage = [{ ...inDev[0]!, package: 'other' }];
    expect(failed(evaluatePromotion(policy, request(), otherPackage, clock).results)).toContain('order');
  });

  it('requires the same cell when the policy says so', () => {
    const inIntC1 = [{ ...inInt[0]!, cell: 'c1' }];
    const evaluation = evaluatePromotion(policy, prodRequest(), inIntC1, clock);
    expect(failed(evaluation.results)).toEqual(['order', 'soak']);
    expect(result(evaluation, 'order').message).toContain('not live in int/c0');
    expect(evaluatePromotion(policy, prodRequest(), inInt, clock).allowed).toBe(true);
  });

  it('does not require the previous environment when requirePrevious is false', () => {
    const evaluation = evaluatePromotion(policy, request({ toEnv: 'sandbox' }), [], clock);
    expect(evaluation.allowed).toBe(true);
    expect(result(evaluation, 'order').message).toContain('does not require');
  });

  it('has no predecessor for the first environment', () => {
    expect(evaluatePromotion(policy, request({ toEnv: 'dev' }), [], clock).allowed).toBe(true);
  });

  it('passes soak at exactly the soak time and fails a millisecond before', () => {
    const exactly = [{ ...inDev[0]!, since: ago(hour) }];
    expect(result(evaluatePromotion(policy, request(), exactly, clock), 'soak').passed).toBe(true);
    const almost = [{ ...inDev[0]!, since: ago(hour - 1) }];
    const evaluation = evaluatePromotion(policy, request(), almost, clock);
    expect(failed(evaluation.results)).toEqual(['soak']);
    expect(result(evaluation, 'soak').message).toContain(`allowed from ${new Date(now.getTime() + 1).toISOString()}`);
  });

  it('soaks from the earliest cell the digest entered', () => {
    const twoCells = [
      { ...inDev[0]!, cell: 'c1', since: ago(10 * 60_000) },
      { ...inDev[0]!, since: ago(3 * hour) },
    ];
    expect(evaluatePromotion(policy, request(), twoCells, clock).allowed).toBe(true);
  });

  it('refuses inside a freeze window, with the window and its end', () => {
    // Saturday 2025-06-07 10:00Z, inside the Friday 18:00 CEST (16:00Z) + 62h window.
    const saturday = fixedClock(new Date('2025-06-07T10:00:00Z'));
    const evaluation = evaluatePromotion(policy, prodRequest(), inInt, saturday);
    expect(failed(evaluation.results)).toEqual(['freeze']);
    expect(result(evaluation, 'freeze').message).toBe(
      'prod is frozen by weekend (0 18 * * 5 Europe/Paris, 62h) from 2025-06-06T16:00:00.000Z until 2025-06-09T06:00:00.000Z',
    );
    expect(evaluatePromotion(policy, prodRequest(), inInt, fixedClock(new Date('2025-06-09T06:00:00Z'))).allowed).toBe(true);
  });

  it('checks promoters by login or team, case-insensitively; empty lists allow anyone', () => {
    expect(
      result(evaluatePromotion(policy, prodRequest({ actor: { login: 'Release-Manager', teams: [] } }), inInt, clock), 'promoters').passed,
    ).toBe(true);
    const outsider = evaluatePromotion(policy, prodRequest({ actor: { login: 'mallory', teams: ['acme/engineers'] } }), inInt, clock);
    expect(failed(outsider.results)).toEqual(['promoters']);
    expect(result(outsider, 'promoters').message).toBe('@mallory may not promote to prod (allowed: @release-manager, team acme/release)');
    expect(
      result(evaluatePromotion(policy, request({ toEnv: 'dev', actor: { login: 'x', teams: [] } }), [], clock), 'promoters').passed,
    ).toBe(true);
  });

  it('counts distinct qualified approvers, never the actor', () => {
    const count = (approvals: PromotionRequest['approvals']): boolean =>
      result(evaluatePromotion(policy, prodRequest({ approvals }), inInt, clock), 'approvals').passed;
    expect(
      count([
        { login: 'release-manager', teams: [] },
        { login: 'carol', teams: ['acme/release'] },
      ]),
    ).toBe(true);
    expect(
      count([
        { login: 'carol', teams: ['acme/release'] },
        { login: 'CAROL', teams: ['acme/release'] },
      ]),
    ).toBe(false);
    expect(
      count([
        { login: 'rm', teams: ['acme/release'] },
        { login: 'carol', teams: ['acme/release'] },
      ]),
    ).toBe(false);
    expect(
      count([
        { login: 'dave', teams: ['acme/engineers'] },
        { login: 'carol', teams: ['acme/release'] },
      ]),
    ).toBe(false);
    expect(count(undefined)).toBe(false);
    expect(result(evaluatePromotion(policy, prodRequest({ approvals: [] }), inInt, clock), 'approvals').message).toBe(
      "0 of 2 required approvals from @release-manager, team acme/release (the promoter's own does not count)",
    );
  });

  it('lists every failing rule in one refusal', () => {
    const saturday = fixedClock(new Date('2025-06-07T10:00:00Z'));
    const evaluation = evaluatePromotion(
      policy,
      prodRequest({ cell: 'c1', actor: { login: 'mallory', teams: [] }, approvals: [] }),
      [],
      saturday,
    );
    expect(evaluation.allowed).toBe(false);
    expect(failed(evaluation.results)).toEqual(['cell', 'order', 'soak', 'freeze', 'promoters', 'approvals']);
    expect(() => assertAllowed(evaluation, prodRequest())).toThrow(DataKitError);
    try {
      assertAllowed(evaluation, prodRequest());
    } catch (error) {
      expect((error as DataKitError).code).toBe('DK701');
      for (const rule of ['cell', 'order', 'soak', 'freeze', 'promoters', 'approvals'])
        expect((error as Error).message).toContain(`- ${rule}: `);
    }
    expect(() => assertAllowed(evaluatePromotion(policy, request(), inDev, clock), request())).not.toThrow();
  });

  it('lets a rollback skip order and soak but not freezes, promoters or approvals', () => {
    const rollback = prodRequest({ kind: 'rollback', digest: other, version: '1.1.0' });
    const evaluation = evaluatePromotion(policy, rollback, [], clock);
    expect(evaluation.allowed).toBe(true);
    expect(result(evaluation, 'order').message).toBe('not checked for a rollback');
    const saturday = fixedClock(new Date('2025-06-07T10:00:00Z'));
    expect(failed(evaluatePromotion(policy, { ...rollback, actor: { login: 'mallory', teams: [] } }, [], saturday).results)).toEqual([
      'freeze',
      'promoters',
    ]);
  });

  it('enforces order with the default policy', () => {
    const evaluation = evaluatePromotion(defaultPolicy(), request({ toEnv: 'prod', approvals: [] }), inDev, clock);
    expect(failed(evaluation.results)).toEqual(['order']);
    expect(evaluatePromotion(defaultPolicy(), request({ toEnv: 'prod' }), inInt, clock).allowed).toBe(true);
  });
});
