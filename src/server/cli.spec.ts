import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/support/chat';
import { main } from './cli';

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
  ])('%j fails with a clear message and exit code 1', async (argv, message) => {
    const { err, io } = capture();
    expect(await main(argv, io)).toBe(1);
    expect(err.join('\n')).toMatch(message);
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
      const joined = await socket
        .timeout(5000)
        .emitWithAck('session:join', { nickname: 'cli-test' });
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
