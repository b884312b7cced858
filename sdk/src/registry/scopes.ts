/** A scope parameter may carry several scopes separated by spaces (distribution does, for mounts). */
export function splitScopes(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((scope) => scope !== '');
}

export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** Merges the actions of scopes on the same resource and sorts everything, so equal needs share a cache key. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last === first) {
      byResource.set(scope, byResource.get(scope) ?? new Set());
      continue;
    }
    const resource = scope.slice(0, last);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(last + 1).split(',')) if (action !== '') actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource.entries()]
    .map(([resource, actions]) => {
      if (actions.size === 0) return resource;
      const list = actions.has('*') ? ['*'] : [...actions].sort();
      return `${resource}:${list.join(',')}`;
    })
    .sort();
}
