/**
 * Room events, batched per turn of the event loop. Presence is a fan-out of fan-outs: when n
 * people join at once (a class arriving, every client reconnecting after a server restart), each
 * join is announced to everyone already there — n²/2 events, and sent one by one that is one
 * socket write (a system call) per event per recipient. 5,000 clients arriving together cost
 * minutes of CPU that way.
 *
 * So presence events wait for the end of the current turn, and the events of one turn go out
 * together: encoded once, as one buffer of WebSocket frames written to each recipient in one go.
 * Other room events (messages, typing) go out at once, unless a batch is open: then they join it
 * and it goes out with them, so that every recipient still gets every event in the order the
 * server produced them.
 *
 * What each connection receives is exactly what it would receive event by event: an event goes to
 * the sockets that were in the room when it was queued, minus its `except` — so a connection
 * that joined later in the same turn does not get the events before its join (its join
 * acknowledgement already covered them), just as before.
 */
import { LIMITS } from '../shared/limits';
import type { ServerToClientEvents, User } from '../shared/protocol';
import {
  packetFrame,
  PresenceChangesLayout,
  takesPresenceChanges,
  type BatchEvent,
} from './presence-changes';
import type { ParleyServer, ParleySocket } from './socket-types';

type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

interface QueuedEvent {
  /** null: no event, only a mark that `joiner` entered the room here (a resumed session). */
  event: EventName | null;
  payload: unknown;
  /** The socket that must not get this event (the subject of a join, typing). */
  except: string | null;
  /** For a join: the socket that joined, which gets no event queued before it. */
  joiner: string | null;
  /** For this node's sockets only (it came from another node, or each node says it itself). */
  local: boolean;
  /**
   * For a join or leave: the person's place in the join order (Session.order), which decides
   * who lists them (PresenceWindow). null: every member gets it (another node's person).
   */
  order: number | null;
}

/**
 * Who gets the joins and leaves of a room whose members may list its people a page at a time
 * (PRESENCE_LISTED_QUERY): a connection that lists the room's people up to some place in the join
 * order gets the comings and goings of those people only — and of the people it follows
 * wherever they are (its direct conversations' other person). In a join storm newcomers come
 * last, past everyone's first page: announced to everyone, n joins were n²/2 entries to write
 * (and for each client to read), a fifth of the server's time and a quarter of the clients'.
 */
export interface PresenceWindow {
  /** The place in the join order up to which `socket` lists the room's people; undefined: all. */
  listedUpTo(socket: ParleySocket): number | undefined;
  /** The sockets (ids) that follow `user`'s comings and goings, listed or not. */
  followers(user: User): Iterable<string>;
}

/** Where a batch's events go for the other nodes of a cluster (cluster/cluster.ts). */
export type ForwardBatch = (room: string, events: Array<[string, unknown]>) => void;

/**
 * In a burst, batches go out at most every 20 ms, and less often in large rooms (every batch is
 * one write per member): 500 ms at 2,000 members, 1.25 s at 5,000, 2 s from 8,000. Presence may
 * wait that long — people do not notice — and other room events wait only while a batch is open,
 * that is only during a burst.
 *
 * What a burst costs is one write per member per batch, however few events each batch holds, so
 * the interval bounds the writes per second: members / interval. At members / 50 ms (as it was)
 * that was 50,000 writes a second, a whole core, for as long as a join storm lasted — and the
 * slower the joins, the longer it lasted: at 3,500 joining clients the batches held one or two
 * joins each and took a third of the server's time (issue 17). At members / 10 ms a 2,000-client
 * storm still spent a seventh of its CPU writing presence (a profile: 1.4 s of 9); now it is 4
 * writes a millisecond at most, up to 8,000 members; and where writing the last batch took long
 * (a slow or busy machine), the next waits at least ten times as long, so that a burst's batches
 * take at most about a tenth of the server's time.
 */
export function batchIntervalMs(members: number, lastBatchMs = 0): number {
  return Math.min(2_000, Math.max(20, members / 4, lastBatchMs * 10));
}

/**
 * How long after sending `room:counts` the server waits to send the next, with `connections`
 * joined: 2 s (LIMITS.roomCountsIntervalMs), and on a crowded server a millisecond per
 * connection (5 s at 5,000). The counts go to every joined connection — in a join storm, where
 * the count changes all the time, the one write per member every time that the people listed
 * (PresenceWindow) no longer cost; a count a few seconds old is as good in a crowd.
 */
export function countsIntervalMs(connections: number): number {
  return Math.max(LIMITS.roomCountsIntervalMs, connections);
}

/** Socket.IO packet type EVENT (socket.io-parser `PacketType.EVENT`). */
const SOCKET_IO_EVENT = 2;
/**
 * What engine.io is given as the data of a pre-encoded write: it is never sent (the frames are),
 * but it is a valid Socket.IO packet.
 */
const PRE_ENCODED = `${SOCKET_IO_EVENT}["batch"]`;

/**
 * Whether `socket`'s engine.io transport writes pre-encoded WebSocket frames as they are — the
 * path Socket.IO's own broadcasts take. Polling, compression or anything unknown get the events
 * one by one instead.
 */
function writesPreEncodedFrames(socket: ParleySocket): boolean {
  const transport = socket.conn.transport as unknown as {
    name?: string;
    perMessageDeflate?: unknown;
    socket?: { _sender?: { sendFrame?: unknown } };
  };
  return (
    transport.name === 'websocket' &&
    !transport.perMessageDeflate &&
    typeof transport.socket?._sender?.sendFrame === 'function'
  );
}

export class RoomBroadcaster {
  /**
   * Batch deliveries so far, by path: one pre-encoded write per recipient (WebSocket), or the
   * events one by one (polling, or a transport this code does not know). Tests check that a
   * WebSocket recipient takes the fast path, so an engine.io or ws upgrade cannot lose it silently.
   */
  readonly deliveries = { preEncoded: 0, eventByEvent: 0 };
  #queue: QueuedEvent[] = [];
  #lastFlush = -Infinity;
  /** How long writing the last batch took, ms. */
  #lastBatchMs = 0;
  #flushed: Promise<void> | null = null;
  #resolveFlushed: (() => void) | null = null;
  /** Cancels the flush scheduled for the open batch. */
  #cancelScheduled: (() => void) | null = null;

  constructor(
    private readonly io: ParleyServer,
    private readonly room: string,
    private readonly onError: (error: unknown) => void,
    /** In a cluster: batches are written to this node's sockets and forwarded to the others. */
    private readonly forward: ForwardBatch | null = null,
    private readonly window: PresenceWindow | null = null,
  ) {}

  /**
   * Queues an event for the end of this turn (presence). `except` does not get it; `joiner`
   * marks the event as the join of that socket; `local`: not forwarded to other nodes; `order`:
   * a join's or leave's person's place in the join order (see PresenceWindow). Resolves once the
   * batch is written.
   */
  queue<E extends EventName>(
    event: E,
    payload: Payload<E>,
    options: { except?: string; joiner?: string; local?: boolean; order?: number } = {},
  ): Promise<void> {
    this.#queue.push({
      event,
      payload,
      except: options.except ?? options.joiner ?? null,
      joiner: options.joiner ?? null,
      local: options.local ?? false,
      order: options.order ?? null,
    });
    return this.#schedule();
  }

  /**
   * Notes that `socketId` entered the room without an event of its own (a resumed session):
   * like a joiner, it must not get what was queued before.
   */
  entered(socketId: string): void {
    if (this.#queue.length === 0) return;
    this.#queue.push({
      event: null,
      payload: null,
      except: null,
      joiner: socketId,
      local: true,
      order: null,
    });
  }

  #schedule(): Promise<void> {
    if (!this.#flushed) {
      this.#flushed = new Promise<void>((resolve) => (this.#resolveFlushed = resolve));
      // At the end of this turn, and at most one batch per interval (see batchIntervalMs), so
      // that a storm of joins makes a few large batches. (Flushing at once whenever the last
      // batch held one event, as before, undid that when joins came one turn apart: a slow
      // storm was one write per member per join.)
      const members = this.io.sockets.adapter.rooms.get(this.room)?.size ?? 0;
      const wait =
        this.#lastFlush + batchIntervalMs(members, this.#lastBatchMs) - performance.now();
      if (wait <= 0) {
        const immediate = setImmediate(() => this.#flush());
        this.#cancelScheduled = () => clearImmediate(immediate);
      } else {
        const timer = setTimeout(() => this.#flush(), wait);
        this.#cancelScheduled = () => clearTimeout(timer);
      }
    }
    return this.#flushed;
  }

  /**
   * Sends a room event now — or, while a batch is open, sends the batch now with the event behind
   * it and returns the promise of that flush (so that an acknowledgement can wait for it to keep
   * its order). A message costs one write per member either way: the batch goes with it instead
   * of waiting out its interval. In a cluster it goes to every node's sockets (through the
   * adapter), unless `local`; this node's own are written to here, like a batch.
   */
  emit<E extends EventName>(
    event: E,
    payload: Payload<E>,
    options: { except?: string; local?: boolean } = {},
  ): Promise<void> | null {
    if (this.#queue.length > 0) {
      const flushed = this.queue(event, payload, options);
      this.#flush();
      return flushed;
    }
    if (options.local || !this.forward) {
      // This node's members only: written here, one frame made once for all of them, as a
      // batch is (Socket.IO's broadcast builds a set of every recipient's id per event, and
      // writes each frame as two buffers).
      this.#send(
        [
          {
            event,
            payload,
            except: options.except ?? null,
            joiner: null,
            local: true,
            order: null,
          },
        ],
        false,
      );
      return null;
    }
    const room = this.io.to(this.room);
    const target = options.except ? room.except(options.except) : room;
    (target.emit as (event: string, payload: unknown) => boolean)(event, payload);
    return null;
  }

  #flush(): void {
    const batch = this.#queue;
    const resolve = this.#resolveFlushed!;
    this.#cancelScheduled?.();
    this.#cancelScheduled = null;
    this.#queue = [];
    this.#flushed = null;
    this.#resolveFlushed = null;
    this.#lastFlush = performance.now();
    try {
      this.#send(batch);
      if (this.forward) {
        const shared = batch.filter((queued) => queued.event !== null && !queued.local);
        if (shared.length > 0) {
          this.forward(
            this.room,
            shared.map((queued) => [queued.event!, queued.payload]),
          );
        }
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.#lastBatchMs = performance.now() - this.#lastFlush;
      resolve();
    }
  }

  /** Writes `batch` to the room's members here; `counted`: a batch (see `deliveries`). */
  #send(batch: QueuedEvent[], counted = true): void {
    const members = this.io.sockets.adapter.rooms.get(this.room);
    if (!members || members.size === 0) return;
    const events = batch.flatMap((queued) =>
      queued.event === null ? [] : [{ event: queued.event, payload: queued.payload }],
    );
    if (events.length === 0) return;
    // Sockets that do not get the whole batch: joiners (nothing before their join) and sockets
    // some event excludes. Everyone else — nearly everyone — gets every event, in one write.
    // By place among the events (the marks of resumed sessions are not events).
    const joinedAt = new Map<string, number>();
    const excepts: Array<string | null> = [];
    const orders: Array<number | null> = [];
    for (const queued of batch) {
      if (queued.joiner) joinedAt.set(queued.joiner, excepts.length - 1);
      if (queued.event !== null) {
        excepts.push(queued.except);
        orders.push(queued.order);
      }
    }
    const special = new Set([...joinedAt.keys(), ...excepts.filter((id) => id !== null)]);
    const everything = events.map((_, position) => position);
    const reach =
      this.window && orders.some((order) => order !== null) ? this.#reach(events, orders) : null;
    // Each event encoded once, on first need, for the clients that take them one by one; the
    // layout for those that take presence:changes, made once they are met.
    const frames: Buffer[] = [];
    const byEvent = (positions: readonly number[]) =>
      Buffer.concat(
        positions.map(
          (position) => (frames[position] ??= packetFrame(this.#encode(events[position]!))),
        ),
      );
    let wholeByEvent: Buffer | null = null;
    // Some of the events, for those who take presence:changes: made once for each list of
    // positions (the sockets that list the room up to the same place share one).
    const someFrames = new Map<readonly number[], Buffer>();
    const framesOf = (positions: readonly number[]) => {
      let frames = someFrames.get(positions);
      if (!frames) {
        frames = Buffer.concat(
          changes()
            .some(positions)
            .map((event) => packetFrame(this.#encode(event))),
        );
        someFrames.set(positions, frames);
      }
      return frames;
    };
    let layout: PresenceChangesLayout | null = null;
    const changes = () =>
      (layout ??= new PresenceChangesLayout(events, (event, payload) =>
        this.#encode({ event, payload }),
      ));
    const sockets = this.io.sockets.sockets;
    for (const id of members) {
      const socket = sockets.get(id);
      if (!socket) continue;
      let wanted: readonly number[] | null = null; // null: every event of the batch
      if (special.has(id)) {
        const from = joinedAt.get(id) ?? -1;
        wanted = everything.filter((position) => position > from && excepts[position] !== id);
      }
      if (reach) wanted = reach(socket, wanted, everything);
      if (wanted?.length === 0) continue;
      const takesChanges = takesPresenceChanges(socket);
      if (!writesPreEncodedFrames(socket)) {
        if (counted) this.deliveries.eventByEvent += 1;
        const positions = wanted ?? everything;
        const some = takesChanges ? changes().some(positions) : positions.map((at) => events[at]!);
        for (const { event, payload } of some) {
          (socket.emit as (event: string, payload: unknown) => boolean)(event, payload);
        }
        continue;
      }
      // A tail: the events after some place, none left out in between (a newcomer's).
      const tail = wanted && wanted.length === events.length - wanted[0]! ? wanted[0]! : null;
      const writes: Buffer[][] = !takesChanges
        ? [[wanted ? byEvent(wanted) : (wholeByEvent ??= byEvent(everything))]]
        : !wanted
          ? [[changes().whole()]]
          : tail !== null
            ? changes().tail(tail)
            : [[framesOf(wanted)]];
      for (const frame of writes) {
        // An engine.io packet whose pre-encoded frame holds these events: a single write. Its
        // `data` is not what goes over the WebSocket (the frames are): a stand-in.
        (socket.conn.write as (data: string, options: { wsPreEncodedFrame: Buffer[] }) => void)(
          PRE_ENCODED,
          { wsPreEncodedFrame: frame },
        );
      }
      if (counted) this.deliveries.preEncoded += 1;
    }
  }

  /**
   * What each socket gets of a batch with joins and leaves in it (PresenceWindow): from the
   * events it would get otherwise (`wanted`, null: all of them), the joins and leaves of those
   * it lists or follows, and every other event. Sockets that list up to the same place and
   * follow nobody in the batch share one list.
   */
  #reach(events: readonly BatchEvent[], orders: ReadonlyArray<number | null>) {
    const window = this.window!;
    const followed = new Map<string, Set<number>>();
    orders.forEach((order, position) => {
      if (order === null) return;
      const { user } = events[position]!.payload as { user: User };
      for (const id of window.followers(user)) {
        const positions = followed.get(id) ?? new Set();
        followed.set(id, positions.add(position));
      }
    });
    const shared = new Map<number, readonly number[]>();
    return (
      socket: ParleySocket,
      wanted: readonly number[] | null,
      everything: readonly number[],
    ): readonly number[] | null => {
      const upTo = window.listedUpTo(socket);
      if (upTo === undefined) return wanted;
      const follows = followed.get(socket.id);
      const shown = (position: number) => {
        const order = orders[position] ?? null;
        return order === null || order <= upTo || follows?.has(position) === true;
      };
      if (wanted !== null || follows) return (wanted ?? everything).filter(shown);
      let positions = shared.get(upTo);
      if (!positions) {
        positions = everything.filter(shown);
        shared.set(upTo, positions);
      }
      return positions.length === everything.length ? null : positions;
    };
  }

  /** One event as a Socket.IO packet. */
  #encode({ event, payload }: { event: EventName; payload: unknown }): string {
    const [packet] = this.io.encoder.encode({
      type: SOCKET_IO_EVENT,
      nsp: '/',
      data: [event, payload],
    }) as string[];
    return packet!;
  }
}
