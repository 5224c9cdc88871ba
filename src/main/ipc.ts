/**
 * Serves the ParleyApi contract (src/shared/api.ts) over IPC. Every handler first checks that the
 * request comes from the app's own page, checks the shape of its arguments (the renderer is not
 * trusted), and replies with a Result envelope: nothing is ever thrown across IPC, and the
 * preload unwraps the replies of the methods that do not return a Result.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { ChatClient } from '../client/chat-client';
import type { FileTransfers } from '../client/file-transfers';
import { saveFile } from '../client/node/save-file';
import {
  IPC,
  type DiagnosticsReport,
  type DiscoveredRoom,
  type HostOptions,
  type JoinOptions,
  type NotificationPermissionState,
  type NotificationRequest,
} from '../shared/api';
import { sanitizeFileName } from '../shared/file-name';
import { LIMITS } from '../shared/limits';
import { notificationRequestSchema, unreadCountSchema } from '../shared/notification-request';
import { fail, ok, type Result } from '../shared/result';
import {
  clientIdSchema,
  describeIssues,
  fileAttachmentSchema,
  roomIdSchema,
} from '../shared/schemas';
import type { HostingService } from '../desktop/hosting-service';
import type { JoinRequests } from '../desktop/join-requests';
import type { SavedServers } from '../desktop/saved-servers';
import type { SettingsFile } from '../desktop/settings-file';

export interface IpcDependencies {
  hosting: HostingService;
  chat: ChatClient;
  /** The rooms LAN discovery currently lists. */
  rooms(): DiscoveredRoom[];
  servers: SavedServers;
  links: JoinRequests;
  diagnostics(): Promise<DiagnosticsReport>;
  /** Notifications and the unread badge (desktop-notifier.ts). */
  desktop: {
    notify(notification: NotificationRequest): boolean;
    setUnread(count: number): boolean;
    permission(): NotificationPermissionState;
  };
  settings: SettingsFile;
  /** File transfers over `chat` (progress goes to the page as IPC.filesProgress events). */
  files: FileTransfers;
  /** Asks where to save a file (the save dialog); null when the person cancels. */
  chooseSavePath(suggestedName: string): Promise<string | null>;
  /** True for the app's own page (see app-pages.ts). */
  isAppPage(url: string): boolean;
  onError(error: unknown): void;
}

type Handler = (...args: unknown[]) => Result | Promise<Result>;

const invalid = (message: string) => fail('invalid_payload', message);

/** Registers the handlers; returns a function that removes them. */
export function registerIpcHandlers(deps: IpcDependencies): () => void {
  const { hosting, chat, servers, links } = deps;

  const handlers: Record<string, Handler> = {
    [IPC.hostingStart]: (options) => {
      const given = (options ?? {}) as Record<string, unknown>;
      const port = given['port'];
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
        return fail('port_unavailable', 'The port must be a whole number from 0 to 65535.');
      }
      const start: HostOptions = { port };
      const { roomName, hostNickname, advertise, passphrase, secure } = given;
      if (roomName !== undefined) {
        if (typeof roomName !== 'string' || roomName.length > 200) {
          return invalid('The room name must be text of at most 200 characters.');
        }
        start.roomName = roomName;
      }
      if (hostNickname !== undefined) {
        if (
          typeof hostNickname !== 'string' ||
          hostNickname.length > LIMITS.nicknameMaxLength * 4
        ) {
          return invalid('The nickname must be short text.');
        }
        start.hostNickname = hostNickname;
      }
      if (advertise !== undefined) {
        if (typeof advertise !== 'boolean') return invalid('advertise must be true or false.');
        start.advertise = advertise;
      }
      if (passphrase !== undefined) {
        if (typeof passphrase !== 'string' || passphrase.length > LIMITS.passphraseMaxLength) {
          return invalid(
            `The passphrase must be text of at most ${LIMITS.passphraseMaxLength} characters.`,
          );
        }
        start.passphrase = passphrase;
      }
      if (secure !== undefined) {
        if (typeof secure !== 'boolean') return invalid('secure must be true or false.');
        start.secure = secure;
      }
      return hosting.start(start);
    },
    [IPC.hostingStop]: () => hosting.stop(),
    [IPC.hostingKick]: (userId) => {
      if (typeof userId !== 'string') return invalid('Not a user id.');
      return hosting.kick(userId);
    },
    [IPC.hostingStatus]: () => ok({ status: hosting.status() }),
    [IPC.chatConnect]: (url, nickname, options) => {
      if (typeof url !== 'string') return invalid('The server address must be text.');
      if (typeof nickname !== 'string') return invalid('Nickname must be text.');
      const join = joinOptions(options);
      if (!join) return invalid('Join options must be a passphrase and a fingerprint, as text.');
      return chat.connect(url, nickname, join);
    },
    [IPC.chatDisconnect]: async () => {
      await chat.disconnect();
      return ok({});
    },
    [IPC.chatPost]: (text, room) => {
      if (typeof text !== 'string') return invalid('Message must be text.');
      if (room !== undefined && !roomIdSchema.safeParse(room).success)
        return invalid('Not a room.');
      return chat.post(text, room as string | undefined);
    },
    [IPC.chatLoadOlder]: (room) => {
      if (room !== undefined && !roomIdSchema.safeParse(room).success)
        return invalid('Not a room.');
      return chat.loadOlder(room as string | undefined);
    },
    [IPC.chatRetry]: (clientId) => {
      if (!clientIdSchema.safeParse(clientId).success) return invalid('Not a message id.');
      return chat.retry(clientId as string);
    },
    [IPC.chatDiscard]: (clientId) => {
      if (!clientIdSchema.safeParse(clientId).success) return invalid('Not a message id.');
      return chat.discard(clientId as string);
    },
    [IPC.chatTyping]: async (typing, room) => {
      if (typeof typing !== 'boolean') return invalid('typing must be true or false.');
      if (room !== undefined && !roomIdSchema.safeParse(room).success)
        return invalid('Not a room.');
      await chat.setTyping(typing, room as string | undefined);
      return ok({});
    },
    [IPC.chatCreateRoom]: (name) => {
      if (typeof name !== 'string') return invalid('Room name must be text.');
      return chat.createRoom(name);
    },
    [IPC.chatJoinRoom]: (room) => {
      if (!roomIdSchema.safeParse(room).success) return invalid('Not a room.');
      return chat.joinRoom(room as string);
    },
    [IPC.chatLeaveRoom]: (room) => {
      if (!roomIdSchema.safeParse(room).success) return invalid('Not a room.');
      return chat.leaveRoom(room as string);
    },
    [IPC.chatOpenDirect]: (nickname) => {
      if (typeof nickname !== 'string') return invalid('Nickname must be text.');
      return chat.openDirect(nickname);
    },
    [IPC.chatReconnectNow]: () => {
      chat.reconnectNow();
      return ok({});
    },
    [IPC.discoveryRooms]: () => ok({ rooms: deps.rooms() }),
    [IPC.linksSubscribe]: () => {
      // Links that arrived before the page could listen are sent now, as events.
      links.ready();
      return ok({});
    },
    [IPC.serversList]: () => ok({ servers: servers.list() }),
    [IPC.serversRename]: (url, name) => {
      if (typeof url !== 'string' || url.length > 2048) return invalid('The address must be text.');
      if (typeof name !== 'string' || name.length > 1000) return invalid('The name must be text.');
      return servers.rename(url, name);
    },
    [IPC.serversForget]: (url) => {
      if (typeof url !== 'string' || url.length > 2048) return invalid('The address must be text.');
      return servers.forget(url);
    },
    [IPC.diagnosticsRun]: async () => ok({ report: await deps.diagnostics() }),
    [IPC.desktopNotify]: (notification) => {
      const parsed = notificationRequestSchema.safeParse(notification);
      if (!parsed.success) return invalid(describeIssues(parsed.error, notification));
      deps.desktop.notify(parsed.data);
      return ok({});
    },
    [IPC.desktopSetUnread]: (count) => {
      const parsed = unreadCountSchema.safeParse(count);
      if (!parsed.success) return invalid(describeIssues(parsed.error, count));
      deps.desktop.setUnread(parsed.data);
      return ok({});
    },
    [IPC.desktopNotificationPermission]: () => ok({ permission: deps.desktop.permission() }),
    // FileTransfers checks the file, the room and the transfer id itself.
    [IPC.filesUpload]: (file, room, transferId) => deps.files.upload(file, room, transferId),
    [IPC.filesSave]: async (file, transferId) => {
      const parsed = fileAttachmentSchema.safeParse(file);
      if (!parsed.success) return invalid(describeIssues(parsed.error, file));
      if (!clientIdSchema.safeParse(transferId).success) return invalid('Not a transfer id.');
      // The server sanitized the name already; a server is not trusted to have done so.
      const path = await deps.chooseSavePath(sanitizeFileName(parsed.data.name));
      if (path === null) return ok({ saved: false });
      return saveFile(deps.files, parsed.data, transferId, path);
    },
    [IPC.filesPreview]: (file) => deps.files.preview(file),
    [IPC.filesCancel]: (transferId) => deps.files.cancel(transferId),
    [IPC.settingsGet]: () => ok({ settings: deps.settings.get() }),
    // The patch is checked by the settings file itself (settingsPatchSchema), before any write.
    [IPC.settingsUpdate]: (patch) => deps.settings.update(patch),
  };

  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isFromAppPage(event, deps.isAppPage)) {
        return fail('forbidden', 'Only the Parley window may use this API.');
      }
      try {
        return await handler(...args);
      } catch (error) {
        deps.onError(error);
        return fail('internal', 'Something went wrong in Parley. Try again.');
      }
    });
  }
  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
  };
}

function isFromAppPage(event: IpcMainInvokeEvent, isAppPage: (url: string) => boolean): boolean {
  // senderFrame is null once the frame has navigated away or been destroyed.
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppPage(frame.url);
}

/** The JoinOptions the page sent, checked; null when they are not that shape. */
function joinOptions(value: unknown): JoinOptions | null {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') return null;
  const { passphrase, fingerprint, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (passphrase !== undefined && typeof passphrase !== 'string') return null;
  if (fingerprint !== undefined && fingerprint !== null && typeof fingerprint !== 'string') {
    return null;
  }
  return {
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(typeof fingerprint === 'string' ? { fingerprint } : {}),
  };
}
