import type { RegistryRequest } from './registry-http';
import type { RegistryRepository } from './repository';
import { parseJsonObject, readBytes } from './responses';

const maxTagPages = 10_000;

/** Every tag of the repository, following Link pagination, sorted; [] when the repository does not exist. */
export async function listTags(repo: RegistryRepository): Promise<string[]> {
  const tags = new Set<string>();
  let url: string | undefined = `/v2/${repo.repository}/tags/list`;
  for (let page = 0; url !== undefined && page < maxTagPages; page++) {
    const request: RegistryRequest = { method: 'GET', url, scopes: repo.pullScopes, operation: `list tags of ${repo.location}` };
    const response = await repo.http.send(request);
    if (response.status === 404 && page === 0) {
      const error = await repo.http.errorFor(response, request);
      if (error.registryErrors.includes('NAME_UNKNOWN')) return [];
      throw error;
    }
    if (response.status !== 200) throw await repo.http.errorFor(response, request);
    const body = parseJsonObject(Buffer.from(await readBytes(response, 64 * 1024 * 1024, request, repo.http)));
    const list = body?.tags;
    if (Array.isArray(list)) for (const tag of list) if (typeof tag === 'string') tags.add(tag);
    const next = nextLink(response.headers.get('link'));
    url = next === undefined ? undefined : repo.http.resolveUrl(next, repo.http.resolveUrl(url));
  }
  return [...tags].sort();
}

/** The rel="next" target of a Link header. */
function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /rel="?next"?/.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
