import { readFile, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '@datakit/sdk/core';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import { createGitopsFixture, gitIdentity, type GitopsFixture } from '../../sdk/test/helpers/gitops/gitops-remote';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

let registry: TestRegistry;
let prefix: string;
let cwd: string;
let gitops: GitopsFixture;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  registry = await startRegistry();
  prefix = `oci://${registry.host}/team`;
  for (const [k, v] of Object.entries(gitIdentity)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  await registry.stop();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-promote-'));
  gitops = await createGitopsFixture();
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
  await gitops.cleanup();
});

// Tuesday 24 November 2026, 09:00 UTC: outside the template policy's freeze windows.
const t0 = new Date('2026-11-24T09:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * 3_600_000);

function dk(when: Date, ...argv: string[]): Promise<InProcessResult> {
  return runInProcess(cwd, argv, {}, fixedClock(when));
}

async function publish(version: string): Promise<string> {
  const manifest = path.join(cwd, 'demo', 'dk.yaml');
  await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(/^ {2}version: .*$/m, `  version: ${version}`));
  const result = await dk(t0, 'publish', 'demo', '--registry', prefix, '--json');
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { digest: string }).digest;
}

async function scaffold(): Promise<void> {
  const init = await dk(t0, 'init', 'demo', '--runtime', 'generic-node');
  expect(init.code, init.stderr).toBe(0);
}

const pinned = (env: string) => `envs/${env}/cells/c0/apps/demo/packagedeployment.yaml`;

describe('dk promote, status and rollback (real registry, real git remote)', () => {
  it('publish → promote to dev → merge → int → status; prod before int is refused; rollback restores the previous digest', async () => {
    await scaffold();
    const d1 = await publish('0.1.0');
    const flags = ['--gitops', gitops.checkout, '--registry', prefix];

    const dev = await dk(at(0), 'promote', 'demo', '0.1.0', '--to', 'dev', ...flags);
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stdout).toContain('Promote demo 0.1.0 to dev/c0');
    expect(dev.stdout).toContain(`digest:   ${d1}`);
    expect(dev.stdout).toContain(`ref:      ${registry.host}/team/demo@${d1}`);
    expect(dev.stdout).toMatch(/Branch datakit\/promote\/dev\/c0\/demo: committed [0-9a-f]{12}, pushed to the gitops remote\./);
    expect(await gitops.show(pinned('dev'), 'datakit/promote/dev/c0/demo')).toContain(`digest: ${d1}`);
    await gitops.merge('datakit/promote/dev/c0/demo', at(1));

    // prod before int: refused with every reason, nothing pushed.
    const refsBefore = await gitops.remoteRefs();
    const prod = await dk(at(30), 'promote', 'demo', '0.1.0', '--to', 'prod', ...flags);
    expect(prod.code).toBe(1);
    expect(prod.stderr).toContain('DK701');
    expect(prod.stderr).toMatch(/- order: demo sha256:[0-9a-f]{12} \(0\.1\.0\) is not live in int; promote it there first/);
    expect(prod.stderr).toMatch(/- soak: must soak 24h in int before prod/);
    const prodDry = await dk(at(30), 'promote', 'demo', '0.1.0', '--to', 'prod', '--dry-run', ...flags);
    expect(prodDry.code).toBe(1);
    expect(prodDry.stderr).toContain('not live in int');
    expect(await gitops.remoteRefs()).toEqual(refsBefore);

    const int = await dk(at(2), 'promote', 'demo', '0.1.0', '--to', 'int', ...flags);
    expect(int.code, int.stderr).toBe(0);
    expect(int.stdout).toContain('✓ order:');
    expect(int.stdout).toContain('… approvals: checked on the pull request: 1 approval(s) from team datakit/engineers');
    await gitops.merge('datakit/promote/int/c0/demo', at(3));

    const status = await dk(at(4), 'status', '--gitops', gitops.checkout);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/demo\s+dev\/c0\s+0\.1\.0\s+sha256:[0-9a-f]{12}\s+2026-11-24 10:00 \(3h ago\)/);
    expect(status.stdout).toMatch(/\s+int\/c0\s+0\.1\.0\s+sha256:[0-9a-f]{12}\s+2026-11-24 12:00 \(1h ago\)/);
    const json = await dk(at(4), 'status', 'demo', '--gitops', gitops.checkout, '-o', 'json');
    const report = JSON.parse(json.stdout) as {
      packages: { package: string; entries: { env: string; digest: string; since: string }[] }[];
    };
    expect(report.packages[0]!.entries.map((e) => [e.env, e.digest, e.since])).toEqual([
      ['dev', d1, at(1).toISOString()],
      ['int', d1, at(3).toISOString()],
    ]);

    // A second version in dev, then a rollback to the first.
    const d2 = await publish('0.2.0');
    expect((await dk(at(5), 'promote', 'demo', d2, '--to', 'dev', ...flags)).code).toBe(0);
    const pending = await dk(at(5), 'status', 'demo', '--gitops', gitops.checkout);
    expect(pending.stdout).toContain('→ pending: Promote demo 0.2.0 to dev/c0 (datakit/promote/dev/c0/demo)');
    await gitops.merge('datakit/promote/dev/c0/demo', at(6));
    expect(await gitops.show(pinned('dev'))).toContain(`digest: ${d2}`);

    const dry = await dk(at(7), 'rollback', 'demo', '--env', 'dev', '--gitops', gitops.checkout, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Roll back demo in dev/c0 to 0.1.0');
    expect(dry.stdout).toContain(`previous: 0.2.0 (${d2})`);
    expect(dry.stdout).toContain('Dry run: nothing was written or pushed.');
    const rollback = await dk(at(7), 'rollback', 'demo', '--env', 'dev', '--gitops', gitops.checkout);
    expect(rollback.code, rollback.stderr).toBe(0);
    await gitops.merge('datakit/rollback/dev/c0/demo', at(8));
    expect(await gitops.show(pinned('dev'))).toContain(`digest: ${d1}`);
    expect(await gitops.show(pinned('dev'))).toContain(`ref: ${registry.host}/team/demo@${d1}`);
  });

  it('prints the plan as JSON and changes nothing on --dry-run; a second promotion of the same digest adds no commit', async () => {
    await scaffold();
    const d1 = await publish('0.1.0');
    const flags = ['--gitops', gitops.checkout, '--registry', prefix];
    const dry = await dk(at(0), 'promote', 'demo', '0.1.0', '--to', 'dev', '--dry-run', '--json', ...flags);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as Record<string, unknown>;
    expect(plan).toMatchObject({
      allowed: true,
      dryRun: true,
      branch: 'datakit/promote/dev/c0/demo',
      artifact: { version: '0.1.0', digest: d1 },
      files: ['envs/dev/cells/c0/apps/demo/kustomization.yaml', 'envs/dev/cells/c0/apps/demo/packagedeployment.yaml'],
      result: null,
    });
    expect([...(await gitops.remoteRefs()).keys()].some((r) => r.includes('datakit/'))).toBe(false);
    const first = await dk(at(0), 'promote', 'demo', '0.1.0', '--to', 'dev', '--json', ...flags);
    const second = await dk(at(1), 'promote', 'demo', '0.1.0', '--to', 'dev', '--json', ...flags);
    const a = JSON.parse(first.stdout) as { result: { commit: string; committed: boolean } };
    const b = JSON.parse(second.stdout) as { result: { commit: string; committed: boolean } };
    expect(a.result.committed).toBe(true);
    expect(b.result).toMatchObject({ committed: false, commit: a.result.commit });
  });

  it('dk gitops init scaffolds a committed repository that refuses to be scaffolded twice', async () => {
    const result = await dk(t0, 'gitops', 'init', 'ops', '--repo-url', 'https://git.example.com/ops.git');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Created the gitops repository ops \(\d+ files, commit [0-9a-f]{12}\)/);
    const appset = await readFile(path.join(cwd, 'ops', 'argocd', 'applicationset.yaml'), 'utf8');
    expect(appset).toContain('repoURL: https://git.example.com/ops.git');
    expect(appset).not.toContain('github.com/datakit/gitops.git');
    const again = await dk(t0, 'gitops', 'init', 'ops');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('DK715');
  });
});

describe('bad input', () => {
  it('each is a clear error with its code and exit code, and nothing is pushed', async () => {
    await scaffold();
    await publish('0.1.0');
    const flags = ['--gitops', gitops.checkout, '--registry', prefix];
    const before = await gitops.remoteRefs();
    const cases: [string[], number, string | RegExp][] = [
      [
        ['promote', 'nosuch', '0.1.0', '--to', 'dev', ...flags],
        2,
        /DK704: unknown package nosuch: nothing is published at oci:\/\/127\.0\.0\.1:\d+\/team\/nosuch/,
      ],
      [
        ['promote', 'demo', '9.9.9', '--to', 'dev', ...flags],
        2,
        /DK705: demo 9\.9\.9 is not in oci:\/\/.*\/team\/demo \(published versions: [^)]*0\.1\.0\)/,
      ],
      [['promote', 'demo', 'latest-ish', '--to', 'dev', ...flags], 2, 'DK705: latest-ish: not a version (x.y.z) or a digest'],
      [['promote', 'demo', `sha256:${'0'.repeat(64)}`, '--to', 'dev', ...flags], 2, 'DK705'],
      [['promote', 'demo', '0.1.0', '--to', 'staging', ...flags], 2, 'DK702: unknown environment "staging" (environments: dev, int, prod)'],
      [['promote', 'demo', '0.1.0', '--to', 'dev', '--cell', 'c7', ...flags], 2, 'DK703: unknown cell "c7" in dev (cells: c0)'],
      [['promote', 'demo', '0.1.0', '--to', 'dev', '--registry', prefix], 2, 'DK713: no gitops repository'],
      [['promote', 'demo', '0.1.0', '--to', 'dev', '--gitops', 'github:acme/gitops', '--registry', prefix], 2, 'DK708'],
      [['promote', 'demo', '0.1.0', '--to', 'dev', '--gitops', 'github:acme', '--registry', prefix], 2, 'DK713'],
      [['promote', 'demo', '0.1.0', '--to', 'dev', '--gitops', path.join(cwd, 'missing'), '--registry', prefix], 2, 'no such directory'],
      [['rollback', 'demo', '--env', 'dev', '--gitops', gitops.checkout], 2, 'DK714: demo is not deployed in dev nor anywhere else'],
      [['status', 'nosuch', '--gitops', gitops.checkout], 2, 'DK704'],
      [['promote', 'demo', '0.1.0'], 2, ''],
    ];
    for (const [argv, code, message] of cases) {
      const result = await dk(t0, ...argv);
      expect(result.code, `${argv.join(' ')}\n${result.stderr}`).toBe(code);
      if (typeof message === 'string') expect(result.stderr).toContain(message);
      else expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    // An uncommitted change in the checkout.
    await writeFile(path.join(gitops.checkout, 'datakit-promotion.yaml'), '# edited\n', { flag: 'a' });
    const dirty = await dk(t0, 'promote', 'demo', '0.1.0', '--to', 'dev', ...flags);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('DK707');
    expect(dirty.stderr).toContain('M datakit-promotion.yaml');
    expect(await gitops.remoteRefs()).toEqual(before);
  });
});
