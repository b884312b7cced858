import path from 'node:path';
import type { Command } from 'commander';
import { initGitopsRepository } from '@datakit/sdk/promotion';
import type { CommandContext } from '../context';

interface GitopsInitFlags {
  repoUrl?: string;
  branch?: string;
}

async function runGitopsInit(dir: string, flags: GitopsInitFlags, ctx: CommandContext): Promise<number> {
  const target = path.resolve(ctx.config.cwd, dir);
  const result = await initGitopsRepository(target, {
    ...(flags.repoUrl ? { repoUrl: flags.repoUrl } : {}),
    ...(flags.branch ? { branch: flags.branch } : {}),
  });
  ctx.io.stdout(
    `Created the gitops repository ${dir} (${result.files.length} files, commit ${result.commit.slice(0, 12)}):\n` +
      `  datakit-promotion.yaml   the promotion policy (environments dev → int → prod)\n` +
      `  base/                    the PackageDeployment CRD and the controller\n` +
      `  envs/<env>/cells/c0/     one namespace per environment and cell\n` +
      `  argocd/                  the ApplicationSet (one Application per envs/*/cells/*/apps/*)\n` +
      `Next: push it (git -C ${dir} remote add origin <url> && git -C ${dir} push -u origin ${flags.branch ?? 'main'}), then dk promote <package> <version> --to dev --gitops ${dir}\n`,
  );
  return 0;
}

/** dk gitops init DIR: scaffold a gitops repository. */
export function registerGitopsCommand(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  const gitops = program.command('gitops').description('the gitops repository promotions write to');
  gitops
    .command('init')
    .description('scaffold a new gitops repository (policy, base, envs, Argo CD ApplicationSet) as a git repository')
    .argument('<dir>', 'a new or empty directory')
    .option('--repo-url <url>', 'the URL Argo CD clones it from (written into argocd/applicationset.yaml)')
    .option('--branch <name>', 'the default branch', 'main')
    .action(async (dir: string, flags: GitopsInitFlags) => setExit(await runGitopsInit(dir, flags, ctx)));
}
