import { DataKitError } from '../core/errors';
import { explainInvalidCron } from '../validate/cron';

/**
 * A five-field cron schedule (minute hour day-of-month month day-of-week) or a macro, matched
 * against wall-clock time in an IANA timezone.
 *
 * Semantics (Vixie cron):
 * - day-of-week 0 and 7 are Sunday; names (jan…dec, sun…sat) are accepted;
 * - when both day-of-month and day-of-week are restricted (neither starts with `*` or `?`), a day
 *   matches if EITHER matches; otherwise both must;
 * - occurrences are the instants whose wall time in the timezone matches. A wall time skipped by a
 *   daylight-saving jump (02:30 on the spring-forward night) does not occur that day; a wall time
 *   that happens twice (autumn fall-back) occurs twice.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

const macroExpansions: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Bounds {
  min: number;
  max: number;
  names?: readonly string[];
  offset?: number;
}

const fieldBounds: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: monthNames, offset: 1 },
  { min: 0, max: 7, names: dayNames, offset: 0 },
];

/** Parses a cron expression; throws DK700 when it is invalid (as judged by validate/cron). */
export function parseCron(expression: string): CronSchedule {
  const problem = explainInvalidCron(expression);
  if (problem !== undefined) throw new DataKitError('DK700', `invalid cron expression "${expression}": ${problem}`);
  const trimmed = expression.trim();
  const parts = (macroExpansions[trimmed] ?? trimmed).split(/\s+/);
  const sets = parts.map((part, i) => expandField(part, fieldBounds[i]!));
  const daysOfWeek = new Set([...sets[4]!].map((d) => (d === 7 ? 0 : d)));
  const restricted = (part: string): boolean => !part.startsWith('*') && !part.startsWith('?');
  return {
    expression,
    minutes: sets[0]!,
    hours: sets[1]!,
    daysOfMonth: sets[2]!,
    months: sets[3]!,
    daysOfWeek,
    dayOfMonthRestricted: restricted(parts[2]!),
    dayOfWeekRestricted: restricted(parts[4]!),
  };
}

function expandField(field: string, bounds: Bounds): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [range = '*', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = bounds.min;
      to = bounds.max;
    } else {
      const [low = '', high] = range.split('-');
      from = value(low, bounds);
      to = high !== undefined ? value(high, bounds) : stepText !== undefined ? bounds.max : from;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, bounds: Bounds): number {
  if (/^\d+$/.test(text)) return Number(text);
  return (bounds.names?.indexOf(text.toLowerCase()) ?? -1) + (bounds.offset ?? 0);
}

/** Wall-clock fields of an instant in a timezone. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

const minute = 60_000;
/** Offset transitions happen on 15-minute boundaries of UTC in every current zone. */
const offsetBlock = 15 * minute;

/** Computes wall times in one timezone, caching the UTC offset per 15-minute block. */
export class ZoneClock {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's offset from UTC at this instant, in milliseconds. */
  offsetAt(instantMs: number): number {
    const block = Math.floor(instantMs / offsetBlock);
    const cached = this.offsets.get(block);
    if (cached !== undefined) return cached;
    const at = block * offsetBlock;
    const parts: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(at))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
    const offset = asUtc - at;
    this.offsets.set(block, offset);
    return offset;
  }

  wallTime(instantMs: number): WallTime {
    const shifted = new Date(instantMs + this.offsetAt(instantMs));
    return {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      minute: shifted.getUTCMinutes(),
      weekday: shifted.getUTCDay(),
    };
  }
}

export function matchesWallTime(schedule: CronSchedule, wall: WallTime): boolean {
  if (!schedule.minutes.has(wall.minute) || !schedule.hours.has(wall.hour) || !schedule.months.has(wall.month)) return false;
  const dom = schedule.daysOfMonth.has(wall.day);
  const dow = schedule.daysOfWeek.has(wall.weekday);
  if (schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted) return dom || dow;
  return dom && dow;
}

/**
 * The latest occurrence of the schedule at or before `now` and strictly after `now - lookbackMs`,
 * searching backwards minute by minute; undefined when there is none.
 */
export function latestOccurrence(schedule: CronSchedule, zone: ZoneClock, now: Date, lookbackMs: number): Date | undefined {
  const nowMs = now.getTime();
  const earliest = nowMs - lookbackMs;
  for (let at = Math.floor(nowMs / minute) * minute; at > earliest; at -= minute) {
    if (matchesWallTime(schedule, zone.wallTime(at))) return new Date(at);
  }
  return undefined;
}
