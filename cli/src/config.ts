/** The only module of the CLI that reads the environment. */
export interface CliConfig {
  /** Colour is used only on a TTY and never with NO_COLOR. */
  color: boolean;
  cwd: string;
  debug: boolean;
}

export function readCliConfig(env: NodeJS.ProcessEnv, stdoutIsTty: boolean, cwd: string): CliConfig {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== '';
  return {
    color: !noColor && (stdoutIsTty || forced) && env.TERM !== 'dumb',
    cwd,
    debug: env.DK_DEBUG === '1',
  };
}
