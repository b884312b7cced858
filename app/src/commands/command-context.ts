import { registryOptionsFor } from '../registry-access';
import type { Logger } from '@datakit/sdk/core';
import { ArtifactLookup } from '../artifact-lookup';
import type { GateService } from '../gates/gate-service';
import type { AppOctokit } from '../github/app-octokit';
import type { AppServices } from '../services';

/** The package repository a comment was made in. */
export interface PackageRepository {
  owner: string;
  repo: string;
  /** owner/name */
  fullName: string;
  defaultBranch: string;
}

/** Everything a command needs, fixed when the comment is handled. */
export interface CommandContext {
  services: AppServices;
  gates: GateService;
  /** Installation-scoped, for the package repository. */
  octokit: AppOctokit;
  repository: PackageRepository;
  /** The issue or pull request commented on. */
  issue: { number: number; pullRequest: boolean };
  /** Who commented. */
  actor: string;
  deliveryId: string;
  log: Logger;
  artifacts: ArtifactLookup;
}

/** What a command did, for the reply and the log. */
export interface CommandOutcome {
  /** The reply to post on the comment's issue or pull request. */
  reply: string;
  /** False when the command was refused or failed (😕 instead of 🚀). */
  ok: boolean;
  /** Log fields: what was bound and what was opened. */
  fields: Record<string, unknown>;
}

const lookups = new WeakMap<AppServices, ArtifactLookup>();

/** One artifact lookup (and manifest cache) per app instance. */
export function artifactLookupFor(services: AppServices): ArtifactLookup {
  let lookup = lookups.get(services);
  if (lookup === undefined) {
    lookup = new ArtifactLookup(services.registryOptions, {
      logger: services.logger,
      optionsFor: (location) => registryOptionsFor(services.config, services.registryOptions, location),
    });
    lookups.set(services, lookup);
  }
  return lookup;
}
