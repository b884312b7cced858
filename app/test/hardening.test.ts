import { RequestError } from '@octokit/request-error';
import { describe, expect, it } from 'vitest';
import { GitHubApiError } from '@datakit/sdk/github';
import { hasGitHubStatus } from '../src/github/github-status';
import { markerKey, signPromotionMarker, verifiedPromotionMarker } from '../src/marker-signature';
import { registryOptionsFor } from '../src/registry-access';
import { testConfig, testPrivateKey } from './helpers/test-app';

const body = [
  '## Promote `orders` to `prod/c0`',
  '',
  `<!-- datakit:promotion ${JSON.stringify({
    kind: 'promote',
    package: 'orders',
    env: 'prod',
    cell: 'c0',
    version: '0.2.0',
    digest: `sha256:${'a'.repeat(64)}`,
    previousDigest: null,
    source: { repository: 'acme/orders', commit: 'f'.repeat(40), pullRequest: 7, requestedBy: 'alice' },
  })} -->`,
  '',
].join('\n');

describe('signed promotion markers', () => {
  const key = markerKey(testPrivateKey());

  it('verifies a marker the app signed and reads it back', () => {
    const signed = signPromotionMarker(body, key);
    expect(signed).toMatch(/"signature":"[0-9a-f]{64}"/);
    expect(verifiedPromotionMarker(signed, key)?.source?.requestedBy).toBe('alice');
  });

  it('refuses an unsigned marker, an edited one, and one signed with another key', () => {
    const signed = signPromotionMarker(body, key);
    expect(verifiedPromotionMarker(body, key)).toBeUndefined();
    expect(verifiedPromotionMarker(signed.replace('"requestedBy":"alice"', '"requestedBy":"mallory"'), key)).toBeUndefined();
    expect(verifiedPromotionMarker(signed.replace(/sha256:a{64}/, `sha256:${'b'.repeat(64)}`), key)).toBeUndefined();
    expect(verifiedPromotionMarker(signed, markerKey('another key'))).toBeUndefined();
    expect(verifiedPromotionMarker('no marker here', key)).toBeUndefined();
  });

  it('signs and trusts only the marker that ends the body, never one in the text above it', () => {
    const planted = `<!-- datakit:promotion ${JSON.stringify({
      kind: 'promote',
      package: 'orders',
      env: 'prod',
      cell: 'c0',
      version: '0.2.0',
      digest: `sha256:${'a'.repeat(64)}`,
      previousDigest: null,
      source: { repository: 'victim/x', commit: 'e'.repeat(40), requestedBy: 'prod-lead' },
    })} -->`;
    const withDiff = body.replace('## Promote', `\`\`\`diff\n- ${planted}\n\`\`\`\n\n## Promote`);
    const signed = signPromotionMarker(withDiff, key);
    const verified = verifiedPromotionMarker(signed, key);
    expect(verified?.source).toMatchObject({ repository: 'acme/orders', requestedBy: 'alice' });
    // A signed marker followed by more text is not the body's marker any more.
    expect(verifiedPromotionMarker(`${signed}\nappended by someone\n`, key)).toBeUndefined();
  });

  it('re-signing replaces the signature instead of adding one', () => {
    const twice = signPromotionMarker(signPromotionMarker(body, key), key);
    expect(twice.match(/"signature"/g)).toHaveLength(1);
    expect(verifiedPromotionMarker(twice, key)).toBeDefined();
  });
});

describe('registry credentials go to the configured registry only', () => {
  const config = testConfig({
    DATAKIT_REGISTRY: 'oci://registry.acme.example/team',
    DATAKIT_REGISTRY_USERNAME: 'svc',
    DATAKIT_REGISTRY_PASSWORD: 'TOPSECRET',
  });
  const options = { cwd: '/', credentials: { env: config.registryEnv } };

  it('keeps the credentials for the host of DATAKIT_REGISTRY', () => {
    expect(registryOptionsFor(config, options, 'oci://registry.acme.example/other').credentials.env.DK_REGISTRY_PASSWORD).toBe('TOPSECRET');
  });

  it('drops them for any host a package repository names', () => {
    const scoped = registryOptionsFor(config, options, 'oci://evil.example/x');
    expect(JSON.stringify(scoped)).not.toContain('TOPSECRET');
    expect(registryOptionsFor(config, options, 'oci://registry.acme.example.evil.example/x').credentials.env).toEqual({});
  });

  it('drops them everywhere when no registry is configured', () => {
    const unconfigured = testConfig({ DATAKIT_REGISTRY_PASSWORD: 'TOPSECRET' });
    expect(registryOptionsFor(unconfigured, options, 'oci://registry.acme.example/team').credentials.env).toEqual({});
  });
});

describe('GitHub statuses from either Octokit', () => {
  it("matches the app's GitHubApiError and Probot's RequestError alike", () => {
    const request = { method: 'GET' as const, url: 'https://api.github.com/x', headers: {} };
    const notFound = new RequestError('Not Found', 404, { request, response: { status: 404, url: request.url, headers: {}, data: {} } });
    expect(hasGitHubStatus(notFound, 404)).toBe(true);
    const apiError = new GitHubApiError('gone', { method: 'GET', path: '/x', status: 404, githubMessage: 'Not Found', attempts: 1 }, {});
    expect(hasGitHubStatus(apiError, 404)).toBe(true);
    expect(hasGitHubStatus(apiError, 403)).toBe(false);
    expect(hasGitHubStatus(new Error('boom'), 404)).toBe(false);
  });
});
