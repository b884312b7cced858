import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LayerCache } from './bundle';
import type { Descriptor } from './descriptor';

interface CacheFile {
  version: 1;
  layers: Record<string, { descriptor: Descriptor; diffId: string }>;
}

/** Keeps at most this many layers: enough for the package's recent builds, small to read. */
const maxEntries = 64;

/**
 * A layer cache in one JSON file beside a build layout. It is only a hint: every hit is checked
 * against the layout (the blob must exist), and a missing or unreadable file is an empty cache.
 */
export function fileLayerCache(file: string): LayerCache {
  let loaded: Promise<CacheFile> | undefined;
  const load = () =>
    (loaded ??= readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as CacheFile)
      .then((data) => (data.version === 1 && data.layers && typeof data.layers === 'object' ? data : empty()))
      .catch(() => empty()));
  return {
    async get(key) {
      return (await load()).layers[key];
    },
    async set(key, layer) {
      const data = await load();
      data.layers[key] = layer;
      const keys = Object.keys(data.layers);
      for (const old of keys.slice(0, Math.max(0, keys.length - maxEntries))) delete data.layers[old];
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(data));
      await rename(temp, file);
    },
  };
}

function empty(): CacheFile {
  return { version: 1, layers: {} };
}
