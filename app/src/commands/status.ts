import { requireWriter } from './source-commit';
import { readStatus } from '@datakit/sdk/promotion';
import { readPackageName } from '../package-name';
import { readRepositorySettings, requireGitops } from '../settings';
import type { CommandContext, CommandOutcome } from './command-context';
import { openGitops } from './gitops-session';
import { statusReply } from './replies';

/** /datakit status: where the package of this repository (its dk.yaml on the default branch) is deployed, and what is pending. */
export async function runStatus(ctx: CommandContext): Promise<CommandOutcome> {
  // The gitops repository may be private while the package repository is public: only people who
  // may promote see what is deployed where.
  await requireWriter(ctx, 'see the deployment status');
  const settings = await readRepositorySettings(ctx.octokit, ctx.repository, ctx.services.config);
  const gitops = requireGitops(settings);
  const packageName = await readPackageName(ctx.octokit, ctx.repository, settings.package, ctx.repository.defaultBranch);
  const session = await openGitops(ctx, gitops);
  const report = await readStatus(session.scm, packageName);
  const entries = report.packages.find((p) => p.package === packageName)?.entries.length ?? 0;
  return {
    ok: true,
    reply: statusReply(report, packageName, gitops.fullName),
    fields: { package: packageName, gitops: gitops.fullName, deployments: entries },
  };
}
