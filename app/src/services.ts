import type { GitObjectCache } from '@datakit/sdk/github';
import type { Probot } from 'probot';
import type { Clock, Logger } from '@datakit/sdk/core';
import type { OpenTargetOptions } from '@datakit/sdk/registry';
import type { AppConfig } from './config';
import type { DeliveryLog } from './delivery-log';
import type { KeyedLock } from './keyed-lock';
import type { RepositoryAccessor } from './github/repository-access';

/** What every handler is given: the configuration, the clock and the shared in-process state. */
export interface AppServices {
  config: AppConfig;
  clock: Clock;
  /** Installation-scoped Octokit (and token) for any repository the app is installed on. */
  repositories: RepositoryAccessor;
  /** Registry access options (credentials from the config); cwd is unused by the app. */
  registryOptions: OpenTargetOptions;
  /** Deliveries and comments already handled: a repeated one is dropped. */
  deliveries: DeliveryLog;
  /** Serialises work on one promotion target (gitops repository, env, cell, package). */
  locks: KeyedLock;
  /** The app's own login (slug[bot]), to ignore its comments and recognise its pull requests. */
  botLogin(app: Probot): Promise<string>;
  logger: Logger;
  /** Signs the promotion markers of the pull requests the app opens (see marker-signature.ts). */
  markerKey: Buffer;
  /** Git objects of gitops repositories read through the API, by id (immutable), shared by all deliveries. */
  gitObjects: GitObjectCache;
}
