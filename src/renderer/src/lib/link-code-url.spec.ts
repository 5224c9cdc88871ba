import { describe, expect, it } from 'vitest';
import { groupCode, linkCodeFromLocation, linkJoinUrl } from './link-code-url';

describe('device link codes in addresses', () => {
  it("puts the code in the web client's address, whatever page the server URL named", () => {
    expect(linkJoinUrl('http://192.168.1.5:4321', '7KQ4MZ2HXP')).toBe(
      'http://192.168.1.5:4321/?link=7KQ4MZ2HXP',
    );
    expect(linkJoinUrl('https://chat.example.org/some/page?x=1#top', '7KQ4MZ2HXP')).toBe(
      'https://chat.example.org/?link=7KQ4MZ2HXP',
    );
  });

  it('reads the code a page was opened with, and ignores anything that cannot be one', () => {
    expect(linkCodeFromLocation('?link=7KQ4MZ2HXP')).toBe('7KQ4MZ2HXP');
    expect(linkCodeFromLocation('?link=7KQ4M%20Z2HXP&x=1')).toBe('7KQ4M Z2HXP');
    expect(linkCodeFromLocation('')).toBe('');
    expect(linkCodeFromLocation('?link=<script>')).toBe('');
    expect(linkCodeFromLocation(`?link=${'A'.repeat(41)}`)).toBe('');
  });

  it('groups a code in two for reading', () => {
    expect(groupCode('7KQ4MZ2HXP')).toBe('7KQ4M Z2HXP');
  });
});
