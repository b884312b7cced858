/**
 * Keeping secrets out of lineage: what leaves DataKit in an event is the physical location of data,
 * never the credentials used to reach it.
 */

const mask = '****';

/**
 * The URI without user, password, query and fragment (where credentials and tokens hide), or
 * undefined when it is not a URI.
 */
export function publicUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.href;
}

/** user:password@ inside any URL in free text. */
const urlUserinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
/** password=…, token: …, secret=… in free text (DSNs, messages). */
const credentialAssignment = /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;&,]+)/gi;

/**
 * Text with the given secret strings, URL credentials and password=… assignments masked. For
 * messages that leave the process (error facets): they often quote a DSN or a secret value.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so that a secret containing another is masked whole.
  for (const secret of [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(mask);
  }
  return out.replace(urlUserinfo, `$1${mask}@`).replace(credentialAssignment, `$1$2${mask}`);
}
