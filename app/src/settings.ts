import { DataKitError } from '@datakit/sdk/core';
import { hasGitHubStatus } from './github/github-status';
import { parseYamlDocuments } from '@datakit/sdk/manifest';
import type { AppConfig } from './config';
import type { AppOctokit } from './github/app-octokit';

/** Per-repository settings of a package repository, read from its default branch. */
export const settingsFile = '.github/datakit.yml';

export interface GitopsRepository {
  owner: string;
  repo: string;
  /** owner/name */
  fullName: string;
}

export interface RepositorySettings {
  /** The directory holding dk.yaml, relative to the repository root ('.' for the root). */
  package: string;
  /** The gitops repository promotions go to; undefined when neither the file nor the app names one. */
  gitops: GitopsRepository | undefined;
  /** The registry prefix packages are published under (oci://host/prefix); undefined when nobody names one. */
  registry: string | undefined;
  /** The settings file when it exists on the default branch; undefined when only the app's defaults apply. */
  source: string | undefined;
}

export type SettingsDefaults = Pick<AppConfig, 'gitopsRepository' | 'registry'>;

const keys = ['package', 'gitops', 'registry'] as const;
const gitopsPattern = /^[\w.-]+\/[\w.-]+$/;
/** oci://host[:port][/lowercase/path]: a registry and repository prefix, no tag or digest. */
const registryPattern = /^oci:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)*\/?$/;

interface Problem {
  key: string;
  message: string;
}

/**
 * Parses .github/datakit.yml. Unknown keys, wrong types, bad values and bad YAML are refused
 * (DK801) naming the file, line and key of every problem; a missing key takes the app's default.
 */
export function parseRepositorySettings(text: string, defaults: SettingsDefaults, file = settingsFile): RepositorySettings {
  const { documents, issues } = parseYamlDocuments(text, file);
  if (issues.length > 0) {
    throw settingsError(
      file,
      issues.map((issue) => `${file}:${issue.line ?? 1}:${issue.column ?? 1}: ${issue.message}`),
    );
  }
  if (documents.length > 1) {
    const second = documents[1]!.locate([]);
    throw settingsError(file, [`${file}:${second.line ?? 1}: one YAML document expected, found ${documents.length}`]);
  }
  const document = documents[0];
  const value = document?.value;
  const settings: RepositorySettings = {
    package: '.',
    gitops: defaults.gitopsRepository === undefined ? undefined : gitopsRepository(defaults.gitopsRepository),
    registry: defaults.registry,
    source: file,
  };
  if (document === undefined || value === null || value === undefined) return settings;
  if (typeof value !== 'object' || Array.isArray(value)) {
    const at = document.locate([]);
    throw settingsError(file, [`${file}:${at.line ?? 1}: must be a mapping with the keys ${keys.join(', ')}`]);
  }
  const problems: Problem[] = [];
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(keys as readonly string[]).includes(key))
      problems.push({ key, message: `unknown key "${key}" (expected one of ${keys.join(', ')})` });
  }
  if (raw.package !== undefined) {
    const dir = typeof raw.package === 'string' ? normalisePackageDir(raw.package) : undefined;
    if (dir === undefined) {
      problems.push({
        key: 'package',
        message: `must be the path of the directory holding dk.yaml, relative to the repository root (e.g. "." or "packages/orders"), not ${JSON.stringify(raw.package)}`,
      });
    } else settings.package = dir;
  }
  if (raw.gitops !== undefined) {
    if (typeof raw.gitops !== 'string' || !gitopsPattern.test(raw.gitops.trim())) {
      problems.push({ key: 'gitops', message: `must be the gitops repository as owner/name, not ${JSON.stringify(raw.gitops)}` });
    } else settings.gitops = gitopsRepository(raw.gitops.trim());
  }
  if (raw.registry !== undefined) {
    if (typeof raw.registry !== 'string' || !registryPattern.test(raw.registry.trim())) {
      problems.push({
        key: 'registry',
        message: `must be the registry prefix packages are published under, oci://host/prefix (no tag or digest), not ${JSON.stringify(raw.registry)}`,
      });
    } else settings.registry = raw.registry.trim().replace(/\/+$/, '');
  }
  if (problems.length > 0) {
    throw settingsError(
      file,
      problems.map((problem) => {
        const at = document.locate([problem.key]);
        return `${file}:${at.line ?? 1}:${at.column ?? 1}: ${problem.key}: ${problem.message}`;
      }),
    );
  }
  return settings;
}

/** "packages/orders/", "./orders" → "packages/orders", "orders"; "", "." and "./" → "."; undefined for paths leaving the repository. */
export function normalisePackageDir(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('/') || trimmed.includes('\\') || /[\0\n\r]/.test(trimmed)) return undefined;
  const segments = trimmed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) return undefined;
  return segments.length === 0 ? '.' : segments.join('/');
}

function gitopsRepository(fullName: string): GitopsRepository {
  const [owner = '', repo = ''] = fullName.split('/');
  return { owner, repo, fullName: `${owner}/${repo}` };
}

function settingsError(file: string, lines: readonly string[]): DataKitError {
  return new DataKitError('DK801', `invalid repository settings ${file}:\n${lines.map((line) => `  ${line}`).join('\n')}`, {
    hint: `Correct ${file} on the default branch (keys: ${keys.join(', ')}), then comment again.`,
  });
}

/** The text of a file at a ref through the contents API; undefined when there is no such file there. */
export async function readRepositoryFile(
  octokit: AppOctokit,
  owner: string,
  repo: string,
  path: string,
  ref: string,
): Promise<string | undefined> {
  let data: unknown;
  try {
    ({ data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ref }));
  } catch (error) {
    if (hasGitHubStatus(error, 404)) return undefined;
    throw error;
  }
  if (Array.isArray(data) || typeof data !== 'object' || data === null) return undefined; // a directory
  const file = data as { type?: string; content?: string; encoding?: string; size?: number };
  if (file.type !== undefined && file.type !== 'file') return undefined;
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    throw new DataKitError('DK801', `${owner}/${repo}:${path}@${ref.slice(0, 12)} is too large to read (${file.size ?? '?'} bytes)`, {
      hint: 'Keep it below 1 MB.',
    });
  }
  return Buffer.from(file.content, 'base64').toString('utf8');
}

/** The settings of a package repository from .github/datakit.yml on its default branch; defaults when there is none. */
export async function readRepositorySettings(
  octokit: AppOctokit,
  repository: { owner: string; repo: string; defaultBranch: string },
  defaults: SettingsDefaults,
): Promise<RepositorySettings> {
  const text = await readRepositoryFile(octokit, repository.owner, repository.repo, settingsFile, repository.defaultBranch);
  if (text === undefined) {
    return {
      package: '.',
      gitops: defaults.gitopsRepository === undefined ? undefined : gitopsRepository(defaults.gitopsRepository),
      registry: defaults.registry,
      source: undefined,
    };
  }
  return parseRepositorySettings(text, defaults, settingsFile);
}

/** The gitops repository, or DK801 saying where to name one. */
export function requireGitops(settings: RepositorySettings): GitopsRepository {
  if (settings.gitops !== undefined) return settings.gitops;
  throw new DataKitError('DK801', `no gitops repository is configured for this repository`, {
    hint: `Add \`gitops: <owner>/<name>\` to ${settingsFile} on the default branch, or set DATAKIT_GITOPS_REPOSITORY for the app.`,
  });
}

/** The registry prefix, or DK801 saying where to name one. */
export function requireRegistry(settings: RepositorySettings): string {
  if (settings.registry !== undefined) return settings.registry;
  throw new DataKitError('DK801', `no registry is configured for this repository`, {
    hint: `Add \`registry: oci://<host>/<prefix>\` (where datakit/publish pushes) to ${settingsFile} on the default branch, or set DATAKIT_REGISTRY for the app.`,
  });
}
