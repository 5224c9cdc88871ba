/**
 * Support for the specs of the client's parts, not used by the app: a bare Socket.IO server on
 * loopback whose handlers each spec writes (so a part meets every answer a server may give,
 * including the ones Parley's own server gives rarely: refusals, silence, a room gone), real
 * socket.io-client connections to it, and a message fixture. (Node-only, so it lives in tests/support rather than src/client.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io } from 'socket.io-client';
import { onCleanup } from './chat';
import { LOBBY } from '../../src/shared/limits';
import type {
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/shared/protocol';
import type { ParleyClientSocket } from '../../src/client/connection';

/** The server's side of one connection. */
export type Peer = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * Starts a server on 127.0.0.1 (a free port) that hands every connection to `accept`; `connect`
 * opens a connected client socket to it. Both are closed after the test.
 */
export async function bareServer(accept: (peer: Peer) => void = () => {}) {
  const http = createServer();
  const server = new Server<ClientToServerEvents, ServerToClientEvents>(http);
  server.on('connection', accept);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  onCleanup(() => server.close());
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connect = async (): Promise<ParleyClientSocket> => {
    const socket: ParleyClientSocket = io(url, { transports: ['websocket'], forceNew: true });
    onCleanup(() => void socket.disconnect());
    await new Promise((resolve) => socket.once('connect', () => resolve(null)));
    return socket;
  };
  return { url, connect };
}

/** A message as a server would store it: id `id`, in the lobby unless `fields` say otherwise. */
export function chatMessage(id: number, fields: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id,
    clientId: `c${id}`,
    room: LOBBY,
    author: { id: 'u2', nickname: 'bob' },
    text: `message ${id}`,
    sentAt: 0,
    ...fields,
  };
}
