import { prerelease, valid } from 'semver';
import { DataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { copyManifestContent, type TransferProgress } from './copy';
import type { Descriptor } from './descriptor';
import type { Target } from './target';

export interface PushOptions {
  source: Target;
  manifest: Descriptor;
  destination: Target;
  tag: string;
  /** Lets a prerelease tag (x.y.z-…) move to another digest. Release versions never move. */
  allowOverwrite?: boolean;
  logger?: Logger;
  onProgress?: (progress: TransferProgress) => void;
}

export interface PushResult {
  digest: string;
  /** False when the tag already pointed at this digest: nothing was uploaded. */
  pushed: boolean;
  /** The digest the tag pointed at before, when it moved (prerelease with allowOverwrite). */
  replaced?: string;
}

/** Release versions (1.2.3) never move; prerelease versions (1.2.3-rc.1) move only when asked. */
export function isMovableTag(tag: string): boolean {
  return valid(tag) !== null && prerelease(tag) !== null;
}

/** Tags that are not versions (latest, edge, a branch name) are channels: they follow each publish. */
export function isChannelTag(tag: string): boolean {
  return valid(tag) === null;
}

/**
 * Pushes an artifact under an immutable version tag: the same digest again is a success without
 * upload, another digest is refused naming both (prerelease tags may move with allowOverwrite;
 * channel tags such as latest always follow).
 */
export async function pushArtifact(options: PushOptions): Promise<PushResult> {
  const { source, manifest, destination, tag } = options;
  const logger = options.logger ?? silentLogger;
  const existing = await destination.resolve(tag);
  if (existing?.digest === manifest.digest) {
    logger.info({ tag, digest: manifest.digest }, 'already published');
    return { digest: manifest.digest, pushed: false };
  }
  if (existing && !isChannelTag(tag) && !(options.allowOverwrite && isMovableTag(tag))) {
    throw new DataKitError(
      'DK530',
      `${destination.location}:${tag} already exists as ${existing.digest}; this build is ${manifest.digest}. Published versions are immutable.`,
      {
        hint: isMovableTag(tag)
          ? 'Pass --allow-overwrite to move this prerelease tag, or bump metadata.version.'
          : 'Bump metadata.version in dk.yaml (release versions never move).',
      },
    );
  }
  await copyManifestContent(source, manifest, destination, {
    tag,
    logger,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return { digest: manifest.digest, pushed: true, ...(existing ? { replaced: existing.digest } : {}) };
}
