// Diagnostics against real servers, on loopback only: the "network interfaces" are made up,
// with 127.0.0.x addresses standing in for LAN ones (all of 127/8 is this machine).
import { createServer as createHttpServer } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { onCleanup, startServer } from '../../tests/support/chat';
import { testCertificate } from '../../tests/support/tls';
import { checkParleyPort, diagnosisHints, listAddresses, runDiagnostics } from './diagnostics';

function entry(
  address: string,
  internal = false,
  cidr: string | null = null,
): NetworkInterfaceInfo {
  const family = address.includes(':') ? 'IPv6' : 'IPv4';
  return {
    address,
    netmask: family === 'IPv4' ? '255.0.0.0' : 'ffff::',
    family,
    mac: '02:00:00:00:00:01',
    internal,
    cidr,
    ...(family === 'IPv6' ? { scopeid: 0 } : {}),
  } as NetworkInterfaceInfo;
}

const INTERFACES = {
  lo: [entry('127.0.0.1', true), entry('::1', true)],
  eth0: [entry('127.0.0.2', false, '127.0.0.2/8'), entry('fe80::1')],
  tun0: [entry('127.0.0.3')],
};

/** Listens on loopback; after the test, closes the server and any connection still open. */
async function listening(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

const NO_DISCOVERY_PROBLEM = { available: true, roomsFound: 1, problem: null };

describe('listAddresses', () => {
  it('lists non-loopback addresses per interface, with the join URL that uses each', () => {
    expect(listAddresses(INTERFACES, ['http://127.0.0.2:4321', 'http://localhost:4321'])).toEqual([
      {
        interfaceName: 'eth0',
        address: '127.0.0.2',
        family: 'IPv4',
        cidr: '127.0.0.2/8',
        linkLocal: false,
        vpn: false,
        joinUrl: 'http://127.0.0.2:4321',
      },
      {
        interfaceName: 'eth0',
        address: 'fe80::1',
        family: 'IPv6',
        cidr: null,
        linkLocal: true,
        vpn: false,
        joinUrl: null,
      },
      {
        interfaceName: 'tun0',
        address: '127.0.0.3',
        family: 'IPv4',
        cidr: null,
        linkLocal: false,
        vpn: true,
        joinUrl: null,
      },
    ]);
  });
});

describe('checkParleyPort', () => {
  it('knows a Parley server by its handshake', async () => {
    const server = await startServer();
    expect(await checkParleyPort('127.0.0.1', server.port)).toEqual({
      ok: true,
      detail: 'Answering: Parley is reachable here.',
    });
  });

  it('tells another program and a silent one apart', async () => {
    const other = await listening(createHttpServer((_req, res) => res.writeHead(404).end()));
    const silent = await listening(createNetServer(() => {}));
    expect(await checkParleyPort('127.0.0.1', other)).toEqual({
      ok: false,
      detail: 'Something else answered (HTTP 404): is another program using port ' + other + '?',
    });
    expect(await checkParleyPort('127.0.0.1', silent, 300)).toEqual({
      ok: false,
      detail: 'No answer within 0.3 s: a firewall may be dropping the connection.',
    });
  });

  it('checks a room hosted with TLS over https', async () => {
    const server = await startServer({ tls: await testCertificate() });
    expect(await checkParleyPort('127.0.0.1', server.port, 2_000, true)).toEqual({
      ok: true,
      detail: 'Answering: Parley is reachable here.',
    });
    // Its join URLs say https: runDiagnostics checks it that way.
    const report = await runDiagnostics({
      hosting: { running: true, port: server.port, urls: server.urls },
      discovery: NO_DISCOVERY_PROBLEM,
      interfaces: { lo: INTERFACES.lo },
    });
    expect(report.hosting.checks).toMatchObject([{ ok: true }]);
  });

  it('says when nothing is listening', async () => {
    const probe = createNetServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)),
    );
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    expect(await checkParleyPort('127.0.0.1', port)).toEqual({
      ok: false,
      detail: 'Nothing is listening there.',
    });
  });
});

describe('runDiagnostics', () => {
  it('checks the hosted room on loopback and on each address', async () => {
    // Bound to 127.0.0.1 only: the stand-in LAN address 127.0.0.2 gets no answer.
    const server = await startServer();
    const report = await runDiagnostics({
      hosting: { running: true, port: server.port, urls: [`http://127.0.0.2:${server.port}`] },
      discovery: NO_DISCOVERY_PROBLEM,
      interfaces: { lo: INTERFACES.lo, eth0: [entry('127.0.0.2')] },
      clock: () => 42,
    });
    expect(report.checkedAt).toBe(42);
    expect(report.addresses.map((a) => [a.address, a.joinUrl])).toEqual([
      ['127.0.0.2', `http://127.0.0.2:${server.port}`],
    ]);
    expect(report.hosting.checks).toEqual([
      { target: `127.0.0.1:${server.port}`, ok: true, detail: expect.stringMatching(/^Answering/) },
      { target: `127.0.0.2:${server.port}`, ok: false, detail: 'Nothing is listening there.' },
    ]);
    expect(report.hints.map((hint) => hint.id)).toEqual(['address-not-answering', 'firewall']);
    expect(report.hints[0]!.title).toContain(`127.0.0.2:${server.port}`);
  });

  it('checks nothing when not hosting, and explains an empty room list', async () => {
    const report = await runDiagnostics({
      hosting: { running: false, port: null, urls: [] },
      discovery: { available: true, roomsFound: 0, problem: null },
      interfaces: INTERFACES,
    });
    expect(report.hosting).toEqual({ running: false, port: null, checks: [] });
    expect(report.hints.map((hint) => hint.id)).toEqual([
      'firewall',
      'client-isolation',
      'vpn',
      'join-by-url',
    ]);
    expect(report.hints.find((hint) => hint.id === 'vpn')!.title).toContain('tun0');
  });
});

describe('diagnosisHints', () => {
  it('puts a missing network and a silent room first', () => {
    const ids = diagnosisHints({
      hosting: { running: true, port: 4321, urls: [] },
      discovery: { available: false, roomsFound: 0, problem: 'UDP 5353 is taken.' },
      addresses: [],
      checks: [{ target: '127.0.0.1:4321', ok: false, detail: 'Nothing is listening there.' }],
    }).map((hint) => hint.id);
    expect(ids).toEqual([
      'no-network',
      'port-not-answering',
      'discovery-unavailable',
      'firewall',
      'client-isolation',
      'join-by-url',
    ]);
  });
});
