/**
 * The half of the web client's `window.parley` that talks to the server: one ChatClient (over
 * Socket.IO) and its file transfers. It is its own chunk, loaded by web-bridge.ts when the page
 * first needs it (the join), so the first screen loads without Socket.IO, the client and its
 * outbox. Events and progress go to the listeners the bridge collected before it loaded.
 */
import { ChatClient } from '../../client/chat-client';
import { FileTransfers } from '../../client/file-transfers';
import { adminTokenFromHash } from '../../shared/admin-link';
import type { ChatEvent, ParleyApi, TransferProgress } from '../../shared/api';
import { sanitizeFileName } from '../../shared/file-name';
import { JsonOutboxStore } from '../../shared/outbox-store';
import { ok } from '../../shared/result';
import type { ServerVisit } from '../../shared/saved-server-list';
import { browserDeviceKey } from './browser-device-key';

export interface WebChatHooks {
  /** Every event of the client. */
  event(event: ChatEvent): void;
  /** Every file transfer's progress. */
  progress(progress: TransferProgress): void;
  /** A server was joined: the bridge remembers it among the saved servers. */
  visited(visit: ServerVisit): void;
}

export interface WebChat {
  chat: Omit<ParleyApi['chat'], 'onEvent'>;
  files: Omit<ParleyApi['files'], 'onProgress'>;
}

export function createWebChat(
  hooks: WebChatHooks,
  // ChatClient's ids come from nanoid, which works on plain-http LAN pages (randomUUID does not).
  // The device key is this browser's, kept in IndexedDB: the same person on every visit.
  client: ChatClient = new ChatClient({
    outboxStore: localOutboxStore(),
    deviceKey: browserDeviceKey(),
  }),
): WebChat {
  // An admin link (`#admin=TOKEN`, printed by `parley serve`): the first join uses the token.
  let adminToken = adminTokenFromHash(location.hash);
  // Leaving the page (reload, close) disconnects at once, so others see us leave right away.
  window.addEventListener('pagehide', () => void client.disconnect());
  // Back online (Wi-Fi back, laptop awake): reconnect now instead of when the back-off says.
  window.addEventListener('online', () => client.reconnectNow());

  const files = new FileTransfers(client);
  files.onProgress(hooks.progress);
  client.onEvent((event) => {
    hooks.event(event);
    const url = client.status.url;
    if (event.type !== 'session' || url === null) return;
    hooks.visited({
      url,
      serverName: event.session.serverName,
      nickname: event.session.self.nickname,
    });
  });

  return {
    chat: {
      connect: async (url, nickname, options) => {
        const result = await client.connect(url, nickname, {
          passphrase: options?.passphrase,
          ...(adminToken !== null && { adminToken }),
          ...(options?.link ? { link: options.link } : {}),
        });
        // Used, or refused (used already, not this server's): either way it is done with, and
        // the next join goes without it.
        if (adminToken !== null && (result.ok || result.error.code === 'wrong_admin_token')) {
          adminToken = null;
          history.replaceState(null, '', location.pathname + location.search);
        }
        return result;
      },
      disconnect: () => client.disconnect(),
      post: async (text, room, replyTo) => client.post(text, room, replyTo),
      changeMessage: async (change, room) => client.changeMessage(change, room),
      pinnedMessages: (room) => client.pinnedMessages(room),
      retry: async (clientId) => client.retry(clientId),
      loadOlder: (room) => client.loadOlder(room),
      createRoom: (name) => client.createRoom(name),
      joinRoom: (room) => client.joinRoom(room),
      leaveRoom: (room) => client.leaveRoom(room),
      deleteRoom: (room) => client.deleteRoom(room),
      listRooms: (query) => client.listRooms(query),
      listPeople: (query) => client.listPeople(query),
      search: (query) => client.search(query),
      openDirect: (nickname) => client.openDirect(nickname),
      moderate: (request) => client.moderate(request),
      linkCode: () => client.linkCode(),
      markRead: (room, id) => client.markRead(room, id),
      discard: async (clientId) => client.discard(clientId),
      setTyping: (typing, room) => client.setTyping(typing, room),
      setPresence: (status, text) => client.setPresence(status, text),
      reconnectNow: async () => client.reconnectNow(),
    },
    files: {
      upload: (file, room, transferId) => files.upload(file, room, transferId),
      save: async (file, transferId) => {
        const result = await files.download(file, transferId);
        if (!result.ok) return result;
        offerDownload(result.bytes ?? new Uint8Array(0), result.file.name);
        return ok({ saved: true });
      },
      preview: (file) => files.preview(file),
      cancel: async (transferId) => files.cancel(transferId),
    },
  };
}

/**
 * Hands bytes to the browser as a download (never opened: an octet-stream Blob, whatever the
 * sender said the type was, and a link with `download`).
 */
function offerDownload(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = sanitizeFileName(name);
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by the time a task has passed; a minute is ample.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The browser keeps its outbox in localStorage: a reload does not lose unsent messages. */
function localOutboxStore(): JsonOutboxStore | null {
  const KEY = 'parley.outbox';
  try {
    const storage = window.localStorage;
    return new JsonOutboxStore({
      read: async () => storage.getItem(KEY),
      write: async (text) => storage.setItem(KEY, text),
    });
  } catch {
    return null; // storage disabled: the outbox lasts as long as the page
  }
}
