/**
 * The one table of client → server events: for each, the schema its payload must pass, what its
 * acknowledgement carries on success, and whether it needs a joined session. Everything else
 * derives from it: the `ClientToServerEvents` map that typed clients and the server share, the
 * list of event names, the server's handler table (src/server/events: a handler that replies with
 * the wrong shape, or a missing one, does not compile), the fuzz suite and the protocol-doc test.
 * A new event is one row here.
 */
import type { z, ZodType } from 'zod';
import type {
  ChatMessage,
  HistoryPage,
  JoinedRoom,
  JoinedSession,
  RoomInfo,
  RoomPage,
} from './protocol';
import type { Result } from './result';
import {
  directOpenPayloadSchema,
  fileBeginPayloadSchema,
  fileCancelPayloadSchema,
  fileChunkPayloadSchema,
  fileEndPayloadSchema,
  fileReadPayloadSchema,
  historyFetchPayloadSchema,
  joinPayloadSchema,
  roomCreatePayloadSchema,
  roomDeletePayloadSchema,
  roomJoinPayloadSchema,
  roomLeavePayloadSchema,
  roomListPayloadSchema,
  sendMessagePayloadSchema,
  typingPayloadSchema,
} from './schemas';

/** One row of the table. `Reply` and `Payload` are types only: nothing is kept at run time. */
export interface ClientEventDefinition<
  Schema extends ZodType = ZodType,
  Reply extends object = object,
  Payload = unknown,
  Joined extends boolean = boolean,
  AckOptional extends boolean = boolean,
> {
  readonly schema: Schema;
  /** True: refused with `not_joined` until the connection has joined (`session:join`). */
  readonly joined: Joined;
  /** True: fire-and-forget is allowed (the client may leave out the acknowledgement). */
  readonly ackOptional: AckOptional;
  /** Type only, never set: what a successful acknowledgement carries besides `ok: true`. */
  readonly reply?: Reply;
  /** Type only, never set: the payload as a client sends it. */
  readonly payload?: Payload;
}

/**
 * A row: `event<Reply>()(schema, { joined })`. The payload a client sends is the schema's input
 * unless given as the second type (binary data: a client sends an ArrayBuffer, the server
 * receives a Buffer).
 */
function event<Reply extends object = object, Payload = never>() {
  return <
    const Schema extends ZodType,
    const Joined extends boolean,
    const AckOptional extends boolean = false,
  >(
    schema: Schema,
    options: { joined: Joined; ackOptional?: AckOptional },
  ): ClientEventDefinition<
    Schema,
    Reply,
    [Payload] extends [never] ? z.input<Schema> : Payload,
    Joined,
    AckOptional
  > => ({
    schema,
    joined: options.joined,
    ackOptional: (options.ackOptional ?? false) as AckOptional,
  });
}

export const CLIENT_EVENT_TABLE = {
  'session:join': event<JoinedSession>()(joinPayloadSchema, { joined: false }),
  'message:send': event<{ message: ChatMessage }>()(sendMessagePayloadSchema, { joined: true }),
  'typing:set': event()(typingPayloadSchema, { joined: true, ackOptional: true }),
  'history:fetch': event<HistoryPage>()(historyFetchPayloadSchema, { joined: true }),
  'room:create': event<{ room: RoomInfo }>()(roomCreatePayloadSchema, { joined: true }),
  'room:join': event<JoinedRoom>()(roomJoinPayloadSchema, { joined: true }),
  'room:leave': event()(roomLeavePayloadSchema, { joined: true }),
  'room:delete': event()(roomDeletePayloadSchema, { joined: true }),
  'room:list': event<RoomPage>()(roomListPayloadSchema, { joined: true }),
  'dm:open': event<JoinedRoom>()(directOpenPayloadSchema, { joined: true }),
  'file:begin': event<{ uploadId: string; chunkSize: number; maxFileBytes: number }>()(
    fileBeginPayloadSchema,
    { joined: true },
  ),
  // Chunks, the end and a cancel name an upload of this connection: the upload is the check
  // (it exists only after a joined `file:begin`); `file:end` checks the session itself.
  'file:chunk': event<
    { received: number },
    { uploadId: string; offset: number; data: Uint8Array | ArrayBuffer }
  >()(fileChunkPayloadSchema, { joined: false }),
  'file:end': event<{ message: ChatMessage }>()(fileEndPayloadSchema, { joined: false }),
  'file:cancel': event()(fileCancelPayloadSchema, { joined: false, ackOptional: true }),
  /** `data`: the bytes (a binary attachment: a Buffer in Node, an ArrayBuffer in browsers). */
  'file:read': event<{ data: Uint8Array | ArrayBuffer; size: number }>()(fileReadPayloadSchema, {
    joined: true,
  }),
} as const;

type Table = typeof CLIENT_EVENT_TABLE;
export type ClientEventName = keyof Table;

export const CLIENT_EVENTS = Object.keys(CLIENT_EVENT_TABLE) as readonly ClientEventName[];

/** The payload of `E` as the server's handler receives it: parsed by its schema. */
export type ParsedPayload<E extends ClientEventName> = z.output<Table[E]['schema']>;
/** The payload of `E` as a client sends it. */
export type ClientPayload<E extends ClientEventName> = NonNullable<Table[E]['payload']>;
/** What `E`'s acknowledgement carries on success. */
export type EventReply<E extends ClientEventName> = NonNullable<Table[E]['reply']>;
/** The events whose handlers run only for a joined session. */
export type JoinedEventName = {
  [E in ClientEventName]: Table[E]['joined'] extends true ? E : never;
}[ClientEventName];

export type Ack<T extends object = object> = (result: Result<T>) => void;

export type ClientToServerEvents = {
  [E in ClientEventName]: Table[E]['ackOptional'] extends true
    ? (payload: ClientPayload<E>, ack?: Ack<EventReply<E>>) => void
    : (payload: ClientPayload<E>, ack: Ack<EventReply<E>>) => void;
};

export function isClientEvent(name: unknown): name is ClientEventName {
  return typeof name === 'string' && Object.hasOwn(CLIENT_EVENT_TABLE, name);
}
