import path from 'node:path';
import { readValuesFile, type Overlay } from '@datakit/sdk/manifest';

export interface OverlayFlags {
  values?: string[];
  set?: string[];
}

/** Reads -f files (relative to the working directory) and keeps --set expressions. */
export async function readOverlay(flags: OverlayFlags, cwd: string): Promise<Overlay | undefined> {
  const files = flags.values ?? [];
  const sets = flags.set ?? [];
  if (files.length === 0 && sets.length === 0) return undefined;
  const values = await Promise.all(files.map((f) => readValuesFile(path.resolve(cwd, f))));
  return { values, sets };
}
