/**
 * A server process for the benchmark: `parley` (createChatServer as shipped: validation,
 * presence, history on disk, rate limits) or `baseline` (the plain Socket.IO chat server tutorials teach:
 * io.emit of whatever arrives). Prints its port on stdout and runs until killed.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { createChatServer } from '../src/server/chat-server';

const kind = process.argv[2];

if (kind === 'parley') {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const server = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir });
  console.log(`PORT ${server.port}`);
} else if (kind === 'baseline') {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) =>
    socket.on('chat message', (message) => io.emit('chat message', message)),
  );
  http.listen(0, '127.0.0.1', () => console.log(`PORT ${(http.address() as AddressInfo).port}`));
} else {
  console.error('usage: bench-server parley|baseline');
  process.exit(2);
}
