/**
 * Runs `dk …argv` in process, through main (every command, test, dev and catalog included), with
 * the test configuration for `cwd`, and captures stdout, stderr and the exit code.
 */
import type { Clock } from '@datakit/sdk/core';
import type { CliConfig } from '../../src/config';
import { main } from '../../src/main';
import { testConfig } from './test-config';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runInProcess(
  cwd: string,
  argv: readonly string[],
  overrides: Partial<CliConfig> = {},
  clock?: Clock,
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    config: testConfig(cwd, overrides),
    io: { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) },
    ...(clock ? { clock } : {}),
  });
  return { code, stdout, stderr };
}
