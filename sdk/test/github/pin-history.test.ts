import { describe, expect, it } from 'vitest';
import { collapsePinHistory, gitBlobSha, readPin, type PinAtCommit } from '../../src/github';
import { createLimiter } from '../../src/github/concurrency';

const a = `sha256:${'a'.repeat(64)}`;
const b = `sha256:${'b'.repeat(64)}`;

describe('readPin', () => {
  it('reads spec.package.digest and the version as written', () => {
    expect(readPin(`spec:\n  package:\n    version: 1.10\n    digest: ${a}\n`)).toEqual({ digest: a, version: '1.10' });
    expect(readPin(`spec:\n  package:\n    digest: "${a}"\n`)).toEqual({ digest: a });
  });

  it('is lenient: the ref’s digest, a later document, broken YAML', () => {
    expect(readPin(`spec:\n  package:\n    ref: ghcr.io/acme/orders@${b}\n    version: 2.0.0\n`)).toEqual({ digest: b, version: '2.0.0' });
    expect(readPin(`kind: Kustomization\n---\nspec:\n  package:\n    digest: ${a}\n`)).toEqual({ digest: a });
    expect(readPin(`spec:\n  package:\n    digest: ${a}\n  bad: [unclosed\n`)).toEqual({ digest: a });
    expect(readPin('spec:\n  package:\n    digest: latest\n')).toBeUndefined();
    expect(readPin(undefined)).toBeUndefined();
  });
});

describe('collapsePinHistory', () => {
  const at = (commit: string, day: number, digest?: string, version?: string): PinAtCommit => ({
    commit,
    time: new Date(Date.UTC(2025, 0, day)),
    pin: digest === undefined ? undefined : { digest, ...(version ? { version } : {}) },
  });

  it('keeps, for each run of one digest, the commit it entered with; a gap starts a new run', () => {
    expect(
      collapsePinHistory([at('c6', 6, b, '2'), at('c5', 5, b, '2'), at('c4', 4, a, '1'), at('c3', 3), at('c2', 2, a), at('c1', 1, a)]),
    ).toEqual([
      { digest: b, version: '2', commit: 'c5', time: new Date(Date.UTC(2025, 0, 5)) },
      { digest: a, version: '1', commit: 'c4', time: new Date(Date.UTC(2025, 0, 4)) },
      { digest: a, commit: 'c1', time: new Date(Date.UTC(2025, 0, 1)) },
    ]);
    expect(collapsePinHistory([])).toEqual([]);
  });
});

describe('gitBlobSha', () => {
  it('gives the ids git hash-object gives', () => {
    expect(gitBlobSha('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(gitBlobSha('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });
});

describe('createLimiter', () => {
  it('never runs more than the limit at once', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
    };
    await Promise.all(Array.from({ length: 10 }, () => limit(task)));
    expect(most).toBe(2);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await limit(task);
  });
});
