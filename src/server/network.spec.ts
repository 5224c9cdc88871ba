import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { joinUrls } from './network';

const entry = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;

const interfaces = {
  lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
  eth0: [entry('192.168.1.5', 'IPv4', false), entry('fe80::1', 'IPv6', false)],
  wlan0: [entry('10.0.0.7', 'IPv4', false)],
  docker0: undefined,
};

describe('joinUrls', () => {
  it('lists every non-internal IPv4 address, then localhost, when bound to all interfaces', () => {
    expect(joinUrls('0.0.0.0', 4321, interfaces)).toEqual([
      'http://192.168.1.5:4321',
      'http://10.0.0.7:4321',
      'http://localhost:4321',
    ]);
    expect(joinUrls('::', 80, interfaces)).toHaveLength(3);
  });

  it('lists only the bound address otherwise', () => {
    expect(joinUrls('127.0.0.1', 5000, interfaces)).toEqual(['http://127.0.0.1:5000']);
    expect(joinUrls('192.168.1.5', 5000, interfaces)).toEqual(['http://192.168.1.5:5000']);
    expect(joinUrls('::1', 5000, interfaces)).toEqual(['http://[::1]:5000']);
  });

  it('still offers localhost on a machine with no network', () => {
    expect(joinUrls('0.0.0.0', 4321, { lo: interfaces.lo })).toEqual(['http://localhost:4321']);
  });

  it('uses https for a server with TLS', () => {
    expect(joinUrls('0.0.0.0', 4321, interfaces, 'https')).toEqual([
      'https://192.168.1.5:4321',
      'https://10.0.0.7:4321',
      'https://localhost:4321',
    ]);
    expect(joinUrls('::1', 5000, interfaces, 'https')).toEqual(['https://[::1]:5000']);
  });
});
