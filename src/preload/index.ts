/**
 * The preload script: exposes exactly the ParleyApi contract as `window.parley`, backed by the
 * main process over IPC. Each method invokes a channel of the IPC table (IPC_REQUESTS in
 * src/shared/ipc-contract.ts), whose types give its arguments and reply, and the object is checked against
 * ParleyApi. Sandboxed and built as CommonJS; it never exposes ipcRenderer itself, and each
 * subscription returns a disposer that removes exactly its own listener.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
// Types only: a sandboxed preload can require nothing but electron, so no schemas come along.
import type { ParleyApi, Unsubscribe } from '../shared/api';
import type { IpcArgs, IpcChannel, IpcEvent, IpcEvents, IpcReply } from '../shared/ipc-contract';
import type { Result } from '../shared/result';

/** A request on `channel`; the main process checks the arguments before anything happens. */
function invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcReply<C>> {
  return ipcRenderer.invoke(channel, ...args) as Promise<IpcReply<C>>;
}

/** For the methods whose contract returns a plain value: a failure becomes a thrown Error. */
function unwrap<R extends Result>(result: R): Extract<R, { ok: true }> {
  if (result.ok) return result as Extract<R, { ok: true }>;
  throw Object.assign(new Error(result.error.message), { code: result.error.code });
}

function subscribe<E extends IpcEvent>(
  channel: E,
  listener: (payload: IpcEvents[E]) => void,
): Unsubscribe {
  const onMessage = (_event: IpcRendererEvent, payload: IpcEvents[E]) => listener(payload);
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
      invoke('hosting:start', {
        port: options.port,
        roomName: options.roomName,
        hostNickname: options.hostNickname,
        advertise: options.advertise,
        passphrase: options.passphrase,
        secure: options.secure,
      }),
    stop: () => invoke('hosting:stop'),
    kick: (userId) => invoke('hosting:kick', userId),
    status: async () => unwrap(await invoke('hosting:status')).status,
    onStatus: (listener) => subscribe('hosting:status-changed', listener),
  },
  chat: {
    connect: (url, nickname, options) =>
      invoke('chat:connect', url, nickname, {
        passphrase: options?.passphrase,
        fingerprint: options?.fingerprint ?? null,
        ...(options?.link ? { link: options.link } : {}),
      }),
    disconnect: async () => {
      unwrap(await invoke('chat:disconnect'));
    },
    post: (text, room, replyTo) => invoke('chat:post', text, room, replyTo),
    changeMessage: (change, room) => invoke('chat:change-message', change, room),
    pinnedMessages: (room) => invoke('chat:pinned-messages', room),
    retry: (clientId) => invoke('chat:retry', clientId),
    loadOlder: (room) => invoke('chat:load-older', room),
    createRoom: (name) => invoke('chat:create-room', name),
    joinRoom: (room) => invoke('chat:join-room', room),
    leaveRoom: (room) => invoke('chat:leave-room', room),
    deleteRoom: (room) => invoke('chat:delete-room', room),
    listRooms: (query) => invoke('chat:list-rooms', query),
    listPeople: (query) => invoke('chat:list-people', query),
    search: (query) => invoke('chat:search', query),
    openDirect: (nickname) => invoke('chat:open-direct', nickname),
    moderate: (request) => invoke('chat:moderate', request),
    linkCode: () => invoke('chat:link-code'),
    markRead: (room, id) => invoke('chat:mark-read', room, id),
    discard: (clientId) => invoke('chat:discard', clientId),
    setTyping: async (typing, room) => {
      unwrap(await invoke('chat:typing', typing, room));
    },
    setPresence: (status, text) => invoke('chat:set-presence', status, text),
    onEvent: (listener) => subscribe('chat:event', listener),
    reconnectNow: async () => {
      unwrap(await invoke('chat:reconnect-now'));
    },
  },
  discovery: {
    rooms: async () => unwrap(await invoke('discovery:rooms')).rooms,
    onRooms: (listener) => subscribe('discovery:rooms-changed', listener),
  },
  links: {
    onJoinRequest: (listener) => {
      const unsubscribe = subscribe('links:join-request', listener);
      // Now that someone listens, the main process sends the links that were waiting.
      void invoke('links:subscribe');
      return unsubscribe;
    },
  },
  servers: {
    list: async () => unwrap(await invoke('servers:list')).servers,
    rename: (url, name) => invoke('servers:rename', url, name),
    forget: (url) => invoke('servers:forget', url),
    onChanged: (listener) => subscribe('servers:changed', listener),
  },
  diagnostics: {
    run: async () => unwrap(await invoke('diagnostics:run')).report,
  },
  desktop: {
    // Only the known fields cross: the main process checks each of them.
    notify: (notification) =>
      invoke('desktop:notify', {
        title: notification.title,
        body: notification.body,
        room: notification.room,
      }),
    setUnread: (count) => invoke('desktop:set-unread', count),
    notificationPermission: async () =>
      unwrap(await invoke('desktop:notification-permission')).permission,
    // The app needs no permission to notify: asking is asking whether the system can.
    requestNotificationPermission: async () =>
      unwrap(await invoke('desktop:notification-permission')).permission,
    onNotificationClick: (listener) => subscribe('desktop:notification-clicked', listener),
  },
  files: {
    // Only the known fields cross: the main process checks each of them.
    upload: (file, room, transferId) =>
      invoke(
        'files:upload',
        { name: file.name, type: file.type, bytes: file.bytes },
        room,
        transferId,
      ),
    save: (file, transferId) =>
      invoke(
        'files:save',
        { id: file.id, name: file.name, size: file.size, type: file.type },
        transferId,
      ),
    preview: (file) =>
      invoke('files:preview', {
        id: file.id,
        name: file.name,
        size: file.size,
        type: file.type,
      }),
    cancel: (transferId) => invoke('files:cancel', transferId),
    onProgress: (listener) => subscribe('files:progress', listener),
  },
  settings: {
    get: async () => unwrap(await invoke('settings:get')).settings,
    update: (patch) => invoke('settings:update', patch),
  },
} satisfies ParleyApi;

contextBridge.exposeInMainWorld('parley', api);
