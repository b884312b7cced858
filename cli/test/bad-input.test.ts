/**
 * dk lint (and dk show) against bad input, through the real bundled binary: every bad input
 * gives a located, coded diagnostic and the documented exit code (0 clean, 1 errors found,
 * 2 usage or I/O error), never a stack trace, and never writes a file.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  ensureFreshBundle,
  hasStackTrace,
  lintJson,
  runDk,
  type DkResult,
  type JsonIssue,
  type JsonReport,
} from './helpers/run-dk';
import {
  dataSetYaml,
  lineOf,
  minimalPackage,
  storeYaml,
  TempDirs,
  transformYaml,
  type FileTree,
  type TempDir,
} from './helpers/temp-package';

const temps = new TempDirs();

beforeAll(() => ensureFreshBundle(), 180_000);
afterEach(() => temps.cleanup());

function expectNoStackTrace(result: DkResult): void {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.signal, describeRun(result)).toBeNull();
  expect(hasStackTrace(result.stdout), `stack trace on stdout\n${describeRun(result)}`).toBe(false);
  expect(hasStackTrace(result.stderr), `stack trace on stderr\n${describeRun(result)}`).toBe(false);
  expect(result.stderr, describeRun(result)).not.toMatch(/internal error/);
}

function listIssues(report: JsonReport): string {
  return report.issues.map((i) => `${i.file ?? ''}:${i.line ?? ''}:${i.column ?? ''} ${i.code} ${i.severity} ${i.message}`).join('\n');
}

/** The issue with `code` in `file` (the first one); fails, listing every issue, when there is none. */
function issueAt(report: JsonReport, code: string, file?: string): JsonIssue {
  const found = report.issues.find((i) => i.code === code && (file === undefined || i.file === file));
  expect(found, `expected ${code}${file ? ` in ${file}` : ''}; got:\n${listIssues(report)}`).toBeDefined();
  return found!;
}

function expectExit(result: DkResult, code: number, report?: JsonReport): void {
  expect(result.code, `${describeRun(result)}${report ? `\n--- issues\n${listIssues(report)}` : ''}`).toBe(code);
}

/**
 * Creates a temp dir with `files`, runs `dk lint <target> ...args --output json` in it and checks
 * that no stack trace was printed and that nothing below the dir was written or changed.
 */
async function lintFiles(
  files: FileTree,
  args: string[] = [],
  options: { target?: string; cwd?: string; timeoutMs?: number; nodeOptions?: string[]; setup?: (temp: TempDir) => void } = {},
): Promise<{ temp: TempDir; result: DkResult; report: JsonReport }> {
  const temp = temps.create(files);
  options.setup?.(temp);
  const before = temp.snapshot();
  const { result, report } = await lintJson([options.target ?? '.', ...args], {
    cwd: options.cwd ? temp.path(options.cwd) : temp.dir,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.nodeOptions ? { nodeOptions: options.nodeOptions } : {}),
  });
  expectNoStackTrace(result);
  expect(temp.snapshot(), 'dk lint must not write or change any file').toEqual(before);
  expect(report.version).toBe(1);
  return { temp, result, report };
}

describe('sanity', () => {
  it('the minimal package lints clean (exit 0)', async () => {
    const { result, report } = await lintFiles(minimalPackage());
    expectExit(result, 0, report);
    expect(report.summary.errors, listIssues(report)).toBe(0);
    expect(report.summary.warnings, listIssues(report)).toBe(0);
    expect(report.summary.manifests).toBe(4);
  });
});

describe('YAML syntax and structure', () => {
  it('malformed YAML (unclosed bracket on line 5 of dk.yaml) → DK100 at line 5, exit 1', async () => {
    const dk = transformYaml.replace('  version: 0.1.0\n', '  tags: [etl, nightly\n  version: 0.1.0\n');
    expect(lineOf(dk, 'tags: [etl, nightly')).toBe(5);
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK100', 'dk.yaml');
    expect(issue.severity).toBe('error');
    // The bracket that is never closed is on line 5 (the parser only notices on a later line).
    expect(issue.line, listIssues(report)).toBe(5);
  });

  it('a document that is a list → DK102, exit 1', async () => {
    const dk = '# a list is not a manifest\n- apiVersion: datakit.dev/v1alpha1\n- kind: Transform\n';
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK102', 'dk.yaml');
    expect(issue.line).toBe(2);
    expect(issue.column).toBe(1);
  });

  it('a document that is a bare scalar → DK102, exit 1', async () => {
    const dk = '# a scalar is not a manifest\njust some text\n';
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK102', 'dk.yaml');
    expect(issue.line).toBe(2);
    expect(issue.column).toBe(1);
  });

  it('an empty dk.yaml → DK102, exit 1', async () => {
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': '' }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK102', 'dk.yaml');
    expect(issue.line).toBe(1);
  });

  it('duplicate keys (metadata.name twice) → DK101 at the second key, exit 1', async () => {
    const dk = transformYaml.replace('  name: demo\n', '  name: demo\n  name: demo-two\n');
    const second = lineOf(dk, 'name: demo-two');
    const { temp, result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK101', 'dk.yaml');
    expect(issue.line, listIssues(report)).toBe(second);
    expect(issue.column, listIssues(report)).toBe(3);

    // The human format: "path:LINE:COL  DKnnn  error  message", then an indented hint line.
    const text = await runDk(['lint'], { cwd: temp.dir });
    expectNoStackTrace(text);
    expectExit(text, 1);
    expect(text.stdout).toMatch(new RegExp(`^dk\\.yaml:${second}:3 {2}DK101 {2}error {2}\\S.*\\n {2,}hint: \\S`, 'm'));
  });

  it('a multi-document file with one bad document → the error at its line in the bad document', async () => {
    const good = dataSetYaml('demo-output', 'output/');
    const bad = dataSetYaml('demo-extra', 'extra/', { schema: '' }).replace('  schema:\n', '  schema: "id"\n');
    const file = `${good}---\n${bad}`;
    const badLine = lineOf(file, 'schema: "id"');
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-output.yaml': file }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK105', 'dataset/demo-output.yaml');
    expect(issue.line, listIssues(report)).toBe(badLine);
    expect(issue.path).toBe('spec.schema');
    // The first document is fine: no error is located in it.
    const inFirst = report.issues.filter(
      (i) => i.file === 'dataset/demo-output.yaml' && i.severity === 'error' && (i.line ?? 0) <= lineOf(file, '---'),
    );
    expect(inFirst, listIssues(report)).toEqual([]);
    expect(report.summary.manifests).toBe(5);
  });

  it('a multi-document file whose second document has a syntax error → DK100 at that line; the first still loads', async () => {
    const good = dataSetYaml('demo-output', 'output/');
    const file = `${good}---\napiVersion: datakit.dev/v1alpha1\nkind: DataSet\nmetadata:\n  name: demo-extra\nspec:\n  prefix: [extra/\n`;
    const badLine = lineOf(file, 'prefix: [extra/');
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-output.yaml': file }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK100', 'dataset/demo-output.yaml');
    expect(issue.line, listIssues(report)).toBe(badLine);
    // demo-output (document 1) is still read: the Transform's output resolves.
    expect(
      report.issues.filter((i) => i.code === 'DK201'),
      listIssues(report),
    ).toEqual([]);
  });

  it('an alias bomb (billion laughs, 9 levels) → DK117, exit 1, quickly and in bounded memory', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = 'abcdefghi';
    for (let i = 1; i < names.length; i++) {
      const prev = names[i - 1]!;
      lines.push(`${names[i]}: &${names[i]} [${Array.from({ length: 9 }, () => `*${prev}`).join(',')}]`);
    }
    const bomb = lines.join('\n') + '\n';
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/bomb.yaml': bomb }), [], {
      // Expanding the bomb needs gigabytes: with a small heap it would crash instead of reporting.
      nodeOptions: ['--max-old-space-size=128'],
      timeoutMs: 30_000,
    });
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK117', 'dataset/bomb.yaml');
    expect(issue.severity).toBe('error');
    expect(issue.line, listIssues(report)).toBe(2); // the first alias
    expect(result.durationMs).toBeLessThan(20_000);
  });
});

describe('kinds and schema', () => {
  it('an unknown kind (kind: Dataset) → DK103 with did-you-mean "DataSet", exit 1', async () => {
    const ds = dataSetYaml('demo-input', 'input/').replace('kind: DataSet', 'kind: Dataset');
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-input.yaml': ds }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK103', 'dataset/demo-input.yaml');
    // Issues are located at the key, their range running to the end of the value.
    expect(issue.line).toBe(2);
    expect(issue.column).toBe(1);
    expect(issue.endLine).toBe(2);
    expect(issue.endColumn).toBe('kind: Dataset'.length + 1);
    expect(issue.message).toContain('did you mean "DataSet"');
  });

  it('inputs: "abc" → DK105 at the inputs line, exit 1', async () => {
    const dk = transformYaml.replace('  inputs:\n    - dataset: demo-input\n', '  inputs: "abc"\n');
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK105', 'dk.yaml');
    expect(issue.line, listIssues(report)).toBe(lineOf(dk, 'inputs: "abc"'));
    expect(issue.path).toBe('spec.inputs');
  });

  it('metadata: [] → DK105 at the metadata line, exit 1', async () => {
    const dk = transformYaml.replace('metadata:\n  name: demo\n  version: 0.1.0\n', 'metadata: []\n');
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK105', 'dk.yaml');
    expect(issue.line, listIssues(report)).toBe(3);
    expect(issue.path).toBe('metadata');
  });

  it('timeout: 5 → DK105 at the timeout line, exit 1', async () => {
    const dk = transformYaml + '  timeout: 5\n';
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK105', 'dk.yaml');
    expect(issue.line, listIssues(report)).toBe(lineOf(dk, 'timeout: 5'));
    expect(issue.path).toBe('spec.timeout');
  });

  // spec.image is kept: without it a generic-node Transform also (rightly) gets DK106, an error.
  const typo = transformYaml.replace('  image: node:20-slim\n', '  image: node:20-slim\n  imgae: node:22-slim\n');

  it('an unknown field (spec.imgae) → DK107 warning with did-you-mean "image", exit 0', async () => {
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': typo }));
    expectExit(result, 0, report);
    const issue = issueAt(report, 'DK107', 'dk.yaml');
    expect(issue.severity).toBe('warning');
    expect(issue.line).toBe(lineOf(typo, 'imgae:'));
    expect(issue.column).toBe(3);
    expect(issue.message).toContain('did you mean "image"');
  });

  it('an unknown field (spec.imgae) with --strict → exit 1', async () => {
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': typo }), ['--strict']);
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK107', 'dk.yaml');
    expect(issue.severity).toBe('error');
    expect(issue.line).toBe(lineOf(typo, 'imgae:'));
  });
});

describe('files that must not be parsed', () => {
  it('a 50 MB dataset/huge.yaml → DK115, exit 1, without reading it', async () => {
    const header = 'apiVersion: datakit.dev/v1alpha1\nkind: DataSet\n';
    const size = 50 * 1024 * 1024;
    const pad = Buffer.alloc(size - header.length, '# padding padding padding padding padding padding padding padding\n');
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/huge.yaml': Buffer.concat([Buffer.from(header), pad]) }), [], {
      nodeOptions: ['--max-old-space-size=128'],
      timeoutMs: 30_000,
    });
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK115', 'dataset/huge.yaml');
    expect(issue.severity).toBe('error');
    expect(result.durationMs).toBeLessThan(20_000);
  });

  it('a binary file (NUL bytes) as dataset/bin.yaml → DK116 at the NUL byte, exit 1', async () => {
    const bytes = Buffer.concat([
      Buffer.from('apiVersion: datakit.dev/v1alpha1\n'),
      Buffer.from([0x00, 0x01, 0x02, 0x89, 0x50, 0x4e, 0x47, 0x00, 0x0a]),
    ]);
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/bin.yaml': bytes }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK116', 'dataset/bin.yaml');
    expect(issue.line).toBe(2);
    expect(issue.column).toBe(1);
  });

  it('a Latin-1 byte (0xE9) on line 7 → DK116 at line 7, exit 1', async () => {
    const ds = dataSetYaml('demo-input', 'input/').replace('spec:\n', 'spec:\n  description: Caf\u00e9 sales\n');
    expect(lineOf(ds, 'description:')).toBe(7);
    const bytes = Buffer.from(ds, 'latin1'); // "Café" as the single byte 0xE9: Latin-1, not UTF-8
    expect(bytes.includes(0xe9)).toBe(true);
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-input.yaml': bytes }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK116', 'dataset/demo-input.yaml');
    expect(issue.line).toBe(7);
    expect(issue.column).toBe('  description: Caf'.length + 1);
  });
});

describe('the file system', () => {
  it('a symlink loop (pkg/loop -> ..) under --scan-dir → DK504 reported, terminates, exit 0 as the rest is clean', async () => {
    const files: FileTree = {};
    for (const [name, content] of Object.entries(minimalPackage())) files[`pkg/${name}`] = content;
    files['pkg/loop'] = { symlink: '..' };
    const { result, report } = await lintFiles(files, ['--scan-dir'], { timeoutMs: 30_000 });
    expectExit(result, 0, report);
    const issue = issueAt(report, 'DK504');
    expect(issue.severity).toBe('warning');
    expect(issue.file).toBe('pkg/loop');
    expect(report.summary.manifests).toBe(4);
  });

  it('a symlink loop with an error elsewhere in the scanned tree → DK504, exit 1 from the rest', async () => {
    const files: FileTree = {};
    const broken = dataSetYaml('demo-output', 'output/', { classification: 'secret-ish' });
    for (const [name, content] of Object.entries(minimalPackage({ 'dataset/demo-output.yaml': broken }))) files[`pkg/${name}`] = content;
    files['pkg/loop'] = { symlink: '..' };
    const { result, report } = await lintFiles(files, ['--scan-dir'], { timeoutMs: 30_000 });
    expectExit(result, 1, report);
    expect(issueAt(report, 'DK504').file).toBe('pkg/loop');
    const bad = issueAt(report, 'DK108', 'pkg/dataset/demo-output.yaml');
    expect(bad.line).toBe(lineOf(broken, 'classification:'));
    expect(report.summary.manifests).toBe(4);
  });

  it('`ln -s .. loop` inside a package, `dk lint --scan-dir` from the package → DK504 at loop, nothing outside the package linted, exit 0', async () => {
    const files: FileTree = {};
    for (const [name, content] of Object.entries(minimalPackage())) files[`pkg/${name}`] = content;
    files['pkg/loop'] = { symlink: '..' };
    // A broken package next to pkg: outside the scanned tree, reachable only through the loop.
    files['other/dk.yaml'] = 'apiVersion: datakit.dev/v1alpha1\nkind: Bogus\n';
    const { result, report } = await lintFiles(files, ['--scan-dir'], { cwd: 'pkg', timeoutMs: 30_000 });
    const issue = issueAt(report, 'DK504');
    expect(issue.severity).toBe('warning');
    // loop points at a parent directory of itself: it is the link to report and skip (see DK504).
    expect(issue.file, listIssues(report)).toBe('loop');
    expect(
      report.issues.filter((i) => i.file?.startsWith('loop/') || i.file?.startsWith('../')),
      listIssues(report),
    ).toEqual([]);
    expectExit(result, 0, report);
    expect(report.summary.manifests).toBe(4);
  });

  it('dk.yaml that is a directory → DK503, exit 2', async () => {
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': { dir: true } }));
    expectExit(result, 2, report);
    const issue = issueAt(report, 'DK503');
    expect(issue.file).toBe('dk.yaml');
  });

  it('a dangling symlink dataset/x.yaml → DK503, exit 2', async () => {
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/x.yaml': { symlink: 'nowhere.yaml' } }));
    expectExit(result, 2, report);
    const issue = issueAt(report, 'DK503');
    expect(issue.file).toBe('dataset/x.yaml');
  });

  it('an empty directory → DK501, exit 1', async () => {
    const { result, report } = await lintFiles({});
    expectExit(result, 1, report);
    issueAt(report, 'DK501');
  });

  it('a path that does not exist → a message naming the path, exit 2', async () => {
    const temp = temps.create(minimalPackage());
    const before = temp.snapshot();
    const result = await runDk(['lint', 'no/such/dir', '--output', 'json'], { cwd: temp.dir });
    expectNoStackTrace(result);
    expectExit(result, 2);
    expect(result.stdout + result.stderr).toContain('no/such/dir');
    expect(result.stdout + result.stderr).toContain('DK502');
    expect(temp.snapshot()).toEqual(before);
  });
});

describe('the command line', () => {
  it('--output yaml (not a choice) → exit 2 with a usage message', async () => {
    const temp = temps.create(minimalPackage());
    const result = await runDk(['lint', '--output', 'yaml'], { cwd: temp.dir });
    expectNoStackTrace(result);
    expectExit(result, 2);
    expect(result.stderr).toMatch(/yaml/);
    expect(result.stderr).toMatch(/text, json, sarif|choices/i);
  });

  for (const command of ['lint', 'show']) {
    it(`dk ${command} --set without "=" → exit 2`, async () => {
      const temp = temps.create(minimalPackage());
      const before = temp.snapshot();
      const result = await runDk([command, '--set', 'spec.image'], { cwd: temp.dir });
      expectNoStackTrace(result);
      expectExit(result, 2);
      expect(result.stderr).toContain('spec.image');
      expect(temp.snapshot()).toEqual(before);
    });

    it(`dk ${command} -f missing.yaml → exit 2 naming the file`, async () => {
      const temp = temps.create(minimalPackage());
      const before = temp.snapshot();
      const result = await runDk([command, '-f', 'missing.yaml'], { cwd: temp.dir });
      expectNoStackTrace(result);
      expectExit(result, 2);
      expect(result.stderr).toContain('missing.yaml');
      expect(temp.snapshot()).toEqual(before);
    });
  }

  it('dk show --set spec.image=x prints the overlay and leaves dk.yaml unchanged on disk', async () => {
    const temp = temps.create(minimalPackage());
    const before = temp.snapshot();
    const bytes = readFileSync(temp.path('dk.yaml'));
    const result = await runDk(['show', '--set', 'spec.image=x'], { cwd: temp.dir });
    expectNoStackTrace(result);
    expectExit(result, 0);
    expect(result.stdout).toMatch(/^ {2}image: x$/m);
    expect(readFileSync(temp.path('dk.yaml')).equals(bytes)).toBe(true);
    expect(temp.snapshot()).toEqual(before);
  });
});

describe('governance', () => {
  const piiSchema = '    - name: id\n      type: integer\n    - name: email\n      type: string\n      pii: true\n';

  it('a pii: true field in a DataSet classified internal → DK301, exit 1', async () => {
    const ds = dataSetYaml('demo-input', 'input/', { classification: 'internal', schema: piiSchema });
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-input.yaml': ds }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK301', 'dataset/demo-input.yaml');
    // Either line is "the offending line": the classification that is too low, or the pii flag.
    expect([lineOf(ds, 'classification: internal'), lineOf(ds, 'pii: true')]).toContain(issue.line);
  });

  it('a field derived (from) a PII column that is not pii itself → DK302, exit 1', async () => {
    const input = dataSetYaml('demo-input', 'input/', { classification: 'confidential', schema: piiSchema });
    const output = dataSetYaml('demo-output', 'output/', {
      schema:
        '    - name: id\n      type: integer\n      from: demo-input.id\n    - name: contact\n      type: string\n      from: demo-input.email\n',
    });
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-input.yaml': input, 'dataset/demo-output.yaml': output }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK302', 'dataset/demo-output.yaml');
    expect(issue.line).toBe(lineOf(output, 'from: demo-input.email'));
  });

  it('a Store with secrets: {password: hunter2} → DK303 at the password line, exit 1, the secret not echoed', async () => {
    const store = storeYaml + '  secrets:\n    password: hunter2\n';
    const { result, report } = await lintFiles(minimalPackage({ 'store/local.yaml': store }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK303', 'store/local.yaml');
    expect(issue.line).toBe(lineOf(store, 'password: hunter2'));
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it('a Store connection dsn: postgres://u:secret@host/db → DK304 at the dsn line, exit 1, the password not echoed', async () => {
    const store = `apiVersion: datakit.dev/v1alpha1
kind: Store
metadata:
  name: warehouse
spec:
  connector: postgres
  connection:
    dsn: postgres://u:secret@host/db
`;
    const { result, report } = await lintFiles(minimalPackage({ 'store/warehouse.yaml': store }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK304', 'store/warehouse.yaml');
    expect(issue.line).toBe(lineOf(store, 'dsn:'));
    expect(result.stdout + result.stderr).not.toContain('u:secret@');
  });

  it('a Transform env var DB_PASSWORD with a literal value → DK305, exit 1, the value not echoed', async () => {
    const dk = transformYaml + '  env:\n    - name: DB_PASSWORD\n      value: hunter2\n';
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK305', 'dk.yaml');
    expect([lineOf(dk, 'value: hunter2'), lineOf(dk, 'name: DB_PASSWORD')]).toContain(issue.line);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it('a DataSet declaring secrets: → DK305 at the secrets line, exit 1', async () => {
    const ds = dataSetYaml('demo-input', 'input/') + '  secrets:\n    password: ${DB_PASSWORD}\n';
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-input.yaml': ds }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK305', 'dataset/demo-input.yaml');
    expect(issue.line).toBe(lineOf(ds, 'secrets:'));
  });
});

describe('references', () => {
  it('a Transform input naming an undeclared DataSet (near miss) → DK201 with did-you-mean, exit 1', async () => {
    const dk = transformYaml.replace('- dataset: demo-input', '- dataset: demo-inptu');
    const { result, report } = await lintFiles(minimalPackage({ 'dk.yaml': dk }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK201', 'dk.yaml');
    expect(issue.line).toBe(lineOf(dk, 'demo-inptu'));
    expect(issue.message).toContain('did you mean "demo-input"');
  });

  it('a DataSet naming an unknown Store when Stores exist → DK203, exit 1', async () => {
    const ds = dataSetYaml('demo-input', 'input/', { store: 'locl' });
    const { result, report } = await lintFiles(minimalPackage({ 'dataset/demo-input.yaml': ds }));
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK203', 'dataset/demo-input.yaml');
    expect(issue.line).toBe(lineOf(ds, 'store: locl'));
  });

  function projectTransform(name: string, input: string, output: string): string {
    return transformYaml
      .replace('name: demo', `name: ${name}`)
      .replace('- dataset: demo-input', `- dataset: ${input}`)
      .replace('- dataset: demo-output', `- dataset: ${output}`);
  }

  it('two Transforms writing one DataSet (project layout) → DK402, exit 1', async () => {
    const a = projectTransform('a', 'source', 'shared');
    const b = projectTransform('b', 'source', 'shared');
    const { result, report } = await lintFiles({
      'transforms/a/dk.yaml': a,
      'transforms/b/dk.yaml': b,
      'datasets/source/dk.yaml': dataSetYaml('source', 'source/'),
      'datasets/shared/dk.yaml': dataSetYaml('shared', 'shared/'),
      'stores/local.yaml': storeYaml,
    });
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK402');
    expect(['transforms/a/dk.yaml', 'transforms/b/dk.yaml']).toContain(issue.file);
    expect(issue.line).toBe(lineOf(a, '- dataset: shared'));
  });

  it('a cycle between two Transforms (project layout) → DK401, exit 1', async () => {
    const a = projectTransform('a', 'x', 'y');
    const b = projectTransform('b', 'y', 'x');
    const { result, report } = await lintFiles({
      'transforms/a/dk.yaml': a,
      'transforms/b/dk.yaml': b,
      'datasets/x/dk.yaml': dataSetYaml('x', 'x/'),
      'datasets/y/dk.yaml': dataSetYaml('y', 'y/'),
      'stores/local.yaml': storeYaml,
    });
    expectExit(result, 1, report);
    const issue = issueAt(report, 'DK401');
    expect(['transforms/a/dk.yaml', 'transforms/b/dk.yaml']).toContain(issue.file);
    // The inputs of one Transform in the loop: the "inputs:" key or its dataset line.
    expect([lineOf(a, 'inputs:'), lineOf(a, '- dataset: x')]).toContain(issue.line);
  });
});
