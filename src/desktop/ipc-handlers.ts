/**
 * The desktop app's side of the IPC contract (IPC_REQUESTS in src/shared/ipc-contract.ts): one handler per
 * channel, over the services injected (hosting, the chat client, settings, saved servers, …), and
 * the dispatcher that checks a request's arguments against the channel's schemas before its
 * handler runs and turns anything thrown into an `internal` error: nothing is ever thrown across
 * IPC. The table types the handlers, so a missing handler or a wrong reply does not compile.
 * Electron stays out: src/main/ipc.ts registers the dispatcher with ipcMain and checks the
 * sending frame.
 */
import { z } from 'zod';
import type { ChatClient } from '../client/chat-client';
import type { FileTransfers } from '../client/file-transfers';
import { saveFile } from '../client/node/save-file';
import {
  type DiagnosticsReport,
  type DiscoveredRoom,
  type NotificationPermissionState,
  type NotificationRequest,
} from '../shared/api';
import {
  IPC_REQUESTS,
  type IpcChannel,
  type IpcParsedArgs,
  type IpcReply,
} from '../shared/ipc-contract';
import { sanitizeFileName } from '../shared/file-name';
import { fail, ok, type Result } from '../shared/result';
import { describeIssues } from '../shared/schemas';
import type { HostingService } from './hosting-service';
import type { JoinRequests } from './join-requests';
import type { SavedServers } from './saved-servers';
import type { SettingsFile } from './settings-file';

export interface IpcDependencies {
  hosting: Pick<HostingService, 'start' | 'stop' | 'kick' | 'status'>;
  chat: Pick<
    ChatClient,
    | 'connect'
    | 'disconnect'
    | 'post'
    | 'changeMessage'
    | 'pinnedMessages'
    | 'loadOlder'
    | 'retry'
    | 'discard'
    | 'setTyping'
    | 'setPresence'
    | 'createRoom'
    | 'joinRoom'
    | 'leaveRoom'
    | 'deleteRoom'
    | 'listRooms'
    | 'listPeople'
    | 'search'
    | 'openDirect'
    | 'moderate'
    | 'reconnectNow'
    | 'linkCode'
    | 'markRead'
  >;
  /** The rooms LAN discovery currently lists. */
  rooms(): DiscoveredRoom[];
  servers: Pick<SavedServers, 'list' | 'rename' | 'forget'>;
  links: Pick<JoinRequests, 'ready'>;
  diagnostics(): Promise<DiagnosticsReport>;
  /** Notifications and the unread badge (src/main/desktop-notifier.ts). */
  desktop: {
    notify(notification: NotificationRequest): boolean;
    setUnread(count: number): boolean;
    permission(): NotificationPermissionState;
  };
  settings: Pick<SettingsFile, 'get' | 'update'>;
  /** File transfers over `chat` (progress goes to the page as `files:progress` events). */
  files: FileTransfers;
  /** Asks where to save a file (the save dialog); null when the person cancels. */
  chooseSavePath(suggestedName: string): Promise<string | null>;
}

/** One handler per request channel, taking the parsed arguments and replying with its Result. */
export type IpcHandlers = {
  [C in IpcChannel]: (...args: IpcParsedArgs<C>) => IpcReply<C> | Promise<IpcReply<C>>;
};

export function createIpcHandlers(deps: IpcDependencies): IpcHandlers {
  const { hosting, chat, servers, settings, files } = deps;
  return {
    'hosting:start': (options) => hosting.start(options),
    'hosting:stop': () => hosting.stop(),
    'hosting:kick': (userId) => hosting.kick(userId),
    'hosting:status': () => ok({ status: hosting.status() }),
    'chat:connect': (url, nickname, options) =>
      chat.connect(url, nickname, {
        ...(options?.passphrase === undefined ? {} : { passphrase: options.passphrase }),
        ...(typeof options?.fingerprint === 'string' ? { fingerprint: options.fingerprint } : {}),
        ...(options?.link ? { link: options.link } : {}),
      }),
    'chat:disconnect': async () => {
      await chat.disconnect();
      return ok({});
    },
    'chat:post': (text, room, replyTo) => chat.post(text, room, replyTo),
    'chat:change-message': (change, room) => chat.changeMessage(change, room),
    'chat:pinned-messages': (room) => chat.pinnedMessages(room),
    'chat:load-older': (room) => chat.loadOlder(room),
    'chat:retry': (clientId) => chat.retry(clientId),
    'chat:discard': (clientId) => chat.discard(clientId),
    'chat:typing': async (typing, room) => {
      await chat.setTyping(typing, room);
      return ok({});
    },
    'chat:set-presence': (status, text) => chat.setPresence(status, text),
    'chat:create-room': (name) => chat.createRoom(name),
    'chat:join-room': (room) => chat.joinRoom(room),
    'chat:leave-room': (room) => chat.leaveRoom(room),
    'chat:delete-room': (room) => chat.deleteRoom(room),
    'chat:list-rooms': (query) => chat.listRooms(query),
    'chat:list-people': (query) => chat.listPeople(query),
    'chat:search': (query) => chat.search(query),
    'chat:open-direct': (nickname) => chat.openDirect(nickname),
    'chat:moderate': (request) => chat.moderate(request),
    'chat:link-code': () => chat.linkCode(),
    'chat:mark-read': (room, id) => chat.markRead(room, id),
    'chat:reconnect-now': () => {
      chat.reconnectNow();
      return ok({});
    },
    'discovery:rooms': () => ok({ rooms: deps.rooms() }),
    'links:subscribe': () => {
      // Links that arrived before the page could listen are sent now, as events.
      deps.links.ready();
      return ok({});
    },
    'servers:list': () => ok({ servers: servers.list() }),
    'servers:rename': (url, name) => servers.rename(url, name),
    'servers:forget': (url) => servers.forget(url),
    'diagnostics:run': async () => ok({ report: await deps.diagnostics() }),
    'desktop:notify': (notification) => {
      deps.desktop.notify(notification);
      return ok({});
    },
    'desktop:set-unread': (count) => {
      deps.desktop.setUnread(count);
      return ok({});
    },
    'desktop:notification-permission': () => ok({ permission: deps.desktop.permission() }),
    'files:upload': (file, room, transferId) => files.upload(file, room, transferId),
    'files:save': async (file, transferId) => {
      // The server sanitized the name already; a server is not trusted to have done so.
      const path = await deps.chooseSavePath(sanitizeFileName(file.name));
      if (path === null) return ok({ saved: false });
      return saveFile(files, file, transferId, path);
    },
    'files:preview': (file) => files.preview(file),
    'files:cancel': (transferId) => files.cancel(transferId),
    'settings:get': () => ok({ settings: settings.get() }),
    'settings:update': (patch) => settings.update(patch),
  };
}

/** Answers one request: `args` as the page sent them, unchecked. Never throws. */
export type IpcDispatch = (channel: IpcChannel, args: readonly unknown[]) => Promise<Result>;

/**
 * Checks each request's arguments against its channel's schemas, then runs its handler; bad
 * arguments are refused (`invalid_payload`) without reaching it, and whatever it throws is
 * reported to `onError` and answered with `internal`.
 */
export function ipcDispatcher(
  handlers: IpcHandlers,
  onError: (error: unknown) => void,
): IpcDispatch {
  return async (channel, args) => {
    const parsed = IPC_REQUESTS[channel].args.safeParse(args);
    if (!parsed.success) return fail('invalid_payload', describeArguments(parsed.error, args));
    // The table pairs each channel with its handler's arguments; TypeScript cannot follow the
    // pairing through a channel that is any of them.
    const handler = handlers[channel] as (
      ...parsed: readonly unknown[]
    ) => Promise<Result> | Result;
    try {
      return await handler(...parsed.data);
    } catch (error) {
      onError(error);
      return fail('internal', 'Something went wrong in Parley. Try again.');
    }
  };
}

/** What is wrong with the arguments, in the words of the one argument at fault. */
function describeArguments(error: z.ZodError, args: readonly unknown[]): string {
  const issue = error.issues[0];
  const [index, ...path] = issue?.path ?? [];
  if (issue === undefined || typeof index !== 'number') {
    return `Wrong number of arguments (${args.length}).`;
  }
  return describeIssues(new z.ZodError([{ ...issue, path }]), args[index]);
}
