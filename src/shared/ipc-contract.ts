/**
 * The desktop's IPC contract behind `window.parley` (api.ts): one table (IPC_REQUESTS) from each
 * channel to its arguments' schemas and its reply type, and one map of the events the main process
 * sends (IpcEvents). The preload and the main process's handlers (src/desktop/ipc-handlers.ts) are
 * typed from them, so a wrong reply, a missing handler or a misspelt channel does not compile.
 */
import { z } from 'zod';
import type {
  ChatEvent,
  DiagnosticsReport,
  DiscoveredRoom,
  HostingStatus,
  HostOptions,
  JoinRequest,
  ModerationReply,
  ModerationRequest,
  NotificationPermissionState,
  OutboxEntry,
  OutgoingFile,
  SavedServer,
  TransferProgress,
} from './api';
import { API_INPUT_LIMITS, LIMITS, MAX_TCP_PORT } from './limits';
import { notificationRequestSchema, unreadCountSchema } from './notification-request';
import type {
  ChatMessage,
  JoinedRoom,
  JoinedSession,
  LinkCode,
  PeoplePage,
  Presence,
  ReadPosition,
  RoomInfo,
  RoomPage,
  SearchPage,
} from './protocol';
import type { Result } from './result';
import {
  clientIdSchema,
  fileAttachmentSchema,
  nameReleasePayloadSchema,
  nameSetPayloadSchema,
  peoplePagePayloadSchema,
  personRemovePayloadSchema,
  roleSetPayloadSchema,
  messageChangeSchema,
  presenceSetPayloadSchema,
  roomIdSchema,
  roomListPayloadSchema,
  sendMessagePayloadSchema,
  searchQueryPayloadSchema,
  transferIdSchema,
  roomReadPayloadSchema,
} from './schemas';
import { settingsPatchSchema, type Settings } from './settings';

/**
 * A channel's reply, as a type only (the value is an empty marker): the fields of the success
 * envelope. Every reply is `Result<T>`: `{ ok: true, ...T }` or `{ ok: false, error }`.
 */
export interface Reply<T extends object> {
  readonly replyType?: T;
}

function replies<T extends object = object>(): Reply<T> {
  return {};
}

/** One request channel: its arguments, checked in the main process, and its reply. */
export interface IpcRequestSpec {
  readonly args: z.ZodType<readonly unknown[]>;
  readonly reply: Reply<object>;
}

const noArguments = z.tuple([]);

const portSchema = z
  .number({ error: `The port must be a whole number from 0 to ${MAX_TCP_PORT}.` })
  .int({ error: `The port must be a whole number from 0 to ${MAX_TCP_PORT}.` })
  .min(0, { error: `The port must be a whole number from 0 to ${MAX_TCP_PORT}.` })
  .max(MAX_TCP_PORT, { error: `The port must be a whole number from 0 to ${MAX_TCP_PORT}.` });

/** HostOptions from the page; unknown fields are dropped. */
const hostOptionsSchema = z.object(
  {
    port: portSchema,
    roomName: z
      .string({ error: 'The room name must be text.' })
      .max(API_INPUT_LIMITS.hostedRoomNameMaxLength, {
        error: `The room name must be text of at most ${API_INPUT_LIMITS.hostedRoomNameMaxLength} characters.`,
      })
      .optional(),
    hostNickname: z
      .string({ error: 'The nickname must be short text.' })
      .max(API_INPUT_LIMITS.hostNicknameMaxLength, { error: 'The nickname must be short text.' })
      .optional(),
    advertise: z.boolean({ error: 'advertise must be true or false.' }).optional(),
    passphrase: z
      .string({ error: 'The passphrase must be text.' })
      .max(LIMITS.passphraseMaxLength, {
        error: `The passphrase must be text of at most ${LIMITS.passphraseMaxLength} characters.`,
      })
      .optional(),
    secure: z.boolean({ error: 'secure must be true or false.' }).optional(),
  },
  { error: 'Hosting options must be an object.' },
) satisfies z.ZodType<HostOptions>;

/** JoinOptions from the page: a passphrase and a join link's fingerprint, both optional. */
const joinOptionsSchema = z
  .strictObject(
    {
      passphrase: z.string({ error: 'The passphrase must be text.' }).optional(),
      fingerprint: z.string({ error: 'The fingerprint must be text.' }).nullable().optional(),
      link: z
        .string({ error: 'The link code must be text.' })
        .max(4 * LIMITS.linkCodeLength, { error: 'That is not a link code.' })
        .optional(),
    },
    { error: 'Join options must be a passphrase, a fingerprint and a link code, as text.' },
  )
  .nullish();

/** OutgoingFile from the page; unknown fields are dropped (FileTransfers checks it again). */
const outgoingFileSchema = z.object(
  {
    name: z.string({ error: 'The file must have a name, a type and bytes.' }),
    type: z.string({ error: 'The file must have a name, a type and bytes.' }),
    bytes: z.custom<Uint8Array>((value) => value instanceof Uint8Array, {
      error: 'The file must have a name, a type and bytes.',
    }),
  },
  { error: 'The file must have a name, a type and bytes.' },
) satisfies z.ZodType<OutgoingFile>;

const serverUrlSchema = z
  .string({ error: 'The address must be text.' })
  .max(API_INPUT_LIMITS.serverUrlMaxLength, { error: 'The address must be text.' });

/**
 * Every request the window may make of the desktop app's main process (`service:method`), with
 * the schemas its arguments must match (checked before the handler runs: anything else is
 * refused with `invalid_payload`) and its reply. The preload (src/preload) invokes these, the
 * handlers (src/desktop/ipc-handlers.ts) serve them, and both are typed from this table.
 */
export const IPC_REQUESTS = {
  'hosting:start': {
    args: z.tuple([hostOptionsSchema]),
    reply: replies<{ status: HostingStatus }>(),
  },
  'hosting:stop': { args: noArguments, reply: replies<{ status: HostingStatus }>() },
  'hosting:kick': {
    args: z.tuple([z.string({ error: 'Not a user id.' })]),
    reply: replies(),
  },
  'hosting:status': { args: noArguments, reply: replies<{ status: HostingStatus }>() },
  'chat:connect': {
    args: z.tuple([
      z.string({ error: 'The server address must be text.' }),
      z.string({ error: 'Nickname must be text.' }),
      joinOptionsSchema,
    ]),
    reply: replies<{ session: JoinedSession }>(),
  },
  'chat:disconnect': { args: noArguments, reply: replies() },
  'chat:post': {
    args: z.tuple([
      z.string({ error: 'Message must be text.' }),
      roomIdSchema.optional(),
      sendMessagePayloadSchema.shape.replyTo,
    ]),
    reply: replies<{ entry: OutboxEntry }>(),
  },
  'chat:change-message': {
    args: z.tuple([messageChangeSchema, roomIdSchema.optional()]),
    reply: replies<{ entry: OutboxEntry }>(),
  },
  'chat:pinned-messages': {
    args: z.tuple([roomIdSchema.optional()]),
    reply: replies<{ messages: ChatMessage[] }>(),
  },
  'chat:load-older': {
    args: z.tuple([roomIdSchema.optional()]),
    reply: replies<{ count: number; hasOlder: boolean }>(),
  },
  'chat:retry': { args: z.tuple([clientIdSchema]), reply: replies() },
  'chat:discard': { args: z.tuple([clientIdSchema]), reply: replies() },
  'chat:typing': {
    args: z.tuple([z.boolean({ error: 'typing must be true or false.' }), roomIdSchema.optional()]),
    reply: replies(),
  },
  'chat:set-presence': {
    args: z.tuple([presenceSetPayloadSchema.shape.status, presenceSetPayloadSchema.shape.text]),
    reply: replies<{ presence: Presence }>(),
  },
  'chat:create-room': {
    args: z.tuple([z.string({ error: 'Room name must be text.' })]),
    reply: replies<{ room: RoomInfo }>(),
  },
  'chat:join-room': { args: z.tuple([roomIdSchema]), reply: replies<{ joined: JoinedRoom }>() },
  'chat:leave-room': { args: z.tuple([roomIdSchema]), reply: replies() },
  'chat:delete-room': { args: z.tuple([roomIdSchema]), reply: replies() },
  'chat:list-rooms': { args: z.tuple([roomListPayloadSchema]), reply: replies<RoomPage>() },
  'chat:list-people': { args: z.tuple([peoplePagePayloadSchema]), reply: replies<PeoplePage>() },
  'chat:search': { args: z.tuple([searchQueryPayloadSchema]), reply: replies<SearchPage>() },
  'chat:open-direct': {
    args: z.tuple([z.string({ error: 'Nickname must be text.' })]),
    reply: replies<{ joined: JoinedRoom }>(),
  },
  'chat:moderate': {
    args: z.tuple([moderationRequestSchema()]),
    reply: replies<ModerationReply>(),
  },
  'chat:reconnect-now': { args: noArguments, reply: replies() },
  'chat:link-code': { args: noArguments, reply: replies<LinkCode>() },
  'chat:mark-read': {
    args: z.tuple([roomIdSchema, roomReadPayloadSchema.shape.id]),
    reply: replies<ReadPosition>(),
  },
  'discovery:rooms': { args: noArguments, reply: replies<{ rooms: DiscoveredRoom[] }>() },
  /** The page listens for join links now: those that waited are sent (links:join-request). */
  'links:subscribe': { args: noArguments, reply: replies() },
  'servers:list': { args: noArguments, reply: replies<{ servers: SavedServer[] }>() },
  'servers:rename': {
    args: z.tuple([
      serverUrlSchema,
      z
        .string({ error: 'The name must be text.' })
        .max(API_INPUT_LIMITS.serverNameMaxLength, { error: 'The name must be text.' }),
    ]),
    reply: replies<{ servers: SavedServer[] }>(),
  },
  'servers:forget': {
    args: z.tuple([serverUrlSchema]),
    reply: replies<{ servers: SavedServer[] }>(),
  },
  'diagnostics:run': { args: noArguments, reply: replies<{ report: DiagnosticsReport }>() },
  'desktop:notify': { args: z.tuple([notificationRequestSchema]), reply: replies() },
  'desktop:set-unread': { args: z.tuple([unreadCountSchema]), reply: replies() },
  'desktop:notification-permission': {
    args: noArguments,
    reply: replies<{ permission: NotificationPermissionState }>(),
  },
  'files:upload': {
    args: z.tuple([outgoingFileSchema, roomIdSchema, transferIdSchema]),
    reply: replies<{ message: ChatMessage }>(),
  },
  'files:save': {
    args: z.tuple([fileAttachmentSchema, transferIdSchema]),
    reply: replies<{ saved: boolean }>(),
  },
  'files:preview': {
    args: z.tuple([fileAttachmentSchema]),
    reply: replies<{ bytes: Uint8Array }>(),
  },
  'files:cancel': { args: z.tuple([transferIdSchema]), reply: replies() },
  'settings:get': { args: noArguments, reply: replies<{ settings: Settings }>() },
  // The page may send anything (ParleyApi.settings.update takes `unknown`); it must be a patch.
  'settings:update': {
    args: z.tuple([z.unknown().pipe(settingsPatchSchema)]),
    reply: replies<{ settings: Settings }>(),
  },
} as const satisfies Record<string, IpcRequestSpec>;

export type IpcRequests = typeof IPC_REQUESTS;
/** A request channel's name, `service:method`. */
export type IpcChannel = keyof IpcRequests;
/** What a caller passes on `channel` (before the main process checks it). */
export type IpcArgs<C extends IpcChannel> = z.input<IpcRequests[C]['args']>;
/** What the handler of `channel` receives: the arguments as parsed by their schemas. */
export type IpcParsedArgs<C extends IpcChannel> = z.output<IpcRequests[C]['args']>;
/** The reply on `channel`: always a Result envelope; the main process never throws across IPC. */
export type IpcReply<C extends IpcChannel> = Result<
  IpcRequests[C]['reply'] extends Reply<infer T> ? T : never
>;

/** Every request channel, for registering them all. */
export const IPC_CHANNELS = Object.keys(IPC_REQUESTS) as IpcChannel[];

/** What the main process sends the window unasked (`service:event`), and each event's payload. */
export interface IpcEvents {
  'hosting:status-changed': HostingStatus;
  'chat:event': ChatEvent;
  'discovery:rooms-changed': DiscoveredRoom[];
  'links:join-request': JoinRequest;
  'servers:changed': SavedServer[];
  /** The room of the notification the person clicked. */
  'desktop:notification-clicked': string;
  'files:progress': TransferProgress;
}
export type IpcEvent = keyof IpcEvents;

/** A ModerationRequest from the page: the protocol's own payload schemas, with the action. */
function moderationRequestSchema(): z.ZodType<ModerationRequest> {
  return z.discriminatedUnion('action', [
    personRemovePayloadSchema.extend({ action: z.literal('remove') }),
    roleSetPayloadSchema.extend({ action: z.literal('set-role') }),
    nameSetPayloadSchema.extend({ action: z.literal('rename') }),
    nameReleasePayloadSchema.extend({ action: z.literal('release-name') }),
  ]);
}
