import { parseAllDocuments } from 'yaml';
import type { PinHistoryEntry } from '../promotion/source-control';

/** A deployment file's pin: spec.package.digest (and version) of a PackageDeployment. */
export interface Pin {
  digest: string;
  version?: string;
}

/** The file at one commit of history; `pin` undefined when the file was absent or named no digest. */
export interface PinAtCommit {
  commit: string;
  time: Date;
  pin: Pin | undefined;
}

const digestPattern = /sha256:[0-9a-f]{64}/;

/**
 * Reads the pin of a deployment file leniently: any document of the file, the digest from
 * spec.package.digest or else from the @sha256 of spec.package.ref; scalars kept as written
 * (the failsafe schema), so version 1.10 stays "1.10". Unparsable YAML falls back to the
 * first `digest:` line.
 */
export function readPin(content: string | undefined): Pin | undefined {
  if (content === undefined) return undefined;
  try {
    for (const document of parseAllDocuments(content, { schema: 'failsafe' })) {
      if (document.errors.length > 0) continue;
      const pin = pinOf(document.toJS() as unknown);
      if (pin) return pin;
    }
  } catch {
    // parseAllDocuments throws on nothing it reads; toJS can, on alias abuse: fall through to the text.
  }
  const line = /^\s*digest:\s*['"]?(sha256:[0-9a-f]{64})/m.exec(content);
  return line?.[1] === undefined ? undefined : { digest: line[1] };
}

function pinOf(value: unknown): Pin | undefined {
  const spec = field(value, 'spec');
  const pkg = field(spec, 'package');
  const digestField = field(pkg, 'digest');
  const ref = field(pkg, 'ref');
  const digest =
    typeof digestField === 'string' && digestPattern.test(digestField)
      ? digestField.trim()
      : typeof ref === 'string'
        ? /@(sha256:[0-9a-f]{64})$/.exec(ref.trim())?.[1]
        : undefined;
  if (digest === undefined) return undefined;
  const version = field(pkg, 'version');
  return typeof version === 'string' && version.trim() !== '' ? { digest, version: version.trim() } : { digest };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Newest-first file states → newest-first pins, each run of consecutive commits with the same
 * digest collapsed to its oldest commit (when that digest entered). A commit without a pin (the
 * file deleted, or no digest) ends a run: the same digest pinned again later is a new entry.
 */
export function collapsePinHistory(states: readonly PinAtCommit[]): PinHistoryEntry[] {
  const entries: PinHistoryEntry[] = [];
  let current: PinHistoryEntry | undefined;
  for (const { commit, time, pin } of states) {
    if (pin === undefined) {
      current = undefined;
      continue;
    }
    const entry: PinHistoryEntry = { digest: pin.digest, commit, time, ...(pin.version === undefined ? {} : { version: pin.version }) };
    if (current !== undefined && current.digest === pin.digest) {
      entries[entries.length - 1] = entry;
    } else {
      entries.push(entry);
    }
    current = entry;
  }
  return entries;
}
