// What a room announces (its TXT record) and how a heard record is read back. The real
// advertiser and browser are tested over multicast in tests/integration/discovery.spec.ts.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from './limits';
import { clipBytes, readRoomTxt, roomTxt } from './room-announcement';

const FP = Array(32).fill('0A').join(':');
const utf8 = new TextEncoder();

describe('roomTxt', () => {
  it('says the room name, host, passphrase, protocol version and id', () => {
    expect(
      roomTxt({ id: 'abc123', port: 4321, roomName: 'Physics lab', hostNickname: 'alice' }),
    ).toEqual({
      txtvers: '1',
      id: 'abc123',
      proto: String(PROTOCOL_VERSION),
      pw: '0',
      room: 'Physics lab',
      host: 'alice',
    });
  });

  it('adds the TLS fingerprint when there is one, and pw=1 for a passphrase', () => {
    const txt = roomTxt({
      id: 'x',
      port: 1,
      roomName: 'R',
      hostNickname: 'h',
      passphraseRequired: true,
      fingerprint: '0a'.repeat(32),
    });
    expect(txt).toMatchObject({ pw: '1', fp: FP });
  });

  it('keeps every entry within the 255 bytes DNS allows, on one line', () => {
    const txt = roomTxt({
      id: 'x',
      port: 1,
      roomName: `Line one\nline two ${'é'.repeat(300)}`,
      hostNickname: '',
    });
    expect(txt['room']).toMatch(/^Line one line two é+$/);
    for (const [key, value] of Object.entries(txt)) {
      expect(utf8.encode(`${key}=${value}`).length).toBeLessThanOrEqual(255);
    }
    // An empty value would not decode: the key is left out.
    expect(txt).not.toHaveProperty('host');
  });
});

describe('readRoomTxt', () => {
  it('reads back what roomTxt wrote', () => {
    const txt = roomTxt({
      id: 'abc123',
      port: 4321,
      roomName: 'Physics lab',
      hostNickname: 'alice',
      passphraseRequired: true,
      fingerprint: FP,
    });
    expect(readRoomTxt(txt)).toEqual({
      id: 'abc123',
      roomName: 'Physics lab',
      hostNickname: 'alice',
      passphraseRequired: true,
      protocolVersion: PROTOCOL_VERSION,
      fingerprint: FP,
    });
  });

  it('says nothing for what is missing, not text, or not a record at all', () => {
    const empty = {
      id: '',
      roomName: '',
      hostNickname: '',
      passphraseRequired: false,
      protocolVersion: 0,
      fingerprint: null,
    };
    expect(readRoomTxt(null)).toEqual(empty);
    expect(readRoomTxt({ id: 7, room: ['x'], proto: 'one', fp: 'zz' })).toEqual(empty);
  });
});

describe('clipBytes', () => {
  it('never splits a character', () => {
    expect(clipBytes('aé€😀', 1)).toBe('a');
    expect(clipBytes('aé€😀', 3)).toBe('aé');
    expect(clipBytes('aé€😀', 9)).toBe('aé€');
    expect(clipBytes('aé€😀', 10)).toBe('aé€😀');
  });
});
