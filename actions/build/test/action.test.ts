/**
 * The bundled build action (dist/index.js), run as a GitHub runner runs it, over a package that
 * `dk init` scaffolds.
 */
import { createHash } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionMetadata,
  edit,
  lineOf,
  readLayoutManifest,
  runAction,
  scaffoldWorkspaces,
  stackTraceProblems,
  workflowCommands,
  type RunActionOptions,
  type Workspaces,
} from '@datakit/action-common/testing';

const actionDir = path.resolve(import.meta.dirname, '..');
const sha = '3f786850e387550fdab836ed7e6dc881de23001b';
const runner = { GITHUB_SHA: sha, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/data-packages' };
const repositoryUrl = 'https://github.com/acme/data-packages';

let workspaces: Workspaces;

beforeAll(async () => {
  workspaces = await scaffoldWorkspaces('dk-action-build-');
});

afterAll(async () => {
  await workspaces.remove();
});

function build(options: RunActionOptions) {
  return runAction(actionDir, { ...options, env: { ...runner, ...options.env } });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe('action.yml', () => {
  it('declares the inputs and outputs the action uses, and runs dist/index.js on node24', async () => {
    const metadata = await actionMetadata(actionDir);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(metadata.inputs).sort()).toEqual(['allow-secret-files', 'output', 'path']);
    expect(metadata.inputs.path?.default).toBe('.');
    expect(metadata.inputs.output?.default).toBe('');
    expect(metadata.inputs['allow-secret-files']?.default).toBe('false');
    expect(Object.keys(metadata.outputs).sort()).toEqual(['digest', 'layout', 'name', 'ref', 'version']);
  });
});

describe('datakit/build action', () => {
  it('builds the package dk init scaffolds into .dk/build/<name>, stamped with the commit and the repository', async () => {
    const workspace = await workspaces.create('clean');
    const run = await build({ workspace, inputs: { path: 'demo' } });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(stackTraceProblems(run)).toEqual([]);

    const layout = path.join(workspace, '.dk/build/demo');
    const { digest } = run.outputs;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs).toEqual({ name: 'demo', version: '0.1.0', digest, ref: `oci-layout:${layout}@${digest}`, layout });

    // The layout holds the manifest under the version tag; its bytes hash to the digest.
    const tagged = await readLayoutManifest(layout, '0.1.0');
    expect(tagged.digest).toBe(digest);
    const bytes = await readFile(path.join(layout, 'blobs/sha256', digest!.slice('sha256:'.length)));
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(digest);
    expect(tagged.manifest.artifactType).toBe('application/vnd.datakit.package.v1');
    expect(tagged.manifest.annotations).toMatchObject({
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.source': repositoryUrl,
      'org.opencontainers.image.title': 'demo',
      'org.opencontainers.image.version': '0.1.0',
      'dev.datakit.package.name': 'demo',
    });

    expect(run.stdout).toContain('Built demo 0.1.0');
    expect(run.stdout).toContain('no problems');
    for (const text of [
      'DataKit build',
      '<code>demo</code>',
      '<code>0.1.0</code>',
      digest!,
      `oci-layout:${layout}@${digest}`,
      'KiB',
      sha,
    ]) {
      expect(run.summary).toContain(text);
    }
    expect(workflowCommands(run.stdout, 'error')).toEqual([]);
  });

  it('builds byte-identical artifacts with SOURCE_DATE_EPOCH, into an output layout relative to the workspace', async () => {
    const workspace = await workspaces.create('reproducible');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const first = await build({ workspace, inputs: { path: 'demo', output: 'out/first' }, env });
    const second = await build({ workspace, inputs: { path: 'demo', output: 'oci-layout:out/second' }, env });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(first.outputs.layout).toBe(path.join(workspace, 'out/first'));
    expect(second.outputs.ref).toBe(`oci-layout:${path.join(workspace, 'out/second')}@${first.outputs.digest}`);
    const { manifest } = await readLayoutManifest(path.join(workspace, 'out/first'), '0.1.0');
    expect(manifest.annotations?.['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20Z');
    expect(await exists(path.join(workspace, '.dk'))).toBe(false);

    // Another commit is another artifact: the revision is part of it.
    const other = await build({ workspace, inputs: { path: 'demo', output: 'out/other' }, env: { ...env, GITHUB_SHA: 'f'.repeat(40) } });
    expect(other.outputs.digest).not.toBe(first.outputs.digest);
  });

  it('fails on lint errors with annotations relative to the workspace, and builds nothing', async () => {
    const workspace = await workspaces.create('lint-error');
    const file = path.join(workspace, 'demo/dataset/demo-output.yaml');
    await edit(file, '      type: string\n', '      type: string\n      pii: true\n');
    const content = await readFile(file, 'utf8');
    // Started outside the workspace: annotation paths must still be relative to GITHUB_WORKSPACE.
    const run = await build({ workspace, cwd: workspaces.base, inputs: { path: 'demo' } });
    expect(run.exitCode).toBe(1);
    expect(stackTraceProblems(run)).toEqual([]);

    const errors = workflowCommands(run.stdout, 'error');
    const annotation = errors.find((c) => c.properties.title?.startsWith('DK301'));
    expect(annotation?.properties).toMatchObject({
      file: 'demo/dataset/demo-output.yaml',
      line: String(lineOf(content, '  classification:')),
    });
    expect(annotation?.message).toContain('PII');
    const failure = errors.find((c) => c.properties.file === undefined);
    expect(failure?.message).toBe('DataKit build failed: 1 lint error in demo: nothing was built');
    expect(run.outputs).toEqual({});
    expect(run.summary).toContain('❌');
    expect(await exists(path.join(workspace, '.dk'))).toBe(false);
  });

  it('says where it looked when the path does not exist', async () => {
    const workspace = await workspaces.create('missing');
    const run = await build({ workspace, inputs: { path: 'nowhere' } });
    expect(run.exitCode).toBe(1);
    const [failure] = workflowCommands(run.stdout, 'error');
    expect(failure?.message).toContain('DK502');
    expect(failure?.message).toContain(`resolved against the repository root (${workspace})`);
    expect(failure?.message).toContain('actions/checkout');
    expect(stackTraceProblems(run)).toEqual([]);
  });

  it('refuses a secret-looking file unless allow-secret-files is set, naming the input', async () => {
    const workspace = await workspaces.create('secret');
    await writeFile(path.join(workspace, 'demo/src/.env'), 'API_KEY=not-really\n');
    const refused = await build({ workspace, inputs: { path: 'demo' } });
    expect(refused.exitCode).toBe(1);
    const [failure] = workflowCommands(refused.stdout, 'error');
    expect(failure?.message).toContain('DK512 src/.env looks like a secret');
    expect(failure?.message).toContain('set the allow-secret-files input');
    expect(failure?.message).not.toContain('--allow-secret-files');

    const allowed = await build({ workspace, inputs: { path: 'demo', 'allow-secret-files': 'true' } });
    expect(allowed.exitCode, allowed.stdout).toBe(0);
  });

  it('rejects a boolean input that is not true or false', async () => {
    const workspace = await workspaces.create('bad-input');
    const run = await build({ workspace, inputs: { path: 'demo', 'allow-secret-files': 'yes' } });
    expect(run.exitCode).toBe(1);
    expect(workflowCommands(run.stdout, 'error').map((c) => c.message)).toEqual([
      'input allow-secret-files: expected true or false, got "yes"',
    ]);
  });

  it('refuses a SOURCE_DATE_EPOCH that is not whole seconds', async () => {
    const workspace = await workspaces.create('bad-epoch');
    const run = await build({ workspace, inputs: { path: 'demo' }, env: { SOURCE_DATE_EPOCH: '2024-01-01' } });
    expect(run.exitCode).toBe(1);
    expect(workflowCommands(run.stdout, 'error').map((c) => c.message)).toEqual([
      'SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01 UTC, got "2024-01-01"',
    ]);
  });
});
