import { GitObjectCache } from '@datakit/sdk/github';
import { markerKey } from './marker-signature';
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Clock } from '@datakit/sdk/core';
import { handleIssueComment } from './commands/handle-comment';
import type { AppConfig } from './config';
import { DeliveryLog } from './delivery-log';
import { handleCheckRerequest, handleMergeGroup, handlePullRequestClosed, handlePullRequestGate } from './gates/gate-handlers';
import { createGateService } from './gates/promotion-gate';
import { createRepositoryAccessor } from './github/repository-access';
import { KeyedLock } from './keyed-lock';
import type { AppServices } from './services';

export interface DataKitAppOptions {
  config: AppConfig;
  clock: Clock;
  /** Shared with the HTTP server when it drops repeated deliveries before Probot sees them. */
  deliveries?: DeliveryLog;
}

/**
 * The DataKit GitHub App as a Probot application function: `/promote`, `/rollback` and
 * `/datakit` comments on package repositories, the datakit/promotion check on gitops pull requests,
 * deployments and a comment on the source pull request once a promotion merges.
 */
export function dataKitApp(options: DataKitAppOptions): ApplicationFunction {
  return (app: Probot) => {
    const deliveries = options.deliveries ?? new DeliveryLog(options.config.deliveryCacheSize);
    let botLogin: Promise<string> | undefined;
    const services: AppServices = {
      config: options.config,
      clock: options.clock,
      repositories: createRepositoryAccessor(app),
      registryOptions: {
        cwd: process.cwd(),
        credentials: { env: options.config.registryEnv },
        ...(options.config.registryPlainHttp ? { plainHttp: true } : {}),
      },
      deliveries,
      locks: new KeyedLock(),
      botLogin(probot) {
        botLogin ??= (async () => {
          const octokit = await probot.auth();
          const { data } = await octokit.request('GET /app');
          return `${data?.slug ?? 'datakit'}[bot]`;
        })();
        botLogin.catch(() => (botLogin = undefined));
        return botLogin;
      },
      logger: app.log,
      markerKey: markerKey(options.config.privateKey),
      gitObjects: new GitObjectCache(),
    };
    const gates = createGateService(app, services);

    // Redeliveries of one delivery id are handled once, whichever server received them.
    const once =
      <C extends Context>(handler: (context: C) => Promise<void>) =>
      async (context: C) => {
        if (!deliveries.firstTime(`delivery:${context.id}`)) {
          context.log.info({ event: context.name }, 'repeated delivery ignored');
          return;
        }
        try {
          await handler(context);
        } catch (error) {
          // A redelivery of a delivery that failed must run again, not be dropped as a repeat.
          deliveries.forget(`delivery:${context.id}`);
          throw error;
        }
      };

    app.on(
      'issue_comment.created',
      once((context) => handleIssueComment(app, context, services, gates)),
    );
    app.on(
      ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request_review'],
      once((context) => handlePullRequestGate(app, context, services, gates)),
    );
    app.on(
      'pull_request.closed',
      once((context) => handlePullRequestClosed(app, context, services, gates)),
    );
    app.on(
      ['check_suite.rerequested', 'check_run.rerequested'],
      once((context) => handleCheckRerequest(app, context, services, gates)),
    );
    app.on(
      'merge_group.checks_requested',
      once((context) => handleMergeGroup(app, context, services, gates)),
    );
  };
}
