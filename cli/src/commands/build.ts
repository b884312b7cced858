import path from 'node:path';
import { UsageError } from '@datakit/sdk/core';
import { buildPackage, type BuildPackageResult } from '@datakit/sdk/registry';
import { formatBytes } from '@datakit/sdk/manifest';
import { formatTextReport } from '@datakit/sdk/validate';
import type { CommandContext } from '../context';
import { textStyle } from '../io';
import { dkVersion } from '../version';

export interface BuildFlags {
  output?: string;
  allowSecretFiles?: boolean;
  json?: boolean;
}

const layoutScheme = 'oci-layout:';

/** Where `dk build` writes when not told: a build cache per package under the working directory. */
export function defaultBuildLayout(cwd: string, packageName: string): string {
  return path.join(cwd, '.dk', 'build', packageName);
}

/** Lints and builds; on lint errors prints the report to stderr and returns undefined. */
export async function lintAndBuild(
  dir: string | undefined,
  layoutDir: (packageName: string) => string,
  flags: { allowSecretFiles?: boolean },
  ctx: CommandContext,
): Promise<Extract<BuildPackageResult, { ok: true }> | { exitCode: number }> {
  const packageDir = path.resolve(ctx.config.cwd, dir ?? '.');
  const { name } = await peekPackageName(packageDir);
  const result = await buildPackage({
    dir: packageDir,
    layoutDir: layoutDir(name),
    dkVersion,
    ...(ctx.config.sourceDateEpoch !== undefined ? { sourceDateEpoch: ctx.config.sourceDateEpoch } : {}),
    ...(flags.allowSecretFiles ? { allowSecretFiles: true } : {}),
  });
  if (!result.ok) {
    const { lint } = result;
    ctx.io.stderr(
      formatTextReport(
        { issues: lint.issues, counts: lint.counts, fileCount: lint.fileCount, manifestCount: lint.manifests.length },
        { cwd: ctx.config.cwd, style: textStyle(ctx.config.color) },
      ),
    );
    ctx.io.stderr('dk: the package has lint errors; nothing was built\n');
    return { exitCode: lint.ioFailure ? 2 : 1 };
  }
  return result;
}

/** The package name from dk.yaml, read before the build to place the build cache. */
async function peekPackageName(packageDir: string): Promise<{ name: string }> {
  const { loadManifests } = await import('@datakit/sdk/manifest');
  const tree = await loadManifests(packageDir);
  const transform = tree.manifests.find((m) => m.kind === 'Transform' && path.dirname(m.file) === tree.root);
  return { name: transform?.name && /^[a-z0-9-]+$/.test(transform.name) ? transform.name : path.basename(tree.root) };
}

/** dk build: lint, then bundle into an OCI layout; prints digest, size and reference. */
export async function runBuild(dir: string | undefined, flags: BuildFlags, ctx: CommandContext): Promise<number> {
  let output: string | undefined;
  if (flags.output !== undefined) {
    if (!flags.output.startsWith(layoutScheme)) throw new UsageError('DK123', `--output ${flags.output}: expected oci-layout:PATH`);
    output = path.resolve(ctx.config.cwd, flags.output.slice(layoutScheme.length));
  }
  const built = await lintAndBuild(dir, (name) => output ?? defaultBuildLayout(ctx.config.cwd, name), flags, ctx);
  if ('exitCode' in built) return built.exitCode;
  const shownLayout = path.relative(ctx.config.cwd, built.target.root) || '.';
  const reference = `oci-layout:${shownLayout}@${built.manifest.digest}`;
  const size = await artifactSize(built);
  if (flags.json) {
    ctx.io.stdout(
      JSON.stringify(
        { name: built.config.name, version: built.config.version, digest: built.manifest.digest, size, reference, tag: built.tag },
        null,
        2,
      ) + '\n',
    );
  } else {
    ctx.io.stdout(
      `Built ${built.config.name} ${built.config.version}\n  digest:    ${built.manifest.digest}\n  size:      ${formatBytes(size)}\n  reference: ${reference}\n  tag:       oci-layout:${shownLayout}:${built.tag}\n`,
    );
  }
  return 0;
}

/** Manifest, config and layers together: what a pull transfers. */
async function artifactSize(built: Extract<BuildPackageResult, { ok: true }>): Promise<number> {
  const { bytes } = await built.target.fetchManifest(built.manifest.digest);
  const manifest = JSON.parse(bytes.toString('utf8')) as { config: { size: number }; layers: { size: number }[] };
  return bytes.length + manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
}
