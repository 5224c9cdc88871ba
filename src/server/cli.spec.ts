import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { waitFor, joinWith } from '../../tests/support/chat';
import {
  connectError,
  secureRawSocket,
  testCertificate,
  writeTlsFiles,
} from '../../tests/support/tls';
import { freePort } from '../../tests/support/server-process';
import { main } from './cli';
import { certificateFingerprint } from './tls';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) },
  };
}

describe('parley CLI (in process)', () => {
  it.each([
    [['serve', '--port', 'abc'], /--port must be a number from 0 to 65535/],
    [['serve', '--port', '70000'], /--port must be a number/],
    [['serve', '--colour'], /Unknown option '--colour'/],
    [['launch'], /Unknown command "launch"/],
    [['serve', '--advertise-interface', 'eth0'], /--advertise-interface must be the IPv4 address/],
    [['serve', '--advertise=yes'], /--advertise.*does not take an argument/],
    [['serve', '--message-rate', 'fast'], /--message-rate must look like 20\/10/],
    [['serve', '--message-rate', '0/10'], /--message-rate must look like 20\/10/],
    [['serve', '--retention', 'lots'], /--retention must be a whole number of messages/],
    [['serve', '--retention', '5'], /--retention must be a whole number of messages, at least 100/],
    [['serve', '--max-file-size', 'big'], /--max-file-size must be a number of MB above 0/],
    [['serve', '--max-file-size', '0'], /--max-file-size must be a number of MB above 0/],
    [['serve', '--max-file-size', '1e9'], /--max-file-size must be a number of MB above 0/],
    [['serve', '--allowed-host', 'http://chat.example.org'], /--allowed-host must be a host name/],
    [['serve', '--allowed-host', 'chat.example.org:4321'], /--allowed-host must be a host name/],
    [['serve', '--allowed-host', 'a/b'], /--allowed-host must be a host name/],
    [['serve', '--allowed-host', ''], /--allowed-host must be a host name/],
    [['serve', '--max-storage', '0'], /--max-storage must be a number of GB above 0/],
    [['serve', '--min-free-disk', 'much'], /--min-free-disk must be a number of MB/],
    [['serve', '--upload-quota', 'lots'], /--upload-quota must be a number of GB above 0/],
    [['serve', '--max-connections', '0'], /--max-connections must be a whole number, at least 1/],
    [['serve', '--connections-per-address', '2.5'], /--connections-per-address must be a whole/],
    [['serve', '--max-uploads', '0'], /--max-uploads must be a whole number, at least 1/],
    [['serve', '--uploads-per-address', 'x'], /--uploads-per-address must be a whole number/],
    [['serve', '--join-timeout', '0'], /--join-timeout must be a number of seconds above 0/],
    [['serve', '--upload-timeout', '1e3'], /--upload-timeout must be a number of seconds/],
    [['serve', '--max-rooms', '0'], /--max-rooms must be a whole number of rooms, at least 1/],
    [['serve', '--max-rooms', 'many'], /--max-rooms must be a whole number of rooms/],
    [['serve', '--people-page', '1'], /--people-page must be a whole number from 2 to 100/],
    [['serve', '--people-page', '101'], /--people-page must be a whole number from 2 to 100/],
  ])('%j fails with a clear message and exit code 1', async (argv, message) => {
    const { err, io } = capture();
    expect(await main(argv, io)).toBe(1);
    expect(err.join('\n')).toMatch(message);
  });

  it.each([
    ['mysql://parley@db/parley'],
    ['postgres://parley:hunter2@db'],
    ['postgres:///parley'],
    ['db.example.org/parley'],
  ])('refuses --database %s as no PostgreSQL URL, without echoing it', async (url) => {
    const { err, io } = capture();
    expect(await main(['serve', '--port', '0', '--database', url], io)).toBe(1);
    expect(err.join('\n')).toMatch(/--database must be a PostgreSQL URL such as postgres:\/\//);
    expect(err.join('\n')).not.toContain(url);
  });

  it('refuses a bad PARLEY_DATABASE_URL by that name', async () => {
    const { err, io } = capture();
    const env = { PARLEY_DATABASE_URL: 'http://db/parley' };
    expect(await main(['serve', '--port', '0'], io, env)).toBe(1);
    expect(err.join('\n')).toMatch(/^PARLEY_DATABASE_URL must be a PostgreSQL URL/);
  });

  it('says a database it cannot reach in one line (no stack, no password) and exits 1', async () => {
    const port = await freePort(); // nothing listens there
    const { err, io } = capture();
    const data = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    const argv = ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data];
    const env = { PARLEY_DATABASE_URL: `postgres://parley:hunter2@127.0.0.1:${port}/parley` };
    expect(await main(argv, io, env)).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Cannot open the database postgres://parley@127\\.0\\.0\\.1:${port}/parley: .*ECONNREFUSED`,
        ),
      ),
    ]);
    expect(err.join('\n')).not.toMatch(/hunter2|\n\s+at /);
  });

  it('prints the usage for --help', async () => {
    const { out, io } = capture();
    expect(await main(['serve', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/Usage: parley serve/);
    // Announcing on the LAN is opt-in; tests only ever announce inside a network namespace.
    expect(out.join('\n')).toMatch(
      /--advertise [\s\S]*off by default[\s\S]*--advertise-interface ADDR/,
    );
  });

  it('says what to do when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const { err, io } = capture();
    try {
      const code = await main(
        [
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--data',
          mkdtempSync(join(tmpdir(), 'parley-')),
        ],
        io,
      );
      expect(code).toBe(1);
      expect(err.join('\n')).toMatch(new RegExp(`Port ${port} is already in use[\\s\\S]*--port 0`));
    } finally {
      blocker.close();
    }
  });

  it('serves, prints the URL to join, and shuts down cleanly on SIGINT', async () => {
    const { out, io } = capture();
    const data = join(mkdtempSync(join(tmpdir(), 'parley-')), 'nested', 'data');
    const running = main(['serve', '--host', '127.0.0.1', '--port', '0', '--data', data], io);
    await waitFor(() => out.some((line) => line.includes('Ctrl+C')), 'the server to start');
    const url = out.map((line) => line.trim()).find((line) => line.startsWith('http://127.0.0.1:'));
    expect(url).toBeDefined();
    expect(out.join('\n')).toContain(`Data: ${data}`);

    const socket = connect(url!, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    try {
      const joined = await joinWith(socket, { nickname: 'cli-test' });
      expect(joined.ok).toBe(true);
      const closing = new Promise((resolve) => socket.once('server:closing', resolve));
      process.emit('SIGINT', 'SIGINT');
      expect(await running).toBe(0);
      expect(await closing).toEqual({ reason: 'The server is shutting down.' });
      expect(out.at(-1)).toBe('Parley stopped.');
    } finally {
      socket.disconnect();
    }
  });
});

describe('parley serve --allowed-host (in process)', () => {
  it('answers requests for the names given (repeatable), and refuses other names', async () => {
    const { out, io } = capture();
    const data = mkdtempSync(join(tmpdir(), 'parley-'));
    const running = main(
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data].concat([
        '--allowed-host',
        'chat.example.org',
        '--allowed-host',
        'parley.lan',
      ]),
      io,
    );
    await waitFor(() => out.some((line) => line.includes('Ctrl+C')), 'the server to start');
    const url = out.map((line) => line.trim()).find((line) => line.startsWith('http://'))!;
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const { port } = new URL(url);
        request({ host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=polling' })
          .setHeader('host', `${host}:${port}`)
          .on('response', (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
          .on('error', reject)
          .end();
      });
    try {
      expect(await statusFor('chat.example.org')).toBe(200);
      expect(await statusFor('parley.lan')).toBe(200);
      expect(await statusFor('evil.example')).toBe(403);
    } finally {
      process.emit('SIGINT', 'SIGINT');
      expect(await running).toBe(0);
    }
  });
});

describe('parley serve --passphrase (in process)', () => {
  async function serveWith(args: string[], env: Record<string, string | undefined> = {}) {
    const { out, io } = capture();
    const data = mkdtempSync(join(tmpdir(), 'parley-'));
    const running = main(
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data, ...args],
      io,
      env,
    );
    await waitFor(() => out.some((line) => line.includes('Ctrl+C')), 'the server to start');
    const url = out.map((line) => line.trim()).find((line) => line.startsWith('http://'))!;
    const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const joinAs = (payload: Record<string, unknown>) => joinWith(socket, payload);
    const stop = async () => {
      socket.disconnect();
      process.emit('SIGINT', 'SIGINT');
      expect(await running).toBe(0);
    };
    return { out, join: joinAs, stop, socket };
  }

  it('takes the room limit from --max-rooms (the lobby counts)', async () => {
    const server = await serveWith(['--max-rooms', '2']);
    try {
      expect((await server.join({ nickname: 'ann' })).ok).toBe(true);
      const create = (name: string) =>
        server.socket.timeout(5000).emitWithAck('room:create', { name });
      expect((await create('Design')).ok).toBe(true);
      expect(await create('Ops')).toMatchObject({ ok: false, error: { code: 'too_many_rooms' } });
    } finally {
      await server.stop();
    }
  });

  it('takes the passphrase from --passphrase', async () => {
    const server = await serveWith(['--passphrase', 'open sesame']);
    try {
      expect(server.out).toContain('Joining needs the passphrase.');
      expect(await server.join({ nickname: 'ann' })).toMatchObject({
        ok: false,
        error: { code: 'passphrase_required' },
      });
      expect(await server.join({ nickname: 'ann', passphrase: 'open sesame' })).toMatchObject({
        ok: true,
      });
    } finally {
      await server.stop();
    }
  });

  it('takes the passphrase from PARLEY_PASSPHRASE, and never prints it', async () => {
    const server = await serveWith([], { PARLEY_PASSPHRASE: 'from the environment' });
    try {
      expect(server.out.join('\n')).not.toContain('from the environment');
      expect(await server.join({ nickname: 'ann', passphrase: 'wrong' })).toMatchObject({
        ok: false,
        error: { code: 'wrong_passphrase' },
      });
      expect(
        await server.join({ nickname: 'ann', passphrase: 'from the environment' }),
      ).toMatchObject({ ok: true });
    } finally {
      await server.stop();
    }
  });

  it('refuses an empty passphrase', async () => {
    const { err, io } = capture();
    expect(await main(['serve', '--passphrase', ''], io, {})).toBe(1);
    expect(err.join('\n')).toMatch(/The passphrase must be 1 to 256 characters/);
  });
});

describe('parley serve --tls-cert/--tls-key (in process)', () => {
  it.each([
    [['serve', '--tls-cert', 'cert.pem'], /^--tls-cert needs --tls-key: give the certificate/],
    [['serve', '--tls-key', 'key.pem'], /^--tls-key needs --tls-cert: give the certificate/],
  ])('%j fails with a clear message and exit code 1', async (argv, message) => {
    const { err, io } = capture();
    expect(await main(argv, io)).toBe(1);
    expect(err.join('\n')).toMatch(message);
  });

  it('names a missing file, or a key of another certificate, and does not start', async () => {
    const [one, other] = await Promise.all([testCertificate(0), testCertificate(1)]);
    const files = writeTlsFiles(one);
    const otherFiles = writeTlsFiles(other);
    const data = mkdtempSync(join(tmpdir(), 'parley-'));
    const serve = (cert: string, key: string) =>
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data, '--tls-cert', cert].concat([
        '--tls-key',
        key,
      ]);

    const missing = capture();
    expect(await main(serve(`${files.cert}.gone`, files.key), missing.io)).toBe(1);
    expect(missing.err).toEqual([`The TLS certificate file ${files.cert}.gone does not exist.`]);

    const mismatched = capture();
    expect(await main(serve(files.cert, otherFiles.key), mismatched.io)).toBe(1);
    expect(mismatched.err).toEqual([
      `The TLS key ${otherFiles.key} does not belong to the certificate ${files.cert}.`,
    ]);
    expect(missing.out.concat(mismatched.out)).toEqual([]);
  });

  it('serves https and wss, prints the fingerprint, and a client pinning it joins', async () => {
    const tls = await testCertificate();
    const files = writeTlsFiles(tls);
    const { out, io } = capture();
    const data = mkdtempSync(join(tmpdir(), 'parley-'));
    const running = main(
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data].concat([
        '--tls-cert',
        files.cert,
        '--tls-key',
        files.key,
      ]),
      io,
    );
    await waitFor(() => out.some((line) => line.includes('Ctrl+C')), 'the server to start');
    const lines = out.flatMap((line) => line.split('\n')).map((line) => line.trim());
    const url = lines.find((line) => line.startsWith('https://127.0.0.1:'));
    expect(url).toBeDefined();
    const printed = lines[lines.indexOf('TLS certificate fingerprint (SHA-256):') + 1];
    expect(printed).toBe(certificateFingerprint(tls.cert));

    // A client that knows only the printed fingerprint: it trusts the certificate it is shown
    // when, and only when, that certificate has this fingerprint.
    const pinned = await secureRawSocket(url!, tls.cert, {
      checkServerIdentity: (_host: string, certificate: { fingerprint256: string }) =>
        certificate.fingerprint256 === printed ? undefined : new Error('fingerprint differs'),
    });
    const joined = await joinWith(pinned, { nickname: 'tls' });
    expect(joined.ok).toBe(true);
    // Plain http on the same port is not answered.
    expect(await connectError(url!.replace('https:', 'http:'))).toBe('socket hang up');

    process.emit('SIGINT', 'SIGINT');
    expect(await running).toBe(0);
  });
});
