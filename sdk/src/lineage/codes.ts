import { DataKitError, type DataKitErrorOptions } from '../core/errors';

/** Codes of the lineage library (the catalogue lives in @datakit/contracts). */
export const lineageCodes = {
  /** A dataset cannot be given a physical OpenLineage name: its Store lacks a host, bucket, … */
  unnamedDataset: 'DK650',
  /** An event does not validate against the official OpenLineage schemas. */
  invalidEvent: 'DK651',
  /** A --lineage value (or OPENLINEAGE_URL) that is not a lineage target. */
  invalidTarget: 'DK652',
  /** The lineage backend answered 4xx: the event was refused and is not sent again. */
  rejected: 'DK653',
  /** The lineage backend could not be reached, or kept answering 5xx/429, after retries. */
  unreachable: 'DK654',
  /** Events were dropped: the buffer overflowed, or they were still undelivered at close. */
  dropped: 'DK655',
  /** The lineage file could not be written. */
  fileWrite: 'DK656',
} as const;

export type LineageCode = (typeof lineageCodes)[keyof typeof lineageCodes];

/**
 * A failed delivery. `retryable` says whether sending the same event again may succeed
 * (unreachable backend, 5xx) or not (the backend refused the event).
 */
export class LineageDeliveryError extends DataKitError {
  readonly retryable: boolean;
  /** The HTTP status of the last answer, if there was one. */
  readonly status: number | undefined;

  constructor(code: LineageCode, message: string, options: DataKitErrorOptions & { retryable: boolean; status?: number }) {
    super(code, message, options);
    this.retryable = options.retryable;
    this.status = options.status;
  }
}
