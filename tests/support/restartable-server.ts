/**
 * Test support: a chat server on a fixed port and data directory that a test can stop and start
 * again, as a server restart (or an outage) looks to its clients. Closed after the test.
 */
import { mkdtempSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChatServer, type ChatServerOptions } from '../../src/server/chat-server';
import { onCleanup } from './chat';

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function restartableServer(options: ChatServerOptions = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-restartable-'));
  const start = () =>
    createChatServer({ host: '127.0.0.1', port, dataDir, webRoot: null, ...options });
  let server = await start();
  onCleanup(() => server.close());
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    get current() {
      return server;
    },
    stop: () => server.close(),
    async start() {
      server = await start();
    },
  };
}
