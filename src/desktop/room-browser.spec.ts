// How an answer heard on the network becomes a room. The real advertiser and browser are
// tested over multicast in tests/integration/discovery.spec.ts, inside a network namespace
// (never on this machine's network).
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../shared/limits';
import { roomFromService, type HeardService } from './room-browser';

const FP = Array(32).fill('0A').join(':');

function heard(overrides: Partial<HeardService> = {}): HeardService {
  return {
    name: 'Physics lab [abc123]',
    fqdn: 'Physics lab [abc123]._parley._tcp.local',
    port: 4321,
    txt: {
      txtvers: '1',
      id: 'abc123',
      proto: String(PROTOCOL_VERSION),
      pw: '0',
      room: 'Physics lab',
      host: 'alice',
    },
    addresses: ['192.168.1.5', 'fe80::1', '2001:db8::5', '10.0.0.7'],
    referer: { address: '10.0.0.7' },
    ...overrides,
  };
}

describe('roomFromService', () => {
  it('lists the address the answer came from first, then IPv4, then routable IPv6', () => {
    expect(roomFromService(heard())).toEqual({
      id: 'abc123',
      roomName: 'Physics lab',
      hostNickname: 'alice',
      url: 'http://10.0.0.7:4321',
      urls: ['http://10.0.0.7:4321', 'http://192.168.1.5:4321', 'http://[2001:db8::5]:4321'],
      passphraseRequired: false,
      protocolVersion: PROTOCOL_VERSION,
      compatible: true,
      fingerprint: null,
      own: false,
    });
  });

  it('uses https when the room has a certificate fingerprint, and marks our own room', () => {
    const room = roomFromService(
      heard({ txt: { id: 'mine', proto: '1', pw: '1', room: 'R', fp: FP } }),
      (id) => id === 'mine',
    );
    expect(room).toMatchObject({
      url: 'https://10.0.0.7:4321',
      fingerprint: FP,
      passphraseRequired: true,
      own: true,
      hostNickname: '',
    });
  });

  it('flags a room of another protocol version as incompatible', () => {
    // Protocol 1 (before identities) and a later one.
    for (const proto of [1, PROTOCOL_VERSION + 1]) {
      expect(
        roomFromService(heard({ txt: { id: 'a', proto: String(proto), room: 'R' } })),
      ).toMatchObject({ protocolVersion: proto, compatible: false });
    }
    expect(roomFromService(heard({ txt: { id: 'a', room: 'R' } }))).toMatchObject({
      protocolVersion: 0,
      compatible: false,
    });
  });

  it('cleans what came from the network and falls back to the instance name', () => {
    const room = roomFromService(
      heard({ txt: { id: 'a', proto: '1', host: `eve\u0007\n${'x'.repeat(100)}` } }),
    );
    expect(room?.roomName).toBe('Physics lab [abc123]');
    expect(room?.hostNickname).toMatch(/^eve x+$/);
    expect(room?.hostNickname.length).toBe(32);
  });

  it('skips answers that cannot be joined', () => {
    expect(roomFromService(heard({ port: 0 }))).toBeNull();
    expect(roomFromService(heard({ addresses: ['fe80::1'], referer: undefined }))).toBeNull();
  });
});
