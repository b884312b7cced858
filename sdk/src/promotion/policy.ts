import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { DataKitError } from '../core/errors';
import { formatPath } from '../core/issue';
import { parseDuration } from '../runner/duration';
import { explainInvalidCron, isValidTimeZone } from '../validate/cron';

export const policyApiVersion = 'datakit.dev/v1alpha1';
export const policyKind = 'PromotionPolicy';
export const policyFileName = 'datakit-promotion.yaml';
/** Freeze windows longer than this would be a permanent freeze: refused. */
export const maxFreezeDurationMs = 366 * 86_400_000;

export interface Promoters {
  /** GitHub logins. Empty users and teams: anyone with write access. */
  readonly users: readonly string[];
  /** GitHub teams as org/team-slug. */
  readonly teams: readonly string[];
}

export interface FreezeWindow {
  readonly name: string;
  /** Five-field cron or macro: each occurrence starts a freeze. */
  readonly cron: string;
  /** As written, e.g. 62h. */
  readonly duration: string;
  readonly durationMs: number;
  /** IANA timezone the cron is evaluated in. */
  readonly timezone: string;
}

export interface EnvironmentPolicy {
  readonly name: string;
  /** Allowed cells; empty: any cell. */
  readonly cells: readonly string[];
  /** The environment a digest must be live in first: `previous` if set, else the one listed before. */
  readonly previous: string | undefined;
  /** Default true. False: no predecessor needed (and no soak checked). */
  readonly requirePrevious: boolean;
  /** Default false: live in any cell of the previous environment suffices; true: the same cell. */
  readonly requireSameCell: boolean;
  readonly promoters: Promoters;
  readonly approvals: number;
  readonly soak: string;
  readonly soakMs: number;
  readonly freezeWindows: readonly FreezeWindow[];
}

export interface Policy {
  /** In promotion order. */
  readonly environments: readonly EnvironmentPolicy[];
  /** The file it came from; undefined for the default policy. */
  readonly file: string | undefined;
}

/** One thing wrong with a policy file, located by field path and (when known) line and column. */
export interface PolicyProblem {
  message: string;
  path: string;
  line?: number;
  column?: number;
}

/** A policy file that cannot be used. Code DK700; every problem is listed. */
export class PolicyError extends DataKitError {
  constructor(
    readonly file: string,
    readonly problems: readonly PolicyProblem[],
  ) {
    super('DK700', `invalid promotion policy ${file}:\n${problems.map((p) => `  ${formatProblem(file, p)}`).join('\n')}`, {
      hint: 'Correct the promotion policy at the reported places (see gitops/datakit-promotion.yaml for the format).',
    });
  }
}

function formatProblem(file: string, problem: PolicyProblem): string {
  const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`;
}

function environment(name: string, previous: string | undefined): EnvironmentPolicy {
  return {
    name,
    cells: [],
    previous,
    requirePrevious: previous !== undefined,
    requireSameCell: false,
    promoters: { users: [], teams: [] },
    approvals: 0,
    soak: '0s',
    soakMs: 0,
    freezeWindows: [],
  };
}

/** The policy when the gitops repository has none: dev → int → prod, order enforced, nothing else restricted. */
export function defaultPolicy(): Policy {
  return { file: undefined, environments: [environment('dev', undefined), environment('int', 'dev'), environment('prod', 'int')] };
}

export function findEnvironment(policy: Policy, name: string): EnvironmentPolicy | undefined {
  return policy.environments.find((env) => env.name === name);
}

type Path = (string | number)[];

const topKeys = new Set(['apiVersion', 'kind', 'environments']);
const envKeys = new Set([
  'name',
  'cells',
  'previous',
  'requirePrevious',
  'requireSameCell',
  'promoters',
  'approvals',
  'soak',
  'freezeWindows',
]);
const promoterKeys = new Set(['users', 'teams']);
const freezeKeys = new Set(['name', 'cron', 'duration', 'timezone']);
const namePattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const teamPattern = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses and validates a promotion policy file. Throws a PolicyError (DK700) listing every problem,
 * each with its field path and line:column.
 */
export function parsePolicy(text: string, file: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: PolicyProblem[] = [];
  const at = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) problems.push({ message: error.message.split('\n')[0]!, path: '', ...at(error.pos[0]) });
    throw new PolicyError(file, problems);
  }
  const report = (path: Path, message: string): void => {
    problems.push({ message, path: formatPath(path), ...locate(doc, path, at) });
  };
  const root: unknown = doc.toJS();
  if (!isRecord(root)) {
    report([], 'the policy must be a mapping with apiVersion, kind and environments');
    throw new PolicyError(file, problems);
  }
  unknownKeys(root, topKeys, [], report);
  if (root.apiVersion !== policyApiVersion) report(['apiVersion'], `must be ${policyApiVersion}`);
  if (root.kind !== policyKind) report(['kind'], `must be ${policyKind}`);
  const environments: EnvironmentPolicy[] = [];
  if (!Array.isArray(root.environments) || root.environments.length === 0) {
    report(['environments'], 'must be a non-empty list of environments, in promotion order');
  } else {
    const seen = new Map<string, number>();
    root.environments.forEach((raw: unknown, index: number) => {
      const env = parseEnvironment(raw, ['environments', index], report, seen, environments);
      if (env !== undefined) environments.push(env);
      if (env !== undefined) seen.set(env.name, index);
    });
  }
  if (problems.length > 0) throw new PolicyError(file, problems);
  return { file, environments };
}

type Report = (path: Path, message: string) => void;

function parseEnvironment(
  raw: unknown,
  path: Path,
  report: Report,
  seen: Map<string, number>,
  earlier: readonly EnvironmentPolicy[],
): EnvironmentPolicy | undefined {
  if (!isRecord(raw)) {
    report(path, 'an environment must be a mapping with at least a name');
    return undefined;
  }
  unknownKeys(raw, envKeys, path, report);
  const name = raw.name;
  let valid = true;
  if (typeof name !== 'string' || !namePattern.test(name)) {
    report([...path, 'name'], 'must be a lowercase name (letters, digits, dashes)');
    return undefined;
  }
  const firstIndex = seen.get(name);
  if (firstIndex !== undefined) {
    report([...path, 'name'], `duplicate environment "${name}" (already environments[${firstIndex}])`);
    valid = false;
  }
  const cells = stringList(raw.cells, [...path, 'cells'], report, (cell) => namePattern.test(cell), 'a lowercase cell name');
  let previous = earlier.at(-1)?.name;
  if (raw.previous !== undefined) {
    if (typeof raw.previous !== 'string') {
      report([...path, 'previous'], 'must be the name of an environment listed before this one');
    } else if (raw.previous === name) {
      report([...path, 'previous'], 'an environment cannot follow itself');
    } else if (!earlier.some((env) => env.name === raw.previous)) {
      report([...path, 'previous'], `unknown environment "${raw.previous}": must be one listed before "${name}"`);
    } else {
      previous = raw.previous;
    }
  }
  const requirePrevious = booleanField(raw.requirePrevious, true, [...path, 'requirePrevious'], report);
  const requireSameCell = booleanField(raw.requireSameCell, false, [...path, 'requireSameCell'], report);
  const promoters = parsePromoters(raw.promoters, [...path, 'promoters'], report);
  let approvals = 0;
  if (raw.approvals !== undefined) {
    if (typeof raw.approvals !== 'number' || !Number.isInteger(raw.approvals)) report([...path, 'approvals'], 'must be a whole number');
    else if (raw.approvals < 0) report([...path, 'approvals'], `must be 0 or more, not ${raw.approvals}`);
    else approvals = raw.approvals;
  }
  let soak = '0s';
  let soakMs = 0;
  if (raw.soak !== undefined) {
    const ms = durationValue(raw.soak);
    if (ms === undefined) report([...path, 'soak'], `bad duration ${JSON.stringify(raw.soak)}: use e.g. 30m, 4h, 2d (0s for none)`);
    else {
      soak = String(raw.soak);
      soakMs = ms;
    }
  }
  const freezeWindows: FreezeWindow[] = [];
  if (raw.freezeWindows !== undefined) {
    if (!Array.isArray(raw.freezeWindows)) report([...path, 'freezeWindows'], 'must be a list of freeze windows');
    else {
      const names = new Set<string>();
      raw.freezeWindows.forEach((w: unknown, i: number) => {
        const window = parseFreezeWindow(w, [...path, 'freezeWindows', i], report);
        if (window === undefined) return;
        if (names.has(window.name)) report([...path, 'freezeWindows', i, 'name'], `duplicate freeze window "${window.name}"`);
        names.add(window.name);
        freezeWindows.push(window);
      });
    }
  }
  if (!valid) return undefined;
  return {
    name,
    cells,
    previous,
    requirePrevious: previous !== undefined && requirePrevious,
    requireSameCell,
    promoters,
    approvals,
    soak,
    soakMs,
    freezeWindows,
  };
}

function parsePromoters(raw: unknown, path: Path, report: Report): Promoters {
  if (raw === undefined || raw === null) return { users: [], teams: [] };
  if (!isRecord(raw)) {
    report(path, 'must be a mapping with users and teams');
    return { users: [], teams: [] };
  }
  unknownKeys(raw, promoterKeys, path, report);
  return {
    users: stringList(raw.users, [...path, 'users'], report, (u) => u.trim() !== '', 'a GitHub login'),
    teams: stringList(raw.teams, [...path, 'teams'], report, (t) => teamPattern.test(t), 'a team as org/team-slug'),
  };
}

function parseFreezeWindow(raw: unknown, path: Path, report: Report): FreezeWindow | undefined {
  if (!isRecord(raw)) {
    report(path, 'a freeze window must be a mapping with name, cron, duration and timezone');
    return undefined;
  }
  unknownKeys(raw, freezeKeys, path, report);
  let ok = true;
  const fail = (key: string, message: string): void => {
    report([...path, key], message);
    ok = false;
  };
  const { name, cron, duration, timezone } = raw;
  if (typeof name !== 'string' || name.trim() === '') fail('name', 'must be a non-empty name');
  if (typeof cron !== 'string') fail('cron', 'must be a cron expression such as "0 18 * * 5"');
  else {
    const problem = explainInvalidCron(cron);
    if (problem !== undefined) fail('cron', `bad cron "${cron}": ${problem}`);
  }
  const durationMs = durationValue(duration);
  if (durationMs === undefined || durationMs <= 0) fail('duration', `bad duration ${JSON.stringify(duration)}: use e.g. 62h, 2d`);
  else if (durationMs > maxFreezeDurationMs) fail('duration', `${String(duration)} is longer than a year; that is a permanent freeze`);
  if (typeof timezone !== 'string' || !isValidTimeZone(timezone) || timezone.trim() === '') {
    fail('timezone', `unknown timezone ${JSON.stringify(timezone)}: use an IANA name such as Europe/Berlin or UTC`);
  }
  if (!ok) return undefined;
  return {
    name: name as string,
    cron: cron as string,
    duration: String(duration),
    durationMs: durationMs!,
    timezone: timezone as string,
  };
}

function durationValue(raw: unknown): number | undefined {
  if (raw === '0' || raw === 0) return 0;
  return typeof raw === 'string' ? parseDuration(raw) : undefined;
}

function booleanField(raw: unknown, fallback: boolean, path: Path, report: Report): boolean {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'boolean') {
    report(path, 'must be true or false');
    return fallback;
  }
  return raw;
}

function stringList(raw: unknown, path: Path, report: Report, valid: (s: string) => boolean, what: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    report(path, `must be a list of ${what}s`);
    return [];
  }
  const out: string[] = [];
  raw.forEach((item: unknown, i: number) => {
    if (typeof item !== 'string' || !valid(item)) report([...path, i], `${JSON.stringify(item)} is not ${what}`);
    else if (out.includes(item)) report([...path, i], `"${item}" is listed twice`);
    else out.push(item);
  });
  return out;
}

function unknownKeys(raw: Record<string, unknown>, known: ReadonlySet<string>, path: Path, report: Report): void {
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) report([...path, key], `unknown field "${key}" (expected one of ${[...known].join(', ')})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Line and column of the node at `path`, or of its nearest existing parent. */
function locate(
  doc: Document.Parsed,
  path: Path,
  at: (offset: number) => { line: number; column: number },
): { line?: number; column?: number } {
  for (let length = path.length; length >= 0; length--) {
    const node: unknown = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
    const range = (node as { range?: readonly number[] } | null | undefined)?.range;
    if (range?.[0] !== undefined) return at(range[0]);
  }
  return {};
}
