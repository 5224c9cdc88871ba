import { describe, expect, it } from 'vitest';
import { parseJoinUrl } from './join-url';

describe('parseJoinUrl', () => {
  it.each([
    ['192.168.1.5:4321', 'http://192.168.1.5:4321', false],
    ['  192.168.1.5:4321  ', 'http://192.168.1.5:4321', false],
    ['localhost:8080', 'http://localhost:8080', false],
    ['chat.example.org:4000', 'http://chat.example.org:4000', false],
    ['192.168.1.5', 'http://192.168.1.5:4321', false],
    ['my-laptop', 'http://my-laptop:4321', false],
    ['http://192.168.1.5:4321', 'http://192.168.1.5:4321', false],
    ['http://192.168.1.5:4321/', 'http://192.168.1.5:4321', false],
    ['HTTP://Example.org:4321/some/path?x=1', 'http://example.org:4321', false],
    ['http://example.org', 'http://example.org', false],
    ['https://chat.example.org', 'https://chat.example.org', true],
    ['https://chat.example.org:8443', 'https://chat.example.org:8443', true],
    ['wss://chat.example.org', 'https://chat.example.org', true],
    ['ws://10.0.0.2:4321', 'http://10.0.0.2:4321', false],
    ['[::1]:4321', 'http://[::1]:4321', false],
    ['http://[fe80::1]:9000', 'http://[fe80::1]:9000', false],
  ])('accepts %j as %s', (input, url, secure) => {
    expect(parseJoinUrl(input)).toEqual({ ok: true, url, secure });
  });

  it.each([
    ['', /Enter the address/],
    ['   ', /Enter the address/],
    ['ftp://example.org', /ftp:\/\/.*not supported/],
    ['javascript://alert(1)', /not supported/],
    ['file:///etc/passwd', /not supported/],
    ['192.168.1.5:99999', /port must be a number from 1 to 65535/],
    ['192.168.1.5:0', /port must be a number/],
    ['localhost:abc', /port must be a number/],
    ['http://host:-1', /port must be a number/],
    ['my laptop:4321', /contains spaces/],
    ['http://user:secret@example.org', /user name or password/],
    ['-bad-.example', /not a valid host name/],
    ['a..b', /not a valid/],
    ['http://', /not a valid address|no host/],
  ])('rejects %j with a clear message', (input, message) => {
    const result = parseJoinUrl(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_url');
      expect(result.error.message).toMatch(message);
    }
  });
});
