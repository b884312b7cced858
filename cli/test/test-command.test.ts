import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateRunEvent } from '@datakit/sdk/lineage';
import { expectValidRunEvent } from '../../sdk/test/helpers/lineage';
import { expectValidAssertionsFacet } from '../../sdk/test/testing/helpers';
import type { CliConfig } from '../src/config';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

let cwd: string;

beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dk-test-cmd-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dk(argv: string[], overrides: Partial<CliConfig> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, argv, overrides);
}

interface Assertion {
  assertion: string;
  success: boolean;
  column?: string;
}

interface Event {
  eventType: string;
  run: {
    runId: string;
    facets?: Record<string, { tests?: Array<{ name: string; status: string }>; message?: string; stackTrace?: string }>;
  };
  outputs: Array<{ name: string; facets?: Record<string, { assertions?: Assertion[] }> }>;
}

async function events(file: string): Promise<Event[]> {
  const lines = (await readFile(path.join(cwd, file), 'utf8')).trim().split('\n');
  const parsed = lines.map((l) => JSON.parse(l) as Event);
  for (const event of parsed) {
    expectValidRunEvent(event);
    expect(validateRunEvent(event)).toEqual([]);
  }
  return parsed;
}

async function edit(file: string, change: (text: string) => string): Promise<void> {
  const full = path.join(cwd, file);
  await writeFile(full, change(await readFile(full, 'utf8')));
}

/** Appends spec.quality to the scaffolded output DataSet. */
async function addQuality(yaml: string): Promise<void> {
  await edit('demo/dataset/demo-output.yaml', (text) => `${text}  quality:\n${yaml}`);
}

async function scaffold(): Promise<void> {
  const init = await dk(['init', 'demo', '--runtime', 'generic-node']);
  expect(init.code, init.stderr).toBe(0);
}

describe('dk test --local', () => {
  it('passes on the scaffolded generic-node package (exit 0), with a readable table', async () => {
    await scaffold();
    const result = await dk(['test', 'demo', '--local']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('demo: wrote 3 rows');
    expect(result.stdout).toMatch(/demo-output {2}demo\/data\/output\/ {2}3 rows/);
    expect(result.stdout).toMatch(/PASS {3}column_present\(name\) +present/);
    expect(result.stdout).toMatch(/PASS {3}type\(id\) +3 values are integer/);
    expect(result.stdout).toMatch(/PASS {3}not_null\(id\) +no nulls/);
    expect(result.stdout).toContain('dk test demo: 8 passed (8 checks on 1 output)');
    expect(result.stderr).toBe('');
  });

  it('fails (exit 1) naming the column when the transform drops an output column', async () => {
    await scaffold();
    await edit('demo/src/main.mjs', (text) =>
      text.replace(
        "return { id: row.id, name: row.name, name_length: String(row.name ?? '').length };",
        "return { id: row.id, name_length: String(row.name ?? '').length };",
      ),
    );
    const result = await dk(['test', 'demo', '--local']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL {3}column_present\(name\) +column name is missing from the output; it has id, name_length/);
    expect(result.stdout).toMatch(/SKIP {3}type\(name\) +column name is missing from the output/);
    expect(result.stderr).toContain('DK670');
    expect(result.stderr).toContain('demo-output column_present(name): column name is missing from the output');
  });

  it('checks types and nullability of every row', async () => {
    await scaffold();
    await edit('demo/src/main.mjs', (text) =>
      text.replace(
        "return { id: row.id, name: row.name, name_length: String(row.name ?? '').length };",
        "return { id: row.id === 2 ? null : row.id, name: row.name, name_length: row.id === 3 ? 'five' : String(row.name ?? '').length };",
      ),
    );
    const result = await dk(['test', 'demo', '--local']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL {3}not_null\(id\) +1 of 3 rows have no id/);
    expect(result.stdout).toMatch(
      /FAIL {3}type\(name_length\) +1 of 3 values are not integer \(first at demo\/data\/output\/part-0000\.jsonl:3: "five"\)/,
    );
  });

  describe('quality checks', () => {
    const cases: Array<{ name: string; passing: string; failing: string; message: RegExp }> = [
      {
        name: 'row_count',
        passing: '    rowCount:\n      min: 1\n      max: 3\n',
        failing: '    rowCount:\n      min: 5\n',
        message: /FAIL {3}row_count +3 rows, expected at least 5/,
      },
      {
        name: 'unique',
        passing: '    unique: [id, name]\n',
        failing: '    unique: [name_length]\n',
        message: /FAIL {3}unique\(name_length\) +1 duplicate value \(first at demo\/data\/output\/part-0000\.jsonl:3: 5\)/,
      },
      {
        name: 'not_null',
        passing: '    notNull: [name]\n',
        failing: '    notNull: [nickname]\n',
        message: /FAIL {3}not_null\(nickname\) +column nickname is missing from the output/,
      },
      {
        name: 'accepted_values',
        passing: '    acceptedValues:\n      name: [Ada, Grace, Linus, Alan]\n',
        failing: '    acceptedValues:\n      name_length: [3, 4]\n',
        message: /FAIL {3}accepted_values\(name_length\) +2 of 3 values are not one of \[3,4\] \(e\.g\. 5\)/,
      },
    ];
    for (const c of cases) {
      it(`${c.name}: passes, and fails with what it saw`, async () => {
        await scaffold();
        const original = await readFile(path.join(cwd, 'demo/dataset/demo-output.yaml'), 'utf8');
        await addQuality(c.passing);
        const ok = await dk(['test', 'demo', '--local']);
        expect(ok.code, ok.stdout + ok.stderr).toBe(0);
        expect(ok.stdout).toMatch(new RegExp(`PASS {3}${c.name}`));

        await writeFile(path.join(cwd, 'demo/dataset/demo-output.yaml'), original);
        await addQuality(c.failing);
        const failed = await dk(['test', 'demo', '--local']);
        expect(failed.code, failed.stdout + failed.stderr).toBe(1);
        expect(failed.stdout).toMatch(c.message);
        expect(failed.stderr).toContain('DK670');
      });
    }
  });

  it('writes JUnit XML: one testsuite per output, one testcase per check, failures with messages', async () => {
    await scaffold();
    await addQuality('    rowCount:\n      max: 2\n    acceptedValues:\n      name: ["<Ada & \\"Grace\\">"]\n');
    const result = await dk(['test', 'demo', '--local', '--junit', 'reports/junit.xml']);
    expect(result.code).toBe(1);
    const xml = await readFile(path.join(cwd, 'reports/junit.xml'), 'utf8');
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dk test demo" tests="10" failures="2" errors="0" skipped="0"',
      ),
    ).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(1);
    expect(xml).toContain('<testsuite name="demo-output" tests="10" failures="2" errors="0" skipped="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(10);
    expect(xml).toContain('<testcase name="column_present(id)" classname="demo.demo-output" time="0.000"/>');
    expect(xml).toContain(
      '<failure message="3 rows, expected at most 2" type="row_count">3 rows, expected at most 2\nexpected: at most 2\nobserved: 3</failure>',
    );
    // The accepted value with <, &, and quotes, escaped in attributes and text alike.
    expect(xml).toContain('not one of [&quot;&lt;Ada &amp; \\&quot;Grace\\&quot;&gt;&quot;]');
    expect(xml).toContain('expected: ["&lt;Ada &amp; \\"Grace\\"&gt;"]');
    expect(xml).toContain('<property name="location" value="demo/data/output/"/>');
  });

  it('a transform failure exits 1 with a FAIL event, a failing JUnit case and no checks', async () => {
    await scaffold();
    await writeFile(path.join(cwd, 'demo/src/main.mjs'), 'throw new Error("boom in transform");\n');
    const result = await dk(['test', 'demo', '--local', '--lineage', 'file:events.jsonl', '--junit', 'junit.xml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DK605');
    expect(result.stderr).toContain('its outputs were not checked');
    const all = await events('events.jsonl');
    expect(all.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    expect(all[1]!.run.facets!.errorMessage!.stackTrace).toContain('boom in transform');
    const xml = await readFile(path.join(cwd, 'junit.xml'), 'utf8');
    expect(xml).toContain('<testsuite name="demo" tests="1" failures="1"');
    expect(xml).toContain('<failure message="exited with code 1&#10;');
    expect(xml).toContain('boom in transform');
  });
});

describe('seeding', () => {
  const seed = (rows: string) => `  dev:\n    seed:\n      rows:\n${rows}`;

  it("loads the inputs' spec.dev.seed before the run; an output's seed is left alone (its data is what is checked)", async () => {
    await scaffold();
    await edit('demo/dataset/demo-input.yaml', (text) => text + seed('        - {id: 4, name: Alan, email: alan@example.com}\n'));
    await edit('demo/dataset/demo-output.yaml', (text) => text + seed('        - {id: 9, name: Seed, name_length: 4}\n'));
    await addQuality('    rowCount:\n      min: 4\n      max: 4\n');
    const result = await dk(['test', 'demo', '--local']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/demo-input → .*: loaded 1 row/);
    expect(result.stdout).toContain('demo: wrote 4 rows');
    expect(result.stdout).toMatch(/PASS {3}row_count +4 rows/);
    await expect(readFile(path.join(cwd, 'demo/data/output/dk-seed.jsonl'))).rejects.toThrow();
  });

  it('a seed that does not fit its DataSet stops the test before anything runs (exit 1, no events)', async () => {
    await scaffold();
    await edit('demo/dataset/demo-input.yaml', (text) => text + seed('        - {id: 4, nickname: Al}\n'));
    const result = await dk(['test', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the inputs could not be seeded; nothing was run');
    expect(result.stdout).not.toContain('demo: wrote');
    await expect(readFile(path.join(cwd, 'events.jsonl'))).rejects.toThrow();
  });
});

describe('lineage', () => {
  it('the COMPLETE event carries the results: dataQualityAssertions on the output, a test run facet; every event valid', async () => {
    await scaffold();
    await edit('demo/src/main.mjs', (text) =>
      text.replace(
        "return { id: row.id, name: row.name, name_length: String(row.name ?? '').length };",
        'return { id: row.id, name_length: 1 };',
      ),
    );
    await addQuality('    unique: [name_length]\n');
    const result = await dk(['test', 'demo', '--local', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(1);
    const [start, complete, ...rest] = await events('events.jsonl');
    expect(rest).toEqual([]);
    expect(start!.eventType).toBe('START');
    expect(complete!.eventType).toBe('COMPLETE');
    expect(complete!.run.runId).toBe(start!.run.runId);
    expect(start!.outputs[0]!.facets).not.toHaveProperty('dataQualityAssertions');
    const facet = complete!.outputs[0]!.facets!.dataQualityAssertions!;
    expectValidAssertionsFacet(facet);
    expect(facet.assertions).toContainEqual(expect.objectContaining({ assertion: 'column_present', column: 'name', success: false }));
    expect(facet.assertions).toContainEqual(expect.objectContaining({ assertion: 'column_present', column: 'id', success: true }));
    expect(facet.assertions).toContainEqual(expect.objectContaining({ assertion: 'unique', column: 'name_length', success: false }));
    // Skipped checks are no assertions: type(name) could not run.
    expect(facet.assertions!.some((a) => a.assertion === 'type' && a.column === 'name')).toBe(false);
    const tests = complete!.run.facets!.test!.tests!;
    expect(tests).toContainEqual(expect.objectContaining({ name: 'demo-output: column_present(name)', status: 'fail' }));
    expect(tests).toContainEqual(expect.objectContaining({ name: 'demo-output: type(name)', status: 'skip' }));
    expect(tests).toContainEqual(expect.objectContaining({ name: 'demo-output: not_null(id)', status: 'pass' }));
  });
});

describe('usage', () => {
  it('-e reaches the transform; a bad -e, --engine or --timeout is a usage error (exit 2)', async () => {
    await scaffold();
    await edit('demo/src/main.mjs', (text) =>
      text.replace('console.log(`demo: wrote', 'console.log(`greeting=${process.env.GREETING}`);\n  console.log(`demo: wrote'),
    );
    const ok = await dk(['test', 'demo', '--local', '-e', 'GREETING=hello']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('greeting=hello');
    expect((await dk(['test', 'demo', '--local', '-e', 'not valid'])).code).toBe(2);
    expect((await dk(['test', 'demo', '--engine', 'lxc'])).code).toBe(2);
    expect((await dk(['test', 'demo', '--local', '--timeout', 'soon'])).code).toBe(2);
  });

  it('refuses a streaming Transform (DK673) and a package with lint errors', async () => {
    const init = await dk(['init', 'stream', '--runtime', 'generic-node', '--mode', 'streaming']);
    expect(init.code).toBe(0);
    const streaming = await dk(['test', 'stream', '--local']);
    expect(streaming.code).toBe(2);
    expect(streaming.stderr).toContain('DK673');
    await scaffold();
    await edit('demo/dk.yaml', (text) => text.replace('runtime: generic-node', 'runtime: generic-cobol'));
    const broken = await dk(['test', 'demo', '--local']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('nothing was tested');
  });

  it('an unwritable --junit path is an I/O error (exit 2)', async () => {
    await scaffold();
    await writeFile(path.join(cwd, 'taken'), 'a file, not a directory\n');
    const result = await dk(['test', 'demo', '--local', '--junit', 'taken/junit.xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DK517');
  });
});
