const macros = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesOffset?: number;
}

const fields: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: monthNames, namesOffset: 1 },
  { name: 'day of week', min: 0, max: 7, names: dayNames, namesOffset: 0 },
];

/** Checks a five-field cron expression (or a macro); returns why it is invalid, or undefined. */
export function explainInvalidCron(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) return macros.has(trimmed) ? undefined : `unknown macro ${trimmed}`;
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = checkField(parts[i]!, fields[i]!);
    if (problem) return `${fields[i]!.name} field "${parts[i]}": ${problem}`;
  }
  return undefined;
}

function checkField(field: string, spec: FieldSpec): string | undefined {
  for (const item of field.split(',')) {
    if (item === '') return 'empty list item';
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return 'more than one "/"';
    if (step !== undefined && !/^\d+$/.test(step)) return `step "${step}" is not a number`;
    if (step !== undefined && Number(step) === 0) return 'step must be at least 1';
    if (range === '*' || range === '?') continue;
    const bounds = range!.split('-');
    if (bounds.length > 2) return `bad range "${range}"`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = parseValue(bound, spec);
      if (value === undefined) return `"${bound}" is not a valid ${spec.name}`;
      if (value < spec.min || value > spec.max) return `${value} is out of range ${spec.min}-${spec.max}`;
      values.push(value);
    }
    if (values.length === 2 && values[0]! > values[1]!) return `range ${range} runs backwards`;
  }
  return undefined;
}

function parseValue(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  return index === -1 ? undefined : index + (spec.namesOffset ?? 0);
}

const knownZones = new Map<string, boolean>();

/** Memoised: building an Intl.DateTimeFormat costs more than the rest of a policy check. */
export function isValidTimeZone(zone: string): boolean {
  let valid = knownZones.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    if (knownZones.size < 1_000) knownZones.set(zone, valid);
  }
  return valid;
}
