import { describe, expect, it } from 'vitest';
import { DataKitError } from '@datakit/sdk/core';
import { normalisePackageDir, parseRepositorySettings, requireGitops, requireRegistry } from '../src/settings';

const defaults = { gitopsRepository: 'acme/gitops', registry: 'oci://ghcr.io/acme' };

function refusal(text: string): DataKitError {
  try {
    parseRepositorySettings(text, defaults);
  } catch (error) {
    if (error instanceof DataKitError) return error;
    throw error;
  }
  throw new Error(`accepted: ${text}`);
}

describe('repository settings (.github/datakit.yml)', () => {
  it('reads package, gitops and registry; missing keys take the app defaults', () => {
    expect(parseRepositorySettings('package: packages/orders/\n', defaults)).toEqual({
      package: 'packages/orders',
      gitops: { owner: 'acme', repo: 'gitops', fullName: 'acme/gitops' },
      registry: 'oci://ghcr.io/acme',
      source: '.github/datakit.yml',
    });
    expect(parseRepositorySettings('gitops: team/deploys\nregistry: oci://127.0.0.1:5000/team/\n', {})).toMatchObject({
      package: '.',
      gitops: { fullName: 'team/deploys' },
      registry: 'oci://127.0.0.1:5000/team',
    });
    expect(parseRepositorySettings('', defaults)).toMatchObject({ package: '.', gitops: { fullName: 'acme/gitops' } });
    expect(parseRepositorySettings('# nothing yet\n', {})).toMatchObject({ gitops: undefined, registry: undefined });
  });

  it('refuses unknown keys naming the file, line and key', () => {
    const error = refusal('package: .\n\ncolour: blue\n');
    expect(error.code).toBe('DK801');
    expect(error.message).toContain('.github/datakit.yml:3:1: colour: unknown key "colour" (expected one of package, gitops, registry)');
  });

  it('refuses wrong types and bad values, every one of them', () => {
    const error = refusal('package: ../elsewhere\ngitops: [acme, gitops]\nregistry: https://ghcr.io/acme\n');
    expect(error.message).toContain('.github/datakit.yml:1:1: package: must be the path of the directory holding dk.yaml');
    expect(error.message).toContain('.github/datakit.yml:2:1: gitops: must be the gitops repository as owner/name');
    expect(error.message).toContain('.github/datakit.yml:3:1: registry: must be the registry prefix');
    expect(refusal('registry: oci://ghcr.io/acme/orders:1.0.0\n').message).toMatch(/no tag or digest/);
  });

  it('refuses bad YAML with its line', () => {
    const error = refusal('package: .\ngitops: [acme/gitops\nregistry: oci://x/y\n');
    expect(error.code).toBe('DK801');
    expect(error.message).toMatch(/\.github\/datakit\.yml:2:\d+: /);
    expect(refusal('- package\n').message).toContain('.github/datakit.yml:1: must be a mapping');
    expect(refusal('package: a\npackage: b\n').message).toContain('.github/datakit.yml:2:1: Map keys must be unique');
  });

  it('says what to set when there is no gitops repository or registry at all', () => {
    const settings = parseRepositorySettings('package: .\n', {});
    expect(() => requireGitops(settings)).toThrow(/no gitops repository is configured/);
    try {
      requireRegistry(settings);
    } catch (error) {
      expect((error as DataKitError).code).toBe('DK801');
      expect((error as DataKitError).hint).toContain('registry: oci://');
    }
  });

  it('normalises package directories and refuses ones outside the repository', () => {
    expect(normalisePackageDir('./orders/')).toBe('orders');
    expect(normalisePackageDir('.')).toBe('.');
    expect(normalisePackageDir('')).toBe('.');
    expect(normalisePackageDir('/abs')).toBeUndefined();
    expect(normalisePackageDir('a/../../b')).toBeUndefined();
  });
});
