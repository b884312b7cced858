import { isDeepStrictEqual } from 'node:util';
import { createIssue, type Issue } from '../core/issue';
import type { LoadedManifest } from '../manifest/load';

/**
 * Every named manifest of a linted tree by kind and name. Identical copies of one manifest (the
 * flat layout repeats shared DataSets and Stores in each package) count once; copies that differ
 * are reported as ambiguous.
 */
export interface ManifestIndex {
  get(kind: string, name: string): LoadedManifest[];
  all(kind: string): LoadedManifest[];
  has(kind: string): boolean;
}

export function indexManifests(manifests: readonly LoadedManifest[]): { index: ManifestIndex; issues: Issue[] } {
  const issues: Issue[] = [];
  const byKind = new Map<string, Map<string, LoadedManifest[]>>();
  for (const manifest of manifests) {
    if (manifest.kind === undefined || manifest.name === undefined) continue;
    let byName = byKind.get(manifest.kind);
    if (!byName) byKind.set(manifest.kind, (byName = new Map()));
    const existing = byName.get(manifest.name) ?? [];
    const version = versionOf(manifest);
    const sameVersion = existing.find((m) => versionOf(m) === version);
    if (sameVersion) {
      if (!isDeepStrictEqual(sameVersion.value.spec, manifest.value.spec)) {
        const first = sameVersion.document.locate(['metadata', 'name']);
        issues.push(
          createIssue(
            'DK202',
            `${manifest.kind} ${JSON.stringify(manifest.name)}${version ? ` ${version}` : ''} is declared twice with different content (first at ${first.file}:${first.line})`,
            manifest.document.locate(['metadata', 'name']),
          ),
        );
      }
      continue;
    }
    existing.push(manifest);
    byName.set(manifest.name, existing);
  }
  const index: ManifestIndex = {
    get: (kind, name) => byKind.get(kind)?.get(name) ?? [],
    all: (kind) => [...(byKind.get(kind)?.values() ?? [])].flat(),
    has: (kind) => (byKind.get(kind)?.size ?? 0) > 0,
  };
  return { index, issues };
}

export function versionOf(manifest: LoadedManifest): string | undefined {
  const metadata = manifest.value.metadata as Record<string, unknown> | undefined;
  const version = metadata?.version;
  return typeof version === 'string' ? version : undefined;
}

export function specOf(manifest: LoadedManifest): Record<string, unknown> {
  const spec = manifest.value.spec;
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};
}
