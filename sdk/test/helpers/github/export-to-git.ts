import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import type { FakeGitHub } from './fake-github';

const run = promisify(execFile);

/**
 * Writes a fake repository into a real bare git repository at `dir` (every object as a loose
 * object, every ref), so that real git reads what the API wrote: `git fsck` checks that each id
 * is the sha1 git computes for it and that every commit and tree is well-formed, and a clone of
 * it is what Argo CD would sync.
 */
export async function exportToGit(fake: FakeGitHub, fullName: string, dir: string): Promise<void> {
  const repository = fake.repository(fullName);
  await run('git', ['init', '--quiet', '--bare', `--initial-branch=${repository.defaultBranch}`, dir]);
  for (const object of repository.store.rawObjects()) {
    const file = path.join(dir, 'objects', object.sha.slice(0, 2), object.sha.slice(2));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, deflateSync(Buffer.concat([Buffer.from(`${object.type} ${object.body.length}\0`), object.body])));
  }
  for (const [ref, sha] of repository.refs) {
    if (!ref.startsWith('refs/heads/')) continue;
    await run('git', ['--git-dir', dir, 'update-ref', ref, sha]);
  }
}
