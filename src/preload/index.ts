/**
 * The preload script: exposes exactly the ParleyApi contract as `window.parley`, backed by the
 * main process over IPC. Sandboxed and built as CommonJS; it never exposes ipcRenderer itself,
 * and each subscription returns a disposer that removes exactly its own listener.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC,
  type ChatEvent,
  type DiagnosticsReport,
  type DiscoveredRoom,
  type HostingStatus,
  type JoinRequest,
  type NotificationPermissionState,
  type OutboxEntry,
  type ParleyApi,
  type SavedServer,
  type TransferProgress,
  type Unsubscribe,
} from '../shared/api';
import type { ChatMessage, JoinedRoom, JoinedSession, RoomInfo } from '../shared/protocol';
import type { Result } from '../shared/result';
import type { Settings } from '../shared/settings';

/** Every IPC reply is a Result envelope (see src/main/ipc.ts): the main process never throws. */
function invoke<T extends object = object>(
  channel: string,
  ...args: unknown[]
): Promise<Result<T>> {
  return ipcRenderer.invoke(channel, ...args) as Promise<Result<T>>;
}

/** For the methods whose contract returns a plain value: a failure becomes a thrown Error. */
function unwrap<T extends object>(result: Result<T>): T {
  if (result.ok) return result;
  throw Object.assign(new Error(result.error.message), { code: result.error.code });
}

function subscribe<T>(channel: string, listener: (payload: T) => void): Unsubscribe {
  const onMessage = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, onMessage);
  return () => {
    ipcRenderer.removeListener(channel, onMessage);
  };
}

const api = {
  runtime: { kind: 'desktop', canHost: true, defaultServerUrl: null },
  hosting: {
    // Only the known fields cross: the main process checks each of them.
    start: (options) =>
      invoke<{ status: HostingStatus }>(IPC.hostingStart, {
        port: options.port,
        roomName: options.roomName,
        hostNickname: options.hostNickname,
        advertise: options.advertise,
        passphrase: options.passphrase,
        secure: options.secure,
      }),
    stop: () => invoke<{ status: HostingStatus }>(IPC.hostingStop),
    kick: (userId) => invoke(IPC.hostingKick, userId),
    status: async () => unwrap(await invoke<{ status: HostingStatus }>(IPC.hostingStatus)).status,
    onStatus: (listener) => subscribe<HostingStatus>(IPC.hostingStatusChanged, listener),
  },
  chat: {
    connect: (url, nickname, options) =>
      invoke<{ session: JoinedSession }>(IPC.chatConnect, url, nickname, {
        passphrase: options?.passphrase,
        fingerprint: options?.fingerprint ?? null,
      }),
    disconnect: async () => {
      unwrap(await invoke(IPC.chatDisconnect));
    },
    post: (text, room) => invoke<{ entry: OutboxEntry }>(IPC.chatPost, text, room),
    retry: (clientId) => invoke(IPC.chatRetry, clientId),
    loadOlder: (room) => invoke<{ count: number; hasOlder: boolean }>(IPC.chatLoadOlder, room),
    createRoom: (name) => invoke<{ room: RoomInfo }>(IPC.chatCreateRoom, name),
    joinRoom: (room) => invoke<{ joined: JoinedRoom }>(IPC.chatJoinRoom, room),
    leaveRoom: (room) => invoke(IPC.chatLeaveRoom, room),
    openDirect: (nickname) => invoke<{ joined: JoinedRoom }>(IPC.chatOpenDirect, nickname),
    discard: (clientId) => invoke(IPC.chatDiscard, clientId),
    setTyping: async (typing, room) => {
      unwrap(await invoke(IPC.chatTyping, typing, room));
    },
    onEvent: (listener) => subscribe<ChatEvent>(IPC.chatEvent, listener),
    reconnectNow: async () => {
      unwrap(await invoke(IPC.chatReconnectNow));
    },
  },
  discovery: {
    rooms: async () => unwrap(await invoke<{ rooms: DiscoveredRoom[] }>(IPC.discoveryRooms)).rooms,
    onRooms: (listener) => subscribe<DiscoveredRoom[]>(IPC.discoveryRoomsChanged, listener),
  },
  links: {
    onJoinRequest: (listener) => {
      const unsubscribe = subscribe<JoinRequest>(IPC.linksJoinRequest, listener);
      // Now that someone listens, the main process sends the links that were waiting.
      void invoke(IPC.linksSubscribe);
      return unsubscribe;
    },
  },
  servers: {
    list: async () => unwrap(await invoke<{ servers: SavedServer[] }>(IPC.serversList)).servers,
    rename: (url, name) => invoke<{ servers: SavedServer[] }>(IPC.serversRename, url, name),
    forget: (url) => invoke<{ servers: SavedServer[] }>(IPC.serversForget, url),
    onChanged: (listener) => subscribe<SavedServer[]>(IPC.serversChanged, listener),
  },
  diagnostics: {
    run: async () => unwrap(await invoke<{ report: DiagnosticsReport }>(IPC.diagnosticsRun)).report,
  },
  desktop: {
    // Only the known fields cross: the main process checks each of them.
    notify: (notification) =>
      invoke(IPC.desktopNotify, {
        title: notification.title,
        body: notification.body,
        room: notification.room,
      }),
    setUnread: (count) => invoke(IPC.desktopSetUnread, count),
    notificationPermission: async () =>
      unwrap(
        await invoke<{ permission: NotificationPermissionState }>(
          IPC.desktopNotificationPermission,
        ),
      ).permission,
    // The app needs no permission to notify: asking is asking whether the system can.
    requestNotificationPermission: async () =>
      unwrap(
        await invoke<{ permission: NotificationPermissionState }>(
          IPC.desktopNotificationPermission,
        ),
      ).permission,
    onNotificationClick: (listener) => subscribe<string>(IPC.desktopNotificationClicked, listener),
  },
  files: {
    // Only the known fields cross: the main process checks each of them.
    upload: (file, room, transferId) =>
      invoke<{ message: ChatMessage }>(
        IPC.filesUpload,
        { name: file.name, type: file.type, bytes: file.bytes },
        room,
        transferId,
      ),
    save: (file, transferId) =>
      invoke<{ saved: boolean }>(
        IPC.filesSave,
        { id: file.id, name: file.name, size: file.size, type: file.type },
        transferId,
      ),
    preview: (file) =>
      invoke<{ bytes: Uint8Array }>(IPC.filesPreview, {
        id: file.id,
        name: file.name,
        size: file.size,
        type: file.type,
      }),
    cancel: (transferId) => invoke(IPC.filesCancel, transferId),
    onProgress: (listener) => subscribe<TransferProgress>(IPC.filesProgress, listener),
  },
  settings: {
    get: async () => unwrap(await invoke<{ settings: Settings }>(IPC.settingsGet)).settings,
    update: (patch) => invoke<{ settings: Settings }>(IPC.settingsUpdate, patch),
  },
} satisfies ParleyApi;

contextBridge.exposeInMainWorld('parley', api);
