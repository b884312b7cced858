import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

const reference = path.resolve(import.meta.dirname, '../../../shared/conformance/datakit-reference');
let cwd: string;

beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-cli-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dk(...argv: string[]): Promise<InProcessResult> {
  return runInProcess(cwd, argv);
}

describe('dk init', () => {
  for (const runtime of ['generic-node', 'generic-python', 'generic-go', 'dbt', 'cloudquery']) {
    for (const mode of ['batch', 'streaming']) {
      it(`scaffolds a ${runtime} ${mode} package that lints clean, also with --strict`, async () => {
        const init = await dk('init', 'demo', '--runtime', runtime, '--mode', mode, '--namespace', 'team-a');
        expect(init.code).toBe(0);
        const strict = await dk('lint', 'demo', '--strict', '--output', 'json');
        const report = JSON.parse(strict.stdout);
        expect(report.issues.filter((i: { severity: string }) => i.severity !== 'info')).toEqual([]);
        expect(strict.code).toBe(0);
        const dkYaml = await readFile(path.join(cwd, 'demo/dk.yaml'), 'utf8');
        expect(dkYaml).toContain(`runtime: ${runtime}`);
        expect(dkYaml).toContain(`mode: ${mode}`);
        expect(dkYaml).toContain('namespace: team-a');
        expect(await readdir(path.join(cwd, 'demo'))).toEqual(
          expect.arrayContaining(['dk.yaml', 'dataset', 'store', 'connector', 'README.md']),
        );
      });
    }
  }

  it('writes source code that reads and writes through the run contract', async () => {
    await dk('init', 'node-demo', '--runtime', 'generic-node');
    const code = await readFile(path.join(cwd, 'node-demo/src/main.mjs'), 'utf8');
    expect(code).toContain('DK_INPUT_NODE_DEMO_INPUT');
    expect(code).toContain('DK_OUTPUT_NODE_DEMO_OUTPUT');
  });

  it('refuses to overwrite an existing directory and leaves it untouched', async () => {
    await dk('init', 'demo');
    const before = await readFile(path.join(cwd, 'demo/dk.yaml'), 'utf8');
    const again = await dk('init', 'demo', '--runtime', 'generic-go');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('DK505');
    expect(await readFile(path.join(cwd, 'demo/dk.yaml'), 'utf8')).toBe(before);
    expect((await readdir(cwd)).filter((f) => f.includes('dk-init'))).toEqual([]);
  });

  it('rejects bad names, runtimes and modes with exit 2 and writes nothing', async () => {
    for (const argv of [['init', 'Bad_Name'], ['init', 'ok', '--runtime', 'rust'], ['init', 'ok', '--mode', 'sometimes'], ['init']]) {
      const result = await dk(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
    }
    expect(await readdir(cwd)).toEqual([]);
  });
});

describe('dk lint', () => {
  it('text output is file:line:col  CODE  severity  message, relative to the working directory', async () => {
    await dk('init', 'demo');
    const file = path.join(cwd, 'demo/dataset/demo-output.yaml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, (await readFile(file, 'utf8')).replace('classification: internal', 'classification: secret'));
    const result = await dk('lint', 'demo');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^demo\/dataset\/demo-output\.yaml:11:3 {2}DK108 {2}error {2}spec\.classification is the string "secret"; allowed: public, internal, confidential, restricted/m,
    );
    expect(result.stdout).toContain('hint:');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('json output is the documented, stable report', async () => {
    const result = await dk('lint', path.join(reference, 'cli/cmd/testdata/invalid-package'), '--output', 'json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.version).toBe(1);
    expect(report.summary).toMatchObject({ errors: 4, warnings: 0, files: 1, manifests: 1 });
    expect(Object.keys(report.issues[0]).sort()).toEqual([
      'code',
      'column',
      'endColumn',
      'endLine',
      'file',
      'hint',
      'line',
      'message',
      'path',
      'severity',
    ]);
  });

  it('sarif output is SARIF 2.1.0 with rules and located results', async () => {
    const result = await dk('lint', path.join(reference, 'examples/dbt-reporting'), '--output', 'sarif');
    const sarif = JSON.parse(result.stdout);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toContain('DK304');
    const result304 = run.results.find((r: { ruleId: string }) => r.ruleId === 'DK304');
    expect(result304.level).toBe('error');
    expect(result304.locations[0].physicalLocation.region.startLine).toBe(8);
    expect(result304.message.text).not.toContain('dkpassword');
  });

  it('--scan-dir lints every package below a directory; without it a non-package is refused', async () => {
    await dk('init', 'a');
    await dk('init', 'b', '--runtime', 'generic-go');
    const plain = await dk('lint', '.');
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('DK501');
    const scan = await dk('lint', '.', '--scan-dir');
    expect(scan.code).toBe(0);
    expect(scan.stdout).toContain('10 manifests in 10 files: no problems');
  });

  it('-f and --set overlay the Transform in memory only', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(cwd, 'values.yaml'), 'spec:\n  timeout: forever\n');
    const before = await readFile(path.join(cwd, 'demo/dk.yaml'));
    const bad = await dk('lint', 'demo', '-f', 'values.yaml', '--output', 'json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).issues.map((i: { code: string }) => i.code)).toContain('DK113');
    const fixed = await dk('lint', 'demo', '-f', 'values.yaml', '--set', 'spec.timeout=45m');
    expect(fixed.code).toBe(0);
    expect(await readFile(path.join(cwd, 'demo/dk.yaml'))).toEqual(before);
  });
});

describe('dk show', () => {
  it('prints the merged manifests as YAML or JSON', async () => {
    await dk('init', 'demo', '--runtime', 'generic-node');
    const yaml = await dk('show', 'demo', '--set', 'spec.image=registry.local/demo:2', '--set', 'metadata.labels.team=data');
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain('image: registry.local/demo:2');
    expect(yaml.stdout).toContain('team: data');
    expect(yaml.stdout.split('---\n')).toHaveLength(5);
    const json = JSON.parse((await dk('show', 'demo', '-o', 'json')).stdout);
    expect(json[0].kind).toBe('Transform');
    expect(await readFile(path.join(cwd, 'demo/dk.yaml'), 'utf8')).not.toContain('registry.local');
  });
});

describe('dk pipeline show', () => {
  const project = path.join(reference, 'tests/e2e/testdata/multi-transform');

  it('prints the run order', async () => {
    const result = await dk('pipeline', 'show', project);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 transforms, 4 datasets, 6 edges');
    expect(result.stdout.indexOf('extract')).toBeLessThan(result.stdout.indexOf('transform-etl'));
    expect(result.stdout.indexOf('transform-etl')).toBeLessThan(result.stdout.indexOf('load-report'));
  });

  it('--destination keeps only what a DataSet is built from', async () => {
    const result = await dk('pipeline', 'show', project, '--destination', 'final-report', '-o', 'json');
    const graph = JSON.parse(result.stdout);
    expect(graph.order).toEqual(['extract', 'transform-etl']);
    const unknown = await dk('pipeline', 'show', project, '--destination', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no DataSet "nope"');
  });

  it('renders mermaid and dot', async () => {
    expect((await dk('pipeline', 'show', project, '-o', 'mermaid')).stdout).toMatch(/^flowchart LR/);
    expect((await dk('pipeline', 'show', project, '-o', 'dot')).stdout).toMatch(/^digraph pipeline \{/);
  });
});

describe('dk explain, completion, version', () => {
  it('explains a code and lists all codes', async () => {
    const one = await dk('explain', 'dk301');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('DK301: PII without sufficient classification');
    const all = await dk('explain');
    expect(all.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(30);
    const unknown = await dk('explain', 'DK999');
    expect(unknown.code).toBe(2);
  });

  it('prints completion scripts for bash, zsh and fish', async () => {
    expect((await dk('completion', 'bash')).stdout).toContain('complete -F _dk_complete dk');
    expect((await dk('completion', 'zsh')).stdout).toContain('bashcompinit');
    const fish = (await dk('completion', 'fish')).stdout;
    expect(fish).toContain("complete -c dk -n '__fish_seen_subcommand_from lint' -l scan-dir");
    expect((await dk('completion', 'tcsh')).code).toBe(2);
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    expect((await dk('lnt')).code).toBe(2);
    expect((await dk('lint', '--bogus')).code).toBe(2);
  });
});

describe('the installed binary', () => {
  const bin = path.resolve(import.meta.dirname, '../bin/dk.js');
  const run = promisify(execFile);

  it('runs as npx dk would: --version, and colour only on request', async () => {
    expect((await stat(bin)).mode & 0o111).not.toBe(0);
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    await run(process.execPath, [bin, 'init', 'demo'], { cwd });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(cwd, 'demo/dataset/demo-output.yaml'), 'kind: [');
    const colored = await run(process.execPath, [bin, 'lint', 'demo'], {
      cwd,
      env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' },
    }).catch((e) => e);
    expect(colored.stdout).toContain('\u001b[31merror');
    const plain = await run(process.execPath, [bin, 'lint', 'demo'], {
      cwd,
      env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '1' },
    }).catch((e) => e);
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toContain('\u001b[');
  });
});
