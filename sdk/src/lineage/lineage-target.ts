import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors';
import { suggestClosest } from '../validate/did-you-mean';
import { lineageCodes } from './codes';
import { dataHubEndpoint } from './http-emitter';

/** Where lineage goes, as `--lineage <url|file:path|console|off>` says. */
export type LineageTarget =
  { kind: 'off' } | { kind: 'console' } | { kind: 'file'; path: string } | { kind: 'http'; url: string; api: 'marquez' | 'datahub' };

export interface ParseTargetOptions {
  /** Relative file: paths are resolved against it. */
  cwd: string;
  /** Where the value came from, for messages. Default --lineage. */
  source?: string;
}

const forms = 'an http(s):// URL (Marquez), datahub+https://<host> (DataHub), file:<path>, console or off';

function invalid(source: string, value: string, why: string, hint = `Use ${forms}.`): UsageError {
  return new UsageError(lineageCodes.invalidTarget, `${source} ${JSON.stringify(value)}: ${why}`, { hint });
}

function httpTarget(value: string, raw: string, source: string, api: 'marquez' | 'datahub'): LineageTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(source, raw, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(source, raw, `unsupported scheme ${url.protocol}`);
  if (url.hostname === '') throw invalid(source, raw, 'the URL has no host');
  if (url.username !== '' || url.password !== '') {
    throw invalid(
      source,
      raw,
      'credentials do not belong in the URL',
      'Remove user:password@ and pass an API token instead (sent as a bearer token).',
    );
  }
  url.hash = '';
  const datahub = api === 'datahub' || url.pathname.replace(/\/+$/, '').endsWith(dataHubEndpoint);
  return { kind: 'http', url: url.href, api: datahub ? 'datahub' : 'marquez' };
}

function fileTarget(value: string, source: string, cwd: string): LineageTarget {
  let file: string;
  if (value.startsWith('file://')) {
    try {
      file = fileURLToPath(value);
    } catch (error) {
      throw invalid(
        source,
        value,
        `not a local file URL (${error instanceof Error ? error.message : String(error)})`,
        'Write file:<path> or file:///absolute/path.',
      );
    }
  } else {
    file = value.slice('file:'.length);
  }
  if (file.trim() === '') throw invalid(source, value, 'no file path after file:', 'Write file:<path>, e.g. file:lineage.jsonl.');
  if (file.endsWith('/') || file.endsWith(path.sep))
    throw invalid(source, value, 'the path names a directory', 'Name a file, e.g. file:lineage/events.jsonl.');
  return { kind: 'file', path: path.resolve(cwd, file) };
}

/** Parses one lineage target. Throws a UsageError (DK652) that says which forms are accepted. */
export function parseLineageTarget(value: string, options: ParseTargetOptions): LineageTarget {
  const source = options.source ?? '--lineage';
  const trimmed = value.trim();
  if (trimmed === '') throw invalid(source, value, 'empty');
  const lower = trimmed.toLowerCase();
  if (lower === 'off') return { kind: 'off' };
  if (lower === 'console') return { kind: 'console' };
  if (lower.startsWith('file:')) return fileTarget(trimmed, source, options.cwd);
  if (lower.startsWith('datahub+')) return httpTarget(trimmed.slice('datahub+'.length), trimmed, source, 'datahub');
  if (/^https?:\/\//.test(lower)) return httpTarget(trimmed, trimmed, source, 'marquez');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(lower);
  if (scheme) throw invalid(source, trimmed, `unsupported scheme ${scheme[1]}://`);
  if (/^[\w.-]+:\d+(\/|$)/.test(trimmed)) throw invalid(source, trimmed, 'no scheme', `Did you mean http://${trimmed}?`);
  const suggestion = suggestClosest(trimmed, ['off', 'console', 'file:']);
  throw invalid(source, trimmed, 'not a lineage target', suggestion ? `Did you mean ${suggestion}? Use ${forms}.` : undefined);
}

/**
 * The targets to send to: the --lineage values (the flag may repeat), else OPENLINEAGE_URL (passed
 * in by the caller, which reads the environment), else none. `off` cannot be combined.
 */
export function resolveLineageTargets(
  values: readonly string[] | undefined,
  options: { cwd: string; openLineageUrl?: string | undefined },
): LineageTarget[] {
  let targets: LineageTarget[];
  if (values !== undefined && values.length > 0) {
    targets = values.map((value) => parseLineageTarget(value, { cwd: options.cwd }));
  } else if (options.openLineageUrl !== undefined && options.openLineageUrl.trim() !== '') {
    targets = [parseLineageTarget(options.openLineageUrl, { cwd: options.cwd, source: 'OPENLINEAGE_URL' })];
  } else {
    return [];
  }
  if (targets.length > 1 && targets.some((t) => t.kind === 'off')) {
    throw new UsageError(lineageCodes.invalidTarget, '--lineage off cannot be combined with other lineage targets', {
      hint: 'Pass either off or the targets.',
    });
  }
  return targets.filter((t) => t.kind !== 'off');
}
