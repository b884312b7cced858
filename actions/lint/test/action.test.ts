/**
 * The bundled action (dist/index.js), run as a GitHub runner runs it, over real packages on disk.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionMetadata,
  dk,
  lineOf,
  repoRoot,
  runAction as runActionIn,
  scaffoldWorkspaces,
  stackTraceProblems,
  workflowCommands,
  type ActionRun,
  type RunActionOptions,
  type Workspaces,
} from '@datakit/action-common/testing';

const actionDir = path.resolve(import.meta.dirname, '..');
const reference = path.resolve(repoRoot, '../shared/conformance/datakit-reference');

/** Workspaces holding the package `dk init demo --runtime generic-node` scaffolds, at `demo/`. */
let workspaces: Workspaces;

/** An output DataSet that holds PII but is classified internal (DK301), with an unknown field (DK107). */
function badDataSet(name: string): string {
  return [
    'apiVersion: datakit.dev/v1alpha1',
    'kind: DataSet',
    'metadata:',
    `  name: ${name}`,
    '  namespace: default',
    '  version: 0.1.0',
    'spec:',
    '  store: local',
    '  prefix: output/',
    '  format: jsonl',
    '  classification: internal',
    '  retentionDays: 30',
    '  schema:',
    '    - name: id',
    '      type: integer',
    '    - name: email',
    '      type: string',
    '      pii: true',
    '',
  ].join('\n');
}

async function dkInit(cwd: string, name: string): Promise<void> {
  await promisify(execFile)(process.execPath, [dk, 'init', name, '--runtime', 'generic-node'], { cwd });
}

function runAction(options: RunActionOptions): Promise<ActionRun> {
  return runActionIn(actionDir, options);
}

beforeAll(async () => {
  workspaces = await scaffoldWorkspaces('dk-action-lint-');
});

afterAll(async () => {
  await workspaces.remove();
});

describe('action.yml', () => {
  it('declares the inputs and outputs the action uses, and runs dist/index.js on node24', async () => {
    const metadata = await actionMetadata(actionDir);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(metadata.inputs).sort()).toEqual(['path', 'sarif-file', 'scan-dir', 'strict']);
    expect(metadata.inputs.path?.default).toBe('.');
    expect(metadata.inputs['scan-dir']?.default).toBe('false');
    expect(metadata.inputs.strict?.default).toBe('false');
    expect(Object.keys(metadata.outputs).sort()).toEqual(['errors', 'warnings']);
  });
});

describe('datakit/lint action', () => {
  it('passes on the package dk init scaffolds', async () => {
    const workspace = await workspaces.create('clean');
    const run = await runAction({ workspace, inputs: { path: 'demo' } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ errors: '0', warnings: '0' });
    expect(workflowCommands(run.stdout, 'error')).toEqual([]);
    expect(workflowCommands(run.stdout, 'warning')).toEqual([]);
    expect(run.stdout).toContain('no problems');
    expect(run.summary).toContain('DataKit lint');
    expect(run.summary).toContain('<b>0 errors</b>');
    expect(run.summary).not.toContain('<table>');
    expect(stackTraceProblems(run)).toEqual([]);
  });

  describe('on a package with a governance error and an unknown field', () => {
    let workspace: string;
    let dataset: string;
    let run: ActionRun;
    const relativeFile = 'demo/dataset/demo-output.yaml';

    beforeAll(async () => {
      workspace = await workspaces.create('bad');
      dataset = badDataSet('demo-output');
      await writeFile(path.join(workspace, relativeFile), dataset);
      // Started outside the workspace: annotation paths must still be relative to GITHUB_WORKSPACE.
      run = await runAction({
        workspace,
        cwd: workspaces.base,
        inputs: { path: 'demo', 'sarif-file': 'reports/code-scanning/dk.sarif' },
        env: { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/data', GITHUB_SHA: 'abc123' },
      });
    });

    it('fails the step with a clear message and no stack trace', () => {
      expect(run.exitCode).toBe(1);
      const failure = workflowCommands(run.stdout, 'error').filter((c) => c.properties.file === undefined);
      expect(failure.map((c) => c.message)).toEqual(['DataKit lint failed: 1 error and 1 warning in demo']);
      expect(stackTraceProblems(run)).toEqual([]);
    });

    it('annotates the error on the offending line, relative to the repository root', () => {
      const line = lineOf(dataset, '  classification: internal');
      expect(line).toBe(11);
      const errors = workflowCommands(run.stdout, 'error').filter((c) => c.properties.file !== undefined);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.raw).toMatch(
        new RegExp(`^::error title=DK301 PII without sufficient classification,file=${relativeFile},line=11,`),
      );
      expect(errors[0]!.properties).toEqual({
        title: 'DK301 PII without sufficient classification',
        file: relativeFile,
        line: '11',
        endLine: '11',
        col: '3',
        endColumn: String('  classification: internal'.length + 1),
      });
      expect(errors[0]!.message).toMatch(/^PII field email in a DataSet classified internal.*\nSet spec\.classification: confidential/);
    });

    it('annotates the unknown field as a warning', () => {
      const warnings = workflowCommands(run.stdout, 'warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.properties).toMatchObject({
        title: 'DK107 Unknown field',
        file: relativeFile,
        line: String(lineOf(dataset, '  retentionDays:')),
        col: '3',
      });
      expect(warnings[0]!.message).toContain('unknown field spec.retentionDays');
    });

    it('sets the errors and warnings outputs', () => {
      expect(run.outputs).toEqual({ errors: '1', warnings: '1' });
    });

    it('prints the text report to the log', () => {
      expect(run.stdout).toContain(`${relativeFile}:11:3  DK301  error  PII field email`);
      expect(run.stdout).toContain(`${relativeFile}:12:3  DK107  warning  unknown field spec.retentionDays`);
    });

    it('writes a job summary with a table of findings and the totals', () => {
      expect(run.summary).toContain('<h2>DataKit lint</h2>');
      expect(run.summary).toContain('<b>1 error</b>, <b>1 warning</b>');
      expect(run.summary).toContain('<table><tr><th>Location</th><th>Code</th><th>Severity</th><th>Message</th></tr>');
      expect(run.summary).toContain(
        `<td><a href="https://github.com/acme/data/blob/abc123/${relativeFile}#L11">${relativeFile}:11</a></td><td><code>DK301</code></td><td>❌ error</td>`,
      );
      expect(run.summary).toContain(`${relativeFile}:12</a></td><td><code>DK107</code></td><td>⚠️ warning</td>`);
    });

    it('writes SARIF 2.1.0 where asked, creating the folders', async () => {
      const sarif = JSON.parse(await readFile(path.join(workspace, 'reports/code-scanning/dk.sarif'), 'utf8'));
      expect(sarif.version).toBe('2.1.0');
      const results = sarif.runs[0].results as { ruleId: string; level: string; locations: { physicalLocation: unknown }[] }[];
      const dk301 = results.find((r) => r.ruleId === 'DK301');
      expect(dk301?.level).toBe('error');
      expect(dk301?.locations[0]?.physicalLocation).toEqual({
        artifactLocation: { uri: relativeFile, uriBaseId: '%SRCROOT%' },
        region: { startLine: 11, startColumn: 3, endLine: 11, endColumn: 27 },
      });
      expect(results.map((r) => r.ruleId).sort()).toEqual(['DK107', 'DK301']);
      expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['DK107', 'DK301']);
    });
  });

  it('fails clearly when the path does not exist', async () => {
    const workspace = await workspaces.create('missing');
    const run = await runAction({ workspace, inputs: { path: 'no/such/package' } });
    expect(run.exitCode).toBe(1);
    const [failure, ...more] = workflowCommands(run.stdout, 'error');
    expect(more).toEqual([]);
    expect(failure?.message).toMatch(/^DK502 no\/such\/package: no such file or directory\n.*actions\/checkout/);
    expect(run.summary).toContain('DK502 no/such/package: no such file or directory');
    expect(run.outputs).toEqual({});
    expect(stackTraceProblems(run)).toEqual([]);
  });

  it('fails when a manifest cannot be read', async () => {
    const workspace = await workspaces.create('unreadable');
    await symlink(path.join(workspace, 'no-such-target.yaml'), path.join(workspace, 'demo/dataset/gone.yaml'));
    const run = await runAction({ workspace, inputs: { path: 'demo' } });
    expect(run.exitCode).toBe(1);
    const errors = workflowCommands(run.stdout, 'error');
    expect(errors.map((c) => [c.properties.title, c.properties.file])).toEqual([
      ['DK503 File cannot be read', 'demo/dataset/gone.yaml'],
      [undefined, undefined],
    ]);
    expect(errors[1]!.message).toBe('DataKit lint failed: 1 error in demo; some files below demo could not be read');
    expect(stackTraceProblems(run)).toEqual([]);
  });

  it('fails clearly on an input that is not a boolean', async () => {
    const workspace = await workspaces.create('bad-input');
    const run = await runAction({ workspace, inputs: { path: 'demo', strict: 'yes' } });
    expect(run.exitCode).toBe(1);
    expect(workflowCommands(run.stdout, 'error').map((c) => c.message)).toEqual(['input strict: expected true or false, got "yes"']);
    expect(stackTraceProblems(run)).toEqual([]);
  });

  it('fails clearly when the SARIF file cannot be written', async () => {
    const workspace = await workspaces.create('sarif-blocked');
    await writeFile(path.join(workspace, 'reports'), 'a file where a folder is expected');
    const run = await runAction({ workspace, inputs: { path: 'demo', 'sarif-file': 'reports/dk.sarif' } });
    expect(run.exitCode).toBe(1);
    expect(workflowCommands(run.stdout, 'error').map((c) => c.message)).toEqual([
      expect.stringMatching(/^sarif-file reports\/dk\.sarif: cannot be written \(E[A-Z]+\)$/),
    ]);
    expect(stackTraceProblems(run)).toEqual([]);
  });

  describe('strict', () => {
    let workspace: string;
    beforeAll(async () => {
      workspace = await workspaces.create('warning-only');
      const file = path.join(workspace, 'demo/dataset/demo-output.yaml');
      const original = await readFile(file, 'utf8');
      const withUnknownField = original.replace(/^ {2}classification: (.*)$/m, '  classification: $1\n  retentionDays: 30');
      expect(withUnknownField).not.toBe(original);
      await writeFile(file, withUnknownField);
    });

    it('off: a warning is annotated but does not fail the step', async () => {
      const run = await runAction({ workspace, inputs: { path: 'demo' } });
      expect(run.exitCode).toBe(0);
      expect(run.outputs).toEqual({ errors: '0', warnings: '1' });
      expect(workflowCommands(run.stdout, 'warning').map((c) => c.properties.title)).toEqual(['DK107 Unknown field']);
      expect(workflowCommands(run.stdout, 'error')).toEqual([]);
    });

    it('on: the warning becomes an error and fails the step', async () => {
      const run = await runAction({ workspace, inputs: { path: 'demo', strict: 'true' } });
      expect(run.exitCode).toBe(1);
      expect(run.outputs).toEqual({ errors: '1', warnings: '0' });
      const errors = workflowCommands(run.stdout, 'error');
      expect(errors.map((c) => c.properties.title)).toEqual(['DK107 Unknown field', undefined]);
      expect(errors[1]!.message).toBe('DataKit lint failed: 1 error in demo (strict: warnings count as errors)');
      expect(run.summary).toContain('strict');
    });
  });

  describe('scan-dir', () => {
    let workspace: string;
    beforeAll(async () => {
      workspace = path.join(workspaces.base, 'scan');
      await mkdir(path.join(workspace, 'packages'), { recursive: true });
      await dkInit(path.join(workspace, 'packages'), 'alpha');
      await dkInit(path.join(workspace, 'packages'), 'beta');
      await writeFile(path.join(workspace, 'packages/beta/dataset/beta-output.yaml'), badDataSet('beta-output'));
    });

    it('lints every package below path', async () => {
      const run = await runAction({ workspace, inputs: { path: 'packages', 'scan-dir': 'true' } });
      expect(run.exitCode).toBe(1);
      expect(run.outputs).toEqual({ errors: '1', warnings: '1' });
      const annotated = workflowCommands(run.stdout, 'error').filter((c) => c.properties.file !== undefined);
      expect(annotated.map((c) => [c.properties.file, c.properties.line])).toEqual([['packages/beta/dataset/beta-output.yaml', '11']]);
    });

    it('without it, a folder of packages is not a package', async () => {
      const run = await runAction({ workspace, inputs: { path: 'packages' } });
      expect(run.exitCode).toBe(1);
      expect(workflowCommands(run.stdout, 'error').map((c) => c.properties.title)).toContain('DK501 No package found');
    });
  });

  it('passes on the reference multi-transform project, without annotating its notes', async () => {
    const run = await runAction({ workspace: reference, inputs: { path: 'tests/e2e/testdata/multi-transform' } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ errors: '0', warnings: '0' });
    for (const command of ['error', 'warning', 'notice']) expect(workflowCommands(run.stdout, command)).toEqual([]);
    // The notes (legacy apiVersion group, external Stores) are in the log and the summary.
    expect(run.stdout).toContain('DK118  info');
    expect(run.summary).toContain('<code>DK118</code>');
    expect(stackTraceProblems(run)).toEqual([]);
  });
});
