import { preparePromotion, proposePlan } from '@datakit/sdk/promotion';
import type { CommandContext } from '../context';
import { artifactResolver, clockOf, gitopsLocation, openSourceControl, type GitopsFlags, type ResolverFlags } from './gitops-options';
import { reportAndPropose, type PlanCommandFlags } from './plan-output';

export interface PromoteFlags extends GitopsFlags, ResolverFlags, PlanCommandFlags {
  to: string;
  cell?: string;
  reviewer?: string[];
}

/** dk promote PACKAGE VERSION|DIGEST --to ENV: plan on the gitops default branch, then a branch (and PR). */
export async function runPromote(packageName: string, versionOrDigest: string, flags: PromoteFlags, ctx: CommandContext): Promise<number> {
  const scm = await openSourceControl(await gitopsLocation(flags, ctx), ctx, { requireClean: true });
  const resolver = await artifactResolver(flags, ctx);
  if (resolver.description.startsWith('oci-layout:')) {
    ctx.io.stderr(
      `dk: warning: resolving ${packageName} in the local OCI layout ${resolver.description.slice('oci-layout:'.length)}: the pinned ref is a local path no cluster can pull; pass --registry (or set DK_REGISTRY) to promote what you published to a registry\n`,
    );
  }
  const { plan } = await preparePromotion({ scm, clock: clockOf(ctx) }, resolver, {
    package: packageName,
    versionOrDigest,
    env: flags.to,
    ...(flags.cell === undefined ? {} : { cell: flags.cell }),
  });
  return reportAndPropose(plan, scm, flags, ctx, () => proposePlan(scm, plan, flags.reviewer ?? []));
}
