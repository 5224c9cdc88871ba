/**
 * Letting go of the HTTP request that opened a connection. Engine.IO (6.6) keeps it for the
 * connection's whole life, three ways: its socket's `request`, and, for a WebSocket upgrade, two
 * listeners that close over it (the upgrade's stand-in response listens for the TCP socket's
 * `close`, and an `error` listener for the time before the upgrade is left on the WebSocket).
 * The request with its headers, raw headers and parser state was about a tenth of what an idle
 * connection kept (issue 17). Parley reads a connection's handshake (its address, query and
 * headers, which Socket.IO copies when the socket joins its namespace), never the request, so it
 * is let go as soon as that copy exists. Socket.IO's documentation suggests the first part
 * (`request = null`); the listeners are Engine.IO's internals, found by what they are, and if a
 * later Engine.IO changes them nothing is removed (opening-request.spec.ts then fails).
 */
import type { ParleyServer, ParleySocket } from './socket-types';

/** What this file touches of an Engine.IO socket (not exported by Socket.IO's types). */
interface EngineConnection {
  request: unknown;
  transport: { name: string; socket?: unknown };
  once(event: 'upgrade', listener: (transport: EngineConnection['transport']) => void): void;
}

type Listener = (...args: unknown[]) => void;

/** The part of an EventEmitter this file needs (ws's WebSocket and a net.Socket both are). */
interface Emitter {
  listeners(event: string): Listener[];
  rawListeners(event: string): Array<Listener & { listener?: Listener }>;
  removeListener(event: string, listener: Listener): void;
}

/** From now on, each of `io`'s connections lets go of its opening request once its socket exists. */
export function releaseOpeningRequests(io: ParleyServer): void {
  io.engine.on('connection', (connection: EngineConnection) => {
    if (connection.transport.name === 'websocket') dropUpgradeListeners(connection.transport);
    // Long-polling first: the upgrade to WebSocket, if any, comes later.
    else connection.once('upgrade', dropUpgradeListeners);
  });
  io.on('connection', (socket: ParleySocket) => {
    // After the namespace's middleware and the handshake's copy of the request.
    (socket.conn as unknown as EngineConnection).request = null;
  });
}

/** Removes what the WebSocket upgrade left listening with the request in its scope. */
function dropUpgradeListeners(transport: EngineConnection['transport']): void {
  const webSocket = transport.socket as (Emitter & { _socket?: Emitter }) | undefined;
  if (!webSocket) return;
  for (const listener of webSocket.listeners('error')) {
    if (listener.name === 'onUpgradeError') webSocket.removeListener('error', listener);
  }
  // ws's own TCP socket (it has no public name for it). The stand-in response's listener is a
  // one-time arrow function that re-emits `close` on the response: nothing of Parley's listens.
  const tcp = webSocket._socket;
  if (!tcp) return;
  for (const wrapper of tcp.rawListeners('close')) {
    const listener = wrapper.listener;
    if (listener && listener.name === '' && /this\.emit\(["']close["']\)/.test(String(listener))) {
      tcp.removeListener('close', wrapper);
    }
  }
}
