import path from 'node:path';
import { systemClock, UsageError } from '@datakit/sdk/core';
import { GitSourceControl, registryArtifactResolver, type ArtifactResolver, type SourceControl } from '@datakit/sdk/promotion';
import type { CommandContext } from '../context';
import { readSettingsFiles } from '../settings-file';
import { targetOptions, type RegistryFlags } from './registry-options';

export interface GitopsFlags {
  gitops?: string;
}

const githubPattern = /^github:([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/;

/** --gitops, else DK_GITOPS, else gitops: in .dk/config.yaml or the user's settings. */
export async function gitopsLocation(flags: GitopsFlags, ctx: CommandContext): Promise<string> {
  const location = flags.gitops ?? ctx.config.gitops ?? (await readSettingsFiles(ctx.config.cwd, ctx.config.userConfigFile)).gitops;
  if (location === undefined || location.trim() === '') {
    throw new UsageError('DK713', 'no gitops repository: pass --gitops <path|git URL|github:owner/repo>', {
      hint: 'Or set DK_GITOPS, or gitops: in .dk/config.yaml. dk gitops init <dir> creates a repository.',
    });
  }
  return location;
}

/** A checkout or git URL (plain git) or github:owner/repo (the GitHub API, with a token). */
export async function openSourceControl(location: string, ctx: CommandContext, options: { requireClean: boolean }): Promise<SourceControl> {
  const github = githubPattern.exec(location);
  if (location.startsWith('github:') && !github) {
    throw new UsageError('DK713', `--gitops ${location}: write github:owner/repo`);
  }
  if (github) {
    const token = ctx.config.githubToken;
    if (!token) {
      throw new UsageError('DK708', `--gitops ${location} needs a GitHub token: set GITHUB_TOKEN (or DK_GITHUB_TOKEN)`, {
        hint: 'A token with contents: write and pull-requests: write on the gitops repository (gh auth token prints yours).',
      });
    }
    const { GitHubSourceControl } = await import('@datakit/sdk/github');
    return new GitHubSourceControl({
      owner: github[1]!,
      repo: github[2]!,
      token,
      ...(ctx.config.githubApiUrl ? { baseUrl: ctx.config.githubApiUrl } : {}),
    });
  }
  return GitSourceControl.open(location, {
    cwd: ctx.config.cwd,
    cacheDir: path.join(ctx.config.cacheDir, 'gitops'),
    clock: clockOf(ctx),
    requireClean: options.requireClean,
  });
}

export function clockOf(ctx: CommandContext) {
  return ctx.clock ?? systemClock;
}

export interface ResolverFlags extends RegistryFlags {
  registry?: string;
}

/** Versions resolve where dk publish puts them: --registry, DK_REGISTRY, .dk/config.yaml, else the local layout. */
export async function artifactResolver(flags: ResolverFlags, ctx: CommandContext): Promise<ArtifactResolver> {
  const registry = flags.registry ?? ctx.config.registry ?? (await readSettingsFiles(ctx.config.cwd, ctx.config.userConfigFile)).registry;
  const prefix = registry ?? `oci-layout:${path.join(ctx.config.cwd, '.dk', 'oci')}`;
  return registryArtifactResolver(prefix, targetOptions(flags, ctx));
}
