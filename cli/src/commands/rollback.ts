import { prepareRollback, proposePlan } from '@datakit/sdk/promotion';
import type { CommandContext } from '../context';
import { clockOf, gitopsLocation, openSourceControl, type GitopsFlags } from './gitops-options';
import { reportAndPropose, type PlanCommandFlags } from './plan-output';

export interface RollbackFlags extends GitopsFlags, PlanCommandFlags {
  env: string;
  cell?: string;
  toVersion?: string;
  reviewer?: string[];
}

/** dk rollback PACKAGE --env ENV: a branch (and PR) back to the previous digest of the env/cell. */
export async function runRollback(packageName: string, flags: RollbackFlags, ctx: CommandContext): Promise<number> {
  const scm = await openSourceControl(await gitopsLocation(flags, ctx), ctx, { requireClean: true });
  const { plan } = await prepareRollback(
    { scm, clock: clockOf(ctx) },
    {
      package: packageName,
      env: flags.env,
      ...(flags.cell === undefined ? {} : { cell: flags.cell }),
      ...(flags.toVersion === undefined ? {} : { toVersion: flags.toVersion }),
    },
  );
  return reportAndPropose(plan, scm, flags, ctx, () => proposePlan(scm, plan, flags.reviewer ?? []));
}
