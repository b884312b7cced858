import { spawn } from 'node:child_process';
import { DataKitError, systemErrorCode } from '../core/errors';

export interface ProcessRunOptions {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
  /** After SIGTERM (timeout or interrupt), how long before SIGKILL. */
  killGraceMs?: number;
  /** Called once when the run is being stopped (timeout or interrupt), e.g. to stop a container. */
  onStop?: () => void;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface ProcessRunResult {
  exitCode: number;
  signal?: NodeJS.Signals;
  timedOut: boolean;
  /** Stopped because the run was interrupted (SIGINT/SIGTERM forwarded). */
  interrupted: boolean;
  durationMs: number;
}

export interface RunningProcess {
  /** Forwards a signal to the transform (SIGINT, SIGTERM); escalates to SIGKILL after the grace time. */
  interrupt(signal: NodeJS.Signals): void;
  done: Promise<ProcessRunResult>;
}

/** Runs a transform as a host process; its exit code (or 128+signal) becomes the run's. */
export function startProcess(options: ProcessRunOptions): RunningProcess {
  const [file, ...args] = options.command;
  if (!file)
    throw new DataKitError('DK604', 'the Transform has no spec.command to run locally', {
      hint: 'Add spec.command, e.g. ["node", "src/main.mjs"].',
    });
  const started = Date.now();
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let timedOut = false;
  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const grace = options.killGraceMs ?? 10_000;
  const stop = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (killTimer === undefined) options.onStop?.();
    child.kill(signal);
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), grace);
    killTimer.unref();
  };
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          stop('SIGTERM');
        }, options.timeoutMs)
      : undefined;
  timer?.unref();
  child.stdout.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
  child.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk));
  const done = new Promise<ProcessRunResult>((resolve, reject) => {
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      const code = systemErrorCode(error);
      reject(
        new DataKitError(
          'DK604',
          code === 'ENOENT' ? `cannot run ${file}: command not found` : `cannot run ${file}: ${code ?? error.message}`,
          {
            cause: error,
            hint: code === 'ENOENT' ? `Install ${file} or change spec.command.` : undefined,
          },
        ),
      );
    });
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const signalName = signal ?? undefined;
      resolve({
        exitCode: exitCode ?? 128 + (signalName ? signalNumber(signalName) : 1),
        ...(signalName ? { signal: signalName } : {}),
        timedOut,
        interrupted,
        durationMs: Date.now() - started,
      });
    });
  });
  return {
    interrupt(signal) {
      interrupted = true;
      stop(signal);
    },
    done,
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 1;
}
