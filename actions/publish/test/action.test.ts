/**
 * The bundled publish action (dist/index.js), run as a GitHub runner runs it, pushing a package
 * that `dk init` scaffolds to real registries (CNCF distribution, open and with htpasswd + TLS),
 * checked with skopeo, a second OCI implementation.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryTarget } from '@datakit/sdk/registry';
import {
  actionMetadata,
  edit,
  readLayoutManifest,
  runAction,
  scaffoldWorkspaces,
  stackTraceProblems,
  workflowCommands,
  type ActionRun,
  type RunActionOptions,
  type Workspaces,
} from '@datakit/action-common/testing';
import { startRegistry, type TestRegistry } from '../../../sdk/test/helpers/registry';

const actionDir = path.resolve(import.meta.dirname, '..');
const sha = '9c1185a5c5e9fc54612808977ee8f548b2258d31';
const runner = { GITHUB_SHA: sha, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/data-packages' };
const repositoryUrl = 'https://github.com/acme/data-packages';
/** What `${{ github.token }}` evaluates to in these runs: it must never reach a registry other than ghcr.io. */
const githubToken = 'ghs_TestTokenThatMustNeverLeave0123456789';

let workspaces: Workspaces;

beforeAll(async () => {
  workspaces = await scaffoldWorkspaces('dk-action-publish-');
});

afterAll(async () => {
  await workspaces.remove();
});

function publish(options: RunActionOptions): Promise<ActionRun> {
  return runAction(actionDir, { githubToken, ...options, env: { ...runner, ...options.env } });
}

/** The failure message (the one error annotation without a file). */
function failure(run: ActionRun): string | undefined {
  return workflowCommands(run.stdout, 'error').find((c) => c.properties.file === undefined)?.message;
}

async function skopeoDigest(image: string, extra: string[] = []): Promise<{ digest: string; manifest: Record<string, unknown> }> {
  const { stdout } = await promisify(execFile)('skopeo', ['inspect', '--raw', '--tls-verify=false', ...extra, `docker://${image}`], {
    encoding: 'buffer',
  });
  return {
    digest: `sha256:${createHash('sha256').update(stdout).digest('hex')}`,
    manifest: JSON.parse(stdout.toString('utf8')) as Record<string, unknown>,
  };
}

/**
 * `secret` appears on stdout only in its own `::add-mask::` command, which comes before any other
 * line mentioning it; and nowhere else (stderr, the job summary, GITHUB_OUTPUT).
 */
function expectMasked(run: ActionRun, secret: string): void {
  const lines = run.stdout.split('\n');
  const mentioning = lines.filter((line) => line.includes(secret));
  expect(mentioning).toEqual([`::add-mask::${secret}`]);
  expect(run.stderr).not.toContain(secret);
  expect(run.summary).not.toContain(secret);
  expect(run.outputFile).not.toContain(secret);
}

describe('action.yml', () => {
  it('declares the inputs and outputs the action uses, and runs dist/index.js on node24', async () => {
    const metadata = await actionMetadata(actionDir);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(metadata.inputs).sort()).toEqual([
      'allow-overwrite',
      'allow-secret-files',
      'ca-file',
      'password',
      'path',
      'plain-http',
      'registry',
      'tag',
      'token',
      'username',
    ]);
    expect(metadata.inputs.registry?.required).toBe(true);
    expect(metadata.inputs.token?.default).toBe('${{ github.token }}');
    expect(metadata.inputs['allow-overwrite']?.default).toBe('false');
    expect(Object.keys(metadata.outputs).sort()).toEqual(['digest', 'name', 'pushed', 'ref', 'version']);
  });
});

describe('datakit/publish to an open registry', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes the package under its version, then again is a no-op, and changed content is refused naming both digests', async () => {
    const workspace = await workspaces.create('immutable');
    const inputs = { path: 'demo', registry: `oci://${registry.host}/team` };
    const first = await publish({ workspace, inputs });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(stackTraceProblems(first)).toEqual([]);
    const { digest } = first.outputs;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const ref = `oci://${registry.host}/team/demo@${digest}`;
    expect(first.outputs).toEqual({ name: 'demo', version: '0.1.0', digest, ref, pushed: 'true' });
    expect(first.stdout).toContain('Published demo 0.1.0');
    expect(first.summary).toContain('DataKit publish');
    expect(first.summary).toContain(ref);
    expect(first.summary).toContain(digest);
    expectMasked(first, githubToken);

    // skopeo reads what was pushed: same bytes, and the provenance annotations.
    const inspected = await skopeoDigest(`${registry.host}/team/demo:0.1.0`);
    expect(inspected.digest).toBe(digest);
    expect(inspected.manifest.artifactType).toBe('application/vnd.datakit.package.v1');
    expect(inspected.manifest.annotations).toMatchObject({
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.source': repositoryUrl,
    });

    const again = await publish({ workspace, inputs });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs).toEqual({ name: 'demo', version: '0.1.0', digest, ref, pushed: 'false' });
    expect(again.stdout).toContain('Already published (nothing uploaded): demo 0.1.0');
    expect(again.summary).toContain('nothing was uploaded');

    await edit(path.join(workspace, 'demo/src/main.mjs'), 'DK_', 'DK_ ');
    const changed = await publish({ workspace, inputs });
    expect(changed.exitCode).toBe(1);
    expect(stackTraceProblems(changed)).toEqual([]);
    const message = failure(changed);
    expect(message).toMatch(/^DK530 /);
    const digests = [...new Set(message?.match(/sha256:[0-9a-f]{64}/g))];
    expect(digests).toHaveLength(2);
    expect(digests).toContain(digest);
    expect(message).toContain('Bump metadata.version');
    expect(changed.outputs.pushed).toBeUndefined();
    expect(changed.summary).toContain('DK530');

    // The version tag did not move.
    const target = new RegistryTarget({ host: registry.host, repository: 'team/demo' });
    expect((await target.resolve('0.1.0'))?.digest).toBe(digest);
  });

  it('pushes an extra tag, and moves a prerelease only with allow-overwrite', async () => {
    const workspace = await workspaces.create('prerelease');
    await edit(path.join(workspace, 'demo/dk.yaml'), 'version: 0.1.0', 'version: 0.2.0-rc.1');
    const inputs = { path: 'demo', registry: `oci://${registry.host}/pre/` };
    const first = await publish({ workspace, inputs: { ...inputs, tag: `sha-${sha.slice(0, 7)}` } });
    expect(first.exitCode, first.stdout).toBe(0);
    const target = new RegistryTarget({ host: registry.host, repository: 'pre/demo' });
    expect((await target.listTags()).sort()).toEqual(['0.2.0-rc.1', `sha-${sha.slice(0, 7)}`]);
    expect((await target.resolve(`sha-${sha.slice(0, 7)}`))?.digest).toBe(first.outputs.digest);

    await edit(path.join(workspace, 'demo/src/main.mjs'), 'DK_', 'DK_ ');
    const refused = await publish({ workspace, inputs });
    expect(refused.exitCode).toBe(1);
    expect(failure(refused)).toContain('Set the allow-overwrite input');

    // A tag that is not a version is a channel (latest, a commit): it follows each publish.
    const moved = await publish({ workspace, inputs: { ...inputs, 'allow-overwrite': 'true', tag: `sha-${sha.slice(0, 7)}` } });
    expect(moved.exitCode, moved.stdout).toBe(0);
    expect(moved.outputs.pushed).toBe('true');
    expect(moved.outputs.digest).not.toBe(first.outputs.digest);
    expect(moved.stdout).toContain(`0.2.0-rc.1 moved from ${first.outputs.digest}`);
    expect(moved.summary).toContain(`0.2.0-rc.1 moved from ${first.outputs.digest}`);
    expect((await target.resolve('0.2.0-rc.1'))?.digest).toBe(moved.outputs.digest);
    expect((await target.resolve(`sha-${sha.slice(0, 7)}`))?.digest).toBe(moved.outputs.digest);
  });

  it('refuses an invalid extra tag before building or pushing anything', async () => {
    const workspace = await workspaces.create('bad-tag');
    const run = await publish({ workspace, inputs: { path: 'demo', registry: `oci://${registry.host}/badtag`, tag: 'v1+build' } });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toMatch(/^DK520 invalid tag: tag "v1\+build" contains "\+"/);
    expect(await new RegistryTarget({ host: registry.host, repository: 'badtag/demo' }).resolve('0.1.0')).toBeUndefined();
  });

  it('publishes to an OCI layout named relative to the workspace', async () => {
    const workspace = await workspaces.create('layout');
    const run = await publish({ workspace, inputs: { path: 'demo', registry: 'oci-layout:published' } });
    expect(run.exitCode, run.stdout).toBe(0);
    const layout = path.join(workspace, 'published/demo');
    expect(run.outputs.ref).toBe(`oci-layout:${layout}@${run.outputs.digest}`);
    expect((await readLayoutManifest(layout, '0.1.0')).digest).toBe(run.outputs.digest);
  });

  it('does not publish a package with lint errors, and annotates them', async () => {
    const workspace = await workspaces.create('lint-error');
    await edit(path.join(workspace, 'demo/dataset/demo-output.yaml'), 'classification: internal', 'classification: secretive');
    const run = await publish({ workspace, inputs: { path: 'demo', registry: `oci://${registry.host}/linted` } });
    expect(run.exitCode).toBe(1);
    const annotated = workflowCommands(run.stdout, 'error').filter((c) => c.properties.file !== undefined);
    expect(annotated.map((c) => c.properties.file)).toContain('demo/dataset/demo-output.yaml');
    expect(failure(run)).toMatch(/^DataKit publish failed: \d+ lint errors? in demo: nothing was built$/);
    expect(await new RegistryTarget({ host: registry.host, repository: 'linted/demo' }).resolve('0.1.0')).toBeUndefined();
  });

  it('requires the registry input', async () => {
    const workspace = await workspaces.create('no-registry');
    const run = await publish({ workspace, inputs: { path: 'demo' } });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toContain('input registry is required');
  });
});

describe('datakit/publish to a registry with htpasswd and TLS', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', tls: true });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('publishes with the username and password inputs and the ca-file, and never shows the password', async () => {
    const workspace = await workspaces.create('tls');
    const run = await publish({
      workspace,
      inputs: {
        path: 'demo',
        registry: `oci://${registry.host}/secure`,
        username: registry.username,
        password: registry.password,
        'ca-file': registry.caFile!,
      },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(stackTraceProblems(run)).toEqual([]);
    expect(run.outputs.pushed).toBe('true');
    expect(run.outputs.ref).toBe(`oci://${registry.host}/secure/demo@${run.outputs.digest}`);
    expectMasked(run, registry.password);
    expectMasked(run, githubToken);

    const inspected = await skopeoDigest(`${registry.host}/secure/demo:0.1.0`, ['--creds', `${registry.username}:${registry.password}`]);
    expect(inspected.digest).toBe(run.outputs.digest);
  });

  it('fails with a clear 401 message on a wrong password, without showing it', async () => {
    const workspace = await workspaces.create('wrong-password');
    const wrong = `${registry.password}-wrong`;
    const run = await publish({
      workspace,
      inputs: {
        path: 'demo',
        registry: `oci://${registry.host}/secure`,
        username: registry.username,
        password: wrong,
        'ca-file': registry.caFile!,
      },
    });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);
    const message = failure(run);
    expect(message).toMatch(
      /^DK523 authentication failed for 127\.0\.0\.1:\d+ \(the credentials from the username and password inputs were rejected\)/,
    );
    expect(message).toContain('401 Unauthorized');
    expectMasked(run, wrong);
  });

  it('without credentials, says none were found (the GitHub token is not for this registry)', async () => {
    const workspace = await workspaces.create('anonymous');
    const run = await publish({
      workspace,
      inputs: { path: 'demo', registry: `oci://${registry.host}/secure`, 'ca-file': registry.caFile! },
    });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toContain('no credentials were found');
    expectMasked(run, githubToken);
  });

  it('fails without a ca-file, without showing the password', async () => {
    const workspace = await workspaces.create('untrusted');
    const run = await publish({
      workspace,
      inputs: { path: 'demo', registry: `oci://${registry.host}/secure`, username: registry.username, password: registry.password },
    });
    expect(run.exitCode).toBe(1);
    // A loopback registry is reached over plain HTTP unless a CA file is given: this one speaks TLS only.
    expect(failure(run)).toMatch(/^DK52\d /);
    expectMasked(run, registry.password);
  });
});

describe('datakit/publish credentials', () => {
  /** A registry that challenges every request for Basic credentials and records the Authorization headers it gets. */
  let server: http.Server;
  let host: string;
  const authorizations: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.headers.authorization) authorizations.push(request.headers.authorization);
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="recording"', 'Content-Type': 'application/json' });
      response.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('never sends the token input to a registry other than ghcr.io', async () => {
    const workspace = await workspaces.create('token');
    authorizations.length = 0;
    const run = await publish({ workspace, inputs: { path: 'demo', registry: `oci://${host}/team` } });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toContain('no credentials were found');
    expect(authorizations).toEqual([]);
    expectMasked(run, githubToken);

    // The same server does see the username and password inputs: the recording works.
    const withLogin = await publish({
      workspace,
      inputs: { path: 'demo', registry: `oci://${host}/team`, username: 'someone', password: 'pa55-word-x' },
    });
    expect(withLogin.exitCode).toBe(1);
    expect(authorizations.length).toBeGreaterThan(0);
    expect(new Set(authorizations)).toEqual(new Set([`Basic ${Buffer.from('someone:pa55-word-x').toString('base64')}`]));
    expectMasked(withLogin, 'pa55-word-x');
  });

  it('wants username and password together', async () => {
    const workspace = await workspaces.create('half-login');
    const run = await publish({ workspace, inputs: { path: 'demo', registry: `oci://${host}/team`, password: 'only-a-password' } });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toBe('input username is empty, but password is set: set both or neither');
    expectMasked(run, 'only-a-password');
  });
});
