/** Codes of the catalog library, DK68x (their titles and explanations belong in @datakit/contracts). */
export const catalogCodes = {
  /** The lineage events file (--events) cannot be read. */
  eventsUnreadable: 'DK680',
  /** A line of the lineage events file is not a JSON object. */
  eventsInvalid: 'DK681',
  /** The --sync-marquez value is not an http(s) URL without credentials. */
  invalidMarquezUrl: 'DK682',
  /** Marquez answered 404: the namespace, dataset or field is not known to it (no lineage event named it yet). */
  marquezNotFound: 'DK683',
  /** Marquez refused a request with another 4xx (401/403: the token; 400/422: the request). */
  marquezRefused: 'DK684',
  /** Marquez could not be reached, or kept answering 5xx/429, after retries. */
  marquezUnreachable: 'DK685',
  /** A DataSet has no physical (OpenLineage) name, so it cannot be found in Marquez: not synced. */
  unnamedInCatalog: 'DK686',
} as const;

export type CatalogCode = (typeof catalogCodes)[keyof typeof catalogCodes];
