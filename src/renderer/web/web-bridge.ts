/**
 * `window.parley` for the web client: the ParleyApi contract implemented in the page over one
 * ChatClient. A browser cannot host a room, so hosting reports "unsupported" and never running;
 * it cannot listen for rooms on the LAN (mDNS) either, so discovery is always an empty list.
 * Saved servers and settings live in localStorage, with the same rules as the desktop app's
 * files; notifications use the browser's Notification API.
 */
import { ChatClient } from '../../client/chat-client';
import { FileTransfers } from '../../client/file-transfers';
import { sanitizeFileName } from '../../shared/file-name';
import { adminTokenFromHash } from '../../shared/admin-link';
import type {
  DiagnosticsReport,
  HostingStatus,
  ParleyApi,
  PeopleQuery,
  RoomListQuery,
  SearchQuery,
  SavedServer,
  Unsubscribe,
} from '../../shared/api';
import { JsonOutboxStore } from '../../shared/outbox-store';
import { SERVER_INFO_PATH, serverInfoSchema, type ServerInfo } from '../../shared/server-info';
import { browserDesktop } from './browser-desktop';
import { browserDeviceKey } from './browser-device-key';
import { browserSettings } from './browser-settings';
import { fail, ok, type Result } from '../../shared/result';
import {
  savedServersFileSchema,
  toSavedServers,
  withName,
  without,
  withVisit,
  type ServerVisit,
  type StoredServer,
} from '../../shared/saved-server-list';

const NOT_HOSTING: HostingStatus = { running: false, port: null, urls: [] };
const HOSTING_UNSUPPORTED =
  'Hosting a room needs the Parley desktop app (or `parley serve`); the browser can only join.';

export function createWebBridge(
  // ChatClient's ids come from nanoid, which works on plain-http LAN pages (randomUUID does not).
  // The device key is this browser's, kept in IndexedDB: the same person on every visit.
  client: ChatClient = new ChatClient({
    outboxStore: localOutboxStore(),
    deviceKey: browserDeviceKey(),
  }),
) {
  // An admin link (`#admin=TOKEN`, printed by `parley serve`): the first join uses the token.
  let adminToken = adminTokenFromHash(location.hash);
  // Leaving the page (reload, close) disconnects at once, so others see us leave right away.
  window.addEventListener('pagehide', () => void client.disconnect());
  // Back online (Wi-Fi back, laptop awake): reconnect now instead of when the back-off says.
  window.addEventListener('online', () => client.reconnectNow());

  const files = new FileTransfers(client);
  const servers = new LocalSavedServers();
  client.onEvent((event) => {
    const url = client.status.url;
    if (event.type !== 'session' || url === null) return;
    servers.record({
      url,
      serverName: event.session.serverName,
      nickname: event.session.self.nickname,
    });
  });

  return {
    runtime: {
      kind: 'web',
      canHost: false,
      defaultServerUrl: location.origin,
      servedBy: fetchServerInfo,
    },
    hosting: {
      start: async () => fail('unsupported', HOSTING_UNSUPPORTED),
      stop: async () => fail('unsupported', HOSTING_UNSUPPORTED),
      kick: async () => fail('unsupported', HOSTING_UNSUPPORTED),
      status: async () => NOT_HOSTING,
      onStatus: () => () => {},
    },
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
      // The optional clientId lets the composer retry a failed message without duplicating it.
      post: async (text: string, room?: string, replyTo?: number) =>
        client.post(text, room, replyTo),
      changeMessage: async (change, room) => client.changeMessage(change, room),
      pinnedMessages: (room) => client.pinnedMessages(room),
      retry: async (clientId: string) => client.retry(clientId),
      loadOlder: (room?: string) => client.loadOlder(room),
      createRoom: (name: string) => client.createRoom(name),
      joinRoom: (room: string) => client.joinRoom(room),
      leaveRoom: (room: string) => client.leaveRoom(room),
      deleteRoom: (room: string) => client.deleteRoom(room),
      listRooms: (query: RoomListQuery) => client.listRooms(query),
      listPeople: (query: PeopleQuery) => client.listPeople(query),
      search: (query: SearchQuery) => client.search(query),
      openDirect: (nickname: string) => client.openDirect(nickname),
      moderate: (request) => client.moderate(request),
      linkCode: () => client.linkCode(),
      markRead: (room: string, id: number) => client.markRead(room, id),
      discard: async (clientId: string) => client.discard(clientId),
      setTyping: (typing, room) => client.setTyping(typing, room),
      setPresence: (status, text) => client.setPresence(status, text),
      onEvent: (listener) => client.onEvent(listener),
      reconnectNow: async () => client.reconnectNow(),
    },
    // Browsers cannot send or hear multicast DNS: no rooms, ever (the UI suggests joining by URL).
    discovery: {
      rooms: async () => [],
      onRooms: () => () => {},
    },
    // parley:// links open the desktop app, never a page.
    links: {
      onJoinRequest: () => () => {},
    },
    servers: {
      list: async () => servers.list(),
      rename: async (url, name) => servers.rename(url, name),
      forget: async (url) => servers.forget(url),
      onChanged: (listener) => servers.onChanged(listener),
    },
    diagnostics: {
      run: async () => browserDiagnostics(),
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
      onProgress: (listener) => files.onProgress(listener),
    },
    // Notifications through the web Notification API, once the person allows them.
    desktop: browserDesktop(),
    // Nickname and notification preferences in localStorage.
    settings: browserSettings(),
  } satisfies ParleyApi;
}

const SAVED_SERVERS_KEY = 'parley.savedServers';

/**
 * Saved servers in localStorage. Storage can be missing or full (private windows, quotas): the
 * list then lives only as long as the page, and nothing fails because of it.
 */
export class LocalSavedServers {
  readonly #listeners = new Set<(servers: SavedServer[]) => void>();
  readonly #clock: () => number;
  #stored: StoredServer[];

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
    this.#stored = this.#load();
  }

  list(): SavedServer[] {
    return toSavedServers(this.#stored);
  }

  record(visit: ServerVisit): Result<{ servers: SavedServer[] }> {
    return this.#apply(withVisit(this.#stored, visit, this.#clock()));
  }

  rename(url: string, name: string): Result<{ servers: SavedServer[] }> {
    return this.#apply(withName(this.#stored, url, name));
  }

  forget(url: string): Result<{ servers: SavedServer[] }> {
    return this.#apply(without(this.#stored, url));
  }

  onChanged(listener: (servers: SavedServer[]) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #apply(edited: Result<{ stored: StoredServer[] }>): Result<{ servers: SavedServer[] }> {
    if (!edited.ok) return edited;
    this.#stored = edited.stored;
    try {
      localStorage.setItem(
        SAVED_SERVERS_KEY,
        JSON.stringify({ version: 1, servers: edited.stored }),
      );
    } catch {
      // Not stored: kept for this page only.
    }
    const servers = this.list();
    for (const listener of this.#listeners) listener(servers);
    return ok({ servers });
  }

  #load(): StoredServer[] {
    try {
      const text = localStorage.getItem(SAVED_SERVERS_KEY);
      if (text === null) return [];
      const parsed = savedServersFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.servers : [];
    } catch {
      return [];
    }
  }
}

/** What a page can say about the network: little, so it says what to try instead. */
function browserDiagnostics(): DiagnosticsReport {
  return {
    checkedAt: Date.now(),
    addresses: [],
    hosting: { running: false, port: null, checks: [] },
    discovery: {
      available: false,
      roomsFound: 0,
      problem: 'A browser cannot look for rooms on the network.',
    },
    hints: [
      {
        id: 'browser',
        title: 'In the browser, Parley cannot look at the network.',
        detail:
          'The Parley desktop app lists the rooms nearby and can check your network. Here, join by address.',
      },
      {
        id: 'join-by-url',
        title: 'You can always join by address.',
        detail:
          'Ask the host for the address in their Host panel (like http://192.168.1.5:4321), or scan their QR code.',
      },
    ],
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

/** The name the page's own server gives itself; null when it does not answer (an older server). */
async function fetchServerInfo(): Promise<ServerInfo | null> {
  try {
    const response = await fetch(SERVER_INFO_PATH, { cache: 'no-store' });
    if (!response.ok) return null;
    const parsed = serverInfoSchema.safeParse(await response.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
