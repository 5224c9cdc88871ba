/**
 * The one table of client → server events: for each, the schema its payload must pass, what its
 * acknowledgement carries on success, whether it needs a joined session, and the error codes it
 * can be refused with. Everything else derives from it: the `ClientToServerEvents` map that typed
 * clients and the server share, the list of event names, the server's handler table
 * (src/server/events: a handler that replies with the wrong shape or an unlisted code, or a
 * missing one, does not compile), the fuzz suite and the protocol-doc test. A new event is one
 * row here.
 */
import type { z, ZodType } from 'zod';
import type {
  ChatMessage,
  HistoryPage,
  JoinedRoom,
  JoinedSession,
  LinkCode,
  PeoplePage,
  Presence,
  ReadPosition,
  RoomInfo,
  RoomPage,
  User,
  SearchPage,
} from './protocol';
import type { ErrorCode, Result } from './result';
import {
  challengePayloadSchema,
  changeMessagePayloadSchema,
  directOpenPayloadSchema,
  fileBeginPayloadSchema,
  fileCancelPayloadSchema,
  fileChunkPayloadSchema,
  fileEndPayloadSchema,
  fileReadPayloadSchema,
  historyFetchPayloadSchema,
  joinPayloadSchema,
  linkCodeRequestPayloadSchema,
  nameReleasePayloadSchema,
  nameSetPayloadSchema,
  peoplePagePayloadSchema,
  personRemovePayloadSchema,
  presenceSetPayloadSchema,
  roomCreatePayloadSchema,
  roomDeletePayloadSchema,
  roomJoinPayloadSchema,
  roomLeavePayloadSchema,
  roomListPayloadSchema,
  roleSetPayloadSchema,
  roomReadPayloadSchema,
  roomPinsPayloadSchema,
  searchQueryPayloadSchema,
  sendMessagePayloadSchema,
  typingPayloadSchema,
} from './schemas';

/**
 * Codes any event can be answered with, from the one door every event goes through
 * (src/server/events/bind-events.ts): a malformed payload, a rate limit, a server failure.
 */
export const COMMON_ERRORS = ['invalid_payload', 'rate_limited', 'internal'] as const;

/** One row of the table. `Reply` and `Payload` are types only: nothing is kept at run time. */
export interface ClientEventDefinition<
  Schema extends ZodType = ZodType,
  Reply extends object = object,
  Payload = unknown,
  Joined extends boolean = boolean,
  AckOptional extends boolean = boolean,
  Errors extends ErrorCode = ErrorCode,
> {
  readonly schema: Schema;
  /** True: refused with `not_joined` until the connection has joined (`session:join`). */
  readonly joined: Joined;
  /** True: fire-and-forget is allowed (the client may leave out the acknowledgement). */
  readonly ackOptional: AckOptional;
  /**
   * The codes its handler may answer with besides COMMON_ERRORS (and `not_joined` when
   * `joined`): a handler that returns another does not compile, a storage failure is passed on
   * only when listed, and docs/PROTOCOL.md lists exactly these (protocol-doc.spec.ts).
   */
  readonly errors: readonly Errors[];
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
    const Errors extends ErrorCode = never,
    const AckOptional extends boolean = false,
  >(
    schema: Schema,
    options: { joined: Joined; errors: readonly Errors[]; ackOptional?: AckOptional },
  ): ClientEventDefinition<
    Schema,
    Reply,
    [Payload] extends [never] ? z.input<Schema> : Payload,
    Joined,
    AckOptional,
    Errors
  > => ({
    schema,
    joined: options.joined,
    ackOptional: (options.ackOptional ?? false) as AckOptional,
    errors: options.errors,
  });
}

/** Refusals of posting in a room (a message, a file): see `cannotPost` in the server. */
const POSTING = ['unknown_room', 'not_in_room'] as const;
/** A message that could not be stored (nothing was kept). */
const STORING = ['storage_full', 'storage_unavailable'] as const;

export const CLIENT_EVENT_TABLE = {
  'session:challenge': event<{ challenge: string }>()(challengePayloadSchema, {
    joined: false,
    errors: ['already_joined'],
  }),
  'session:join': event<JoinedSession>()(joinPayloadSchema, {
    joined: false,
    errors: [
      'kicked',
      'passphrase_required',
      'wrong_passphrase',
      'wrong_admin_token',
      'already_joined',
      'identity_unproven',
      'nickname_taken',
      'link_invalid',
      'key_in_use',
      'storage_full',
      'storage_unavailable',
    ],
  }),
  'device:link-code': event<LinkCode>()(linkCodeRequestPayloadSchema, {
    joined: true,
    errors: [],
  }),
  'message:send': event<{ message: ChatMessage }>()(sendMessagePayloadSchema, {
    joined: true,
    errors: [...POSTING, 'unknown_message', ...STORING],
  }),
  'message:change': event<{ message: ChatMessage }>()(changeMessagePayloadSchema, {
    joined: true,
    errors: [...POSTING, 'unknown_message', 'not_allowed', ...STORING],
  }),
  'room:pins': event<{ messages: ChatMessage[] }>()(roomPinsPayloadSchema, {
    joined: true,
    errors: ['unknown_room', 'not_in_room'],
  }),
  'typing:set': event()(typingPayloadSchema, {
    joined: true,
    errors: ['not_in_room'],
    ackOptional: true,
  }),
  'presence:set': event<{ presence: Presence }>()(presenceSetPayloadSchema, {
    joined: true,
    errors: [],
  }),
  'history:fetch': event<HistoryPage>()(historyFetchPayloadSchema, {
    joined: true,
    errors: ['unknown_room', 'not_in_room'],
  }),
  'search:query': event<SearchPage>()(searchQueryPayloadSchema, {
    joined: true,
    errors: ['unknown_room'],
  }),
  'room:create': event<{ room: RoomInfo }>()(roomCreatePayloadSchema, {
    joined: true,
    errors: ['room_exists', 'too_many_rooms'],
  }),
  'room:join': event<JoinedRoom>()(roomJoinPayloadSchema, {
    joined: true,
    errors: ['unknown_room'],
  }),
  'room:leave': event()(roomLeavePayloadSchema, { joined: true, errors: ['not_in_room'] }),
  'room:delete': event()(roomDeletePayloadSchema, {
    joined: true,
    errors: ['not_allowed', 'unknown_room', ...STORING],
  }),
  'room:list': event<RoomPage>()(roomListPayloadSchema, { joined: true, errors: [] }),
  'people:page': event<PeoplePage>()(peoplePagePayloadSchema, {
    joined: true,
    errors: ['unknown_room', 'not_in_room'],
  }),
  'room:read': event<ReadPosition>()(roomReadPayloadSchema, {
    joined: true,
    errors: ['unknown_room', ...STORING],
  }),
  'name:release': event<{ released: string }>()(nameReleasePayloadSchema, {
    joined: true,
    errors: ['not_allowed', 'unknown_user', ...STORING],
  }),
  'role:set': event<{ user: User }>()(roleSetPayloadSchema, {
    joined: true,
    errors: ['not_allowed', 'unknown_user', ...STORING],
  }),
  'person:remove': event<{ user: User; minutes: number; connections: number }>()(
    personRemovePayloadSchema,
    { joined: true, errors: ['not_allowed', 'unknown_user'] },
  ),
  'name:set': event<{ user: User }>()(nameSetPayloadSchema, {
    joined: true,
    errors: ['not_allowed', 'unknown_user', 'nickname_taken', ...STORING],
  }),
  'dm:open': event<JoinedRoom>()(directOpenPayloadSchema, {
    joined: true,
    errors: ['unknown_user'],
  }),
  'file:begin': event<{ uploadId: string; chunkSize: number; maxFileBytes: number }>()(
    fileBeginPayloadSchema,
    {
      joined: true,
      errors: [
        ...POSTING,
        'file_empty',
        'file_too_large',
        'too_many_uploads',
        'quota_exceeded',
        'storage_full',
      ],
    },
  ),
  // Chunks, the end and a cancel name an upload of this connection: the upload is the check
  // (it exists only after a joined `file:begin`); `file:end` checks the session itself.
  'file:chunk': event<
    { received: number },
    { uploadId: string; offset: number; data: Uint8Array | ArrayBuffer }
  >()(fileChunkPayloadSchema, {
    joined: false,
    errors: [
      'unknown_upload',
      'wrong_offset',
      'chunk_too_large',
      'file_too_large',
      'upload_stalled',
      'storage_full',
    ],
  }),
  'file:end': event<{ message: ChatMessage }>()(fileEndPayloadSchema, {
    joined: false,
    errors: [
      'unknown_upload',
      'upload_incomplete',
      'upload_stalled',
      'not_joined',
      ...POSTING,
      ...STORING,
    ],
  }),
  'file:cancel': event()(fileCancelPayloadSchema, {
    joined: false,
    // An upload the server dropped already is answered with why (stalled, disk full).
    errors: ['unknown_upload', 'upload_stalled', 'storage_full'],
    ackOptional: true,
  }),
  /** `data`: the bytes (a binary attachment: a Buffer in Node, an ArrayBuffer in browsers). */
  'file:read': event<{ data: Uint8Array | ArrayBuffer; size: number }>()(fileReadPayloadSchema, {
    joined: true,
    errors: ['unknown_file'],
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
/** The codes `E`'s handler may answer with itself (the door adds `not_joined` where needed). */
export type HandlerErrorCode<E extends ClientEventName> =
  Table[E]['errors'][number] | (typeof COMMON_ERRORS)[number];

/**
 * Every code `event` can be answered with, in the order docs/PROTOCOL.md lists them: the
 * door's refusals first, then the event's own, then `internal`.
 */
export function errorsOf(event: ClientEventName): readonly ErrorCode[] {
  const row: ClientEventDefinition = CLIENT_EVENT_TABLE[event];
  return [
    ...new Set<ErrorCode>([
      'invalid_payload',
      'rate_limited',
      ...(row.joined ? (['not_joined'] as const) : []),
      ...row.errors,
      'internal',
    ]),
  ];
}

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
