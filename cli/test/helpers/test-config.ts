import path from 'node:path';
import type { CliConfig } from '../../src/config';

/** A CLI configuration for in-process tests: no colour, no progress, no user files, no credentials. */
export function testConfig(cwd: string, overrides: Partial<CliConfig> = {}): CliConfig {
  return {
    color: false,
    progress: false,
    cwd,
    debug: false,
    registryEnv: {},
    dockerConfigPath: path.join(cwd, '.no-docker-config.json'),
    userConfigFile: path.join(cwd, '.no-user-config.yaml'),
    cacheDir: path.join(cwd, '.dk-test-cache'),
    runEnvironment: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd },
    ...overrides,
  };
}
