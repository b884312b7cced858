import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataKitError, FileSystemError } from '../core/errors';
import { runGit } from './git-command';
import { gitopsTemplateFiles } from './generated/gitops-template';

export interface GitopsInitOptions {
  /** The URL Argo CD clones the repository from (written into the ApplicationSet). */
  repoUrl?: string;
  /** Name of the first branch (default main). */
  branch?: string;
  /** Commit date, seconds since the epoch (default now, by git). */
  commitEpoch?: number;
}

export interface GitopsInitResult {
  dir: string;
  files: string[];
  commit: string;
}

const templateRepoUrl = 'https://github.com/datakit/gitops.git';

/**
 * Scaffolds a gitops repository (the layout of the reference gitops/ folder, without example apps)
 * as a new git repository with one commit. Refuses a non-empty directory; removes what it created
 * when anything fails.
 */
export async function initGitopsRepository(dir: string, options: GitopsInitOptions = {}): Promise<GitopsInitResult> {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new FileSystemError('DK715', `${dir}: cannot read it (${error.code ?? error.message})`, { cause: error });
  });
  if (existing !== undefined && existing.length > 0) {
    throw new FileSystemError('DK715', `${dir} is not empty (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', …' : ''})`, {
      hint: 'dk gitops init never overwrites: name a new or empty directory.',
    });
  }
  const created = existing === undefined;
  try {
    await mkdir(dir, { recursive: true });
    const files = Object.keys(gitopsTemplateFiles).sort();
    for (const file of files) {
      let content = gitopsTemplateFiles[file]!;
      if (options.repoUrl !== undefined && file === 'argocd/applicationset.yaml')
        content = content.split(templateRepoUrl).join(options.repoUrl);
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
    const env: Record<string, string> = {};
    if (options.commitEpoch !== undefined) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = `${options.commitEpoch} +0000`;
    await runGit(['init', '--quiet', `--initial-branch=${options.branch ?? 'main'}`], { cwd: dir });
    await runGit(['add', '--all'], { cwd: dir });
    const identity = await runGit(['var', 'GIT_COMMITTER_IDENT'], { cwd: dir }).then(
      () => ({}),
      () => ({
        GIT_AUTHOR_NAME: 'DataKit',
        GIT_AUTHOR_EMAIL: 'datakit@localhost',
        GIT_COMMITTER_NAME: 'DataKit',
        GIT_COMMITTER_EMAIL: 'datakit@localhost',
      }),
    );
    await runGit(['commit', '--quiet', '--no-verify', '-m', 'Scaffold the gitops repository (dk gitops init)'], {
      cwd: dir,
      env: { ...env, ...identity },
    });
    const commit = (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).trim();
    return { dir, files, commit };
  } catch (error) {
    if (created) await rm(dir, { recursive: true, force: true });
    else for (const entry of await readdir(dir).catch(() => [])) await rm(path.join(dir, entry), { recursive: true, force: true });
    if (error instanceof DataKitError) throw error;
    throw new FileSystemError('DK715', `cannot scaffold ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
