import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { spawn } from 'node:child_process';
import { containerCommand, containerName, type ContainerEngine } from './container-command';
import { startProcess, type ProcessRunResult } from './process-runner';
import type { RunPlan } from './run-plan';

export type RunOutcome =
  | { status: 'completed'; result: ProcessRunResult }
  | { status: 'failed'; result?: ProcessRunResult; error: Error; /** The end of the transform's stderr. */ stderrTail?: string }
  | { status: 'aborted'; result: ProcessRunResult };

/** How much of the transform's stderr a failure keeps for its error facet. */
const stderrTailBytes = 4096;

/** Told about a run's life: lineage emitters, metrics, the console. */
export interface RunObserver {
  started(plan: RunPlan): Promise<void>;
  finished(plan: RunPlan, outcome: RunOutcome): Promise<void>;
}

export interface RunTransformOptions {
  /** The environment the transform inherits (PATH, HOME, …), before the run contract's variables. */
  baseEnv: Record<string, string>;
  /** -e K=V: added last. */
  extraEnv?: Record<string, string>;
  observer?: RunObserver;
  logger?: Logger;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Registers an interrupt handler (SIGINT/SIGTERM); returns a function that removes it. */
  onInterrupt?: (handler: (signal: NodeJS.Signals) => void) => () => void;
  killGraceMs?: number;
  /**
   * The container to stop (engine stop, which escalates to SIGKILL) when the run times out or is
   * interrupted: signalling the engine client alone leaves a container whose PID 1 ignores SIGTERM
   * running. Set automatically when `engine` is.
   */
  stopContainer?: { engine: ContainerEngine; name: string };
}

/** How long `engine stop` waits for the container before killing it. */
const containerStopSeconds = 5;

/**
 * Runs a planned transform — as a host process (`dk run --local`: spec.command in the package
 * directory) or in a container (`engine`) — reporting START and the outcome to the observer.
 */
export async function runTransform(plan: RunPlan, options: RunTransformOptions & { engine?: ContainerEngine }): Promise<RunOutcome> {
  const logger = options.logger ?? silentLogger;
  await options.observer?.started(plan);
  let outcome: RunOutcome;
  let removeInterrupt: (() => void) | undefined;
  let tail = Buffer.alloc(0);
  try {
    const env = { ...options.baseEnv, ...plan.contractEnv, ...options.extraEnv };
    const passed = [...Object.keys(plan.contractEnv), ...Object.keys(options.extraEnv ?? {})];
    const stopContainer = options.stopContainer ?? (options.engine ? { engine: options.engine, name: containerName(plan) } : undefined);
    const running = startProcess({
      command: options.engine ? containerCommand(plan, options.engine, passed) : (plan.command ?? []),
      ...(stopContainer
        ? {
            onStop: () => {
              const stopper = spawn(stopContainer.engine, ['stop', '--time', String(containerStopSeconds), stopContainer.name], {
                env,
                stdio: 'ignore',
              });
              stopper.on('error', (error) => logger.warn({ error: error.message }, `could not stop container ${stopContainer.name}`));
            },
          }
        : {}),
      cwd: plan.packageDir,
      env,
      ...(plan.timeoutMs !== undefined ? { timeoutMs: plan.timeoutMs } : {}),
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      ...(options.onStdout ? { onStdout: options.onStdout } : {}),
      onStderr: (chunk) => {
        tail = Buffer.concat([tail, chunk]).subarray(-stderrTailBytes);
        options.onStderr?.(chunk);
      },
    });
    removeInterrupt = options.onInterrupt?.((signal) => {
      logger.warn({ signal }, 'interrupted: forwarding to the transform');
      running.interrupt(signal);
    });
    const result = await running.done;
    if (result.interrupted) outcome = { status: 'aborted', result };
    else if (result.timedOut) {
      outcome = { status: 'failed', result, error: new Error(`timed out after ${formatMs(plan.timeoutMs ?? 0)}`), ...stderrOf(tail) };
    } else if (result.exitCode !== 0) {
      const error = new Error(`exited with code ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}`);
      outcome = { status: 'failed', result, error, ...stderrOf(tail) };
    } else outcome = { status: 'completed', result };
  } catch (error) {
    outcome = { status: 'failed', error: error as Error };
  } finally {
    removeInterrupt?.();
  }
  await options.observer?.finished(plan, outcome);
  return outcome;
}

function stderrOf(tail: Buffer): { stderrTail?: string } {
  const text = tail.toString('utf8').trim();
  return text === '' ? {} : { stderrTail: text };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
