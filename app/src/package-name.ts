import { DataKitError } from '@datakit/sdk/core';
import { parseYamlDocuments } from '@datakit/sdk/manifest';
import type { AppOctokit } from './github/app-octokit';
import { readRepositoryFile, settingsFile } from './settings';

/** Package names as dk init and the registry accept them (a DNS label). */
const packageNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The dk.yaml of a package directory ('.' → dk.yaml). */
export function packageFilePath(packageDir: string): string {
  return packageDir === '.' ? 'dk.yaml' : `${packageDir}/dk.yaml`;
}

/** metadata.name of a dk.yaml text; DataKitError naming the file and line when it has none. */
export function packageNameOf(text: string, file: string): string {
  const { documents, issues } = parseYamlDocuments(text, file);
  const first = issues[0];
  if (first !== undefined) {
    throw new DataKitError(first.code, `${file}:${first.line ?? 1}:${first.column ?? 1}: ${first.message}`, {
      hint: 'Fix dk.yaml (dk lint shows every problem), publish again, then comment again.',
    });
  }
  const transform = documents.find((document) => {
    const value = document.value as { kind?: unknown } | null;
    return typeof value === 'object' && value !== null && value.kind === 'Transform';
  });
  const document = transform ?? documents[0];
  const metadata = (document?.value as { metadata?: { name?: unknown } } | null | undefined)?.metadata;
  const name = metadata?.name;
  if (typeof name !== 'string' || !packageNamePattern.test(name)) {
    const at = document?.locate(['metadata', 'name']);
    throw new DataKitError(
      'DK801',
      `${file}:${at?.line ?? 1}: metadata.name must be the package name, not ${JSON.stringify(name ?? null)}`,
      {
        hint: 'dk.yaml names the package in metadata.name (lowercase letters, digits, dashes).',
      },
    );
  }
  return name;
}

/** The package name in `<packageDir>/dk.yaml` at a commit (or branch) of the package repository. */
export async function readPackageName(
  octokit: AppOctokit,
  repository: { owner: string; repo: string },
  packageDir: string,
  ref: string,
): Promise<string> {
  const file = packageFilePath(packageDir);
  const text = await readRepositoryFile(octokit, repository.owner, repository.repo, file, ref);
  const at = /^[0-9a-f]{40}$/.test(ref) ? `commit ${ref}` : `the head of ${ref}`;
  if (text === undefined) {
    throw new DataKitError('DK801', `there is no ${file} in ${repository.owner}/${repository.repo} at ${at}`, {
      hint:
        packageDir === '.'
          ? `Set \`package: <directory holding dk.yaml>\` in ${settingsFile} on the default branch.`
          : `${settingsFile} says the package is in ${packageDir}/; correct \`package\` there if it moved.`,
    });
  }
  return packageNameOf(text, `${file}@${/^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 12) : ref}`);
}
