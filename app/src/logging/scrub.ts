import { redactTokens } from '../github/app-octokit';

export const REDACTED = '[REDACTED]';

/** PEM private key blocks, also cut off ones (a truncated message still hides the rest of the key). */
const pemBlock = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** Base64 of a PEM ("-----BEGIN" encodes as LS0tLS1CRUdJT…), the form PRIVATE_KEY may be given in. */
const base64Pem = /LS0tLS1CRUdJT[A-Za-z0-9+/=]*/g;
/** Header names whose values are credentials wherever they appear in a logged object. */
const sensitiveKey = /^(?:authorization|proxy-authorization|cookie|set-cookie|x-hub-signature|x-hub-signature-256)$/i;

export type Scrubber = (text: string) => string;

/**
 * A function that replaces every configured secret value, GitHub token, JWT and PEM private key
 * in a text with [REDACTED]. Longer secrets are replaced first, so one secret containing another
 * is hidden whole.
 */
export function createScrubber(secrets: readonly string[]): Scrubber {
  const variants = new Set<string>();
  for (const secret of secrets) {
    const value = secret.trim();
    if (value === '') continue;
    variants.add(value);
    if (secret !== value) variants.add(secret);
    if (value.includes('\n')) {
      // A PEM: its \n-escaped one-line form, its base64 form and each body line on its own.
      variants.add(value.replace(/\r?\n/g, '\\n'));
      variants.add(Buffer.from(secret, 'utf8').toString('base64'));
      variants.add(Buffer.from(value, 'utf8').toString('base64'));
      for (const line of value.split(/\r?\n/)) if (line.length >= 32 && !line.startsWith('-----')) variants.add(line.trim());
    }
  }
  const ordered = [...variants].sort((a, b) => b.length - a.length);
  const pattern = ordered.length === 0 ? undefined : new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return (text: string) => {
    let out = text;
    if (pattern) out = out.replace(pattern, REDACTED);
    out = out.replace(pemBlock, REDACTED).replace(base64Pem, REDACTED);
    return redactTokens(out);
  };
}

/**
 * A copy of a JSON value with every string (and key) scrubbed, credential headers replaced and
 * numbers equal to a secret hidden. Keys are set as own data properties, never as __proto__.
 */
export function scrubJson(value: unknown, scrub: Scrubber, secrets: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'number') return secrets.has(String(value)) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, scrub, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        scrub(key),
        sensitiveKey.test(key) && item !== null && item !== undefined ? REDACTED : scrubJson(item, scrub, secrets),
      ]),
    );
  }
  return value;
}

/**
 * Scrubs one serialized log line. The line is parsed and written again so that a replacement can
 * never break the JSON; a line that does not parse (never expected from pino) is scrubbed as text.
 */
export function scrubLogLine(line: string, scrub: Scrubber, secrets: ReadonlySet<string>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return scrub(line);
  }
  return `${JSON.stringify(scrubJson(parsed, scrub, secrets))}\n`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
