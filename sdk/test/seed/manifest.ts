import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadedManifest } from '../../src/manifest/load';
import { parseYamlDocuments } from '../../src/manifest/parse-yaml';

/**
 * Writes `text` as dataset/users.yaml (plus `files`) in a temp directory and parses it, for tests of
 * seed reading. Paths in messages are shown relative to that directory.
 */
export async function parseManifestsForTest(
  text: string,
  files: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
): Promise<{
  manifest: LoadedManifest;
  dir: string;
  display: (file: string) => string;
  write(more: Record<string, string>): Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dk-seed-read-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const write = async (more: Record<string, string>) => {
    for (const [file, content] of Object.entries(more)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
  };
  const file = path.join(dir, 'dataset/users.yaml');
  await write({ 'dataset/users.yaml': text, ...files });
  const document = parseYamlDocuments(text, file).documents[0]!;
  const manifest: LoadedManifest = {
    file,
    document,
    value: document.value as Record<string, unknown>,
    kind: 'DataSet',
    apiVersion: 'datakit.dev/v1alpha1',
    name: 'users',
  };
  return { manifest, dir, display: (f) => path.relative(dir, f), write };
}
