import { DataKitError, UsageError, type DataKitErrorOptions } from '../core/errors';

/** The codes of seeding (catalogued in contracts as DK660–DK668). */
export const seedCodes = {
  /** The database cannot be reached: refused, unknown host, timed out, no such database. */
  unreachable: 'DK660',
  /** The database refused the credentials. */
  authentication: 'DK661',
  /** A seed file is missing, unreadable or malformed. */
  badFile: 'DK662',
  /** A seed row has a column the DataSet schema does not declare. */
  unknownColumn: 'DK663',
  /** A seed value does not fit its column's type (or is null where the schema says nullable: false). */
  typeMismatch: 'DK664',
  /** --profile names a profile no DataSet declares. */
  unknownProfile: 'DK665',
  /** The DataSet cannot be seeded: its Store type, format or location does not allow it. */
  notSeedable: 'DK666',
  /** spec.dev.seed on a Transform: a seed belongs to the DataSet it fills. */
  transformSeed: 'DK667',
  /** Writing the rows failed: a statement the database refused, or a file that cannot be written. */
  writeFailed: 'DK668',
} as const;

export type SeedCode = (typeof seedCodes)[keyof typeof seedCodes];

/** Where in a manifest or seed file a problem is. Lines and columns are 1-based. */
export interface SeedLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface SeedErrorOptions extends DataKitErrorOptions {
  location?: SeedLocation;
  dataset?: string;
}

/** A seeding problem; `location` is set when it can be pointed at (a seed row, a file line). */
export class SeedError extends DataKitError {
  readonly location: SeedLocation | undefined;
  readonly dataset: string | undefined;

  constructor(code: SeedCode, message: string, options: SeedErrorOptions = {}) {
    super(code, message, options);
    this.location = options.location;
    this.dataset = options.dataset;
  }
}

/** --profile with a name no DataSet declares: exit code 2. */
export class SeedUsageError extends UsageError {}

/** `file:line:col` as shown in messages. */
export function formatLocation(location: SeedLocation, display: (file: string) => string): string {
  return `${display(location.file)}${location.line !== undefined ? `:${location.line}` : ''}${location.line !== undefined && location.column !== undefined ? `:${location.column}` : ''}`;
}
