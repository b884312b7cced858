import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mediaTypes } from '@datakit/contracts';
import { isDataKitError, silentLogger, type Logger } from '@datakit/sdk/core';
import {
  createCredentialProvider,
  extractArtifact,
  parseReference,
  RegistryTarget,
  type CredentialProvider,
  type OpenTargetOptions,
  type Target,
} from '@datakit/sdk/registry';
import { lintPath } from '@datakit/sdk/validate';
import type { GateResult } from './gates/gate-service';

/**
 * The two registry checks of the datakit/promotion gate for one pinned artifact: it exists in the
 * registry under the pinned digest (`artifact`), and the manifests it carries lint clean (`lint`).
 * Results are remembered by digest (an artifact's content never changes under its digest): a
 * digest found once is not looked up again, a lint result is never recomputed. A missing artifact
 * or an unreachable registry is not remembered (it may be published, or come back, later).
 */

export interface ArtifactPinRef {
  /** host/repository@sha256:… as packagedeployment.yaml pins it. */
  ref: string;
  digest: string;
}

export interface ArtifactCheckResults {
  artifact: GateResult & { rule: 'artifact' };
  lint: GateResult & { rule: 'lint' };
}

export interface ArtifactCheckRequest {
  /**
   * Registry hosts (host[:port]) the app may send its registry credentials to: those the gitops
   * repository already pins on its default branch and DATAKIT_REGISTRY's. Any other host named
   * by a pull request is contacted anonymously, so a pull request cannot make the app hand its
   * credentials to a registry of its choosing.
   */
  trustedHosts: ReadonlySet<string>;
  log?: Logger;
}

export interface ArtifactChecks {
  check(pin: ArtifactPinRef, request: ArtifactCheckRequest): Promise<ArtifactCheckResults>;
  /** How many results are remembered (for tests and metrics). */
  readonly cached: number;
}

export interface ArtifactChecksOptions {
  registryOptions: OpenTargetOptions;
  /** Where artifacts are extracted to be linted (a fresh directory each time, always removed); os.tmpdir() by default. */
  tempDir?: string;
  /** Digests remembered (oldest forgotten first); 1000 by default. */
  cacheSize?: number;
  /** Errors quoted in a failed lint result; 5 by default. */
  errorsListed?: number;
  /** Opens a registry repository (tests replace it); a RegistryTarget by default. */
  openTarget?: (location: { host: string; repository: string }, credentials: CredentialProvider) => Target;
}

const ociScheme = 'oci://';

export function createArtifactChecks(options: ArtifactChecksOptions): ArtifactChecks {
  const cacheSize = Math.max(1, options.cacheSize ?? 1000);
  const errorsListed = Math.max(1, options.errorsListed ?? 5);
  const baseCredentials = createCredentialProvider(options.registryOptions.credentials);
  const openTarget =
    options.openTarget ??
    ((location, credentials) =>
      new RegistryTarget({
        host: location.host,
        repository: location.repository,
        credentials,
        ...(options.registryOptions.plainHttp !== undefined ? { plainHttp: options.registryOptions.plainHttp } : {}),
        ...(options.registryOptions.caFile !== undefined ? { caFile: options.registryOptions.caFile } : {}),
        ...(options.registryOptions.logger ? { logger: options.registryOptions.logger } : {}),
      }));
  /** host/repository@digest → the existence result, only when found. */
  const found = new BoundedCache<ArtifactCheckResults['artifact']>(cacheSize);
  /** digest → lint result (content-addressed: the same wherever it is stored). */
  const linted = new BoundedCache<ArtifactCheckResults['lint']>(cacheSize);
  const inFlight = new Map<string, Promise<ArtifactCheckResults>>();

  async function run(pin: ArtifactPinRef, request: ArtifactCheckRequest): Promise<ArtifactCheckResults> {
    const log = request.log ?? silentLogger;
    const location = registryLocation(pin);
    if ('problem' in location) {
      return {
        artifact: { rule: 'artifact', passed: false, message: location.problem },
        lint: { rule: 'lint', passed: false, message: 'not checked: the artifact cannot be fetched' },
      };
    }
    const where = `${location.host}/${location.repository}`;
    const existsKey = `${where}@${pin.digest}`;
    const credentials: CredentialProvider = (host) =>
      request.trustedHosts.has(host.toLowerCase()) ? baseCredentials(host) : Promise.resolve(undefined);
    const target = openTarget(location, credentials);

    let artifact = found.get(existsKey);
    if (artifact === undefined) {
      try {
        const descriptor = await target.resolve(pin.digest);
        if (descriptor === undefined) {
          return {
            artifact: {
              rule: 'artifact',
              passed: false,
              message: `${where}@${pin.digest} is not in the registry: publish it (datakit/publish) or pin a published digest`,
            },
            lint: { rule: 'lint', passed: false, message: 'not checked: the artifact is not in the registry' },
          };
        }
        artifact = { rule: 'artifact', passed: true, message: `${where}@${pin.digest} is in the registry` };
        found.set(existsKey, artifact);
      } catch (error) {
        log.warn({ registry: where, digest: pin.digest, err: describe(error) }, 'registry check failed');
        return {
          artifact: {
            rule: 'artifact',
            passed: false,
            message: `could not check ${where}@${pin.digest}: ${describe(error)} (re-run the check once the registry answers)`,
          },
          lint: { rule: 'lint', passed: false, message: 'not checked: the registry could not be reached' },
        };
      }
    }

    let lint = linted.get(pin.digest);
    if (lint === undefined) {
      const result = await lintArtifact(target, pin.digest, where, log);
      lint = result.lint;
      // A registry that failed half-way is not the artifact's fault: look again next time.
      if (result.remember) linted.set(pin.digest, lint);
    }
    return { artifact, lint };
  }

  async function lintArtifact(
    target: Target,
    digest: string,
    where: string,
    log: Logger,
  ): Promise<{ lint: ArtifactCheckResults['lint']; remember: boolean }> {
    const scratch = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'dk-app-lint-'));
    try {
      const dir = path.join(scratch, 'manifests');
      let extracted;
      try {
        extracted = await extractArtifact(target, digest, dir, { layerMediaTypes: [mediaTypes.manifestsLayer] });
      } catch (error) {
        log.warn({ registry: where, digest, err: describe(error) }, 'artifact could not be extracted for lint');
        const corrupt = isDataKitError(error) && /^DK5(14|31)$/.test(error.code);
        return {
          lint: { rule: 'lint', passed: false, message: `could not read the manifests of ${where}@${digest}: ${describe(error)}` },
          remember: corrupt,
        };
      }
      if (extracted.layers.length === 0) {
        return {
          lint: {
            rule: 'lint',
            passed: false,
            message: `${where}@${digest} has no manifests layer (${mediaTypes.manifestsLayer}): not a DataKit package`,
          },
          remember: true,
        };
      }
      const result = await lintPath(dir);
      const errors = result.issues.filter((issue) => issue.severity === 'error');
      const warnings = result.issues.filter((issue) => issue.severity === 'warning').length;
      const warned = warnings === 0 ? '' : ` (${warnings} warning${warnings === 1 ? '' : 's'})`;
      if (errors.length === 0 && !result.ioFailure) {
        const files = result.fileCount;
        return {
          lint: { rule: 'lint', passed: true, message: `${files} manifest file${files === 1 ? '' : 's'} lint clean${warned}` },
          remember: true,
        };
      }
      const listed = errors.slice(0, errorsListed).map((issue) => {
        const file = issue.file === undefined ? '' : path.relative(dir, issue.file).split(path.sep).join('/');
        const at = file === '' ? '' : ` ${file}${issue.line === undefined ? '' : `:${issue.line}`}`;
        return `${issue.code}${at} ${issue.message}`;
      });
      const more = errors.length > listed.length ? `; … ${errors.length - listed.length} more` : '';
      const io = result.ioFailure ? ' (some files could not be read)' : '';
      return {
        lint: {
          rule: 'lint',
          passed: false,
          message: `${errors.length} lint error${errors.length === 1 ? '' : 's'}${io}: ${listed.join('; ')}${more}`,
        },
        remember: true,
      };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  return {
    check(pin, request) {
      // Two evaluations of one artifact at once share the work.
      const key = `${pin.ref}\0${[...request.trustedHosts].sort().join(',')}`;
      const running = inFlight.get(key);
      if (running) return running;
      const promise = run(pin, request).finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
    get cached() {
      return found.size + linted.size;
    },
  };
}

/** host and repository of a pin's ref; a problem when it is not a registry reference pinned by that digest. */
export function registryLocation(pin: ArtifactPinRef): { host: string; repository: string } | { problem: string } {
  const ref = pin.ref.startsWith(ociScheme) ? pin.ref : `${ociScheme}${pin.ref}`;
  // A scheme (oci-layout:, https://); host:port/… is not one.
  if (!pin.ref.startsWith(ociScheme) && /^[a-z][a-z0-9+.-]*:(?!\d+\/)/i.test(pin.ref)) {
    return { problem: `${pin.ref} is not a registry reference (host/repository@digest)` };
  }
  try {
    const parsed = parseReference(ref);
    if (parsed.digest !== pin.digest) return { problem: `${pin.ref} does not pin ${pin.digest}` };
    return { host: parsed.host.toLowerCase(), repository: parsed.repository };
  } catch (error) {
    return { problem: describe(error) };
  }
}

/** The registry host (host[:port], lower case) of a pinned ref or an oci:// prefix; undefined when it has none. */
export function registryHost(ref: string): string | undefined {
  const rest = ref.startsWith(ociScheme) ? ref.slice(ociScheme.length) : ref;
  const slash = rest.indexOf('/');
  return slash <= 0 ? undefined : rest.slice(0, slash).toLowerCase();
}

function describe(error: unknown): string {
  if (isDataKitError(error)) return `${error.code} ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** A map that forgets its oldest entries beyond `capacity`. */
class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
