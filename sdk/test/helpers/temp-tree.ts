import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes `files` (relative path → content) into a fresh temp directory, removed after the test. */
export async function writeTree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'dk-test-'));
  created.push(root);
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(root, file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  return root;
}

export const transformYaml = (name: string, inputs: string[], outputs: string[], extra = ''): string =>
  `apiVersion: datakit.dev/v1alpha1
kind: Transform
metadata:
  name: ${name}
  version: 0.1.0
spec:
  runtime: generic-node
  image: node:20-slim
  inputs:
${inputs.map((i) => `    - dataset: ${i}`).join('\n')}
  outputs:
${outputs.map((o) => `    - dataset: ${o}`).join('\n')}
${extra}`;

export const datasetYaml = (
  name: string,
  opts: { store?: string; classification?: string; schema?: string; version?: string; tags?: string } = {},
): string =>
  `apiVersion: datakit.dev/v1alpha1
kind: DataSet
metadata:
  name: ${name}${opts.version ? `\n  version: ${opts.version}` : ''}
spec:
  store: ${opts.store ?? 'local'}
  prefix: ${name}/
  format: jsonl
  classification: ${opts.classification ?? 'internal'}${opts.tags ? `\n  tags: ${opts.tags}` : ''}
${opts.schema ?? '  schema:\n    - name: id\n      type: integer\n'}`;

export const storeYaml = (name: string, spec = '  connector: file\n  connection:\n    path: ./data\n'): string =>
  `apiVersion: datakit.dev/v1alpha1
kind: Store
metadata:
  name: ${name}
spec:
${spec}`;
