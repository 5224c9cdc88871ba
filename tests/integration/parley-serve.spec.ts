/**
 * The real `parley serve` command in its own process: it prints the URLs to join, serves the web
 * client and the chat, and exits cleanly on Ctrl+C (SIGINT). Uses the built CLI (npm run build);
 * bin/parley.mjs builds it first when it is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parley } from '../support/data-commands';
import { joinWith } from '../support/join-with';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { certificateFingerprint } from '../../src/server/tls';
import { connectError, secureRawSocket, testCertificate, writeTlsFiles } from '../support/tls';

let child: ChildProcess | null = null;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = null;
});

function startServe(extraArgs: string[] = []): Promise<{
  url: string;
  data: string;
  output: () => string;
  exited: Promise<number | null>;
}> {
  const data = mkdtempSync(join(tmpdir(), 'parley-serve-'));
  const proc = spawn(
    process.execPath,
    ['bin/parley.mjs', 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data, ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = proc;
  let output = '';
  proc.stdout!.on('data', (chunk) => (output += chunk));
  proc.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`parley serve did not start:\n${output}`)),
      60_000,
    );
    proc.stdout!.on('data', () => {
      const match = /https?:\/\/127\.0\.0\.1:\d+/.exec(output);
      if (match && output.includes('Ctrl+C')) {
        clearTimeout(timer);
        resolve({ url: match[0], data, output: () => output, exited });
      }
    });
    void exited.then((code) => reject(new Error(`parley serve exited with ${code}:\n${output}`)));
  });
}

describe('parley serve', () => {
  it(
    'prints a one-time admin link: whoever joins with it is an admin, once; parley admin-link makes another',
    { timeout: 90_000 },
    async () => {
      const { url, data, output } = await startServe();
      const link = new RegExp(
        `Admin link[^\\n]*\\n  ${url.replace(/\./g, '\\.')}/#admin=([A-Za-z0-9_-]{43})\\n`,
      ).exec(output());
      expect(link, output()).not.toBeNull();
      const adminToken = link![1]!;
      const joinAs = async (nickname: string, extra: Record<string, unknown> = {}) => {
        const socket = connect(url, { transports: ['websocket'], forceNew: true });
        try {
          return await joinWith(socket, { nickname, ...extra });
        } finally {
          socket.disconnect();
        }
      };
      // From the server's own machine, but no host: a plain person without the link.
      const plain = await joinAs('plain');
      expect(plain).toMatchObject({ ok: true, self: { nickname: 'plain' } });
      expect(plain.ok && plain.self.role).toBeUndefined();
      const first = await joinAs('admin', { adminToken });
      expect(first).toMatchObject({ ok: true, self: { nickname: 'admin', role: 'admin' } });
      expect(await joinAs('second', { adminToken })).toMatchObject({
        ok: false,
        error: { code: 'wrong_admin_token' },
      });

      // A new link from the running server, through its control socket.
      const asked = await parley('admin-link', '--data', data);
      expect(asked.code, asked.output).toBe(0);
      const next = new RegExp(`  ${url.replace(/\./g, '\\.')}/#admin=([A-Za-z0-9_-]{43})\n`).exec(
        asked.output,
      )?.[1];
      expect(next, asked.output).toBeDefined();
      expect(next).not.toBe(adminToken);
      expect(await joinAs('second', { adminToken: next })).toMatchObject({
        ok: true,
        self: { role: 'admin' },
      });
      expect(await joinAs('third', { adminToken: next })).toMatchObject({
        ok: false,
        error: { code: 'wrong_admin_token' },
      });
      // Without a server on the folder there is no link to give.
      const idle = await parley(
        'admin-link',
        '--data',
        mkdtempSync(join(tmpdir(), 'parley-idle-')),
      );
      expect(idle).toMatchObject({
        code: 1,
        output: expect.stringContaining('No Parley server is running'),
      });
    },
  );

  it(
    'serves the web client and the chat, and stops cleanly on Ctrl+C',
    { timeout: 90_000 },
    async () => {
      const { url, output, exited } = await startServe();

      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="app"|<title>Parley/);

      const socket = connect(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      try {
        const joined = await joinWith(socket, { nickname: 'probe' });
        expect(joined.ok).toBe(true);
        const sent = await socket
          .timeout(5000)
          .emitWithAck('message:send', { clientId: 'p1', text: 'hello' });
        expect(sent.ok).toBe(true);

        const closing = new Promise((resolve) => socket.once('server:closing', resolve));
        child!.kill('SIGINT');
        expect(await closing).toEqual({ reason: 'The server is shutting down.' });
        expect(await exited).toBe(0);
        expect(output()).toMatch(/SIGINT received[\s\S]*Parley stopped\./);
      } finally {
        socket.disconnect();
      }
    },
  );

  it(
    'with --tls-cert/--tls-key serves https and wss and prints the fingerprint a client pins',
    { timeout: 90_000 },
    async () => {
      const tls = await testCertificate();
      const files = writeTlsFiles(tls);
      const { url, output, exited } = await startServe([
        '--tls-cert',
        files.cert,
        '--tls-key',
        files.key,
      ]);
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const fingerprint = certificateFingerprint(tls.cert);
      expect(output()).toContain(`TLS certificate fingerprint (SHA-256):\n  ${fingerprint}\n`);

      // The web client over https, trusting exactly this certificate.
      const status = await new Promise<number>((resolve, reject) => {
        get(url, { ca: tls.cert, checkServerIdentity: () => undefined }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(status).toBe(200);

      // The chat over wss, pinned to the printed fingerprint.
      const socket = await secureRawSocket(url, tls.cert, {
        checkServerIdentity: (_host: string, certificate: { fingerprint256: string }) =>
          certificate.fingerprint256 === fingerprint ? undefined : new Error('not the pinned one'),
      });
      const joined = await joinWith(socket, { nickname: 'tls' });
      expect(joined.ok).toBe(true);

      // Without TLS, or without trusting the certificate, there is no chat.
      expect(await connectError(url.replace('https:', 'http:'))).toBe('socket hang up');
      expect(await connectError(url)).toBe('self-signed certificate');

      child!.kill('SIGINT');
      expect(await exited).toBe(0);
    },
  );
});
