/**
 * `window.parley` for the web client: the ParleyApi contract implemented in the page, its chat
 * and files over one ChatClient (web-chat.ts, loaded on first use). A browser cannot host a room,
 * so hosting reports "unsupported" and never running; it cannot listen for rooms on the LAN
 * (mDNS) either, so discovery is always an empty list. Saved servers and settings live in
 * localStorage, with the same rules as the desktop app's files; notifications use the browser's
 * Notification API.
 */
import type {
  ChatEvent,
  DiagnosticsReport,
  HostingStatus,
  ParleyApi,
  SavedServer,
  TransferProgress,
  Unsubscribe,
} from '../../shared/api';
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
import { SERVER_INFO_PATH, serverInfoSchema, type ServerInfo } from '../../shared/server-info';
import { browserDesktop } from './browser-desktop';
import { browserSettings } from './browser-settings';
import type { WebChat } from './web-chat';

const NOT_HOSTING: HostingStatus = { running: false, port: null, urls: [] };
const HOSTING_UNSUPPORTED =
  'Hosting a room needs the Parley desktop app (or `parley serve`); the browser can only join.';

/** Reloads the page if the server answers now; else fails, as the chat half's load did. */
async function reloadWhenServerAnswers(): Promise<never> {
  const answer = await fetch(location.href, { cache: 'no-store' }).catch(() => null);
  if (!answer?.ok) throw new Error(answer ? `the server answered ${answer.status}` : 'no answer');
  location.reload();
  return new Promise<never>(() => {});
}

export function createWebBridge() {
  const servers = new LocalSavedServers();
  const events = new Set<(event: ChatEvent) => void>();
  const progress = new Set<(progress: TransferProgress) => void>();
  let loading: Promise<WebChat> | null = null;
  let loaded: WebChat | null = null;
  let failedToLoad = false;
  /**
   * The chat half, loaded once. After a failed load the browser may keep the module as failed
   * for the page's life (Chromium does: the HTML standard's module map caches a failed fetch), so
   * importing it again fails at once whatever the network does. So the next call, once the
   * server answers again, loads the page afresh instead (the start screen: nothing is lost); while
   * the server does not answer, it fails as the first did.
   */
  const load = (): Promise<WebChat> =>
    (loading ??= (failedToLoad ? reloadWhenServerAnswers() : import('./web-chat')).then(
      ({ createWebChat }) =>
        (loaded = createWebChat({
          event: (event) => events.forEach((listener) => listener(event)),
          progress: (each) => progress.forEach((listener) => listener(each)),
          visited: (visit) => servers.record(visit),
        })),
      (error: unknown) => {
        loading = null;
        failedToLoad = true;
        throw error;
      },
    ));
  /** A call into the chat half; if it cannot be loaded, the call fails as unreachable. */
  const via =
    <A extends unknown[], T extends object>(
      pick: (chat: WebChat) => (...args: A) => Promise<Result<T>>,
    ) =>
    async (...args: A): Promise<Result<T>> => {
      let chat: WebChat;
      try {
        chat = await load();
      } catch (error) {
        const cause = error instanceof Error ? error.message : String(error);
        return fail(
          'unreachable',
          `The rest of Parley did not load from the server (${cause}). Check the connection and try again.`,
        );
      }
      return pick(chat)(...args);
    };

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
      connect: via((chat) => chat.chat.connect),
      // Before the chat half is loaded there is no connection, no typing and nothing to retry.
      disconnect: async () => loaded?.chat.disconnect(),
      post: via((chat) => chat.chat.post),
      changeMessage: via((chat) => chat.chat.changeMessage),
      pinnedMessages: via((chat) => chat.chat.pinnedMessages),
      retry: via((chat) => chat.chat.retry),
      loadOlder: via((chat) => chat.chat.loadOlder),
      createRoom: via((chat) => chat.chat.createRoom),
      joinRoom: via((chat) => chat.chat.joinRoom),
      leaveRoom: via((chat) => chat.chat.leaveRoom),
      deleteRoom: via((chat) => chat.chat.deleteRoom),
      listRooms: via((chat) => chat.chat.listRooms),
      listPeople: via((chat) => chat.chat.listPeople),
      search: via((chat) => chat.chat.search),
      openDirect: via((chat) => chat.chat.openDirect),
      moderate: via((chat) => chat.chat.moderate),
      linkCode: via((chat) => chat.chat.linkCode),
      markRead: via((chat) => chat.chat.markRead),
      discard: via((chat) => chat.chat.discard),
      setTyping: async (typing, room) => loaded?.chat.setTyping(typing, room),
      setPresence: via((chat) => chat.chat.setPresence),
      onEvent: (listener) => {
        events.add(listener);
        return () => events.delete(listener);
      },
      reconnectNow: async () => loaded?.chat.reconnectNow(),
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
      upload: via((chat) => chat.files.upload),
      save: via((chat) => chat.files.save),
      preview: via((chat) => chat.files.preview),
      cancel: via((chat) => chat.files.cancel),
      onProgress: (listener) => {
        progress.add(listener);
        return () => progress.delete(listener);
      },
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
