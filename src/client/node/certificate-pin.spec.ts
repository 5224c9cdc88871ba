/**
 * Certificate pinning against real https chat servers on loopback: ChatClient with the
 * pinningTransport hook, as the desktop app's main process runs it.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { client, onCleanup, startServer, waitFor } from '../../../tests/support/chat';
import { testCertificate } from '../../../tests/support/tls';
import type { ChatServer } from '../../server/chat-server';
import { certificateFingerprint } from '../../server/tls';
import type { ChatEvent } from '../../shared/api';
import { fetchCertificate, pinningTransport, type CertificatePins } from './certificate-pin';

/** Pins in memory, with every save recorded. */
function memoryPins(initial: Record<string, string> = {}) {
  const pins = new Map(Object.entries(initial));
  const saved: [string, string][] = [];
  const store: CertificatePins = {
    get: (origin) => pins.get(origin) ?? null,
    async set(origin, fingerprint) {
      pins.set(origin, fingerprint);
      saved.push([origin, fingerprint]);
    },
  };
  return { store, pins, saved };
}

/** A TLS chat server with test certificate `index`, on `port` (0: any free one). */
async function secureServer(index: number, port = 0): Promise<ChatServer> {
  return startServer({ tls: await testCertificate(index), port });
}

const originOf = (server: ChatServer) => `https://127.0.0.1:${server.port}`;

/** How many sessions joined on `server`. */
const joinedOn = (server: ChatServer) =>
  [...server.io.sockets.sockets.values()].filter((socket) => socket.data.user).length;

describe('certificate pinning (pinningTransport)', () => {
  it('pins the certificate on first use, and joins again while it stays the same', async () => {
    const server = await secureServer(0);
    const origin = originOf(server);
    const { store, pins, saved } = memoryPins();
    const fingerprint = certificateFingerprint((await testCertificate(0)).cert);

    const first = client({ secureTransport: pinningTransport(store) });
    const joined = await first.connect(origin, 'ann');
    expect(joined.ok).toBe(true);
    expect(first.status).toMatchObject({ state: 'connected', url: origin });
    expect(saved).toEqual([[origin, fingerprint]]);

    // A later visit, with the pin remembered: same certificate, no new pin, joined.
    const second = client({ secureTransport: pinningTransport(store) });
    expect((await second.connect(origin, 'bo')).ok).toBe(true);
    expect(saved).toHaveLength(1);
    expect(pins.get(origin)).toBe(fingerprint);
    expect(joinedOn(server)).toBe(2);
  });

  it('refuses a different certificate on a pinned origin, naming both fingerprints', async () => {
    const original = await secureServer(0);
    const { port } = original;
    const origin = originOf(original);
    const { store, saved } = memoryPins();
    const chat = client({ secureTransport: pinningTransport(store) });
    expect((await chat.connect(origin, 'ann')).ok).toBe(true);
    await chat.disconnect();
    await original.close();

    // Someone else answers at the same address, with another certificate.
    const impostor = await secureServer(1, port);
    const statuses: ChatEvent[] = [];
    chat.onEvent((event) => statuses.push(event));
    const pinned = certificateFingerprint((await testCertificate(0)).cert);
    const presented = certificateFingerprint((await testCertificate(1)).cert);

    const refused = await chat.connect(origin, 'ann');

    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'certificate_changed',
        message:
          `The certificate of ${origin} has changed since you first joined. It was ${pinned}; ` +
          `it is now ${presented}. Someone may be intercepting the connection, so Parley did ` +
          'not connect. If the host says they changed it, ask them for a new join link: it ' +
          'carries the new fingerprint.',
      },
    });
    expect(chat.status).toEqual({
      state: 'disconnected',
      url: origin,
      reason: refused.ok ? null : refused.error.message,
    });
    // Nothing reached the impostor, and the pin was not replaced.
    expect(impostor.io.engine.clientsCount).toBe(0);
    expect(saved).toEqual([[origin, pinned]]);
  });

  it('refuses a server whose certificate is not the one in the join link', async () => {
    const server = await secureServer(0);
    const origin = originOf(server);
    const { store, saved } = memoryPins();
    const expected = certificateFingerprint((await testCertificate(1)).cert);
    const presented = certificateFingerprint((await testCertificate(0)).cert);
    const chat = client({ secureTransport: pinningTransport(store) });

    // As a link may carry it: lower case, no colons.
    const refused = await chat.connect(origin, 'ann', {
      fingerprint: expected.replace(/:/g, '').toLowerCase(),
    });

    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'certificate_changed',
        message:
          `The certificate of ${origin} is not the one in the join link. The link says ` +
          `${expected}; the server presents ${presented}. Someone may be intercepting the ` +
          'connection, so Parley did not connect. Ask the host for their fingerprint or a new ' +
          'link.',
      },
    });
    expect(server.io.engine.clientsCount).toBe(0);
    expect(saved).toEqual([]);
  });

  it("pins a join link's fingerprint, which replaces an older pin for the origin", async () => {
    const server = await secureServer(1);
    const origin = originOf(server);
    const old = certificateFingerprint((await testCertificate(0)).cert);
    const current = certificateFingerprint((await testCertificate(1)).cert);
    const { store, pins } = memoryPins({ [origin]: old });

    // Without the link, the changed certificate is refused…
    const wary = client({ secureTransport: pinningTransport(store) });
    expect(await wary.connect(origin, 'ann')).toMatchObject({
      ok: false,
      error: { code: 'certificate_changed' },
    });
    // …with a link from the host that vouches for the new one, it joins and the pin follows.
    const linked = client({ secureTransport: pinningTransport(store) });
    expect((await linked.connect(origin, 'ann', { fingerprint: current })).ok).toBe(true);
    expect(pins.get(origin)).toBe(current);
  });

  it('refuses a certificate swapped between the check and the connection', async () => {
    const original = await secureServer(0);
    const { port } = original;
    const origin = originOf(original);
    const hook = pinningTransport(memoryPins().store);
    let impostor: ChatServer | null = null;
    const chat = client({
      // The real hook, then the swap, before ChatClient opens its connection.
      secureTransport: async (url, fingerprint) => {
        const trusted = await hook(url, fingerprint);
        await original.close();
        impostor = await secureServer(1, port);
        return trusted;
      },
    });

    const result = await chat.connect(origin, 'ann');

    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'unreachable',
        message: "The server's secure connection could not be verified.",
      },
    });
    expect(impostor).not.toBeNull();
    expect(joinedOn(impostor!)).toBe(0);
  });

  it('does not rejoin a server that comes back with another certificate', async () => {
    const original = await secureServer(0);
    const { port } = original;
    const origin = originOf(original);
    const chat = client({ secureTransport: pinningTransport(memoryPins().store) });
    expect((await chat.connect(origin, 'ann')).ok).toBe(true);
    const reasons: string[] = [];
    chat.onEvent((event) => {
      if (event.type === 'status' && event.status.reason) reasons.push(event.status.reason);
    });

    await original.close();
    const impostor = await secureServer(1, port);
    // The first attempt that reaches the impostor fails its handshake: Parley stops and warns.
    await waitFor(() => chat.status.state === 'disconnected', 'the refusal');
    expect(chat.status.reason).toMatch(
      /^The server's certificate is no longer the one Parley trusted for it/,
    );
    expect(joinedOn(impostor)).toBe(0);
    expect(reasons.some((reason) => reason.startsWith('The server shut down.'))).toBe(true);
  });

  it('leaves plain http alone', async () => {
    const server = await startServer();
    const { store, saved } = memoryPins();
    let asked = 0;
    const hook = pinningTransport(store);
    const chat = client({
      secureTransport: (url, fingerprint) => {
        asked += 1;
        return hook(url, fingerprint);
      },
    });
    expect((await chat.connect(`http://127.0.0.1:${server.port}`, 'ann')).ok).toBe(true);
    expect(asked).toBe(0);
    expect(saved).toEqual([]);
  });
});

describe('fetchCertificate', () => {
  it('reads what the server presents', async () => {
    const server = await secureServer(0);
    const fetched = await fetchCertificate(originOf(server));
    expect(fetched).toEqual({
      ok: true,
      certificate: {
        pem: (await testCertificate(0)).cert,
        fingerprint: certificateFingerprint((await testCertificate(0)).cert),
        trusted: false,
        selfSigned: true,
      },
    });
  });

  it('says when nothing answers, or the server does not speak TLS', async () => {
    const plain = createHttpServer((_request, response) => response.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as AddressInfo;
    onCleanup(() => new Promise<void>((resolve) => plain.close(() => resolve())));

    expect(await fetchCertificate(`https://127.0.0.1:${port}`)).toEqual({
      ok: false,
      error: {
        code: 'unreachable',
        message:
          `https://127.0.0.1:${port} does not answer over TLS. If the host does not use an ` +
          'encrypted connection, join with http:// instead.',
      },
    });
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    expect(await fetchCertificate(`https://127.0.0.1:${port}`)).toEqual({
      ok: false,
      error: {
        code: 'unreachable',
        message: `Nothing is answering at https://127.0.0.1:${port}: is the server running, and is the port right?`,
      },
    });
  });
});
