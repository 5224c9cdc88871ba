/**
 * createChatServer with a TLS certificate: https for the web client, wss for the chat, the
 * fingerprint people compare, and what happens to clients that do not speak TLS or do not trust
 * the certificate.
 */
import { mkdtempSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextEvent, startServer, joinWith } from '../../tests/support/chat';
import { connectError, secureRawSocket, testCertificate } from '../../tests/support/tls';
import { createChatServer } from './chat-server';
import { certificateFingerprint, TlsError } from './tls';

/** GET `url` over https trusting only `ca`; resolves with the status code. */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca, checkServerIdentity: () => undefined }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('createChatServer with TLS', () => {
  it('serves https and wss, and tells its certificate fingerprint', async () => {
    const tls = await testCertificate();
    const server = await startServer({ tls });
    const url = `https://127.0.0.1:${server.port}`;

    expect(server.urls).toEqual([url]);
    expect(server.fingerprint).toBe(certificateFingerprint(tls.cert));
    expect(await httpsStatus(`${url}/socket.io/socket.io.js`, tls.cert)).toBe(200);

    const alice = await secureRawSocket(url, tls.cert);
    const bob = await secureRawSocket(url, tls.cert);
    expect((await joinWith(alice, { nickname: 'alice' })).ok).toBe(true);
    expect((await joinWith(bob, { nickname: 'bob' })).ok).toBe(true);
    const received = nextEvent(bob, 'message:created');
    const sent = await alice
      .timeout(5_000)
      .emitWithAck('message:send', { clientId: 'c1', text: 'over TLS' });
    expect(sent.ok).toBe(true);
    expect((await received).text).toBe('over TLS');
  });

  it('has no fingerprint and plain http URLs without a certificate', async () => {
    const server = await startServer();
    expect(server.fingerprint).toBeNull();
    expect(server.urls).toEqual([`http://127.0.0.1:${server.port}`]);
  });

  it('refuses clients that do not trust its certificate, or do not speak TLS, and stays up', async () => {
    const tls = await testCertificate();
    const server = await startServer({ tls });
    const url = `https://127.0.0.1:${server.port}`;

    // The system's trust store does not know a self-signed certificate.
    expect(await connectError(url)).toBe('self-signed certificate');
    // Trusting another certificate is no better.
    const other = await testCertificate(1);
    expect(await connectError(url, { ca: other.cert })).toBe('self-signed certificate');
    // Plain ws:// to a TLS port gets no WebSocket handshake.
    expect(await connectError(`http://127.0.0.1:${server.port}`)).toBe('socket hang up');

    // None of that hurt the server.
    const socket = await secureRawSocket(url, tls.cert);
    expect((await joinWith(socket, { nickname: 'ok' })).ok).toBe(true);
  });

  it('refuses a browser page from another origin over https too', async () => {
    const tls = await testCertificate();
    const server = await startServer({ tls });
    const url = `https://127.0.0.1:${server.port}`;
    const trust = { ca: tls.cert, checkServerIdentity: () => undefined };

    const foreign = await connectError(url, {
      ...trust,
      extraHeaders: { origin: 'https://example.com' },
    });
    expect(foreign).toMatch(/^Unexpected server response: 4\d\d$/);
    // The same origin as the page the server served is fine.
    const socket = await secureRawSocket(url, tls.cert, { extraHeaders: { origin: url } });
    expect(socket.connected).toBe(true);
  });

  it('refuses a key that does not belong to the certificate, and leaves nothing open', async () => {
    const [one, other] = await Promise.all([testCertificate(0), testCertificate(1)]);
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-tls-'));

    await expect(
      createChatServer({
        host: '127.0.0.1',
        port: 0,
        webRoot: null,
        dataDir,
        tls: { cert: one.cert, key: other.key },
      }),
    ).rejects.toThrow(new TlsError('The TLS key does not belong to the certificate.'));

    // The data directory was not opened (LevelDB would hold its lock): a server can use it.
    const server = await startServer({ dataDir, tls: one });
    expect(server.fingerprint).toBe(certificateFingerprint(one.cert));
  });
});
