/**
 * Test support for TLS: real self-signed certificates (made by src/server/tls.ts, the code the
 * app hosts with), written to files when a test needs `--tls-cert/--tls-key`, and a raw
 * socket.io-client connection over wss that trusts exactly one certificate.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { generateSelfSignedCertificate, type TlsCredentials } from '../../src/server/tls';
import { onCleanup, type RawSocket } from './chat';

const made: Promise<TlsCredentials>[] = [];

/** The `index`-th test certificate: each index is made once per test file, then reused. */
export function testCertificate(index = 0): Promise<TlsCredentials> {
  made[index] ??= generateSelfSignedCertificate({ commonName: `Parley test ${index}` });
  return made[index]!;
}

/** Writes `credentials` to `cert.pem` and `key.pem` in a new temporary folder. */
export function writeTlsFiles(credentials: TlsCredentials): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  writeFileSync(files.cert, credentials.cert);
  writeFileSync(files.key, credentials.key, { mode: 0o600 });
  return files;
}

/**
 * Connects to `url` over wss trusting only `ca` (the server's own self-signed certificate), with
 * the host name check left out: LAN addresses are not in a self-signed certificate. Resolves
 * once connected; rejects with the connection error.
 */
export async function secureRawSocket(
  url: string,
  ca: string,
  options: Record<string, unknown> = {},
): Promise<RawSocket> {
  const socket: RawSocket = connectSocket(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ca,
    // Passed through to the TLS connection by engine.io-client (Node only).
    ...{ checkServerIdentity: () => undefined },
    ...options,
  });
  onCleanup(() => void socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/**
 * Why a connection attempt fails: the transport's own reason (`self-signed certificate`, `socket
 * hang up`, `Unexpected server response: 400`), which socket.io-client keeps in `description`.
 */
export function connectError(url: string, options: Record<string, unknown> = {}): Promise<string> {
  const socket: RawSocket = connectSocket(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 5_000,
    ...options,
  });
  onCleanup(() => void socket.disconnect());
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error(`${url} accepted the connection`)));
    socket.once('connect_error', (error: Error & { description?: { message?: unknown } }) =>
      resolve(String(error.description?.message ?? error.message)),
    );
  });
}
