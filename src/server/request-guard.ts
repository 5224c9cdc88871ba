/**
 * Which requests the server answers at all. A web page can make a browser send requests to the
 * server with a name the page's owner controls (DNS rebinding: `evil.example` first points at
 * the attacker, then at this machine); the browser then treats the server as `evil.example`'s
 * own, so an Origin that matches the Host proves nothing. The Host header shows it, though: only
 * the server's own names are answered — IP addresses (a browser page cannot rebind an address),
 * `localhost`, this machine's name (with and without `.local`) and names the host gave
 * (`parley serve --allowed-host`). Anything else gets 403, on every HTTP request (the web
 * client, long-polling) and on every WebSocket upgrade.
 *
 * Browsers also send an Origin header with the handshake: only pages this server served may
 * connect, so that a web page from elsewhere cannot chat in someone's name on their LAN. Native
 * clients and bots send none and are not asked for one.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { domainToASCII } from 'node:url';

/**
 * The host names the server answers to, besides IP addresses: `localhost` (and its
 * subdomains, which browsers resolve to this machine), this machine's name, with and without
 * `.local` (mDNS), the address it binds when that is a name, and `extra` (compared ignoring case
 * and a trailing dot).
 */
export function allowedHostNames(boundHost: string, extra: readonly string[] = []): Set<string> {
  const machine = normalizeName(hostname());
  const short = machine.split('.')[0]!;
  const names = [
    'localhost',
    machine,
    short,
    `${short}.local`,
    normalizeName(boundHost),
    ...extra.map(normalizeName),
  ];
  return new Set(names.filter((name) => name !== '' && isIP(name) === 0));
}

/**
 * Null when a request with this Host header may be answered; else why not, in words. No header
 * at all (HTTP/1.0 clients; browsers always send one) is accepted.
 */
export function refusedHost(
  header: string | undefined,
  allowed: ReadonlySet<string>,
): string | null {
  if (header === undefined) return null;
  const name = hostNameOf(header);
  if (name === null) return 'The Host header is not a host name.';
  if (isIP(name) !== 0 || name.endsWith('.localhost') || allowed.has(name)) return null;
  return `This server does not answer to the name "${name.slice(0, 64)}". Use its address, or start it with --allowed-host ${name.slice(0, 64)}.`;
}

/**
 * Null when a Socket.IO handshake with these headers may go on (no Origin, or the server's own
 * origin: the page it served); else why not.
 */
export function refusedOrigin(request: IncomingMessage): string | null {
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  try {
    // Both as URLs parse them (lower case, default port dropped): a browser's own page matches.
    const { host } = request.headers;
    const page = new URL(origin);
    if (host !== undefined && page.host === new URL(`${page.protocol}//${host}`).host) return null;
  } catch {
    // "null" (a sandboxed or file page) and anything else that is no URL: another site.
  }
  return 'Only pages this server served may connect.';
}

/** The lower-case host name of a Host header (`name`, `name:port`, `[v6]:port`); null if none. */
function hostNameOf(header: string): string | null {
  try {
    const { hostname: name } = new URL(`http://${header}`);
    if (name === '' || /[/?#@]/.test(header)) return null;
    return normalizeName(name.startsWith('[') ? name.slice(1, -1) : name);
  } catch {
    return null;
  }
}

/** Lower case, without a trailing dot, international names as DNS has them (`xn--…`). */
function normalizeName(name: string): string {
  const plain = name.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(plain) || plain;
}

export interface RequestGuard {
  /** Why the request may not be answered at all (its Host header); null: it may. */
  refuse: (request: IncomingMessage) => string | null;
  /**
   * Why a WebSocket handshake is refused (besides the Host header: its Origin, the connection
   * limits); null: it may go on. Upgrades of a connection that already shook hands (a `sid`)
   * are not asked.
   */
  admitHandshake: (request: IncomingMessage) => Promise<string | null>;
}

/**
 * Puts `guard` in front of every listener `httpServer` has now (the web client, Socket.IO's
 * long-polling and WebSocket upgrades): a refused request gets 403 with the reason, as text.
 * Engine.IO would refuse WebSocket handshakes with 400; here they get the same 403 as
 * long-polling. `socketPath` is Socket.IO's path (`/socket.io/`). Engine.IO's
 * `allowRequest` (see allowRequestBy) makes the same checks for long-polling handshakes.
 */
export function guardHttpServer(
  httpServer: HttpServer,
  guard: RequestGuard,
  socketPath: string,
): void {
  const requestListeners = httpServer.listeners('request') as Array<
    (request: IncomingMessage, response: ServerResponse) => void
  >;
  httpServer.removeAllListeners('request');
  httpServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const reason = guard.refuse(request);
    if (reason !== null) {
      response.writeHead(403, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      response.end(`${reason}\n`);
      return;
    }
    for (const listener of requestListeners) listener.call(httpServer, request, response);
  });

  const upgradeListeners = httpServer.listeners('upgrade') as Array<
    (request: IncomingMessage, socket: Duplex, head: Buffer) => void
  >;
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignore); // a client gone before the answer: nothing to tell it
    const pass = () => {
      for (const listener of upgradeListeners) listener.call(httpServer, request, socket, head);
      // Once the WebSocket server has taken the socket (it listens for its errors itself), ours
      // goes: kept, it made every connection's error listeners an array.
      if (socket.listenerCount('error') > 1) socket.off('error', ignore);
    };
    const reason = guard.refuse(request);
    if (reason !== null) return refuseUpgrade(socket, reason);
    const url = new URL(request.url ?? '/', 'http://server');
    if (!url.pathname.startsWith(socketPath) || url.searchParams.has('sid')) return pass();
    guard.admitHandshake(request).then(
      (refused) => {
        if (refused !== null) return refuseUpgrade(socket, refused);
        admitted.add(request);
        pass();
      },
      () => refuseUpgrade(socket, 'The server could not check this connection.'),
    );
  });
}

/**
 * A listener that does nothing, made once: a closure made in the upgrade handler would keep that
 * handler's scope (the request, its head) for as long as the connection lives.
 */
const ignore = () => {};

/** WebSocket handshakes this guard admitted already (Engine.IO asks allowRequest again). */
const admitted = new WeakSet<IncomingMessage>();

/**
 * Engine.IO's `allowRequest`: the handshake checks of `guard`, once per handshake (a WebSocket
 * handshake was checked in front of Engine.IO already).
 */
export function allowRequestBy(
  guard: RequestGuard,
): (request: IncomingMessage, callback: (reason: string | null, ok: boolean) => void) => void {
  return (request, callback) => {
    if (admitted.has(request)) return callback(null, true);
    guard.admitHandshake(request).then(
      (reason) => callback(reason, reason === null),
      () => callback('The server could not check this connection.', false),
    );
  };
}

function refuseUpgrade(socket: Duplex, reason: string): void {
  const body = `${reason}\n`;
  // Ended, not destroyed: the answer is sent before the connection closes.
  socket.end(
    'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
