import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock';
import { DataKitError } from '../../src/core/errors';
import type { ArtifactResolver } from '../../src/promotion/artifact-resolver';
import { GitSourceControl } from '../../src/promotion/git-source-control';
import { readGitopsState } from '../../src/promotion/gitops-state';
import { preparePromotion, prepareRollback, proposePlan } from '../../src/promotion/promote';
import { readStatus } from '../../src/promotion/status';
import { commitToRemote, createGitopsFixture, digestOf, gitIdentity, type GitopsFixture } from '../helpers/gitops/gitops-remote';

const exec = promisify(execFile);
const registry = 'registry.example.com/team';
const versions: Record<string, string> = { '0.1.0': digestOf('1'), '0.2.0': digestOf('2'), '0.3.0': digestOf('3') };
const resolver: ArtifactResolver = {
  description: 'test registry',
  async resolve(pkg, versionOrDigest) {
    const entry = Object.entries(versions).find(([v, d]) => v === versionOrDigest || d === versionOrDigest);
    if (!entry) throw new DataKitError('DK705', `${pkg} ${versionOrDigest} is not in the test registry`);
    return { version: entry[0], digest: entry[1], ref: `${registry}/${pkg}@${entry[1]}` };
  },
};

// Tuesday 24 November 2026: no freeze window of the template policy is active.
const t0 = new Date('2026-11-24T09:00:00Z');
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);

let fixture: GitopsFixture;
let cacheDir: string;
const saved: Record<string, string | undefined> = {};

beforeEach(async () => {
  for (const [k, v] of Object.entries(gitIdentity)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  fixture = await createGitopsFixture();
  cacheDir = await mkdtemp(path.join(tmpdir(), 'dk-gitops-cache-'));
});

afterEach(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await fixture.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

async function open(at: Date, extra: Partial<Parameters<typeof GitSourceControl.open>[1]> = {}, location = fixture.checkout) {
  return GitSourceControl.open(location, { cwd: fixture.root, cacheDir, clock: fixedClock(at), requireClean: true, ...extra });
}

async function promote(version: string, env: string, at: Date, location?: string) {
  const scm = await open(at, {}, location);
  const prepared = await preparePromotion({ scm, clock: fixedClock(at) }, resolver, { package: 'orders', versionOrDigest: version, env });
  const result = await proposePlan(scm, prepared.plan);
  return { ...prepared, result, scm };
}

async function kustomize(dir: string): Promise<string> {
  const { stdout } = await exec('kubectl', ['kustomize', dir]);
  return stdout;
}

async function checkoutMain(): Promise<void> {
  await fixture.git(['pull', '-q', '--ff-only', 'origin', 'main']);
}

describe('promotion over plain git (bare remote over file://)', () => {
  it('puts a first version into dev on the deterministic branch, with files that render', async () => {
    const { plan, result } = await promote('0.1.0', 'dev', hours(0));
    expect(plan.allowed).toBe(true);
    expect(plan.previous).toBeUndefined();
    expect(plan.edits.map((e) => e.path)).toEqual([
      'envs/dev/cells/c0/apps/orders/kustomization.yaml',
      'envs/dev/cells/c0/apps/orders/packagedeployment.yaml',
    ]);
    expect(plan.rendered).toMatchObject({ ok: true });
    expect(plan.rendered?.ok && plan.rendered.diff).toContain(`+    digest: ${versions['0.1.0']}`);
    expect(plan.body).toContain(versions['0.1.0']);
    expect(plan.body).toContain('```diff');
    expect(plan.labels).toEqual(['datakit', 'promotion', 'env:dev', 'package:orders']);
    expect(result).toMatchObject({ branch: 'datakit/promote/dev/c0/orders', committed: true, pushed: true, retries: 0 });
    const refs = await fixture.remoteRefs();
    expect(refs.get('refs/heads/datakit/promote/dev/c0/orders')).toBe(result!.commit);
    const pinned = await fixture.show('envs/dev/cells/c0/apps/orders/packagedeployment.yaml', 'datakit/promote/dev/c0/orders');
    expect(pinned).toContain(`ref: ${registry}/orders@${versions['0.1.0']}`);
    // The user's checkout is untouched: no new branch checked out, no file written.
    expect((await fixture.git(['status', '--porcelain'])).trim()).toBe('');
    await fixture.git(['checkout', '-q', 'origin/datakit/promote/dev/c0/orders']);
    const rendered = await kustomize(path.join(fixture.checkout, 'envs/dev/cells/c0/apps/orders'));
    expect(rendered).toContain('namespace: datakit-dev-c0');
    expect(rendered).toContain(`digest: ${versions['0.1.0']}`);
  });

  it('is idempotent: the same digest again reuses the branch and makes no second commit', async () => {
    const first = await promote('0.1.0', 'dev', hours(0));
    const second = await promote('0.1.0', 'dev', hours(1));
    expect(second.result).toMatchObject({ committed: false, pushed: false, commit: first.result!.commit });
    const log = await fixture.git(['log', '--format=%H', 'origin/datakit/promote/dev/c0/orders', '^origin/main']);
    expect(log.trim().split('\n')).toHaveLength(1);
  });

  it('retries a push rejected as non-fast-forward on top of the new head, never forcing', async () => {
    await promote('0.1.0', 'dev', hours(0));
    // Someone else moves the branch between our read and our push.
    let concurrent = '';
    const scm = await open(hours(1), {
      beforePush: async (attempt) => {
        if (attempt !== 1) return;
        const other = await mkdtemp(path.join(fixture.root, 'other-'));
        await fixture.git(['clone', '-q', fixture.remoteUrl, other], { cwd: fixture.root });
        await fixture.git(['checkout', '-q', 'datakit/promote/dev/c0/orders'], { cwd: other });
        await writeFile(path.join(other, 'NOTES.md'), 'a concurrent change\n');
        await fixture.git(['add', 'NOTES.md'], { cwd: other });
        await fixture.git(['commit', '-q', '-m', 'concurrent'], { cwd: other, at: hours(1) });
        await fixture.git(['push', '-q', 'origin', 'HEAD'], { cwd: other });
        concurrent = (await fixture.git(['rev-parse', 'HEAD'], { cwd: other })).trim();
      },
    });
    const { plan } = await preparePromotion({ scm, clock: fixedClock(hours(1)) }, resolver, {
      package: 'orders',
      versionOrDigest: '0.2.0',
      env: 'dev',
    });
    const result = await proposePlan(scm, plan);
    expect(result).toMatchObject({ committed: true, pushed: true, retries: 1 });
    // The concurrent commit survived: ours is on top of it.
    await fixture.git(['fetch', '-q', 'origin']);
    await expect(fixture.git(['merge-base', '--is-ancestor', concurrent, result!.commit])).resolves.toBeDefined();
    expect(await fixture.show('NOTES.md', 'datakit/promote/dev/c0/orders')).toBe('a concurrent change\n');
    expect(await fixture.show('envs/dev/cells/c0/apps/orders/packagedeployment.yaml', 'datakit/promote/dev/c0/orders')).toContain(
      versions['0.2.0'],
    );
  });

  it('enforces order, soak and freeze on the merged state; a refusal names every reason and pushes nothing', async () => {
    // prod before int: refused for order and soak (and approvals are left to the PR).
    const before = await fixture.remoteRefs();
    const scm = await open(hours(0));
    const prod = await preparePromotion({ scm, clock: fixedClock(hours(0)) }, resolver, {
      package: 'orders',
      versionOrDigest: '0.1.0',
      env: 'prod',
    });
    expect(prod.plan.allowed).toBe(false);
    const failed = prod.plan.evaluation.results.filter((r) => !r.passed).map((r) => r.rule);
    expect(failed).toEqual(['order', 'soak']);
    expect(await proposePlan(scm, prod.plan)).toBeUndefined();
    expect(await fixture.remoteRefs()).toEqual(before);

    // dev, merged at +1h; int at +1.5h is refused by the 1h soak, allowed at +2h.
    await promote('0.1.0', 'dev', hours(0));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(1));
    const early = await promote('0.1.0', 'int', hours(1.5));
    expect(early.plan.allowed).toBe(false);
    expect(early.plan.evaluation.results.find((r) => r.rule === 'soak')?.message).toMatch(/live in dev for only 30m, soak is 1h/);
    expect(early.result).toBeUndefined();
    const onTime = await promote('0.1.0', 'int', hours(2));
    expect(onTime.plan.allowed).toBe(true);
    expect(onTime.result?.pushed).toBe(true);
    // The int deployment is derived from dev's file.
    expect(onTime.plan.edits.map((e) => e.path)).toContain('envs/int/cells/c0/apps/orders/packagedeployment.yaml');

    // prod during the weekend freeze (Friday 27 Nov 2026 20:00 Berlin), after a day in int.
    await fixture.merge('datakit/promote/int/c0/orders', hours(2));
    const friday = new Date('2026-11-27T19:00:00Z');
    const frozen = await promote('0.1.0', 'prod', friday);
    expect(frozen.plan.allowed).toBe(false);
    expect(
      frozen.plan.evaluation.results
        .filter((r) => !r.passed)
        .map((r) => r.message)
        .join('\n'),
    ).toMatch(/frozen by weekend/);
    const monday = new Date('2026-11-30T09:00:00Z');
    const allowed = await promote('0.1.0', 'prod', monday);
    expect(allowed.plan.allowed).toBe(true);
  });

  it('reads since from the first-parent history of main, and status shows drift and pending branches', async () => {
    await promote('0.1.0', 'dev', hours(0));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(1));
    await promote('0.2.0', 'dev', hours(3));
    const scm = await open(hours(4), { requireClean: false });
    const state = await readGitopsState(await scm.readSnapshot());
    expect(state.deployments).toHaveLength(1);
    expect(state.deployments[0]).toMatchObject({ env: 'dev', cell: 'c0', version: '0.1.0', digest: versions['0.1.0'] });
    expect(state.deployments[0]!.since.toISOString()).toBe(hours(1).toISOString());

    // A hand-made pin in prod that never went through int is drift.
    const prodFile = (await fixture.show('envs/dev/cells/c0/apps/orders/packagedeployment.yaml')).replace('cell: c0', 'cell: c0');
    await commitToRemote(fixture, 'envs/prod/cells/c0/apps/orders/packagedeployment.yaml', prodFile, hours(5));
    await commitToRemote(
      fixture,
      'envs/prod/cells/c0/apps/orders/kustomization.yaml',
      (await fixture.show('envs/dev/cells/c0/apps/orders/kustomization.yaml')).replaceAll('dev', 'prod'),
      hours(5),
    );
    const report = await readStatus(await open(hours(6), { requireClean: false }), 'orders');
    const orders = report.packages[0]!;
    expect(orders.entries.map((e) => `${e.env}/${e.cell} ${e.version}`)).toEqual(['dev/c0 0.1.0', 'prod/c0 0.1.0']);
    expect(orders.entries[1]!.drift).toEqual(['not live in int']);
    expect(orders.entries[0]!.pending.map((p) => p.branch)).toEqual(['datakit/promote/dev/c0/orders']);
    expect(orders.entries[0]!.pending[0]!.title).toBe('Promote orders 0.2.0 to dev/c0');
  });

  it('rolls back to the previous digest from history, or to a named earlier version', async () => {
    await promote('0.1.0', 'dev', hours(0));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(1));
    await promote('0.2.0', 'dev', hours(2));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(3));
    await promote('0.3.0', 'dev', hours(4));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(5));

    const scm = await open(hours(6));
    const back = await prepareRollback({ scm, clock: fixedClock(hours(6)) }, { package: 'orders', env: 'dev' });
    expect(back.plan).toMatchObject({ kind: 'rollback', allowed: true, branch: 'datakit/rollback/dev/c0/orders' });
    expect(back.plan.artifact).toEqual({ version: '0.2.0', digest: versions['0.2.0'], ref: `${registry}/orders@${versions['0.2.0']}` });
    expect(back.plan.previous?.version).toBe('0.3.0');
    const result = await proposePlan(scm, back.plan);
    expect(result?.pushed).toBe(true);
    expect(await fixture.show('envs/dev/cells/c0/apps/orders/packagedeployment.yaml', 'datakit/rollback/dev/c0/orders')).toContain(
      versions['0.2.0'],
    );

    const named = await prepareRollback({ scm, clock: fixedClock(hours(6)) }, { package: 'orders', env: 'dev', toVersion: '0.1.0' });
    expect(named.plan.artifact.digest).toBe(versions['0.1.0']);
    await expect(
      prepareRollback({ scm, clock: fixedClock(hours(6)) }, { package: 'orders', env: 'dev', toVersion: '9.9.9' }),
    ).rejects.toMatchObject({
      code: 'DK712',
      message: expect.stringMatching(/never pinned 9\.9\.9 \(earlier versions: 0\.2\.0, 0\.1\.0\)/),
    });
    await expect(prepareRollback({ scm, clock: fixedClock(hours(6)) }, { package: 'orders', env: 'int' })).rejects.toMatchObject({
      code: 'DK714',
    });
  });

  it('keeps comments, key order and formatting of the files it edits, and they still render', async () => {
    await promote('0.1.0', 'dev', hours(0));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(1));
    const file = 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml';
    const commented = `# Owned by the orders team; page #orders-oncall.
apiVersion: datakit.dev/v1alpha1
kind: PackageDeployment
metadata:
  name: orders # the Application is dev-c0-orders
spec:
  cell: c0
  package:
    # the three pins change together
    ref: ${registry}/orders@${versions['0.1.0']}   # pulled by the controller
    name: orders
    digest: '${versions['0.1.0']}'
    version: "0.1.0"
  mode: batch
  timeout: 45m # the nightly load is slow
`;
    await commitToRemote(fixture, file, commented, hours(1.5));
    const { plan } = await promote('0.2.0', 'dev', hours(2));
    const after = plan.edits.find((e) => e.path === file)!.after;
    expect(after).toBe(
      commented
        .replace(`ref: ${registry}/orders@${versions['0.1.0']}`, `ref: ${registry}/orders@${versions['0.2.0']}`)
        .replace(`digest: '${versions['0.1.0']}'`, `digest: '${versions['0.2.0']}'`)
        .replace('version: "0.1.0"', 'version: "0.2.0"'),
    );
    await checkoutMain();
    await fixture.git(['checkout', '-q', 'origin/datakit/promote/dev/c0/orders']);
    expect(await kustomize(path.join(fixture.checkout, 'envs/dev/cells/c0/apps/orders'))).toContain(versions['0.2.0']);
  });
});

describe('bad input', () => {
  it('an unknown environment or cell is a usage error naming the known ones', async () => {
    const scm = await open(hours(0));
    await expect(
      preparePromotion({ scm, clock: fixedClock(hours(0)) }, resolver, { package: 'orders', versionOrDigest: '0.1.0', env: 'staging' }),
    ).rejects.toMatchObject({
      code: 'DK702',
      exitCode: 2,
      message: 'unknown environment "staging" (environments: dev, int, prod)',
    });
    await expect(
      preparePromotion({ scm, clock: fixedClock(hours(0)) }, resolver, {
        package: 'orders',
        versionOrDigest: '0.1.0',
        env: 'dev',
        cell: 'c9',
      }),
    ).rejects.toMatchObject({ code: 'DK703', exitCode: 2, message: 'unknown cell "c9" in dev (cells: c0)' });
  });

  it('a checkout with uncommitted or untracked changes is refused before anything is read', async () => {
    await writeFile(path.join(fixture.checkout, 'scratch.txt'), 'wip\n');
    await expect(open(hours(0))).rejects.toMatchObject({ code: 'DK707', exitCode: 2, message: expect.stringContaining('?? scratch.txt') });
  });

  it('a malformed deployment file is reported with its file, line and column', async () => {
    await promote('0.1.0', 'dev', hours(0));
    await fixture.merge('datakit/promote/dev/c0/orders', hours(1));
    const file = 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml';
    const good = await fixture.show(file);
    await commitToRemote(fixture, file, good.replace(/digest: sha256:[0-9a-f]+/, 'digest: latest'), hours(2));
    await checkoutMain();
    const refs = await fixture.remoteRefs();
    await expect(promote('0.2.0', 'dev', hours(3))).rejects.toMatchObject({
      code: 'DK706',
      message: expect.stringMatching(
        /^envs\/dev\/cells\/c0\/apps\/orders\/packagedeployment\.yaml:\d+:\d+: spec\.package\.digest must be sha256/,
      ),
    });
    await commitToRemote(fixture, file, 'kind: PackageDeployment\nspec: [unclosed\n', hours(3));
    await expect(promote('0.2.0', 'dev', hours(4))).rejects.toMatchObject({
      code: 'DK706',
      message: expect.stringContaining('not valid YAML'),
    });
    await commitToRemote(fixture, 'datakit-promotion.yaml', 'environments: 3\n', hours(4));
    await expect(promote('0.2.0', 'dev', hours(5))).rejects.toMatchObject({ code: 'DK700' });
    // Nothing was pushed by any of the refused attempts.
    const after = await fixture.remoteRefs();
    expect([...after.keys()].filter((k) => k.startsWith('refs/heads/datakit/'))).toEqual(
      [...refs.keys()].filter((k) => k.startsWith('refs/heads/datakit/')),
    );
  });

  it('a path that is not a git repository, or a remote that cannot be reached, is a clear git error', async () => {
    const plain = await mkdtemp(path.join(tmpdir(), 'dk-not-git-'));
    await expect(open(hours(0), {}, plain)).rejects.toMatchObject({
      code: 'DK709',
      message: expect.stringContaining('not a git repository'),
    });
    await rm(plain, { recursive: true, force: true });
    const missing = await open(hours(0), {}, 'file:///nonexistent/gitops.git');
    await expect(missing.readSnapshot()).rejects.toMatchObject({ code: 'DK709', message: expect.stringContaining('cannot fetch') });
  });
});

describe('remote URLs', () => {
  it('promotes through a cached bare clone of a file:// URL without any checkout', async () => {
    const { result } = await promote('0.1.0', 'dev', hours(0), fixture.remoteUrl);
    expect(result).toMatchObject({ committed: true, pushed: true });
    const again = await promote('0.1.0', 'dev', hours(1), fixture.remoteUrl);
    expect(again.result).toMatchObject({ committed: false });
    expect((await fixture.remoteRefs()).get('refs/heads/datakit/promote/dev/c0/orders')).toBe(result!.commit);
  });
});

describe('review regressions', () => {
  it('a fast-forward merge of a dk commit leaves the soak unknown: it fails closed with the reason', async () => {
    await promote('0.1.0', 'dev', hours(0));
    const scratch = await mkdtemp(path.join(fixture.root, 'ff-'));
    await fixture.git(['clone', '-q', fixture.remoteUrl, scratch], { cwd: fixture.root });
    await fixture.git(['merge', '-q', '--ff-only', 'origin/datakit/promote/dev/c0/orders'], { cwd: scratch });
    await fixture.git(['push', '-q', 'origin', 'main'], { cwd: scratch });
    const { plan } = await promote('0.1.0', 'int', hours(30));
    expect(plan.allowed).toBe(false);
    expect(plan.evaluation.results.find((r) => r.rule === 'soak')?.message).toMatch(/fast-forward.*--no-ff/);
  });

  it('a squash-merged branch is neither pending nor a source of conflicts for the next promotion', async () => {
    await promote('0.1.0', 'dev', hours(0));
    const scratch = await mkdtemp(path.join(fixture.root, 'squash-'));
    await fixture.git(['clone', '-q', fixture.remoteUrl, scratch], { cwd: fixture.root });
    await fixture.git(['merge', '-q', '--squash', 'origin/datakit/promote/dev/c0/orders'], { cwd: scratch });
    await fixture.git(['commit', '-q', '-m', 'Promote orders 0.1.0 to dev/c0 (#1)'], { cwd: scratch, at: hours(1) });
    await fixture.git(['push', '-q', 'origin', 'main'], { cwd: scratch });
    const status = await readStatus(await open(hours(2), { requireClean: false }), 'orders');
    expect(status.packages[0]!.entries[0]!.pending).toEqual([]);
    const next = await promote('0.2.0', 'dev', hours(2));
    expect(next.result?.pushed).toBe(true);
    await fixture.git(['fetch', '-q', 'origin'], { cwd: scratch });
    await fixture.git(['merge', '-q', '--no-ff', '-m', 'merge', 'origin/datakit/promote/dev/c0/orders'], { cwd: scratch, at: hours(3) });
    expect(await readFile(path.join(scratch, 'envs/dev/cells/c0/apps/orders/packagedeployment.yaml'), 'utf8')).toContain(versions['0.2.0']);
  });

  it('rolling back twice goes further back, not forth to the version just rolled back from', async () => {
    for (const [i, v] of ['0.1.0', '0.2.0', '0.3.0'].entries()) {
      await promote(v, 'dev', hours(2 * i));
      await fixture.merge('datakit/promote/dev/c0/orders', hours(2 * i + 1));
    }
    const scm = await open(hours(7));
    const first = await prepareRollback({ scm, clock: fixedClock(hours(7)) }, { package: 'orders', env: 'dev' });
    await proposePlan(scm, first.plan);
    await fixture.merge('datakit/rollback/dev/c0/orders', hours(8));
    const second = await prepareRollback({ scm: await open(hours(9)), clock: fixedClock(hours(9)) }, { package: 'orders', env: 'dev' });
    expect(second.plan.previous?.version).toBe('0.2.0');
    expect(second.plan.artifact.version).toBe('0.1.0');
  });

  it('a local repository without a remote reads main even with a promotion branch checked out', async () => {
    const local = path.join(fixture.root, 'local');
    await fixture.git(['clone', '-q', fixture.remoteUrl, local], { cwd: fixture.root });
    await fixture.git(['remote', 'remove', 'origin'], { cwd: local });
    const scm = await open(hours(0), {}, local);
    const { plan } = await preparePromotion({ scm, clock: fixedClock(hours(0)) }, resolver, {
      package: 'orders',
      versionOrDigest: '0.1.0',
      env: 'dev',
    });
    const result = await proposePlan(scm, plan);
    expect(result).toMatchObject({ pushed: false, committed: true });
    await fixture.git(['checkout', '-q', 'datakit/promote/dev/c0/orders'], { cwd: local });
    const again = await open(hours(1), {}, local);
    const int = await preparePromotion({ scm: again, clock: fixedClock(hours(1)) }, resolver, {
      package: 'orders',
      versionOrDigest: '0.1.0',
      env: 'int',
    });
    expect(int.plan.baseCommit).toBe((await fixture.git(['rev-parse', 'main'], { cwd: local })).trim());
    expect(int.plan.allowed).toBe(false);
  });

  it('never shows credentials of a remote URL, and ignores an inherited GIT_DIR', async () => {
    await fixture.git(['remote', 'set-url', 'origin', 'https://x-access-token:ghs_SECRET123@127.0.0.1:9/acme/gitops.git']);
    const scm = await open(hours(0));
    expect(scm.description).not.toContain('ghs_SECRET123');
    const error = await scm.readSnapshot().catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain('ghs_SECRET123');
    await fixture.git(['remote', 'set-url', 'origin', fixture.remoteUrl]);
    process.env.GIT_DIR = path.join(fixture.root, 'remote.git', 'nonexistent');
    try {
      const snapshot = await (await open(hours(0))).readSnapshot();
      expect(snapshot.branch).toBe('main');
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});
