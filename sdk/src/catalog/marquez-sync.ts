import { DataKitError, UsageError, systemErrorCode } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { RetriesExhaustedError, realSleep, retry, type Sleep } from '../core/retry';
import { catalogCodes } from './codes';
import type { Catalog, CatalogDataset } from './types';

/**
 * Marquez keeps the tags it is given through its own API only: it ignores the OpenLineage tags
 * facet. So PII fields and classifications are pushed as Marquez tags:
 *
 *   PUT  /api/v1/tags/{tag}                                                   {"description": …}, once per tag
 *   POST /api/v1/namespaces/{ns}/datasets/{dataset}/tags/{tag}                a classification on a dataset
 *   POST /api/v1/namespaces/{ns}/datasets/{dataset}/fields/{field}/tags/{tag} PII on a field
 *
 * Namespaces (postgres://host:5432) and names (/data/output) hold `:` and `/`, so every path segment
 * is percent-encoded. A dataset exists in Marquez only once a lineage event has named it: tagging
 * one that does not answers 404, reported per dataset (DK683) while the others are still tagged.
 */

/** The subset of fetch the sync uses; globalThis.fetch fits. */
export type MarquezFetch = (
  url: string,
  init: { method: 'PUT' | 'POST'; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

export interface MarquezSyncOptions {
  /** Marquez's base URL (http://localhost:5000); a trailing /api/v1 or /api/v1/lineage is dropped. */
  url: string;
  fetch: MarquezFetch;
  /** Sent as Authorization: Bearer <token>. */
  token?: string;
  logger?: Logger;
  sleep?: Sleep;
  /** Total attempts per request for network failures, 408, 429 and 5xx. Default 3. */
  attempts?: number;
  baseDelayMs?: number;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
}

/** The tag Marquez gets for `pii: true` fields (Marquez seeds it, and upper-cases field tags). */
export const piiTag = 'PII';

const classificationDescriptions: Record<string, string> = {
  public: 'may be shared outside the organisation',
  internal: 'for use inside the organisation only',
  confidential: 'limited to those who need it; may hold personal data',
  restricted: 'the most sensitive data; access strictly controlled',
};

/** The Marquez tag of a DataKit classification: its name in upper case (CONFIDENTIAL). */
export function classificationTag(classification: string): string {
  return classification.trim().toUpperCase();
}

/** PII without a classification; a classification's description otherwise. */
function tagDescription(classification?: string): string {
  if (classification === undefined) return 'Personally identifiable information (a DataKit field declared pii: true)';
  const meaning = classificationDescriptions[classification.toLowerCase()];
  return `DataKit classification ${classification}${meaning ? `: ${meaning}` : ''}`;
}

export interface SyncProblem {
  code: string;
  message: string;
  hint?: string;
  status?: number;
  dataset?: string;
  field?: string;
  tag?: string;
}

export interface MarquezSyncResult {
  /** The base URL synced to. */
  url: string;
  /** Tags created or updated (PUT), each once. */
  tags: Array<{ name: string; description: string }>;
  datasetTags: Array<{ dataset: string; namespace: string; name: string; tag: string }>;
  fieldTags: Array<{ dataset: string; namespace: string; name: string; field: string; tag: string }>;
  /** DataSets with nothing to tag in Marquez, or no physical name (DK686). */
  skipped: Array<{ dataset: string; code?: string; reason: string }>;
  /** What could not be tagged: 404 (DK683) and other refusals (DK684), per dataset or field. */
  problems: SyncProblem[];
}

/** Parses and normalises the --sync-marquez URL. Throws DK682 (exit 2). */
export function marquezBaseUrl(value: string): string {
  // Never echo credentials written into the URL.
  const shown = value.replace(/\/\/[^/@\s]*@/, '//****@');
  const invalid = (why: string, hint = "Pass Marquez's base URL, e.g. --sync-marquez http://localhost:5000.") =>
    new UsageError(catalogCodes.invalidMarquezUrl, `--sync-marquez ${JSON.stringify(shown)}: ${why}`, { hint });
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`unsupported scheme ${url.protocol}`);
  if (url.username !== '' || url.password !== '') {
    throw invalid('credentials do not belong in the URL', 'Remove user:password@ and pass the API token in OPENLINEAGE_API_KEY.');
  }
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname
    .replace(/\/+$/, '')
    .replace(/\/api\/v1(\/lineage)?$/, '')
    .replace(/\/+$/, '');
  return url.href.replace(/\/+$/, '');
}

const retryable = new Set([408, 429, 500, 502, 503, 504]);

class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** Marquez's error answers are {"code": 404, "message": "Dataset 'x' not found."}. */
function marquezMessage(error: StatusError): string {
  try {
    const parsed = JSON.parse(error.body) as { message?: unknown; errors?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
    if (Array.isArray(parsed.errors)) return parsed.errors.map(String).join('; ');
  } catch {
    // Not JSON: the text itself.
  }
  const body = error.body.trim();
  return body === '' ? `HTTP ${error.status}` : body.slice(0, 500);
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = error instanceof Error ? error.cause : undefined;
  return systemErrorCode(cause) ?? systemErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

const enc = encodeURIComponent;

/** Tags the catalog's PII fields and classified datasets in Marquez. See the module comment. */
export async function syncToMarquez(catalog: Catalog, options: MarquezSyncOptions): Promise<MarquezSyncResult> {
  const base = marquezBaseUrl(options.url);
  const logger = options.logger ?? silentLogger;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const result: MarquezSyncResult = { url: base, tags: [], datasetTags: [], fieldTags: [], skipped: [], problems: [] };

  /** One request; 2xx resolves, a final 4xx throws StatusError, 401/403 and exhausted retries throw a DataKitError. */
  async function call(method: 'PUT' | 'POST', path: string, body?: unknown): Promise<void> {
    const url = `${base}${path}`;
    const send = async () => {
      const response = await options.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text().catch(() => '');
      if (!response.ok) throw new StatusError(response.status, text);
    };
    try {
      await retry(send, {
        attempts: options.attempts ?? 3,
        baseDelayMs: options.baseDelayMs ?? 500,
        maxDelayMs: 5_000,
        sleep: options.sleep ?? realSleep,
        classify: (error) => ({ retry: !(error instanceof StatusError) || retryable.has(error.status) }),
        onRetry: ({ attempt, delayMs, error }) =>
          logger.debug(
            { url, attempt, delayMs, reason: error instanceof StatusError ? error.message : networkReason(error) },
            'Marquez request failed; retrying',
          ),
      });
    } catch (error) {
      const attempts = error instanceof RetriesExhaustedError ? error.attempts : 1;
      const last = error instanceof RetriesExhaustedError ? error.lastError : error;
      if (last instanceof StatusError && !retryable.has(last.status)) {
        if (last.status === 401 || last.status === 403) {
          throw new DataKitError(catalogCodes.marquezRefused, `Marquez at ${base} refused ${method} ${path}: ${marquezMessage(last)}`, {
            cause: last,
            hint: 'Check the API token (OPENLINEAGE_API_KEY).',
          });
        }
        throw last;
      }
      const detail = last instanceof StatusError ? marquezMessage(last) : '';
      const reason =
        last instanceof StatusError
          ? `answered HTTP ${last.status}${detail === `HTTP ${last.status}` ? '' : `: ${detail}`}`
          : `unreachable (${networkReason(last)})`;
      throw new DataKitError(catalogCodes.marquezUnreachable, `Marquez at ${base} ${reason} after ${attempts} attempt(s)`, {
        cause: last,
        hint: `Check that Marquez runs at ${base}.`,
      });
    }
  }

  /**
   * A refusal of one item, recorded; anything else is thrown. Marquez answers 404 for an unknown
   * namespace or dataset ("Dataset 'x' not found.") and for an unknown field ("Field 'x' not found.").
   */
  const refusal = (error: unknown, where: Omit<SyncProblem, 'code' | 'message'>): SyncProblem & { datasetUnknown: boolean } => {
    if (!(error instanceof StatusError)) throw error;
    const detail = marquezMessage(error);
    const datasetUnknown = error.status === 404 && where.dataset !== undefined && !/^field\b/i.test(detail);
    const subject =
      where.field !== undefined && !datasetUnknown
        ? `field ${where.field} of DataSet ${where.dataset}`
        : where.dataset !== undefined
          ? `DataSet ${where.dataset}`
          : `tag ${where.tag}`;
    if (error.status === 404) {
      return {
        code: catalogCodes.marquezNotFound,
        status: 404,
        ...where,
        message: `${subject}: not found in Marquez (${detail})`,
        hint: datasetUnknown
          ? 'Marquez learns a dataset from lineage: run the Transform with --lineage pointing at Marquez, then sync again.'
          : 'The field is not in the schema Marquez has for the dataset: run the Transform again so that its lineage carries the current schema.',
        datasetUnknown,
      };
    }
    return {
      code: catalogCodes.marquezRefused,
      status: error.status,
      ...where,
      message: `${subject}: Marquez refused the tag (HTTP ${error.status}: ${detail})`,
      datasetUnknown,
    };
  };
  const record = (problem: SyncProblem & { datasetUnknown?: boolean }) => {
    const copy: SyncProblem & { datasetUnknown?: boolean } = { ...problem };
    delete copy.datasetUnknown;
    result.problems.push(copy);
  };

  // What to tag.
  const plans: Array<{ dataset: CatalogDataset; namespace: string; name: string; classification?: string; piiFields: string[] }> = [];
  for (const dataset of catalog.datasets) {
    const piiFields = dataset.schema.filter((f) => f.pii).map((f) => f.name);
    if (dataset.classification === undefined && piiFields.length === 0) {
      result.skipped.push({ dataset: dataset.name, reason: 'no classification and no PII fields' });
      continue;
    }
    if (dataset.namespace === undefined || dataset.physicalName === undefined) {
      result.skipped.push({
        dataset: dataset.name,
        code: catalogCodes.unnamedInCatalog,
        reason:
          dataset.namingProblem ??
          (dataset.external
            ? 'not declared in the tree, so its Store is unknown'
            : `its Store ${dataset.store ?? '(none)'} is not declared in the tree`),
      });
      continue;
    }
    plans.push({
      dataset,
      namespace: dataset.namespace,
      name: dataset.physicalName,
      ...(dataset.classification === undefined ? {} : { classification: dataset.classification }),
      piiFields,
    });
  }

  // Each tag once, before it is used.
  const wanted = new Map<string, string>();
  for (const plan of plans) {
    if (plan.classification !== undefined) wanted.set(classificationTag(plan.classification), tagDescription(plan.classification));
    if (plan.piiFields.length > 0) wanted.set(piiTag, tagDescription());
  }
  const created = new Set<string>();
  for (const [tag, description] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    try {
      await call('PUT', `/api/v1/tags/${enc(tag)}`, { description });
      result.tags.push({ name: tag, description });
      created.add(tag);
    } catch (error) {
      record(refusal(error, { tag }));
    }
  }

  for (const plan of plans) {
    const datasetPath = `/api/v1/namespaces/${enc(plan.namespace)}/datasets/${enc(plan.name)}`;
    const where = { dataset: plan.dataset.name };
    if (plan.classification !== undefined && created.has(classificationTag(plan.classification))) {
      const tag = classificationTag(plan.classification);
      try {
        await call('POST', `${datasetPath}/tags/${enc(tag)}`);
        result.datasetTags.push({ dataset: plan.dataset.name, namespace: plan.namespace, name: plan.name, tag });
      } catch (error) {
        const problem = refusal(error, { ...where, tag });
        record(problem);
        // The dataset itself is unknown: so are its fields.
        if (problem.datasetUnknown) continue;
      }
    }
    if (!created.has(piiTag)) continue;
    for (const field of plan.piiFields) {
      try {
        await call('POST', `${datasetPath}/fields/${enc(field)}/tags/${enc(piiTag)}`);
        result.fieldTags.push({ dataset: plan.dataset.name, namespace: plan.namespace, name: plan.name, field, tag: piiTag });
      } catch (error) {
        const problem = refusal(error, { ...where, field, tag: piiTag });
        if (problem.datasetUnknown) {
          // One problem for the dataset, not one per field.
          const about: SyncProblem & { datasetUnknown?: boolean } = { ...problem };
          delete about.field;
          record(about);
          break;
        }
        record(problem);
      }
    }
  }
  return result;
}
