/**
 * `presence:changes` (docs/PROTOCOL.md §6): for a client that asks in its handshake, each run of
 * joins and leaves in a batch of room events (broadcast-batcher.ts) is one event, not one per
 * person. In a storm that is what each member's client has to take in: a batch of 700 joins is
 * one frame to parse instead of 700.
 *
 * A batch is laid out once for all such clients, as WebSocket frames: a run as a head and a body
 * of comma-separated changes, every other event as its own frame. Nearly every member gets the
 * whole batch (one buffer, made once); a newcomer of the batch gets the events after its own join
 * — a tail of the batch — and a tail is a small head, a slice of a run's body and the frames after
 * it, none of them copied per newcomer. (Building each newcomer's events afresh copied the square
 * of the batch: a tenth of the server's time in a 5,000-client storm.)
 */
import {
  PRESENCE_CHANGES_QUERY,
  PRESENCE_LISTED_QUERY,
  type PresenceChange,
  type ServerToClientEvents,
  type User,
} from '../shared/protocol';
import type { ParleySocket } from './socket-types';

type EventName = keyof ServerToClientEvents;

/** One event of a batch: its name and payload. */
export interface BatchEvent {
  event: EventName;
  payload: unknown;
}

/**
 * Whether `socket` asked for `presence:changes` (PRESENCE_CHANGES_QUERY, or PRESENCE_LISTED_QUERY
 * for only the people it lists).
 */
export function takesPresenceChanges(socket: ParleySocket): boolean {
  const asked = socket.handshake.query.presence;
  return asked === PRESENCE_CHANGES_QUERY.presence || asked === PRESENCE_LISTED_QUERY.presence;
}

/** Whether `socket` asked for the joins and leaves of only the people it lists. */
export function listsPresence(socket: ParleySocket): boolean {
  return socket.handshake.query.presence === PRESENCE_LISTED_QUERY.presence;
}

/** Engine.IO packet type "message", the prefix of every Socket.IO packet on the wire. */
const ENGINE_IO_MESSAGE = '4';

/**
 * The head of a final, unmasked WebSocket text frame (RFC 6455 §5.2) of `length` bytes, as a
 * server sends it, with room for `extra` bytes after it.
 */
function frameHead(length: number, extra = 0): { head: Buffer; size: number } {
  const size = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const head = Buffer.allocUnsafe(size + extra);
  head[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    head[1] = length;
  } else if (length < 65_536) {
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return { head, size };
}

/** The WebSocket frame that carries the Socket.IO packet `packet`. */
export function packetFrame(packet: string): Buffer {
  const payload = Buffer.from(ENGINE_IO_MESSAGE + packet);
  const { head, size } = frameHead(payload.length, payload.length);
  payload.copy(head, size);
  return head;
}

const isPresence = (event: EventName) => event === 'presence:joined' || event === 'presence:left';

/** A run of joins and leaves of one room, as one `presence:changes`. */
interface Run {
  /** `4` and the Socket.IO packet up to the first change. */
  head: Buffer;
  /** The changes, comma-separated, and the end of the packet. */
  body: Buffer;
  /** Where each change starts in `body`. */
  offsets: number[];
}

/** A run, or another event; `first` is its place among the batch's events. */
type Segment = { first: number; count: number; frame?: Buffer } & (
  { run: Run; event?: never } | { run?: never; event: BatchEvent }
);

export class PresenceChangesLayout {
  readonly #segments: Segment[] = [];
  /** The frames of the segments from each one on, concatenated: made on first need. */
  readonly #from: Buffer[] = [];

  /**
   * `events`: the batch's events in order; `encode` makes the Socket.IO packet of one (the
   * server's encoder).
   */
  constructor(
    private readonly events: readonly BatchEvent[],
    private readonly encode: (event: EventName, payload: unknown) => string,
  ) {
    for (const group of groups(events, events.keys())) {
      if ('room' in group) {
        const changes = group.positions.map((position) =>
          JSON.stringify(changeOf(events[position]!)),
        );
        const [first] = group.positions as [number];
        this.#segments.push({ first, count: changes.length, run: run(group.room, changes) });
      } else {
        this.#segments.push({ first: group.position, count: 1, event: events[group.position]! });
      }
    }
  }

  /** Every event of the batch, as one buffer of frames (what nearly every member gets). */
  whole(): Buffer {
    return this.#framesFrom(0);
  }

  /**
   * The events from the one at `position` on (a newcomer of the batch: those after its own join),
   * as the frames of one or two writes.
   */
  tail(position: number): Buffer[][] {
    const at = this.#segments.findIndex(
      (segment) => position >= segment.first && position < segment.first + segment.count,
    );
    const segment = this.#segments[at]!;
    if (!segment.run) return [[this.#framesFrom(at)]];
    const { head, body, offsets } = segment.run;
    const slice = body.subarray(offsets[position - segment.first]);
    const frame = frameHead(head.length + slice.length, head.length);
    head.copy(frame.head, frame.size);
    const writes = [[frame.head, slice]];
    if (at + 1 < this.#segments.length) writes.push([this.#framesFrom(at + 1)]);
    return writes;
  }

  /**
   * The events at `positions` (any of the batch's, in order), runs of joins and leaves as one
   * `presence:changes`: for a client left out of some events, or on long-polling.
   */
  some(positions: readonly number[]): BatchEvent[] {
    return [...groups(this.events, positions)].map((group) =>
      'room' in group
        ? {
            event: 'presence:changes',
            payload: {
              room: group.room,
              changes: group.positions.map((position) => changeOf(this.events[position]!)),
            },
          }
        : this.events[group.position]!,
    );
  }

  #framesFrom(at: number): Buffer {
    return (this.#from[at] ??= Buffer.concat(
      this.#segments.slice(at).map((_, offset) => this.#frame(at + offset)),
    ));
  }

  /** The frame of one segment, made once. */
  #frame(at: number): Buffer {
    const segment = this.#segments[at]!;
    if (!segment.run)
      return (segment.frame ??= packetFrame(
        this.encode(segment.event.event, segment.event.payload),
      ));
    const { head, body } = segment.run;
    if (segment.frame) return segment.frame;
    const frame = frameHead(head.length + body.length, head.length + body.length);
    head.copy(frame.head, frame.size);
    body.copy(frame.head, frame.size + head.length);
    return (segment.frame = frame.head);
  }
}

/**
 * The events of `events` at `positions` (in order), grouped as they go out: each run of joins and
 * leaves of one room together, every other event alone.
 */
function* groups(
  events: readonly BatchEvent[],
  positions: Iterable<number>,
): Generator<{ room: string; positions: number[] } | { position: number }> {
  let open = null as { room: string; positions: number[] } | null;
  for (const position of positions) {
    const { event, payload } = events[position]!;
    if (!isPresence(event)) {
      if (open) yield open;
      open = null;
      yield { position };
      continue;
    }
    const { room } = payload as { room: string };
    if (open?.room !== room) {
      if (open) yield open;
      open = { room, positions: [] };
    }
    open.positions.push(position);
  }
  if (open) yield open;
}

/** The entry of `presence:changes` for a join or a leave. */
function changeOf({ event, payload }: BatchEvent): PresenceChange {
  const { user } = payload as { user: User };
  return event === 'presence:left' ? { ...user, left: true } : user;
}

/** A run's `presence:changes` packet, laid out as head and body. */
function run(room: string, changes: readonly string[]): Run {
  // 2: a Socket.IO EVENT packet.
  const start = `2["presence:changes",{"room":${JSON.stringify(room)},"changes":[`;
  const offsets: number[] = [];
  let offset = 0;
  for (const json of changes) {
    offsets.push(offset);
    offset += Buffer.byteLength(json) + 1;
  }
  return {
    head: Buffer.from(ENGINE_IO_MESSAGE + start),
    body: Buffer.from(`${changes.join(',')}]}]`),
    offsets,
  };
}
