/**
 * The bundled promote action (dist/index.js), run as a GitHub runner runs it, over plain git: a
 * real bare gitops repository reached over file:// (or a checkout in the workspace), and the
 * `demo` package published to a real registry (CNCF distribution) by the bundled publish action.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionMetadata, stackTraceProblems } from '@datakit/action-common/testing';
import { createGitopsFixture, type GitopsFixture } from '../../../sdk/test/helpers/gitops/gitops-remote';
import { actionDir, expectMasked, failure, githubToken, promote, publishDemo, type Published } from './promote-helpers';

const devBranch = 'datakit/promote/dev/c0/demo';
const deployment = (env: string) => `envs/${env}/cells/c0/apps/demo/packagedeployment.yaml`;

describe('action.yml', () => {
  it('declares the inputs and outputs the action uses, and runs dist/index.js on node24', async () => {
    const metadata = await actionMetadata(actionDir);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(metadata.inputs).sort()).toEqual([
      'ca-file',
      'cell',
      'digest',
      'dry-run',
      'environment',
      'gitops-repo',
      'package',
      'password',
      'plain-http',
      'registry',
      'reviewers',
      'token',
      'username',
      'version',
    ]);
    for (const name of ['package', 'environment', 'gitops-repo', 'registry']) expect(metadata.inputs[name]?.required, name).toBe(true);
    expect(metadata.inputs.token?.default).toBe('${{ github.token }}');
    expect(metadata.inputs['dry-run']?.default).toBe('false');
    expect(Object.keys(metadata.outputs).sort()).toEqual(['allowed', 'branch', 'committed', 'digest', 'pr-number', 'pr-url', 'version']);
  });
});

describe('datakit/promote over plain git', () => {
  let published: Published;
  let fixture: GitopsFixture;
  let digests: Published['digests'];

  beforeAll(async () => {
    published = await publishDemo();
    digests = published.digests;
  }, 120_000);

  afterAll(async () => {
    await published?.cleanup();
  });

  beforeEach(async () => {
    fixture = await createGitopsFixture();
  });

  afterEach(async () => {
    await fixture?.cleanup();
  });

  function inputs(extra: Record<string, string> = {}): Record<string, string> {
    return {
      package: 'demo',
      version: '0.1.0',
      environment: 'dev',
      'gitops-repo': fixture.remoteUrl,
      registry: published.prefix,
      ...extra,
    };
  }

  it('promotes to dev: the branch is pushed, the summary shows the digest and the rendered diff; again, nothing is committed', async () => {
    const first = await promote(published, { inputs: inputs() });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(stackTraceProblems(first)).toEqual([]);
    const digest = digests['0.1.0'];
    expect(first.outputs).toEqual({
      allowed: 'true',
      version: '0.1.0',
      digest,
      branch: devBranch,
      committed: 'true',
      'pr-url': '',
      'pr-number': '',
    });
    expect(first.stdout).toContain('Promote demo 0.1.0 to dev/c0');
    expect(first.stdout).toMatch(/Branch datakit\/promote\/dev\/c0\/demo: committed [0-9a-f]{12}, pushed to the gitops repository/);

    expect(first.summary).toContain('DataKit promote');
    expect(first.summary).toContain('## Promote `demo` to `dev/c0`');
    expect(first.summary).toContain(`| digest | — | \`${digest}\` |`);
    expect(first.summary).toContain('```diff');
    expect(first.summary).toContain(`+    digest: ${digest}`);
    expect(first.summary).toContain('✅ **order**');
    // No identity: who may promote and the approvals are left to the pull request, and the summary says so.
    expect(first.summary).toContain('⏳ **promoters**');
    expect(first.summary).toContain('without an identity of its own');
    expect(first.summary).not.toContain('datakit:promotion');
    expectMasked(first, githubToken);

    const refs = await fixture.remoteRefs();
    const head = refs.get(`refs/heads/${devBranch}`);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await fixture.show(deployment('dev'), devBranch)).toContain(`ref: ${published.registry.host}/team/demo@${digest}`);

    const again = await promote(published, { inputs: inputs() });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs).toMatchObject({ allowed: 'true', branch: devBranch, committed: 'false', 'pr-url': '' });
    expect(again.stdout).toContain('already up to date');
    expect(again.summary).toContain('already holds this change (no new commit)');
    expect(await fixture.remoteRefs()).toEqual(refs);
  });

  it('refuses prod before int, naming order and soak, and pushes nothing', async () => {
    const before = await fixture.remoteRefs();
    const run = await promote(published, { inputs: inputs({ environment: 'prod' }) });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    const message = failure(run);
    expect(message).toMatch(/^DK701 promotion of demo 0\.1\.0 to prod\/c0 refused:\n/);
    expect(message).toContain('  - order: demo sha256:');
    expect(message).toContain('is not live in int; promote it there first');
    expect(message).toContain('  - soak: must soak 24h in int before prod');
    expect(message).toContain('Fix every reason listed');
    expect(run.outputs).toEqual({
      allowed: 'false',
      version: '0.1.0',
      digest: digests['0.1.0'],
      branch: 'datakit/promote/prod/c0/demo',
      committed: 'false',
      'pr-url': '',
      'pr-number': '',
    });
    expect(run.summary).toContain('❌ DK701');
    expect(run.summary).toContain('Nothing was pushed.');
    expect(run.summary).toContain('❌ **order**');
    expect(run.summary).toContain('❌ **soak**');
    expect(await fixture.remoteRefs()).toEqual(before);
  });

  it('shows the previous pin, and lets a digest live in dev past the soak into int', async () => {
    expect((await promote(published, { inputs: inputs() })).exitCode).toBe(0);
    // Merged two hours ago: int wants 1h in dev.
    await fixture.merge(devBranch, new Date(Date.now() - 2 * 3_600_000));

    const int = await promote(published, { inputs: inputs({ environment: 'int' }) });
    expect(int.exitCode, int.stdout).toBe(0);
    expect(int.outputs).toMatchObject({ allowed: 'true', branch: 'datakit/promote/int/c0/demo', committed: 'true' });
    expect(int.summary).toMatch(/✅ \*\*soak\*\*: live in dev for 2h0m \(soak 1h\)/);
    expect(int.summary).toContain('⏳ **approvals**');

    const next = await promote(published, { inputs: inputs({ version: '0.2.0' }) });
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.outputs).toMatchObject({ version: '0.2.0', digest: digests['0.2.0'], committed: 'true' });
    expect(next.summary).toContain('| version | `0.1.0` | `0.2.0` |');
    expect(next.summary).toContain(`| digest | \`${digests['0.1.0']}\` | \`${digests['0.2.0']}\` |`);
    expect(next.summary).toContain(`-    digest: ${digests['0.1.0']}`);
    expect(next.summary).toContain(`+    digest: ${digests['0.2.0']}`);
    expect(next.stdout).toContain(`previous: 0.1.0 (${digests['0.1.0']})`);
  });

  it('promotes a digest from a checkout in the workspace, after a dry run that pushes nothing', async () => {
    const workspace = await published.workspaces.create(`checkout-${path.basename(fixture.root)}`);
    await fixture.git(['clone', '-q', fixture.remoteUrl, path.join(workspace, 'gitops')], { cwd: fixture.root });
    const byDigest = { package: 'demo', digest: digests['0.2.0'], environment: 'dev', 'gitops-repo': 'gitops', registry: published.prefix };
    const before = await fixture.remoteRefs();

    const dry = await promote(published, { workspace, inputs: { ...byDigest, 'dry-run': 'true' } });
    expect(dry.exitCode, dry.stdout).toBe(0);
    expect(dry.outputs).toEqual({
      allowed: 'true',
      version: '0.2.0',
      digest: digests['0.2.0'],
      branch: devBranch,
      committed: 'false',
      'pr-url': '',
      'pr-number': '',
    });
    expect(dry.stdout).toContain('Dry run: allowed by the policy; nothing was written or pushed');
    expect(dry.summary).toContain('Dry run');
    expect(dry.summary).toContain(`+    digest: ${digests['0.2.0']}`);
    expect(await fixture.remoteRefs()).toEqual(before);

    const real = await promote(published, { workspace, inputs: byDigest });
    expect(real.exitCode, real.stdout).toBe(0);
    expect(real.outputs).toMatchObject({ version: '0.2.0', committed: 'true' });
    expect(await fixture.show(deployment('dev'), devBranch)).toContain(`digest: ${digests['0.2.0']}`);
    // The checkout's work tree is left as it was.
    expect((await fixture.git(['status', '--porcelain'], { cwd: path.join(workspace, 'gitops') })).trim()).toBe('');
  });

  it('fails clearly on an unknown environment', async () => {
    const run = await promote(published, { inputs: inputs({ environment: 'staging' }) });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    const message = failure(run);
    expect(message).toMatch(/^DK702 unknown environment "staging" \(environments: dev, int, prod\)\n/);
    expect(message).toContain('Set the environment input to one of the environments listed');
    expect(run.outputs).toEqual({});
    expect(run.summary).toContain('DK702');
  });

  it('fails with DK705 on a version that is not in the registry', async () => {
    const before = await fixture.remoteRefs();
    const run = await promote(published, { inputs: inputs({ version: '0.9.0' }) });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    const message = failure(run);
    expect(message).toMatch(
      /^DK705 demo 0\.9\.0 is not in oci:\/\/127\.0\.0\.1:\d+\/team\/demo \(published versions: 0\.2\.0, 0\.1\.0\)\n/,
    );
    expect(message).toContain('Publish that version first (datakit/publish)');
    expect(await fixture.remoteRefs()).toEqual(before);
  });

  it('wants exactly one of version and digest, and a package name', async () => {
    const both = await promote(published, { inputs: inputs({ digest: digests['0.1.0'] }) });
    expect(both.exitCode).toBe(1);
    expect(stackTraceProblems(both)).toEqual([]);
    expect(failure(both)).toBe('inputs version and digest are both set: set exactly one (version: 0.2.0, or digest: sha256:…)');

    const neither = await promote(published, { inputs: inputs({ version: '' }) });
    expect(neither.exitCode).toBe(1);
    expect(failure(neither)).toMatch(/^input version or digest is required: set exactly one/);

    const badDigest = await promote(published, { inputs: inputs({ version: '', digest: '0.1.0' }) });
    expect(failure(badDigest)).toBe('input digest: "0.1.0" is not a digest (sha256:…); a version goes into the version input');

    const badName = await promote(published, { inputs: inputs({ package: '../demo' }) });
    expect(failure(badName)).toMatch(/^input package: "\.\.\/demo" is not a package name/);

    const noGitops = await promote(published, { inputs: inputs({ 'gitops-repo': '' }) });
    expect(failure(noGitops)).toMatch(/^input gitops-repo is required/);
  });

  it('refuses a gitops URL with credentials in it, without showing them', async () => {
    const secret = 'ghs_UrlSecretThatMustNeverLeave0123456789';
    const run = await promote(published, {
      inputs: inputs({ 'gitops-repo': `https://x-access-token:${secret}@github.com/acme/gitops.git` }),
    });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    expect(failure(run)).toMatch(/^input gitops-repo: a URL with credentials in it is refused/);
    expectMasked(run, secret);
  });

  it('fails clearly on a gitops path that is not a repository', async () => {
    const run = await promote(published, { inputs: inputs({ 'gitops-repo': './no-such-dir' }) });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    const message = failure(run);
    expect(message).toMatch(/^DK709 gitops repository \.\/no-such-dir: no such directory\n/);
    expect(message).toContain('Check the gitops-repo input');
  });
});

describe('datakit/promote with a registry behind htpasswd and TLS', () => {
  let published: Published;
  let fixture: GitopsFixture;

  beforeAll(async () => {
    published = await publishDemo({ auth: 'htpasswd', tls: true });
    fixture = await createGitopsFixture();
  }, 120_000);

  afterAll(async () => {
    await fixture?.cleanup();
    await published?.cleanup();
  });

  it('resolves the version with the username and password inputs and never shows the password or the token', async () => {
    const run = await promote(published, {
      inputs: {
        package: 'demo',
        version: '0.1.0',
        environment: 'dev',
        'gitops-repo': fixture.remoteUrl,
        registry: published.prefix,
        ...published.registryInputs,
      },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(stackTraceProblems(run)).toEqual([]);
    expect(run.outputs).toMatchObject({ digest: published.digests['0.1.0'], committed: 'true' });
    expectMasked(run, published.registry.password);
    expectMasked(run, githubToken);
  });

  it('fails with a clear 401 message on a wrong password, without showing it', async () => {
    const wrong = `${published.registry.password}-wrong`;
    const run = await promote(published, {
      inputs: {
        package: 'demo',
        version: '0.1.0',
        environment: 'dev',
        'gitops-repo': fixture.remoteUrl,
        registry: published.prefix,
        ...published.registryInputs,
        password: wrong,
      },
    });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    expect(failure(run)).toMatch(
      /^DK523 authentication failed for 127\.0\.0\.1:\d+ \(the credentials from the username and password inputs were rejected\)/,
    );
    expectMasked(run, wrong);
    expectMasked(run, githubToken);
  });
});
