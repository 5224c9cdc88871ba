/**
 * TEST DOUBLE for the Electron main process and preload, which cannot run here (no Electron
 * binary): a scripted `window.parley` (the ParleyApi of src/shared/api.ts), installed in the page
 * with page.addInitScript before the built desktop renderer runs. It lets the renderer's
 * desktop-only screens (hosting, invites, LAN rooms, join links, diagnostics, notifications, the
 * badge, settings) be driven without
 * the real bridge. The real preload + main process are covered by tests/e2e/desktop, where
 * Electron exists.
 *
 * `installParleyDouble` is serialized into the page: it must use nothing from this module's scope.
 * That is also why it is long (over 400 lines): the whole ParleyApi stand-in is one function,
 * with no helpers outside it to split into.
 */
import type {
  ChatEvent,
  DiagnosticsReport,
  DiscoveredRoom,
  HostingStatus,
  Invite,
  JoinRequest,
  NotificationPermissionState,
  ParleyApi,
  SavedServer,
  TransferProgress,
  Unsubscribe,
} from '../../../src/shared/api';
import type { JoinedSession } from '../../../src/shared/protocol';
import type { Settings } from '../../../src/shared/settings';

/** A port the double reports as taken by another program. */
export const TAKEN_PORT = 4321;
/** The port "any free port" (0) ends up on. */
export const FREE_PORT = 49152;
/** What hosting on FREE_PORT shares: one URL per interface, plus localhost. */
export const HOSTED_URLS = [`http://192.168.1.5:${FREE_PORT}`, `http://localhost:${FREE_PORT}`];

/** The certificate fingerprint of a room hosted with `secure` (an encrypted connection). */
export const HOSTED_FINGERPRINT = '5A:'.repeat(31) + '5A';
/** A server whose certificate no longer matches the one pinned for it: joining is refused. */
export const CHANGED_CERTIFICATE = {
  url: 'https://192.168.1.40:4321',
  pinned: '11:'.repeat(31) + '11',
  presented: '22:'.repeat(31) + '22',
};

export const COMPATIBLE_ROOM = { name: 'Design team', url: 'http://192.168.1.20:4321' };
export const INCOMPATIBLE_ROOM = { name: 'Old lounge', url: 'http://192.168.1.30:4321' };

export const DIAGNOSTIC_HINTS = [
  {
    id: 'firewall',
    title: 'A firewall may be blocking the port.',
    detail: 'Allow Parley through the firewall for private networks.',
  },
  {
    id: 'vpn',
    title: 'A VPN is on.',
    detail: 'Others on the network may not reach the VPN address; share the Wi-Fi one.',
  },
] as const;
export const DIAGNOSTIC_ADDRESS_CIDR = '192.168.1.5/24';

/** A call the renderer made to `window.parley`. */
export interface RecordedCall {
  method: string;
  args: unknown[];
}

/** The hooks the double puts on `window.parleyDouble` for the test. */
export interface ParleyDoubleHooks {
  calls: RecordedCall[];
  /** Delivers a `parley://join?…` link, as the main process does when the app is opened with one. */
  requestJoin(request: JoinRequest): void;
  /** Pushes a ChatClient event to the renderer (chat.onEvent). */
  emitChat(event: ChatEvent): void;
  /** CSP violations seen by the page (securitypolicyviolation events): `<directive> <blocked> from <path>`. */
  cspViolations: string[];
  /** The person clicked the notification of `room` (desktop.onNotificationClick). */
  clickNotification(room: string): void;
}

/**
 * The settings the double starts with are read from sessionStorage under this key (JSON), so a
 * test can store some and reload, as the app restarts with its settings file; default: none.
 */
export const DOUBLE_SETTINGS_KEY = 'parleyDouble.settings';

export interface DoubleOptions {
  protocolVersion: number;
  takenPort: number;
  freePort: number;
  hostedUrls: string[];
  hostedFingerprint: string;
  changedCertificate: { url: string; pinned: string; presented: string };
  rooms: { name: string; url: string; compatible: boolean; host: string }[];
  hints: readonly { id: string; title: string; detail: string }[];
}

export const DOUBLE_OPTIONS: DoubleOptions = {
  protocolVersion: 1,
  takenPort: TAKEN_PORT,
  freePort: FREE_PORT,
  hostedUrls: HOSTED_URLS,
  hostedFingerprint: HOSTED_FINGERPRINT,
  changedCertificate: CHANGED_CERTIFICATE,
  rooms: [
    { ...COMPATIBLE_ROOM, compatible: true, host: 'bea' },
    { ...INCOMPATIBLE_ROOM, compatible: false, host: 'carl' },
  ],
  hints: DIAGNOSTIC_HINTS,
};

/** Runs in the page (addInitScript), before the renderer's own script. */
export function installParleyDouble(options: DoubleOptions): void {
  const calls: RecordedCall[] = [];
  const cspViolations: string[] = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    const source = event.sourceFile ? new URL(event.sourceFile).pathname : '(no source)';
    cspViolations.push(`${event.violatedDirective} ${event.blockedURI} from ${source}`);
  });

  function record(method: string, ...args: unknown[]): void {
    calls.push({ method, args: JSON.parse(JSON.stringify(args)) as unknown[] });
  }

  function listeners<T>() {
    const set = new Set<(value: T) => void>();
    return {
      add(listener: (value: T) => void): Unsubscribe {
        set.add(listener);
        return () => set.delete(listener);
      },
      emit(value: T): void {
        for (const listener of [...set]) listener(value);
      },
      get size(): number {
        return set.size;
      },
    };
  }

  const notHosting: HostingStatus = { running: false, port: null, urls: [] };
  let hosting: HostingStatus = notHosting;
  const hostingListeners = listeners<HostingStatus>();
  const chatListeners = listeners<ChatEvent>();
  const roomListeners = listeners<DiscoveredRoom[]>();
  const linkListeners = listeners<JoinRequest>();
  const serverListeners = listeners<SavedServer[]>();
  const pendingLinks: JoinRequest[] = [];
  const notificationClickListeners = listeners<string>();
  const progressListeners = listeners<TransferProgress>();
  let servers: SavedServer[] = [];
  // What the settings file holds; every update is also kept for a reload (see DOUBLE_SETTINGS_KEY).
  let settings: Settings = {
    version: 1,
    nickname: '',
    notifications: { enabled: true, mentionsOnly: false, mutedRooms: [] },
    awayAfterSeconds: 300,
  };
  const storedSettings = sessionStorage.getItem('parleyDouble.settings');
  if (storedSettings !== null) settings = JSON.parse(storedSettings) as Settings;

  function invite(url: string, fingerprint: string | null): Invite {
    // A real (if tiny) SVG: the <img> must load it under the page's CSP (img-src data:).
    const qrSvg =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" width="96" height="96">' +
      '<rect width="4" height="4" fill="#fff"/><rect width="2" height="2" fill="#000"/>' +
      '<rect x="2" y="2" width="2" height="2" fill="#000"/></svg>';
    return {
      url,
      joinLink:
        `parley://join?url=${encodeURIComponent(url)}` +
        (fingerprint === null ? '' : `&fp=${encodeURIComponent(fingerprint)}`),
      qrSvg,
      qrDataUrl: `data:image/svg+xml,${encodeURIComponent(qrSvg)}`,
    };
  }

  const rooms: DiscoveredRoom[] = options.rooms.map((room, index) => ({
    id: `room-${index}`,
    roomName: room.name,
    hostNickname: room.host,
    url: room.url,
    urls: [room.url],
    passphraseRequired: false,
    protocolVersion: room.compatible ? options.protocolVersion : options.protocolVersion + 1,
    compatible: room.compatible,
    fingerprint: null,
    own: false,
  }));

  let sessionCount = 0;
  function sessionFor(url: string, nickname: string): JoinedSession {
    sessionCount += 1;
    const self = { id: `user-${sessionCount}`, nickname };
    return {
      self,
      room: 'lobby',
      users: [self],
      userCount: 1,
      presence: { [self.id]: { status: 'online', since: Date.now() } },
      messages: [],
      hasMore: false,
      hasOlder: false,
      rooms: [{ id: 'lobby', kind: 'room', name: 'Lobby', members: 1 }],
      roomCount: 1,
      readPositions: {},
      directs: [],
      host: false,
      serverName: new URL(url).hostname,
      protocolVersion: options.protocolVersion,
    };
  }

  function remember(url: string, session: JoinedSession): void {
    servers = [
      {
        url,
        name: session.serverName,
        serverName: session.serverName,
        renamed: false,
        nickname: session.self.nickname,
        lastJoinedAt: Date.now(),
      },
      ...servers.filter((server) => server.url !== url),
    ];
    serverListeners.emit(servers);
  }

  const api: ParleyApi = {
    runtime: { kind: 'desktop', canHost: true, defaultServerUrl: null },
    hosting: {
      async start(hostOptions) {
        record('hosting.start', hostOptions);
        if (hostOptions.port === options.takenPort) {
          return {
            ok: false,
            error: {
              code: 'port_in_use',
              message: `Port ${hostOptions.port} is used by another program.`,
            },
          };
        }
        const port = hostOptions.port === 0 ? options.freePort : hostOptions.port;
        // An encrypted room: https URLs, and the certificate's fingerprint in status and links.
        const fingerprint = hostOptions.secure ? options.hostedFingerprint : null;
        const urls = options.hostedUrls.map((url) =>
          url.replace(/:\d+$/, `:${port}`).replace(/^http:/, fingerprint ? 'https:' : 'http:'),
        );
        const invites = urls.map((url) => invite(url, fingerprint));
        const passphraseRequired = Boolean(hostOptions.passphrase);
        hosting = {
          running: true,
          port,
          urls,
          invites,
          advertised: null,
          fingerprint,
          passphraseRequired,
        };
        hostingListeners.emit(hosting);
        return { ok: true, status: hosting };
      },
      async kick(userId) {
        record('hosting.kick', userId);
        return { ok: true };
      },
      async stop() {
        record('hosting.stop');
        hosting = notHosting;
        hostingListeners.emit(hosting);
        return { ok: true, status: hosting };
      },
      async status() {
        return hosting;
      },
      onStatus: (listener) => hostingListeners.add(listener),
    },
    chat: {
      async connect(url, nickname, joinOptions) {
        record('chat.connect', url, nickname, ...(joinOptions ? [joinOptions] : []));
        const changed = options.changedCertificate;
        if (url === changed.url && joinOptions?.fingerprint !== changed.presented) {
          // What the main process's certificate pinning answers (src/client/node).
          const message =
            `The certificate of ${url} has changed since you first joined. It was ` +
            `${changed.pinned}; it is now ${changed.presented}. Someone may be intercepting ` +
            'the connection, so Parley did not connect.';
          chatListeners.emit({
            type: 'status',
            status: { state: 'disconnected', url, reason: message },
          });
          return { ok: false, error: { code: 'certificate_changed', message } };
        }
        const session = sessionFor(url, nickname);
        chatListeners.emit({ type: 'status', status: { state: 'connected', url, reason: null } });
        chatListeners.emit({ type: 'session', session });
        remember(url, session);
        return { ok: true, session };
      },
      async disconnect() {
        record('chat.disconnect');
        chatListeners.emit({
          type: 'status',
          status: { state: 'disconnected', url: null, reason: null },
        });
      },
      async post(text) {
        record('chat.post', text);
        return { ok: false, error: { code: 'not_connected', message: 'Not connected.' } };
      },
      async changeMessage(change) {
        record('chat.changeMessage', change);
        return { ok: false, error: { code: 'not_connected', message: 'Not connected.' } };
      },
      async pinnedMessages() {
        record('chat.pinnedMessages');
        return { ok: true, messages: [] };
      },
      async createRoom(name) {
        record('chat.createRoom', name);
        return { ok: true, room: { id: 'r-double', kind: 'room', name, members: 0 } };
      },
      async joinRoom(room) {
        record('chat.joinRoom', room);
        return { ok: false, error: { code: 'unknown_room', message: 'There is no such room.' } };
      },
      async leaveRoom(room) {
        record('chat.leaveRoom', room);
        return { ok: true };
      },
      async deleteRoom(room) {
        record('chat.deleteRoom', room);
        return { ok: true };
      },
      async listRooms(query) {
        record('chat.listRooms', query);
        return { ok: true, rooms: [], total: 0, hasMore: false };
      },
      async listPeople(query) {
        record('chat.listPeople', query);
        return { ok: true, users: [], total: 0 };
      },
      async search(query) {
        record('chat.search', query);
        return { ok: true, results: [], hasMore: false };
      },
      async openDirect(nickname) {
        record('chat.openDirect', nickname);
        return {
          ok: false,
          error: {
            code: 'unknown_user',
            message: `Nobody called "${nickname}" has joined this server.`,
          },
        };
      },
      async moderate(request) {
        record('chat.moderate', request);
        return { ok: true };
      },
      async loadOlder() {
        record('chat.loadOlder');
        return { ok: true, count: 0, hasOlder: false };
      },
      async retry(clientId) {
        record('chat.retry', clientId);
        return { ok: true };
      },
      async discard(clientId) {
        record('chat.discard', clientId);
        return { ok: true };
      },
      async setTyping(typing) {
        record('chat.setTyping', typing);
      },
      async setPresence(status, text) {
        record('chat.setPresence', status, text);
        return { ok: true, presence: { status, ...(text ? { text } : {}), since: Date.now() } };
      },
      onEvent: (listener) => chatListeners.add(listener),
      async reconnectNow() {
        record('chat.reconnectNow');
      },
      async linkCode() {
        record('chat.linkCode');
        return { ok: true, code: '7KQ4MZ2HXP', expiresAt: Date.now() + 300_000 };
      },
      async markRead(room, id) {
        record('chat.markRead', room, id);
        return { ok: true, room, id };
      },
    },
    // Files need a server: the double records the calls and answers like a client that is not
    // connected (tests/e2e/web/files.spec.ts covers files against a real server).
    files: {
      async upload(file, room, transferId) {
        record('files.upload', file.name, room, transferId);
        return { ok: false, error: { code: 'not_connected', message: 'Not connected.' } };
      },
      async save(file, transferId) {
        record('files.save', file.id, transferId);
        return { ok: false, error: { code: 'not_connected', message: 'Not connected.' } };
      },
      async preview(file) {
        record('files.preview', file.id);
        return { ok: false, error: { code: 'not_connected', message: 'Not connected.' } };
      },
      async cancel(transferId) {
        record('files.cancel', transferId);
        return { ok: true };
      },
      onProgress: (listener) => progressListeners.add(listener),
    },
    discovery: {
      async rooms() {
        record('discovery.rooms');
        return rooms;
      },
      onRooms: (listener) => roomListeners.add(listener),
    },
    links: {
      onJoinRequest(listener) {
        const off = linkListeners.add(listener);
        // Like the preload: a link that arrived before anyone listened goes to the first listener.
        for (const request of pendingLinks.splice(0)) listener(request);
        return off;
      },
    },
    servers: {
      async list() {
        return servers;
      },
      async rename(url, name) {
        record('servers.rename', url, name);
        servers = servers.map((server) =>
          server.url === url ? { ...server, name, renamed: true } : server,
        );
        serverListeners.emit(servers);
        return { ok: true, servers };
      },
      async forget(url) {
        record('servers.forget', url);
        servers = servers.filter((server) => server.url !== url);
        serverListeners.emit(servers);
        return { ok: true, servers };
      },
      onChanged: (listener) => serverListeners.add(listener),
    },
    desktop: {
      async notify(notification) {
        record('desktop.notify', notification);
        return { ok: true };
      },
      async setUnread(count) {
        record('desktop.setUnread', count);
        return { ok: true };
      },
      // The app needs no permission to notify (where the system can).
      notificationPermission: async (): Promise<NotificationPermissionState> => 'granted',
      async requestNotificationPermission(): Promise<NotificationPermissionState> {
        record('desktop.requestNotificationPermission');
        return 'granted';
      },
      onNotificationClick: (listener) => notificationClickListeners.add(listener),
    },
    settings: {
      async get() {
        return settings;
      },
      async update(patch) {
        record('settings.update', patch);
        // The real checks are the settings file's (src/desktop/settings-file.spec.ts); here a plain
        // merge of what the renderer sends.
        const given = patch as Partial<Settings> & {
          notifications?: Partial<Settings['notifications']>;
        };
        settings = {
          ...settings,
          ...(given.nickname === undefined ? {} : { nickname: given.nickname }),
          notifications: { ...settings.notifications, ...given.notifications },
        };
        sessionStorage.setItem('parleyDouble.settings', JSON.stringify(settings));
        return { ok: true, settings };
      },
    },
    diagnostics: {
      async run(): Promise<DiagnosticsReport> {
        record('diagnostics.run');
        return {
          checkedAt: Date.now(),
          addresses: [
            {
              interfaceName: 'eth0',
              address: '192.168.1.5',
              family: 'IPv4',
              cidr: '192.168.1.5/24',
              linkLocal: false,
              vpn: false,
              joinUrl: hosting.running ? `http://192.168.1.5:${hosting.port}` : null,
            },
            {
              interfaceName: 'wg0',
              address: '10.8.0.2',
              family: 'IPv4',
              cidr: '10.8.0.2/32',
              linkLocal: false,
              vpn: true,
              joinUrl: null,
            },
          ],
          hosting: { running: hosting.running, port: hosting.port, checks: [] },
          discovery: { available: true, roomsFound: rooms.length, problem: null },
          hints: options.hints.map((hint) => ({ ...hint }) as DiagnosticsReport['hints'][number]),
        };
      },
    },
  };

  const hooks: ParleyDoubleHooks = {
    calls,
    cspViolations,
    requestJoin(request) {
      if (linkListeners.size === 0) pendingLinks.push(request);
      else linkListeners.emit(request);
    },
    emitChat(event) {
      chatListeners.emit(event);
    },
    clickNotification(room) {
      notificationClickListeners.emit(room);
    },
  };

  Object.defineProperty(window, 'parley', { value: Object.freeze(api), enumerable: true });
  Object.defineProperty(window, 'parleyDouble', { value: hooks, enumerable: true });
}
