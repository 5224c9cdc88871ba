/**
 * Several `parley serve` nodes on one PostgreSQL database, as one server (issue 16). What each
 * node would otherwise keep to itself travels between them over Socket.IO's PostgreSQL adapter
 * (LISTEN/NOTIFY, `io.serverSideEmit`), as small messages with the sending node's id:
 *
 * - **Who is online, and where**: a node tells the others when one of its connections joins or
 *   leaves and which rooms it enters and leaves; each node keeps the others' sessions in its
 *   roster (marked with their node), so the people list, nickname checks, member counts and
 *   "is this person here on another device" see everyone. A node that starts, or hears of a node
 *   it did not know, asks the others for theirs (`hello` → `state`): whichever of two nodes
 *   started listening first, each learns the other's people.
 * - **A node that dies takes its people off the list within seconds**: every node says it is
 *   alive every `heartbeatMs`; one not heard of for `timeoutMs` is gone, and each remaining node
 *   tells its own clients that its people left (a node that closes says so at once: `bye`).
 * - **Presence batches** (broadcast-batcher.ts writes them to local sockets only) are forwarded
 *   and queued by each node for its own sockets. Other room events (typing, room and person
 *   changes) go through the adapter's own broadcasts.
 * - **Messages and their changes** are not forwarded: a node says which id it stored in which
 *   room, and each node reads the room's log from the database in id order (room-tail.ts), so
 *   that no client ever gets a later id before an earlier one.
 * - **Rooms and people** are kept in memory by every node (rooms.ts, people.ts) and stored in
 *   the database; a change on one node is told to the others, which learn it without storing it.
 *
 * Nothing here decides anything: every rule stays where it is on a single server; this module
 * only keeps each node's picture of the others up to date.
 */
import { randomUUID } from 'node:crypto';
import type { Presence, User } from '../../shared/protocol';
import type { Roster, Session } from '../roster';
import type { ParleyServer } from '../socket-types';
import type { StoredIdentity, StoredRoom } from '../storage/history-store';

/** A session of another node, as it is told. */
export interface RemoteSession {
  socketId: string;
  user: User;
  deviceKey: string;
  joinedAt: number;
  rooms: string[];
  /** Away, busy or a status line (absent: plain online). */
  presence?: Presence;
}

export type ClusterMessage =
  | { t: 'alive' }
  | { t: 'hello' }
  | { t: 'bye' }
  | { t: 'state'; sessions: RemoteSession[] }
  | { t: 'join'; session: RemoteSession }
  | { t: 'leave'; socketId: string }
  | { t: 'enter' | 'exit'; socketId: string; room: string }
  | { t: 'batch'; room: string; events: Array<[string, unknown]> }
  | { t: 'stored'; room: string; id: number }
  | { t: 'person'; identity: StoredIdentity }
  | { t: 'presence'; userId: string; presence: Presence }
  | { t: 'room'; room: StoredRoom }
  | { t: 'room-gone'; id: string }
  /** `user` wrote in (or opened) direct conversation `room`: bring both people's devices in. */
  | { t: 'bring'; room: string; user: User };

export interface ClusterEnvelope {
  node: string;
  /** Counts the node's messages: a gap means some were lost (the database restarted). */
  seq: number;
  message: ClusterMessage;
}

/** The one server-side event nodes exchange. */
export const CLUSTER_EVENT = 'parley:cluster';

/** What the rest of the server does with what other nodes say. */
export interface ClusterHandlers {
  /** A batch of room events from another node, for this node's sockets. */
  batch(room: string, events: ReadonlyArray<[string, unknown]>): void;
  /** Another node stored entry `id` of `room`. */
  stored(room: string, id: number): void;
  /**
   * People of a node that died went away: `user` (no session left anywhere) was in `rooms`.
   * Tell this node's clients.
   */
  left(user: User, rooms: readonly string[]): void;
  person(identity: StoredIdentity): void;
  /** Someone on another node is away, busy, online again, or says something new. */
  presence(userId: string, presence: Presence): void;
  room(room: StoredRoom): void;
  roomGone(id: string): void;
  bring(room: string, user: User): void;
  /**
   * Something another node said may not have arrived (a gap in its messages, or a node heard
   * again after a silence): read every occupied room's log again.
   */
  missed(): void;
}

export interface ClusterOptions {
  io: ParleyServer;
  roster: Roster;
  handlers: ClusterHandlers;
  /** This node's people's presence, told with their sessions. */
  presenceOf: (userId: string) => Presence | undefined;
  heartbeatMs?: number;
  timeoutMs?: number;
  onError: (error: unknown) => void;
}

/** How often a node says it is alive, and after how long without a word it is gone. */
export const HEARTBEAT_MS = 1_000;
export const NODE_TIMEOUT_MS = 5_000;
/** What one NOTIFY carries (8,000 bytes), less the adapter's own envelope. */
const NOTIFY_BYTES = 7_000;

export class Cluster {
  readonly node = randomUUID();
  readonly #io: ParleyServer;
  readonly #roster: Roster;
  readonly #handlers: ClusterHandlers;
  readonly #presenceOf: (userId: string) => Presence | undefined;
  readonly #onError: (error: unknown) => void;
  /** When each other node was last heard of (performance.now()). */
  readonly #lastHeard = new Map<string, number>();
  /** Each other node's sessions, by socket id. */
  readonly #sessionsOf = new Map<string, Map<string, RemoteSession>>();
  /** Other nodes' sockets in each room. */
  readonly #remoteMembers = new Map<string, Set<string>>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #timeoutMs: number;
  /** The last `seq` heard from each other node. */
  readonly #lastSeq = new Map<string, number>();
  #seq = 0;
  #closed = false;

  constructor(options: ClusterOptions) {
    this.#io = options.io;
    this.#roster = options.roster;
    this.#handlers = options.handlers;
    this.#presenceOf = options.presenceOf;
    this.#onError = options.onError;
    this.#timeoutMs = options.timeoutMs ?? NODE_TIMEOUT_MS;
    this.#io.of('/').on(
      CLUSTER_EVENT as never,
      ((envelope: ClusterEnvelope) => {
        try {
          this.#receive(envelope);
        } catch (error) {
          this.#onError(error);
        }
      }) as never,
    );
    // This node's sessions, as the roster adds and removes them, and the rooms they enter.
    this.#roster.observe({
      added: (session) => this.send({ t: 'join', session: this.#describe(session) }),
      removed: (session) => this.send({ t: 'leave', socketId: session.socketId }),
    });
    const adapter = this.#io.of('/').adapter;
    adapter.on('join-room', (room: string, socketId: string) => {
      if (room !== socketId && this.#isLocalSession(socketId)) {
        this.send({ t: 'enter', socketId, room });
      }
    });
    adapter.on('leave-room', (room: string, socketId: string) => {
      if (room !== socketId && this.#isLocalSession(socketId)) {
        this.send({ t: 'exit', socketId, room });
      }
    });
    this.#heartbeat = setInterval(() => {
      this.send({ t: 'alive' });
      this.#dropSilentNodes();
    }, options.heartbeatMs ?? HEARTBEAT_MS);
    this.#heartbeat.unref();
    this.send({ t: 'hello' });
  }

  /**
   * Tells every other node. A batch or a state too large for one notification goes as several,
   * in order (a larger one would take the adapter's table, and could overtake what follows).
   */
  send(message: ClusterMessage): void {
    if (this.#closed) return;
    const envelope: ClusterEnvelope = { node: this.node, seq: this.#seq + 1, message };
    if (Buffer.byteLength(JSON.stringify(envelope)) > NOTIFY_BYTES) {
      if (message.t === 'batch' && message.events.length > 1) {
        const half = message.events.length >> 1;
        this.send({ ...message, events: message.events.slice(0, half) });
        this.send({ ...message, events: message.events.slice(half) });
        return;
      }
      if (message.t === 'state' && message.sessions.length > 1) {
        const half = message.sessions.length >> 1;
        this.send({ t: 'state', sessions: message.sessions.slice(0, half) });
        this.send({ t: 'state', sessions: message.sessions.slice(half) });
        return;
      }
    }
    this.#seq++;
    (this.#io.serverSideEmit as (event: string, envelope: ClusterEnvelope) => boolean)(
      CLUSTER_EVENT,
      envelope,
    );
  }

  /** The other nodes this node hears from. */
  get peers(): string[] {
    return [...this.#lastHeard.keys()];
  }

  /** The sockets in `room` on every node (this node's from the adapter). */
  membersOf(room: string): ReadonlySet<string> | undefined {
    const local = this.#io.sockets.adapter.rooms.get(room);
    const remote = this.#remoteMembers.get(room);
    if (!remote || remote.size === 0) return local;
    if (!local || local.size === 0) return remote;
    return new Set([...local, ...remote]);
  }

  /** Says goodbye: the others take this node's people off at once. */
  close(): void {
    this.send({ t: 'bye' });
    this.#closed = true;
    clearInterval(this.#heartbeat);
  }

  #isLocalSession(socketId: string): boolean {
    const session = this.#roster.get(socketId);
    return session !== undefined && session.node === undefined;
  }

  #describe(session: Session): RemoteSession {
    const socket = this.#io.sockets.sockets.get(session.socketId);
    const presence = this.#presenceOf(session.user.id);
    return {
      socketId: session.socketId,
      user: session.user,
      deviceKey: session.deviceKey,
      joinedAt: session.joinedAt,
      rooms: [...(socket?.rooms ?? [])].filter((room) => room !== session.socketId),
      ...(presence && { presence }),
    };
  }

  #receive({ node, seq, message }: ClusterEnvelope): void {
    if (node === this.node || this.#closed) return;
    const firstHeard = !this.#lastHeard.has(node);
    this.#lastHeard.set(node, performance.now());
    const lastSeq = this.#lastSeq.get(node);
    this.#lastSeq.set(node, seq);
    // Notifications are lost while the database restarts (the adapter's connections break):
    // the "stored" ones among them are made up for by reading the rooms again.
    if (firstHeard || (lastSeq !== undefined && seq !== lastSeq + 1)) this.#handlers.missed();
    if (firstHeard) {
      this.#sessionsOf.set(node, new Map());
      // A node this one did not know (it started, or this one was not listening yet when it
      // said hello): everyone says who is on them, it included. Not after its state: that is it.
      if (message.t !== 'state' && message.t !== 'bye') this.send({ t: 'hello' });
    }
    switch (message.t) {
      case 'alive':
        return;
      case 'hello': {
        // A node (re)started: it hears of everyone here.
        const sessions: RemoteSession[] = [];
        for (const user of this.#roster.users()) {
          for (const session of this.#roster.sessionsOf(user.id)) {
            if (session.node === undefined) sessions.push(this.#describe(session));
          }
        }
        this.send({ t: 'state', sessions });
        return;
      }
      case 'bye':
        this.#drop(node);
        return;
      case 'state':
        for (const session of message.sessions) this.#add(node, session);
        return;
      case 'join':
        this.#add(node, message.session);
        return;
      case 'leave':
        this.#remove(node, message.socketId);
        return;
      case 'enter':
      case 'exit': {
        const session = this.#sessionsOf.get(node)?.get(message.socketId);
        if (!session) return;
        if (message.t === 'enter') {
          if (!session.rooms.includes(message.room)) session.rooms.push(message.room);
          this.#membersIn(message.room).add(message.socketId);
        } else {
          session.rooms = session.rooms.filter((room) => room !== message.room);
          this.#remoteMembers.get(message.room)?.delete(message.socketId);
        }
        return;
      }
      case 'batch':
        this.#handlers.batch(message.room, message.events);
        return;
      case 'stored':
        this.#handlers.stored(message.room, message.id);
        return;
      case 'person':
        this.#handlers.person(message.identity);
        return;
      case 'presence':
        this.#handlers.presence(message.userId, message.presence);
        return;
      case 'room':
        this.#handlers.room(message.room);
        return;
      case 'room-gone':
        this.#handlers.roomGone(message.id);
        return;
      case 'bring':
        this.#handlers.bring(message.room, message.user);
        return;
    }
  }

  #membersIn(room: string): Set<string> {
    let members = this.#remoteMembers.get(room);
    if (!members) {
      members = new Set();
      this.#remoteMembers.set(room, members);
    }
    return members;
  }

  #add(node: string, session: RemoteSession): void {
    const sessions = this.#sessionsOf.get(node)!;
    if (sessions.has(session.socketId)) return;
    sessions.set(session.socketId, session);
    this.#roster.add(session.socketId, session.user, session.deviceKey, undefined, {
      node,
      joinedAt: session.joinedAt,
    });
    for (const room of session.rooms) this.#membersIn(room).add(session.socketId);
    if (session.presence) this.#handlers.presence(session.user.id, session.presence);
  }

  #remove(node: string, socketId: string): RemoteSession | undefined {
    const session = this.#sessionsOf.get(node)?.get(socketId);
    if (!session) return undefined;
    this.#sessionsOf.get(node)!.delete(socketId);
    this.#roster.remove(socketId);
    for (const room of session.rooms) this.#remoteMembers.get(room)?.delete(socketId);
    return session;
  }

  #dropSilentNodes(): void {
    const now = performance.now();
    for (const [node, heard] of this.#lastHeard) {
      if (now - heard > this.#timeoutMs) this.#drop(node);
    }
  }

  /** A node is gone: its people are told to have left, where nobody of theirs is any more. */
  #drop(node: string): void {
    const sessions = [...(this.#sessionsOf.get(node)?.values() ?? [])];
    this.#lastHeard.delete(node);
    this.#lastSeq.delete(node);
    for (const session of sessions) this.#remove(node, session.socketId);
    this.#sessionsOf.delete(node);
    const gone = new Map<string, { user: User; rooms: Set<string> }>();
    for (const session of sessions) {
      const entry = gone.get(session.user.id) ?? { user: session.user, rooms: new Set() };
      for (const room of session.rooms) entry.rooms.add(room);
      gone.set(session.user.id, entry);
    }
    for (const { user, rooms } of gone.values()) {
      const stillIn = new Set(
        this.#roster.sessionsOf(user.id).flatMap((session) => [...(this.roomsOf(session) ?? [])]),
      );
      this.#handlers.left(
        user,
        [...rooms].filter((room) => !stillIn.has(room)),
      );
    }
  }

  /** The rooms a session (of any node) is in. */
  roomsOf(session: Session): Iterable<string> | undefined {
    if (session.node === undefined) {
      const rooms = this.#io.sockets.sockets.get(session.socketId)?.rooms;
      return rooms ? [...rooms].filter((room) => room !== session.socketId) : undefined;
    }
    return this.#sessionsOf.get(session.node)?.get(session.socketId)?.rooms;
  }
}
