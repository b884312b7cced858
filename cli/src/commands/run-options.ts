import { systemClock, UsageError, type Logger } from '@datakit/sdk/core';
import { createLineageEmitter, type LineageEmitter } from '@datakit/sdk/lineage';
import { parseDuration, type ContainerEngine } from '@datakit/sdk/runner';
import { formatTextReport, type LintResult } from '@datakit/sdk/validate';
import type { CommandContext } from '../context';
import { textStyle } from '../io';

/** The options dk run and dk test share. */
export interface RunOptionFlags {
  local?: boolean;
  engine?: string;
  timeout?: string;
  env?: string[];
  lineage?: string[];
  failOnLineageError?: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Undefined for --local. */
  engine?: ContainerEngine;
  extraEnv: Record<string, string>;
}

/** Validates --timeout, --engine and -e NAME=value (usage errors, exit 2). */
export function parseRunOptions(flags: RunOptionFlags): RunOptions {
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
  if (flags.timeout !== undefined && timeoutMs === undefined)
    throw new UsageError('DK123', `--timeout ${flags.timeout}: expected a duration such as 30s or 10m`);
  if (flags.engine !== undefined && flags.engine !== 'podman' && flags.engine !== 'docker') {
    throw new UsageError('DK123', `--engine ${flags.engine}: expected podman or docker`);
  }
  const extraEnv: Record<string, string> = {};
  for (const value of flags.env ?? []) {
    const eq = value.indexOf('=');
    const name = eq > 0 ? value.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError('DK123', `-e ${value.split('=')[0]}…: expected NAME=value`);
    extraEnv[name] = value.slice(eq + 1);
  }
  const engine = flags.local ? undefined : ((flags.engine as ContainerEngine | undefined) ?? 'podman');
  return { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(engine ? { engine } : {}), extraEnv };
}

/** Prints the lint report of a package that cannot run; returns the exit code (1, or 2 for I/O). */
export function refuseLintErrors(lint: LintResult, ctx: CommandContext, what: string): number | undefined {
  if (lint.counts.errors === 0 && !lint.ioFailure) return undefined;
  ctx.io.stderr(
    formatTextReport(
      { issues: lint.issues, counts: lint.counts, fileCount: lint.fileCount, manifestCount: lint.manifests.length },
      { cwd: ctx.config.cwd, style: textStyle(ctx.config.color) },
    ),
  );
  ctx.io.stderr(`dk: the package has lint errors; nothing was ${what}\n`);
  return lint.ioFailure ? 2 : 1;
}

/** The run's lineage emitter: --lineage targets, else OPENLINEAGE_URL, else off. */
export function lineageEmitterFor(flags: RunOptionFlags, ctx: CommandContext, logger: Logger): LineageEmitter {
  return createLineageEmitter(
    {
      ...(flags.lineage ? { targets: flags.lineage } : {}),
      ...(ctx.config.openLineageUrl ? { openLineageUrl: ctx.config.openLineageUrl } : {}),
      ...(ctx.config.openLineageToken ? { token: ctx.config.openLineageToken } : {}),
      ...(flags.failOnLineageError ? { failOnError: true } : {}),
    },
    { cwd: ctx.config.cwd, logger, clock: systemClock },
  );
}

/** Forwards SIGINT/SIGTERM to the running transform while it runs; returns the remover. */
export function forwardInterrupts(handler: (signal: NodeJS.Signals) => void): () => void {
  const forward = (signal: NodeJS.Signals) => handler(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return () => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  };
}
