import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../src/progress';

describe('progress bar', () => {
  const clockAt = (times: number[]) => ({ now: () => new Date(times.shift() ?? 0) });

  it('is off when not on a TTY', () => {
    expect(createProgressBar({ stdout: () => {}, stderr: () => {} }, false, clockAt([]))).toBeUndefined();
  });

  it('draws bytes and bytes/s for large blobs, throttled, ending with a newline', () => {
    let out = '';
    const bar = createProgressBar({ stdout: () => {}, stderr: (s) => void (out += s) }, true, clockAt([0, 100, 1000, 2000]))!;
    const total = 64 * 1024 * 1024;
    bar({ digest: `sha256:${'a'.repeat(64)}`, transferred: 1, total });
    bar({ digest: `sha256:${'a'.repeat(64)}`, transferred: total / 4, total });
    bar({ digest: `sha256:${'a'.repeat(64)}`, transferred: total / 2, total });
    bar({ digest: `sha256:${'a'.repeat(64)}`, transferred: total, total });
    const frames = out.split('\r').filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[1]).toContain('32.0 MiB / 64.0 MiB  32.0 MiB/s');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('stays quiet for small blobs', () => {
    let out = '';
    const bar = createProgressBar({ stdout: () => {}, stderr: (s) => void (out += s) }, true, clockAt([0, 1000]))!;
    bar({ digest: `sha256:${'b'.repeat(64)}`, transferred: 1024, total: 1024 });
    expect(out).toBe('');
  });
});
