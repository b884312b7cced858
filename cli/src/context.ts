import type { Clock } from '@datakit/sdk/core';
import type { CliConfig } from './config';
import type { CliIo } from './io';

/** What every command receives: its configuration and where to write. No globals. */
export interface CommandContext {
  config: CliConfig;
  io: CliIo;
  /** Default: the system clock (tests pass a fixed one). */
  clock?: Clock;
}

/** Collects a repeatable option's values (-f a -f b). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
