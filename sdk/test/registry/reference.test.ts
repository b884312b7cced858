import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors';
import {
  formatReference,
  isLoopbackHost,
  parseReference,
  validateDigest,
  validateRepository,
  validateTag,
} from '../../src/registry/reference';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['oci://localhost:5000/team/orders:1.2.0', { host: 'localhost:5000', repository: 'team/orders', tag: '1.2.0' }],
    ['oci://ghcr.io/acme/data/orders', { host: 'ghcr.io', repository: 'acme/data/orders' }],
    [`oci://reg.example.com/team/orders@${digest}`, { host: 'reg.example.com', repository: 'team/orders', digest }],
    [`oci://reg.example.com/team/orders:1.0@${digest}`, { host: 'reg.example.com', repository: 'team/orders', tag: '1.0', digest }],
    ['oci://registry/team/x', { host: 'registry', repository: 'team/x' }],
    ['oci://[::1]:5000/a/b:c', { host: '[::1]:5000', repository: 'a/b', tag: 'c' }],
    ['127.0.0.1:5000/a.b/c_d/e__f/g--h:v1', { host: '127.0.0.1:5000', repository: 'a.b/c_d/e__f/g--h', tag: 'v1' }],
    ['localhost/pkg:latest', { host: 'localhost', repository: 'pkg', tag: 'latest' }],
    ['reg.example.com/pkg', { host: 'reg.example.com', repository: 'pkg' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it('formats back what it parsed', () => {
    const input = `oci://reg.example.com:443/team/orders:1.0@${digest}`;
    expect(formatReference(parseReference(input))).toBe(input);
  });

  it.each([
    ['oci://localhost:5000/Team/orders:1.0', /repository "Team\/orders" has upper-case letters; use "team\/orders"/],
    ['oci://localhost:5000/team/orders:1.0.0+build.5', /tag "1.0.0\+build.5" contains "\+"/],
    [`oci://localhost:5000/team/orders:${'x'.repeat(129)}`, /is 129 characters long; the limit is 128/],
    ['oci://localhost:5000/team/orders:-dash', /may not start with "-"/],
    ['oci://localhost:5000/team//orders', /empty path component/],
    ['oci://localhost:5000/team/orders_', /path component "orders_"/],
    ['oci://localhost:5000/team/orders@sha256:abc', /not a sha256 digest/],
    ['oci://localhost:5000/team/orders@md5:abc', /algorithm "md5" is not supported/],
    ['oci://localhost:5000', /expected <host>\/<repository>/],
    ['oci://bad_host:5000/a', /not a valid host/],
    ['oci://localhost:99999/a', /port 99999 is out of range/],
    ['https://localhost:5000/a', /only the oci:\/\/ scheme/],
    ['team/orders:1.0', /"team" is not a registry host/],
    [`oci://localhost/${'a'.repeat(256)}`, /256 characters long; the limit is 255/],
  ])('refuses %s, saying why', (input, reason) => {
    let error: unknown;
    try {
      parseReference(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'DK520', exitCode: 2 });
    expect((error as Error).message).toMatch(/^invalid artifact reference "/);
    expect((error as Error).message).toMatch(reason);
    expect((error as UsageError).hint).toBeTruthy();
  });
});

describe('validators', () => {
  it('accept valid names and refuse invalid ones', () => {
    expect(() => validateRepository('a/b-c/d.e')).not.toThrow();
    expect(() => validateRepository('A')).toThrow(/invalid repository name: repository "A" has upper-case letters/);
    expect(() => validateTag('v1.0_rc-1')).not.toThrow();
    expect(() => validateTag('x'.repeat(128))).not.toThrow();
    expect(() => validateTag('x'.repeat(129))).toThrow(/invalid tag:/);
    expect(() => validateDigest(digest)).not.toThrow();
    expect(() => validateDigest(`sha256:${'A'.repeat(64)}`)).toThrow(/invalid digest/);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:5000', true],
    ['127.8.9.10', true],
    ['[::1]:5000', true],
    ['reg.localhost', true],
    ['128.0.0.1', false],
    ['10.0.0.1:5000', false],
    ['localhost.example.com', false],
    ['ghcr.io', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
