import { formatBytes } from '@datakit/sdk/manifest';
import type { TransferProgress } from '@datakit/sdk/registry';
import type { CliIo } from './io';
import type { Clock } from '@datakit/sdk/core';

/** Blobs smaller than this transfer too fast for a bar to help. */
const minBytes = 4 * 1024 * 1024;
const redrawMs = 200;
const width = 24;

/**
 * A progress bar with bytes/s on stderr for large transfers, on a TTY only; undefined when
 * disabled so callers pass nothing down.
 */
export function createProgressBar(io: CliIo, enabled: boolean, clock: Clock): ((progress: TransferProgress) => void) | undefined {
  if (!enabled) return undefined;
  const started = new Map<string, number>();
  let lastDraw = -Infinity;
  return ({ digest, transferred, total }) => {
    if (total < minBytes) return;
    const now = clock.now().getTime();
    if (!started.has(digest)) started.set(digest, now);
    const done = transferred >= total;
    if (!done && now - lastDraw < redrawMs) return;
    lastDraw = now;
    const seconds = Math.max(0.001, (now - started.get(digest)!) / 1000);
    const filled = Math.round((width * transferred) / total);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    io.stderr(
      `\r  ${digest.slice(7, 19)} ${bar} ${formatBytes(transferred)} / ${formatBytes(total)}  ${formatBytes(transferred / seconds)}/s${done ? '\n' : ''}`,
    );
  };
}
