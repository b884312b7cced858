import path from 'node:path';
import * as core from '@actions/core';
import { loadManifests } from '@datakit/sdk/manifest';
import { buildPackage, type BuildPackageResult } from '@datakit/sdk/registry';
import { formatTextReport } from '@datakit/sdk/validate';
import type { RunnerContext } from './inputs';
import { actionLogger, annotate, plural } from './report';

export type BuiltPackage = Extract<BuildPackageResult, { ok: true }>;

export interface ActionBuildOptions {
  /** The `path` input as written, for messages. */
  path: string;
  /** The package directory, absolute. */
  dir: string;
  /** The OCI layout to write, absolute; default `.dk/build/<package name>` under the workspace (as `dk build`). */
  layoutDir?: string;
  allowSecretFiles: boolean;
  context: RunnerContext;
  dkVersion: string;
}

export type ActionBuildResult = { ok: true; built: BuiltPackage; size: number } | { ok: false; failure: string };

/** Where `dk build` and the actions write a package's layout when not told. */
export function defaultLayoutDir(workspace: string, packageName: string): string {
  return path.join(workspace, '.dk', 'build', packageName);
}

/**
 * Lints the package, then builds it into an OCI layout with the runner's provenance (GITHUB_SHA,
 * the repository URL, SOURCE_DATE_EPOCH). Lint findings are logged (the `dk lint` text report) and
 * annotated on their files; with errors nothing is built and the result says why, for the step's
 * failure message.
 */
export async function lintAndBuild(options: ActionBuildOptions): Promise<ActionBuildResult> {
  const { context } = options;
  const layoutDir = options.layoutDir ?? defaultLayoutDir(context.workspace, await peekPackageName(options.dir));
  const result = await buildPackage({
    dir: options.dir,
    layoutDir,
    dkVersion: options.dkVersion,
    ...(context.sourceDateEpoch !== undefined ? { sourceDateEpoch: context.sourceDateEpoch } : {}),
    ...(context.revision ? { revision: context.revision } : {}),
    ...(context.sourceUrl ? { sourceUrl: context.sourceUrl } : {}),
    ...(options.allowSecretFiles ? { allowSecretFiles: true } : {}),
    logger: actionLogger,
  });
  const { lint } = result;
  const report = { issues: lint.issues, counts: lint.counts, fileCount: lint.fileCount, manifestCount: lint.manifests.length };
  core.info(formatTextReport(report, { cwd: context.workspace, verbose: true }).trimEnd());
  // Warnings do not stop a build, but a reviewer should see them (and errors) where they are.
  for (const issue of lint.issues) annotate(issue, context.workspace);
  if (!result.ok) {
    const problems: string[] = [];
    if (lint.counts.errors > 0) problems.push(`${plural(lint.counts.errors, 'lint error')} in ${options.path}`);
    if (lint.ioFailure) problems.push(`some files below ${options.path} could not be read`);
    return { ok: false, failure: `${problems.join('; ')}: nothing was built` };
  }
  return { ok: true, built: result, size: await artifactSize(result) };
}

/** The package name from dk.yaml, read before the build to place the layout (as `dk build` does). */
async function peekPackageName(packageDir: string): Promise<string> {
  const tree = await loadManifests(packageDir);
  const transform = tree.manifests.find((m) => m.kind === 'Transform' && path.dirname(m.file) === tree.root);
  return transform?.name && /^[a-z0-9-]+$/.test(transform.name) ? transform.name : path.basename(tree.root);
}

/** Manifest, config and layers together: what a pull transfers. */
async function artifactSize(built: BuiltPackage): Promise<number> {
  const { bytes } = await built.target.fetchManifest(built.manifest.digest);
  const manifest = JSON.parse(bytes.toString('utf8')) as { config: { size: number }; layers: { size: number }[] };
  return bytes.length + manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}
