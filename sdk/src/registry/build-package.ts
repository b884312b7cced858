import path from 'node:path';
import { annotations as annotationKeys } from '@datakit/contracts';
import { DataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { lintPath, type LintResult } from '../validate/lint';
import { buildArtifact } from './bundle';
import type { Descriptor } from './descriptor';
import { fileLayerCache } from './layer-cache';
import { OciLayoutTarget } from './oci-layout';
import { describePackage, type PackageConfig } from './package-config';
import { readGitSourceInfo, stripCredentials } from './source-info';

export interface BuildPackageOptions {
  /** The package directory (holding dk.yaml). */
  dir: string;
  /** The OCI layout the artifact is written to. */
  layoutDir: string;
  dkVersion: string;
  /** SOURCE_DATE_EPOCH, when set: wins over the commit time. */
  sourceDateEpoch?: number;
  /** The source revision (e.g. GITHUB_SHA); default: git HEAD of the package. */
  revision?: string;
  /** The source repository URL; default: git's origin. */
  sourceUrl?: string;
  compressionLevel?: number;
  allowSecretFiles?: boolean;
  logger?: Logger;
}

export type BuildPackageResult =
  | { ok: false; lint: LintResult }
  | { ok: true; lint: LintResult; config: PackageConfig; manifest: Descriptor; target: OciLayoutTarget; tag: string };

/** Lint, then bundle the package into an OCI layout. A package with lint errors is not built. */
export async function buildPackage(options: BuildPackageOptions): Promise<BuildPackageResult> {
  const logger = options.logger ?? silentLogger;
  const lint = await lintPath(options.dir);
  if (lint.counts.errors > 0 || lint.ioFailure) return { ok: false, lint };
  const packageFile = lint.manifests.find((m) => m.kind === 'Transform' && path.dirname(m.file) === lint.root);
  if (!packageFile || lint.transforms.length !== 1) {
    throw new DataKitError(
      'DK533',
      `${options.dir} is not one package: expected a dk.yaml with one Transform, found ${lint.transforms.length} Transforms`,
    );
  }
  const git = await readGitSourceInfo(lint.root);
  const sourceDateEpoch = options.sourceDateEpoch ?? git.commitTime;
  const revision = options.revision ?? git.revision;
  const sourceUrl = options.sourceUrl ? stripCredentials(options.sourceUrl) : git.url;
  const config = describePackage(lint, {
    dkVersion: options.dkVersion,
    ...(revision ? { sourceRevision: revision } : {}),
    ...(sourceDateEpoch !== undefined ? { sourceDateEpoch } : {}),
  });
  const annotations: Record<string, string> = {
    [annotationKeys.title]: config.name,
    [annotationKeys.version]: config.version,
    [annotationKeys.packageName]: config.name,
    [annotationKeys.packageNamespace]: config.namespace,
    [annotationKeys.packageKind]: config.kind,
  };
  if (revision) annotations[annotationKeys.revision] = revision;
  if (sourceUrl) annotations[annotationKeys.source] = sourceUrl;
  if (sourceDateEpoch !== undefined)
    annotations[annotationKeys.created] = new Date(sourceDateEpoch * 1000).toISOString().replace('.000Z', 'Z');
  const target = new OciLayoutTarget(options.layoutDir);
  const manifestFiles = lint.manifests.map((m) => m.file).filter((f, i, all) => all.indexOf(f) === i);
  logger.debug({ files: manifestFiles.length }, 'bundling');
  const cacheFile = `${target.root}.layer-cache.json`;
  const built = await buildArtifact({
    packageDir: lint.root,
    manifestFiles,
    config: { ...config },
    annotations,
    target,
    tag: config.version,
    ...(options.compressionLevel !== undefined ? { compressionLevel: options.compressionLevel } : {}),
    ...(options.allowSecretFiles ? { allowSecretFiles: true } : {}),
    layerCache: fileLayerCache(cacheFile),
    exclude: [cacheFile],
  });
  return { ok: true, lint, config, manifest: built.manifest, target, tag: config.version };
}
