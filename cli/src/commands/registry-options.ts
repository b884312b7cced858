import type { OpenTargetOptions } from '@datakit/sdk/registry';
import type { CommandContext } from '../context';

export interface RegistryFlags {
  plainHttp?: boolean;
  caFile?: string;
}

/** How commands reach registries: credentials from the environment and Docker's config, TLS flags. */
export function targetOptions(flags: RegistryFlags, ctx: CommandContext): OpenTargetOptions {
  return {
    cwd: ctx.config.cwd,
    credentials: { env: ctx.config.registryEnv, dockerConfigPath: ctx.config.dockerConfigPath },
    ...(flags.plainHttp ? { plainHttp: true } : {}),
    ...(flags.caFile ? { caFile: flags.caFile } : {}),
  };
}
