import { describe, expect, it } from 'vitest';
import {
  buildJoinLink,
  findJoinLinkArgument,
  normalizeFingerprint,
  parseJoinLink,
} from './join-link';
import { parseJoinUrl } from './join-url';

const FP_HEX = 'ab'.repeat(32);
const FP = Array(32).fill('AB').join(':');

describe('buildJoinLink / parseJoinLink', () => {
  it.each([
    'http://192.168.1.5:4321',
    '192.168.1.5:4321',
    'my-laptop',
    'http://[fe80::1]:9000',
    'https://chat.example.org',
    'https://chat.example.org:8443',
    'HTTP://Example.org:4321/some/path?x=1&y=2#frag',
  ])('round-trips %j through the URL parser', (address) => {
    const link = buildJoinLink(address);
    expect(link).toMatch(/^parley:\/\/join\?url=http/);
    const target = parseJoinUrl(address);
    expect(target.ok).toBe(true);
    if (!target.ok) return;
    expect(parseJoinLink(link)).toEqual({
      ok: true,
      url: target.url,
      secure: target.secure,
      fingerprint: null,
    });
    // The origin in the link parses to itself.
    const parsed = parseJoinLink(link);
    if (parsed.ok) expect(parseJoinUrl(parsed.url)).toEqual(target);
  });

  it('encodes the origin, so the link is one query parameter', () => {
    expect(buildJoinLink('http://192.168.1.5:4321')).toBe(
      'parley://join?url=http%3A%2F%2F192.168.1.5%3A4321',
    );
  });

  it('carries a certificate fingerprint for https, in one normal form', () => {
    const link = buildJoinLink('https://chat.example.org', FP_HEX);
    expect(link).toContain('&fp=');
    expect(parseJoinLink(link)).toEqual({
      ok: true,
      url: 'https://chat.example.org',
      secure: true,
      fingerprint: FP,
    });
    expect(parseJoinLink(buildJoinLink('https://chat.example.org', FP))).toMatchObject({
      fingerprint: FP,
    });
  });

  it('refuses to build what it could not parse back', () => {
    expect(() => buildJoinLink('ftp://x')).toThrow(/not supported/);
    expect(() => buildJoinLink('http://x:4321', FP)).toThrow(/https/);
    expect(() => buildJoinLink('https://x', 'abc')).toThrow(/SHA-256/);
  });

  it.each([
    `parley://join/?url=${encodeURIComponent('http://10.0.0.2:4321')}`,
    `parley:join?url=${encodeURIComponent('http://10.0.0.2:4321')}`,
    `PARLEY://JOIN?url=${encodeURIComponent('http://10.0.0.2:4321')}`,
    '  parley://join?url=10.0.0.2:4321  ',
    'parley://join?url=http://10.0.0.2:4321&extra=ignored',
  ])('accepts the variants systems hand over: %j', (link) => {
    expect(parseJoinLink(link)).toEqual({
      ok: true,
      url: 'http://10.0.0.2:4321',
      secure: false,
      fingerprint: null,
    });
  });

  it.each([
    ['', /not a link/],
    ['http://10.0.0.2:4321', /does not start with parley:\/\//],
    ['parley://leave?url=http%3A%2F%2Fx', /does not ask to join/],
    ['parley://evil/join?url=http%3A%2F%2Fx', /does not ask to join/],
    ['parley://join', /names no server/],
    ['parley://join?url=', /names no server/],
    ['parley://join?url=javascript%3A%2F%2Fx', /not supported/],
    ['parley://join?url=http%3A%2F%2Fuser%3Apw%40host', /user name or password/],
    [`parley://join?url=https%3A%2F%2Fx&fp=1234`, /fingerprint is malformed/],
    [`parley://join?url=http%3A%2F%2Fx&fp=${FP_HEX}`, /without TLS/],
    [`parley://join?url=${'a'.repeat(3000)}`, /too long/],
  ])('refuses %j', (link, message) => {
    const result = parseJoinLink(link);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_url');
      expect(result.error.message).toMatch(message);
    }
  });
});

describe('normalizeFingerprint', () => {
  it('accepts hex with or without colons, any case', () => {
    expect(normalizeFingerprint(FP_HEX)).toBe(FP);
    expect(normalizeFingerprint(FP.toLowerCase())).toBe(FP);
    expect(normalizeFingerprint('ab'.repeat(31))).toBeNull();
    expect(normalizeFingerprint('A:BAB' + ':AB'.repeat(30) + ':AB')).toBeNull();
    expect(normalizeFingerprint('zz'.repeat(32))).toBeNull();
  });
});

describe('findJoinLinkArgument', () => {
  it('finds the link the OS passed among the arguments', () => {
    const link = buildJoinLink('http://10.0.0.2:4321');
    expect(findJoinLinkArgument(['/opt/Parley/parley', '--no-sandbox', link])).toBe(link);
    expect(findJoinLinkArgument(['/opt/Parley/parley', '--flag'])).toBeNull();
  });
});
