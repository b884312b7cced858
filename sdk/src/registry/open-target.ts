import path from 'node:path';
import { UsageError } from '../core/errors';
import type { Logger } from '../core/logger';
import { createCredentialProvider, type CredentialLookupOptions } from './credentials';
import { OciLayoutTarget, checkTag } from './oci-layout';
import { parseReference } from './reference';
import { RegistryTarget } from './registry-target';
import type { Target } from './target';

const layoutScheme = 'oci-layout:';

export interface OpenTargetOptions {
  /** Relative layout paths are resolved against this directory. */
  cwd: string;
  credentials: CredentialLookupOptions;
  plainHttp?: boolean;
  caFile?: string;
  logger?: Logger;
}

/** A place plus, optionally, the tag or digest named in the same string. */
export interface ArtifactLocation {
  target: Target;
  reference?: string;
}

/**
 * Opens `oci://host/repo[:tag|@digest]` (or bare host/repo:tag) as a registry repository and
 * `oci-layout:PATH[:tag|@digest]` as a local OCI image layout.
 */
export function openArtifactLocation(spec: string, options: OpenTargetOptions): ArtifactLocation {
  if (spec.startsWith(layoutScheme)) {
    let rest = spec.slice(layoutScheme.length);
    let reference: string | undefined;
    const at = rest.lastIndexOf('@sha256:');
    if (at >= 0) {
      reference = rest.slice(at + 1);
      rest = rest.slice(0, at);
    } else {
      const colon = rest.lastIndexOf(':');
      if (colon > rest.lastIndexOf('/') && colon > 0) {
        reference = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        checkTag(reference);
      }
    }
    if (rest === '') throw new UsageError('DK520', `${spec}: the layout path is empty`, { hint: 'Write oci-layout:./path[:tag].' });
    return { target: new OciLayoutTarget(path.resolve(options.cwd, rest)), ...(reference ? { reference } : {}) };
  }
  const parsed = parseReference(spec);
  const target = new RegistryTarget({
    host: parsed.host,
    repository: parsed.repository,
    credentials: createCredentialProvider(options.credentials),
    ...(options.plainHttp !== undefined ? { plainHttp: options.plainHttp } : {}),
    ...(options.caFile !== undefined ? { caFile: options.caFile } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const reference = parsed.digest ?? parsed.tag;
  return { target, ...(reference ? { reference } : {}) };
}

/**
 * The repository a package is published to under a registry prefix: oci://host/team + orders →
 * oci://host/team/orders; oci-layout:./dir + orders → the layout ./dir/orders.
 */
export function packageLocation(prefix: string, packageName: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed.startsWith(layoutScheme)) return `${trimmed}/${packageName}`;
  if (
    /[:@][^/]*$/.test(
      trimmed
        .slice(trimmed.indexOf('//') + 2)
        .split('/')
        .slice(1)
        .join('/'),
    )
  ) {
    throw new UsageError('DK520', `--registry ${prefix}: name a registry and repository prefix, without a tag or digest`);
  }
  return `${trimmed}/${packageName}`;
}
