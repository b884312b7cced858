/** The closest candidate to `input`, if one is close enough to be a likely typo. */
export function suggestClosest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const squashed = squash(input);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower || squash(candidate) === squashed) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(input.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function squash(value: string): string {
  return value.toLowerCase().replace(/[-_\s]/g, '');
}

/** Edit distance where a transposition of neighbours counts as one edit. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  let beforePrevious = previous;
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      // Two swapped neighbours are one typo (optimal string alignment distance).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j]!, beforePrevious[j - 2]! + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}
