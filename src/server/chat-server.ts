/**
 * createChatServer: the chat server as a testable factory. It starts Socket.IO on a Node http
 * server (https with a TLS certificate) that also serves the web client, binds the given address
 * and port (0 = any free port) and returns the real port, the URLs to join and close(). The
 * desktop app ("Host a room") and the headless CLI (`parley serve`) both start it; it never
 * imports electron.
 * Over 450 lines, one job: it is where the server's parts (limits, stores, search, people,
 * moderation, broadcasting, the cluster's links to other nodes, http routes) are built from the
 * options and wired together; each part's logic lives in its own module (cluster/ for the nodes).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Server } from 'socket.io';
import { DEFAULT_PORT, LIMITS, LOBBY, PROTOCOL_VERSION } from '../shared/limits';
import type { ChatMessage, User } from '../shared/protocol';
import type { Result } from '../shared/result';
import { ChatServerError, describeForLog } from './errors';
import { countsIntervalMs, RoomBroadcaster, type ForwardBatch } from './broadcast-batcher';
import { usePostgresAdapter } from './cluster/adapter';
import { Cluster } from './cluster/cluster';
import { RoomTail } from './cluster/room-tail';
import { peopleIn, RoomViews, type ServerParts } from './events/connection';
import { registerConnection } from './events/register-connection';
import { connectionSettings, limitConnections, type ConnectionSettings } from './connection-limits';
import { FileStore } from './file-store';
import { FloodContainment } from './flood-containment';
import { greetWithChallenge } from './join-proof';
import { Moderation } from './moderation';
import { joinUrls } from './network';
import { buildAdminLink } from '../shared/admin-link';
import { releaseOpeningRequests } from './opening-request';
import { pollingBodyLimit } from './polling-limit';
import { hashPassphrase } from './passphrase';
import {
  allowedHostNames,
  allowRequestBy,
  guardHttpServer,
  refusedHost,
  refusedOrigin,
  type RequestGuard,
} from './request-guard';
import { otherPerson, RoomDirectory } from './rooms';
import { PresenceBoard } from './presence';
import { People } from './people';
import { Roster } from './roster';
import type { ParleyServer } from './socket-types';
import { MessageSearch } from './search/message-search';
import { startBackupControl } from './storage/backup';
import { EmbeddedHistory } from './storage/embedded-history';
import type { HistoryStore } from './storage/history-store';
import { PostgresHistory } from './storage/postgres-history';
import { checkTlsCredentials, type TlsCredentials } from './tls';
import { UploadQuotas, uploadSettings, type UploadSettings } from './upload-quotas';
import { LinkCodes } from './link-codes';
import { createLimiters } from './limiters';
import { createWebHandler, findWebRoot } from './web-assets';
import { withServerInfo } from './server-info';

export interface ChatServerOptions {
  /** Address to bind; default all interfaces (`0.0.0.0`). Tests use `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks any free port. Default 4321. */
  port?: number;
  /**
   * Data directory: history is kept in `<dataDir>/history` and survives restarts. Without one,
   * history lives only as long as the process (tests, throwaway servers).
   */
  dataDir?: string | null;
  /**
   * Where history, rooms and file references live, instead of the embedded store in `dataDir`
   * (another backend; tests inject faults through it). The server closes it on close.
   */
  history?: HistoryStore;
  /**
   * A PostgreSQL URL (`postgres://…`): history, rooms, identities and file references live in
   * that database (postgres-history.ts), which several servers may share, instead of in
   * `dataDir`. Files stay in `dataDir`. Ignored when `history` is given.
   */
  database?: string | null;
  /** Messages each room keeps on disk (older ones are deleted); default LIMITS.roomRetention. */
  retention?: number;
  /** Folder of the built web client; default found next to this module (see web-assets.ts). */
  webRoot?: string | null;
  /** Shown to clients when they join; default the machine's host name. */
  serverName?: string;
  clock?: () => number;
  /**
   * Addresses that no per-address limit counts (new connections, joins, messages, file transfers,
   * wrong passphrases) and that a removal does not lock out; default loopback (the server's own
   * machine, which can run a server anyway). Tests pass `() => false` to exercise the limits.
   */
  isRateLimitExempt?: (address: string) => boolean;
  /**
   * Who the host is: connections from these addresses may delete any room (others only the rooms
   * they made). Default loopback: the server's own machine, where the desktop app's host joins
   * its own room (by localhost) and where whoever runs `parley serve` sits.
   */
  isHostAddress?: (address: string) => boolean;
  /**
   * True (the default: the desktop app): whoever joins from a host address is an admin of the
   * server. `parley serve` says false: its admins come from the admin link (`newAdminToken`),
   * since behind a reverse proxy everyone would come from loopback.
   */
  hostIsAdmin?: boolean;
  /** The most named rooms the server holds, the lobby included; default LIMITS.maxRooms. */
  maxRooms?: number;
  /**
   * People a join acknowledgement lists at most, 2 to LIMITS.joinPeoplePage (the default);
   * `people:page` lists the rest. Fewer: tests see paging without hundreds of clients.
   */
  joinPeoplePage?: number;
  /**
   * A passphrase people must give to join; null or absent: anyone may. Only its scrypt hash is
   * kept (see passphrase.ts).
   */
  passphrase?: string | null;
  /** Rate limits to use instead of LIMITS.rate (a busy bot server may allow more messages). */
  rateLimits?: Partial<RateLimits>;
  /** Where unexpected errors are reported; default console.error. */
  onError?: (error: unknown) => void;
  /**
   * A certificate and key (PEM): the server speaks https and wss instead of http and ws. Checked
   * first (TlsError when unusable); see tls.ts.
   */
  tls?: TlsCredentials | null;
  /** The largest file people may send, in bytes; default LIMITS.maxFileBytes (25 MB). */
  maxFileBytes?: number;
  /**
   * A stored file no message refers to any more (retention deleted them) is deleted once it is
   * this old, ms; default LIMITS.fileReleaseGraceMs.
   */
  fileReleaseGraceMs?: number;
  /** How often uploads are checked for progress, ms; default LIMITS.uploadIdleTimeoutMs. */
  uploadIdleTimeoutMs?: number;
  /**
   * Host names the server answers to besides its addresses, `localhost` and this machine's name
   * (a name in DNS, or a reverse proxy's); requests for any other name are refused (DNS
   * rebinding, see request-guard.ts).
   */
  allowedHosts?: readonly string[];
  /** Upload quotas and caps (upload-quotas.ts); each unset one takes its LIMITS default. */
  uploads?: Partial<UploadSettings>;
  /** Connection caps and the join timeout (connection-limits.ts); each unset one: LIMITS. */
  connections?: Partial<ConnectionSettings>;
  /**
   * The message search index (search/message-search.ts): when it is saved (it is kept in
   * `<dataDir>/search-index.json`). `enabled: false` keeps no index (searches find nothing): only
   * the benchmark uses it, to measure what indexing costs.
   */
  search?: { enabled?: boolean; saveAfterChanges?: number; saveAfterMs?: number };
}

export { ChatServerError };

export type RateLimits = { [K in keyof typeof LIMITS.rate]: RateLimit };
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

export interface ChatServer {
  readonly host: string;
  readonly port: number;
  /** `https://…` with TLS, else `http://…`. */
  readonly urls: string[];
  /** SHA-256 fingerprint of the TLS certificate (`AB:CD:…`); null without TLS. */
  readonly fingerprint: string | null;
  readonly io: ParleyServer;
  /** Batched room events delivered so far, by path, over all rooms (see broadcast-batcher.ts). */
  broadcastDeliveries(): { preEncoded: number; eventByEvent: number };
  /** True when joining needs a passphrase. */
  readonly passphraseRequired: boolean;
  /**
   * Removes someone from the room (the host's decision): they are told why and disconnected,
   * and their network address cannot join again for LIMITS.kickCooldownSeconds (except the
   * server's own machine, see isRateLimitExempt).
   */
  kick(userId: string): Result<{ user: User }>;
  /**
   * Makes a new one-time admin token (the previous one stops working): whoever joins with it
   * (`session:join` `adminToken`, the admin link `…/#admin=TOKEN`) becomes an admin.
   */
  newAdminToken(): Promise<string>;
  /**
   * True when the person `personId` connected from `address` may moderate (remove people, delete
   * any message): the host, admins and moderators.
   */
  mayModerate(personId: string, address: string): boolean;
  /** Tells clients the server is closing, disconnects them and stops listening. */
  close(): Promise<void>;
}

export async function createChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const host = options.host ?? '0.0.0.0';
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ChatServerError('port_unavailable', `Port ${port} is not a number from 0 to 65535.`);
  }
  const onError =
    options.onError ?? ((error: unknown) => console.error('[parley]', describeForLog(error)));
  const webRoot = options.webRoot === undefined ? findWebRoot() : options.webRoot;
  // Before anything is opened: a certificate that cannot work must leave nothing behind.
  const tls = options.tls ?? null;
  const fingerprint = tls ? checkTlsCredentials(tls).fingerprint : null;
  const maxFileBytes = options.maxFileBytes ?? LIMITS.maxFileBytes;
  if (!Number.isInteger(maxFileBytes) || maxFileBytes < 1) {
    throw new ChatServerError(
      'invalid_payload',
      `The largest file size must be a whole number of bytes, at least 1 (not ${maxFileBytes}).`,
    );
  }

  const uploads = uploadSettings(options.uploads, options.uploadIdleTimeoutMs);
  const connections = connectionSettings(options.connections);

  // Files whose last message retention deleted are deleted too (the store opens below).
  let fileStoreForRelease: FileStore | undefined;
  const maxRooms = options.maxRooms ?? LIMITS.maxRooms;
  if (!Number.isInteger(maxRooms) || maxRooms < 1) {
    throw new ChatServerError(
      'invalid_payload',
      `The most rooms must be a whole number, at least 1 (not ${maxRooms}).`,
    );
  }
  const joinPeoplePage = options.joinPeoplePage ?? LIMITS.joinPeoplePage;
  if (
    !Number.isInteger(joinPeoplePage) ||
    joinPeoplePage < 2 ||
    joinPeoplePage > LIMITS.joinPeoplePage
  ) {
    throw new ChatServerError(
      'invalid_payload',
      `The people a join lists must be a whole number from 2 to ${LIMITS.joinPeoplePage} (not ${joinPeoplePage}).`,
    );
  }
  const fileReleaseGraceMs = options.fileReleaseGraceMs ?? LIMITS.fileReleaseGraceMs;
  const storeOptions = {
    clock: options.clock,
    retention: options.retention ?? LIMITS.roomRetention,
    onError,
    onFilesUnreferenced: (ids: string[]) => fileStoreForRelease?.release(ids, fileReleaseGraceMs),
  };
  const history =
    options.history ??
    (options.database
      ? await PostgresHistory.open({ ...storeOptions, url: options.database })
      : await EmbeddedHistory.open({
          ...storeOptions,
          directory: options.dataDir ? join(options.dataDir, 'history') : null,
          warmRoom: LOBBY,
          capacity: LIMITS.historyLength,
        }));
  // Sent files: `<data>/files`, or a temporary directory removed on close.
  let fileStore: FileStore;
  try {
    fileStore = await FileStore.open(options.dataDir ? join(options.dataDir, 'files') : null);
    fileStoreForRelease = fileStore;
  } catch (error) {
    await history.close();
    throw new ChatServerError(
      'data_unavailable',
      `Cannot open the files folder: ${(error as Error).message}`,
    );
  }
  const isRateLimitExempt = options.isRateLimitExempt ?? isLoopback;
  const rates: RateLimits = { ...LIMITS.rate, ...options.rateLimits };
  // Counted in the database when servers share one (limiters.ts); closed on close.
  const limits = createLimiters({
    rates,
    uploadBytesPerHour: uploads.bytesPerHour,
    database: options.history ? null : (options.database ?? null),
    onError,
  });
  const files = {
    store: fileStore,
    access: history.fileReferences,
    maxFileBytes,
    idleTimeoutMs: uploads.idleTimeoutMs,
    minBytesPerSecond: uploads.minBytesPerSecond,
    uploadsPerConnection: uploads.uploadsPerConnection,
    quotas: new UploadQuotas(fileStore, uploads, isRateLimitExempt, limits.uploadVolume),
  };

  const serverName = options.serverName ?? hostname();
  // The web client names the server on its first screen, before joining: /server-info.json.
  const webHandler = withServerInfo(
    { name: serverName, protocol: PROTOCOL_VERSION },
    createWebHandler(webRoot),
  );
  // Only the server's own names are answered (DNS rebinding), browsers only from pages it served,
  // and new connections per address are bounded: reconnecting in a loop (a flooder that was
  // dropped) costs a handshake each time. See request-guard.ts.
  const allowedHosts = allowedHostNames(host, options.allowedHosts);
  const guard: RequestGuard = {
    refuse: (request) => refusedHost(request.headers.host, allowedHosts),
    admitHandshake: async (request) => {
      const refused = refusedOrigin(request);
      if (refused !== null) return refused;
      const address = request.socket.remoteAddress ?? '';
      if (isRateLimitExempt(address)) return null;
      return limits.connect.consume(address).then(
        () => null,
        () => 'Too many new connections from this address: wait a minute.',
      );
    },
  };
  const httpServer: HttpServer = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, webHandler)
    : createServer(webHandler);
  const io: ParleyServer = new Server(httpServer, {
    // The largest WebSocket message (and what clients are told, as maxPayload); long-polling
    // request bodies get a little more below. Above any valid packet (PROTOCOL.md §12).
    maxHttpBufferSize: LIMITS.maxPayloadBytes,
    // No permessage-deflate (the Engine.IO default, kept on purpose): Parley's frames are small
    // JSON, and each compressing connection would hold zlib state and spend CPU inflating what a
    // hostile client makes small on the wire and large in memory.
    perMessageDeflate: false,
    allowRequest: allowRequestBy(guard),
    // Also serve /socket.io/socket.io.js, for third-party pages and bots in the browser.
    serveClient: true,
  });

  // Several nodes on one database are one server: broadcasts reach every node (cluster/).
  const clustered = options.history === undefined && history instanceof PostgresHistory;
  let closeAdapter: (() => Promise<void>) | null = null;
  if (clustered) {
    try {
      closeAdapter = await usePostgresAdapter(io, options.database!, onError);
    } catch (error) {
      await fileStore.close();
      await history.close();
      throw new ChatServerError(
        'data_unavailable',
        `Cannot share the database with other nodes: ${(error as Error).message}`,
      );
    }
  }

  guardHttpServer(httpServer, guard, `${io.path()}/`);
  // Long-polling sends file chunks as base64, in requests larger than maxPayload: see
  // polling-limit.ts. Set as each connection starts (Engine.IO takes one limit for both, and
  // gives each transport its own copy of its options).
  const pollingLimit = pollingBodyLimit();
  io.engine.on('connection', (connection: { transport: { name: string } }) => {
    if (connection.transport.name !== 'polling') return;
    (
      connection.transport as unknown as { opts: { maxHttpBufferSize: number } }
    ).opts.maxHttpBufferSize = pollingLimit;
  });

  releaseOpeningRequests(io);

  const roster = new Roster();
  const presence = new PresenceBoard();
  const connectionLimits = limitConnections(io, httpServer, {
    ...connections,
    isExempt: isRateLimitExempt,
    isJoined: (socketId) => roster.get(socketId) !== undefined,
  });
  greetWithChallenge(io);
  const containment = new FloodContainment(limits.refused);
  const passphrase =
    options.passphrase === undefined || options.passphrase === null
      ? null
      : await hashPassphrase(options.passphrase);
  const isHost = options.isHostAddress ?? isLoopback;

  let cluster: Cluster | null = null;
  const forward: ForwardBatch | null = clustered
    ? (room, events) => cluster?.send({ t: 'batch', room, events })
    : null;
  const broadcasters = new Map<string, RoomBroadcaster>();
  // Who hears of whom in a room (PresenceWindow): the people a connection lists, and in the
  // lobby (where everyone is) the other person of each of its direct conversations.
  const followersInLobby = (user: User) =>
    rooms
      .directsOf(user.id)
      .flatMap((direct) =>
        roster
          .sessionsOf(otherPerson(direct, user.id))
          .flatMap((session) => (session.node === undefined ? [session.socketId] : [])),
      );
  const broadcasterFor = (room: string) => {
    let found = broadcasters.get(room);
    if (!found) {
      found = new RoomBroadcaster(io, room, onError, forward, {
        listedUpTo: (socket) => socket.data.listed?.[room],
        followers: room === LOBBY ? followersInLobby : () => [],
      });
      broadcasters.set(room, found);
    }
    return found;
  };
  const rooms = await RoomDirectory.open(history.rooms);
  const people = await People.open(history.identities);
  const moderation = new Moderation({
    io,
    roster,
    people,
    passphrase,
    wrongPassphrase: limits.wrongPassphrase,
    wrongAdminToken: limits.wrongAdminToken,
    adminTokens: history.adminTokens,
    onError,
    sharedRemovals: limits.removals,
    isRateLimitExempt,
    isHost,
    hostIsAdmin: options.hostIsAdmin ?? true,
  });
  const linkCodes = new LinkCodes(history.linkCodes, options.clock);
  const search = MessageSearch.start({
    history,
    enabled: options.search?.enabled ?? true,
    file: options.dataDir ? join(options.dataDir, 'search-index.json') : null,
    onError,
    saveAfterChanges: options.search?.saveAfterChanges,
    saveAfterMs: options.search?.saveAfterMs,
  });
  // Member counts go to everyone now and then, for the rooms whose count changed: less often on
  // a crowded server (countsIntervalMs).
  const changedCounts = new Set<string>();
  const sendCounts = () => {
    countTimer = setTimeout(sendCounts, countsIntervalMs(roster.size));
    countTimer.unref();
    if (changedCounts.size === 0) return;
    const counts: Record<string, number> = {};
    for (const room of changedCounts) {
      if (rooms.get(room)?.kind === 'room') {
        counts[room] = peopleIn({ membersOf, roster }, room);
      }
    }
    changedCounts.clear();
    // Queued, not sent at once: in a join storm a batch of presence is open, and sending would
    // send that batch early too (one write per member more every interval). The counts go out
    // with it.
    if (Object.keys(counts).length > 0) void broadcasterFor(LOBBY).queue('room:counts', { counts });
  };
  let countTimer = setTimeout(sendCounts, LIMITS.roomCountsIntervalMs);
  countTimer.unref();

  const membersOf = (room: string) =>
    cluster ? cluster.membersOf(room) : io.sockets.adapter.rooms.get(room);
  /**
   * Shows stored log entries to this node's sockets in `room`, and indexes them. Entries stored
   * on another node of a cluster first bring this node's devices of a direct conversation's two
   * people into it, as the writer's node does for its own.
   */
  const showStored = async (room: string, entries: readonly ChatMessage[], local: boolean) => {
    if (local && entries[0]) await views.bringPeerIn(room, entries[0].author, true);
    for (const entry of entries) {
      await broadcasterFor(room).emit('message:created', entry, { local });
      await search.entryStored(entry);
    }
  };
  const tail = clustered
    ? new RoomTail({
        history,
        startAfter: await (history as PostgresHistory).lastId(),
        deliver: (room, entries) => showStored(room, entries, true),
        onError,
      })
    : null;
  const forgetRoom = (room: string) => {
    search.removeRoom(room);
    broadcasters.delete(room);
    changedCounts.delete(room);
    tail?.forget(room);
  };
  if (clustered) {
    cluster = new Cluster({
      io,
      roster,
      onError,
      presenceOf: (userId) => presence.get(userId),
      handlers: {
        batch: (room, events) => {
          const broadcaster = broadcasterFor(room);
          for (const [event, payload] of events) {
            void broadcaster.queue(event as 'presence:joined', payload as never, { local: true });
          }
        },
        stored: (room, id) => void tail!.stored(room, id),
        left: (user, where) => {
          if (roster.sessionsOf(user.id).length === 0) presence.forget(user.id);
          for (const room of where) {
            changedCounts.add(room);
            if (rooms.get(room)?.kind !== 'room') continue;
            void broadcasterFor(room).queue('presence:left', { room, user }, { local: true });
          }
        },
        person: (identity) => {
          people.learn(identity);
          const online = roster.byUserId(identity.id)?.user;
          if (!online) return;
          const { role: _role, ...plain } = online;
          roster.update({
            ...plain,
            nickname: identity.nickname ?? online.nickname,
            ...(identity.role && { role: identity.role }),
          });
        },
        presence: (userId, shown) => void presence.set(userId, shown.status, shown.text),
        room: (room) => rooms.learn(room),
        roomGone: (id) => {
          rooms.forget(id);
          forgetRoom(id);
        },
        bring: (room, user) => void views.bringPeerIn(room, user, true).catch(onError),
        missed: () => {
          for (const room of io.sockets.adapter.rooms.keys()) {
            if (rooms.get(room)) void tail!.stored(room, Number.MAX_SAFE_INTEGER);
          }
        },
      },
    });
    const told = cluster;
    rooms.observe({
      saved: (room) => told.send({ t: 'room', room }),
      deleted: (id) => told.send({ t: 'room-gone', id }),
    });
    people.onStored((identity) => told.send({ t: 'person', identity }));
  }

  const parts: ServerParts = {
    io,
    connectionLimits,
    roster,
    people,
    linkCodes,
    presence,
    history,
    search,
    rooms,
    broadcasterFor,
    cluster,
    membersOf,
    entryStored: async (room: string, entry: ChatMessage) => {
      if (!tail || !cluster) return showStored(room, [entry], false);
      cluster.send({ t: 'stored', room, id: entry.id });
      await tail.stored(room, entry.id);
    },
    countChanged: (room: string) => changedCounts.add(room),
    limiters: limits.events,
    serverName,
    containment,
    moderation,
    onError,
    isRateLimitExempt,
    isHost,
    mayModerate: (user, address) => moderation.mayModerate(user.id, address),
    maxRooms,
    joinPeoplePage,
    roomDeleted: forgetRoom,
    files,
  };
  const views = new RoomViews(parts);
  io.on('connection', (socket) => registerConnection(socket, parts));

  try {
    await listen(httpServer, host, port);
  } catch (error) {
    cluster?.close();
    await closeAdapter?.();
    await search.close();
    await fileStore.close();
    await history.close();
    await limits.close();
    throw error;
  }
  const actualPort = (httpServer.address() as AddressInfo).port;
  const urls = joinUrls(host, actualPort, undefined, tls ? 'https' : 'http');
  // `parley backup` asks the running server for a consistent copy (storage/backup.ts),
  // `parley release-name` to free a name and `parley admin-link` for a new admin link.
  const control = await startBackupControl(
    options.dataDir,
    history,
    onError,
    async (nickname) => ({ released: await people.release(nickname) }),
    async () => ({
      link: buildAdminLink(
        urls[0] ?? `http://localhost:${actualPort}`,
        await moderation.adminToken.renew(),
      ),
    }),
  );

  let closing: Promise<void> | null = null;
  return {
    host,
    port: actualPort,
    urls,
    fingerprint,
    io,
    passphraseRequired: moderation.passphraseRequired,
    kick: (userId) => moderation.kick(userId),
    newAdminToken: () => moderation.adminToken.renew(),
    mayModerate: (personId, address) => moderation.mayModerate(personId, address),
    broadcastDeliveries() {
      const total = { preEncoded: 0, eventByEvent: 0 };
      for (const { deliveries } of broadcasters.values()) {
        total.preEncoded += deliveries.preEncoded;
        total.eventByEvent += deliveries.eventByEvent;
      }
      return total;
    },
    close() {
      closing ??= (async () => {
        await handedToTransports(io, 1_000, () =>
          io.local.emit('server:closing', { reason: 'The server is shutting down.' }),
        );
        clearTimeout(countTimer);
        cluster?.close();
        // io.close() drops transports without a DISCONNECT packet, so clients try to reconnect
        // and come back by themselves when the server does.
        await new Promise<void>((resolve) => {
          void io.close(() => resolve());
          httpServer.closeAllConnections();
        });
        await closeAdapter?.();
        await control?.close();
        await search.close();
        await fileStore.close();
        // This server's admin link stops working with it (in a cluster too); a database that
        // is gone already only makes that impossible.
        await moderation.adminToken.close().catch(onError);
        await history.close();
        await limits.close();
      })();
      return closing;
    },
  };
}

/**
 * Sends (`send`) to this node's connections, and resolves once each has handed it to its
 * transport, or after `ms`. engine.io holds packets while the transport is still writing earlier
 * ones (a join's acknowledgement just before), and closing then lost them: a client was not told
 * that the server was shutting down.
 */
function handedToTransports(io: ParleyServer, ms: number, send: () => void): Promise<void> {
  // Each connection hands its packets over in one go, and says so ('drain'): at once when the
  // transport was free, else when it is.
  const handed = [...io.of('/').sockets.values()].map(
    (socket) => new Promise<void>((resolve) => socket.conn.once('drain', () => resolve())),
  );
  send();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void Promise.all(handed).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function listen(server: HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(toServerError(error, host, port));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function toServerError(error: NodeJS.ErrnoException, host: string, port: number): ChatServerError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ChatServerError(
        'port_in_use',
        `Port ${port} is already in use by another program.`,
      );
    case 'EACCES':
      return new ChatServerError(
        'port_unavailable',
        `Port ${port} needs administrator rights. Choose a port above 1024.`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ChatServerError('port_unavailable', `This machine has no address ${host}.`);
    default:
      return new ChatServerError(
        'port_unavailable',
        `Could not listen on ${host}:${port}: ${error.message}`,
      );
  }
}
