/**
 * Shutdown loses nothing: Ctrl+C on `parley serve` while a client is sending tells the client the
 * server is closing, leaves every acknowledged message on disk, and when the server is back on
 * the same data directory the client reconnects and its outbox finishes: every message stored
 * once. The real CLI in its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/shared/api';
import type { ChatMessage } from '../../src/shared/protocol';
import { client, onCleanup, waitFor } from '../support/chat';
import { freePort } from '../support/server-process';

const BIN = fileURLToPath(new URL('../../bin/parley.mjs', import.meta.url));

function serve(port: number, data: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', data],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      if (!output.includes('Ctrl+C')) return;
      clearTimeout(timer);
      resolve({ child, output: () => output });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('shutdown', () => {
  it(
    'Ctrl+C while a client sends: it is told, reconnects when the server is back, nothing lost or doubled',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const data = mkdtempSync(join(tmpdir(), 'parley-shutdown-'));
      const url = `http://127.0.0.1:${port}`;
      const server = await serve(port, data);

      const alice = client({ reconnectDelayMs: 100, reconnectDelayMaxMs: 300 });
      const notices: string[] = [];
      const states: string[] = [];
      alice.onEvent((event: ChatEvent) => {
        if (event.type === 'notice') notices.push(event.text);
        if (event.type === 'status')
          states.push(`${event.status.state}: ${event.status.reason ?? ''}`);
      });
      expect((await alice.connect(url, 'alice')).ok).toBe(true);

      const total = 15; // within the default rate limit (20 per 10 s per connection)
      for (let n = 0; n < total; n++) alice.post(`message ${n}`);
      // Stop while some are still on their way.
      await waitFor(() => alice.outbox.length <= total - 3, 'a few acknowledgements');
      const stopping = exited(server.child);
      server.child.kill('SIGINT');
      expect(await stopping).toBe(0);
      expect(server.output()).toMatch(/SIGINT received[\s\S]*Parley stopped\./);
      await waitFor(() => alice.status.state === 'reconnecting', 'alice to notice');
      expect(notices).toContain(
        'The server is shutting down. Parley will reconnect when it is back.',
      );
      expect(alice.status.reason).toMatch(/^The server shut down\./);

      await serve(port, data); // the same port and data directory; stopped after the test
      await waitFor(() => alice.status.state === 'connected', 'alice to reconnect', 20_000);
      await waitFor(() => alice.outbox.length === 0, 'the outbox to drain', 20_000);

      const reader = client();
      const seen: ChatMessage[] = [];
      reader.onEvent((event) => {
        if (event.type === 'session') seen.push(...event.session.messages);
      });
      expect((await reader.connect(url, 'reader')).ok).toBe(true);
      expect(seen.map((message) => message.text)).toEqual(
        Array.from({ length: total }, (_, n) => `message ${n}`),
      );
      expect(states.some((state) => state.startsWith('reconnecting'))).toBe(true);
    },
  );
});
