/**
 * The contract between the renderer and whatever provides `window.parley`: the preload script in
 * the desktop app (backed by the main process over IPC) or the in-page bridge of the web client
 * (backed directly by ChatClient). The renderer knows only the ParleyApi interface.
 * In the desktop app the preload serves it over IPC; that channel table is ipc-contract.ts.
 * Over 450 lines, one job: it is the whole contract (types only, one section per part of the
 * API), kept in one file so that both providers and the renderer read the same definitions.
 */
import type { ServerInfo } from './server-info';
import type { JoinLink } from './join-link';
import type {
  ChatMessage,
  FileAttachment,
  JoinedRoom,
  JoinedSession,
  LinkCode,
  MessageChange,
  PeoplePage,
  Presence,
  ReadPosition,
  RoomInfo,
  RoomPage,
  SearchPage,
  User,
} from './protocol';
import type { ErrorInfo, Result } from './result';
import type { PeoplePagePayload, RoomListPayload, SearchQueryPayload } from './schemas';
import type { Settings } from './settings';

/** What `chat.listRooms` asks for: see `room:list` in docs/PROTOCOL.md. */
export type RoomListQuery = RoomListPayload;

/** What `chat.listPeople` asks for: see `people:page` in docs/PROTOCOL.md. */
export type PeopleQuery = PeoplePagePayload;

/** What `chat.search` asks for: see `search:query` in docs/PROTOCOL.md. */
export type SearchQuery = SearchQueryPayload;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Server origin, when there is one. */
  url: string | null;
  /** Why the connection is not (or no longer) up, in words people understand. */
  reason: string | null;
}

/**
 * One of this person's own messages that the server has not acknowledged yet. `sending`: it goes
 * out whenever the connection is up, and again after every reconnect, with the same clientId (so
 * it is never stored twice); `failed`: the server refused it (`error` says why) — retry or discard.
 */
export interface OutboxEntry {
  clientId: string;
  /** The room it goes to; absent: the lobby. */
  room?: string;
  /** Empty for a change. */
  text: string;
  /** A reply: the id of the message it answers. */
  replyTo?: number;
  /** A change to an earlier message (sent with `message:change`) instead of a message. */
  change?: MessageChange;
  state: 'sending' | 'failed';
  error: ErrorInfo | null;
  /** When it was written, in ms since the epoch (this machine's clock). */
  createdAt: number;
}

/** Where an outbox lasts between runs (the desktop app: a file in its data directory). */
export interface OutboxStore {
  /** The entries kept under `key` (one server and nickname), oldest first; [] when none. */
  load(key: string): Promise<OutboxEntry[]>;
  save(key: string, entries: OutboxEntry[]): Promise<void>;
}

export type PresenceStatus = Presence['status'];

/** What ChatClient reports; the UI state is built from these alone. */
export type ChatEvent =
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'session'; session: JoinedSession }
  | { type: 'message'; message: ChatMessage }
  | { type: 'user-joined'; room: string; user: User }
  | { type: 'user-left'; room: string; user: User }
  | { type: 'typing'; room: string; user: User; typing: boolean }
  /** Someone was renamed or got or lost a role (this person too): how they show now. */
  | { type: 'person-updated'; user: User }
  /** Someone's presence changed (this person's too); the session event holds everyone's. */
  | { type: 'presence'; user: User; presence: Presence }
  /** Joined a room or a direct conversation (also when someone opened one with you). */
  | { type: 'room-joined'; joined: JoinedRoom }
  | { type: 'room-left'; room: string }
  | { type: 'room-created'; room: RoomInfo }
  /** A room was deleted (by its creator or the host): it is gone from the list, and left. */
  | {
      type: 'room-deleted';
      room: string;
      /** Rooms left on the server, when the server said (absent: found gone on a rejoin). */
      roomCount?: number;
    }
  | { type: 'room-counts'; counts: Record<string, number> }
  /** Another device of this person read `room` up to message `id` (their read position). */
  | { type: 'read'; room: string; id: number }
  | { type: 'outbox'; entries: OutboxEntry[] }
  /** Older messages, loaded by `loadOlder` (oldest first); `hasOlder`: still more before them. */
  | { type: 'history'; room: string; messages: ChatMessage[]; hasOlder: boolean }
  | { type: 'notice'; text: string }
  | { type: 'error'; error: ErrorInfo };

export interface HostingStatus {
  running: boolean;
  port: number | null;
  /** URLs others can use to join (one per network interface, plus localhost). */
  urls: string[];
  /**
   * What to share, one per URL in `urls` (same order): the desktop app always fills it while
   * running; absent or empty otherwise.
   */
  invites?: Invite[];
  /** Joining needs a passphrase. */
  passphraseRequired?: boolean;
  /** The room as announced on the local network (LAN discovery); null when not announced. */
  advertised?: AdvertisedRoom | null;
  /**
   * SHA-256 fingerprint (`AB:CD:…`) of the room's TLS certificate when it is hosted with an
   * encrypted connection (https); null or absent without.
   */
  fingerprint?: string | null;
}

/** A way into a hosted room, for the host panel. */
export interface Invite {
  /** The join URL (`http://192.168.1.5:4321`): browsers open the web client there. */
  url: string;
  /** The same room as a `parley://join?url=…` link, which opens the desktop app. */
  joinLink: string;
  /** QR code of `url` (for phones, which open the web client), as SVG markup. */
  qrSvg: string;
  /** The same QR code as a `data:image/svg+xml` URL, for an <img> (CSP allows data: images). */
  qrDataUrl: string;
}

export interface AdvertisedRoom {
  /** Random per hosting run; matches DiscoveredRoom.id. */
  id: string;
  roomName: string;
  hostNickname: string;
}

export interface HostOptions {
  port: number;
  /** Room name announced on the LAN; default "<hostNickname>'s room", else the machine's name. */
  roomName?: string;
  /** The host's nickname, announced with the room. */
  hostNickname?: string;
  /** Announce the room on the local network (DNS-SD); default true. */
  advertise?: boolean;
  /** People must give this passphrase to join; empty or absent: anyone on the network may. */
  passphrase?: string;
  /**
   * Serve https and wss with the app's self-signed certificate (made once, then kept), whose
   * fingerprint the join links carry; default false (plain http).
   */
  secure?: boolean;
}

/** A room found on the local network (DNS-SD service `_parley._tcp`, see docs/PROTOCOL.md). */
export interface DiscoveredRoom {
  /** The room's announcement id: one entry per room, however many ways it was heard. */
  id: string;
  roomName: string;
  hostNickname: string;
  /** The origin to join: the address the announcement came from, when the room lists it. */
  url: string;
  /** Every origin the room announced (one per address it has). */
  urls: string[];
  passphraseRequired: boolean;
  protocolVersion: number;
  /** False when the room speaks another protocol version than this app: show, but do not join. */
  compatible: boolean;
  /** SHA-256 fingerprint of the room's TLS certificate (`AB:CD:…`), or null without TLS. */
  fingerprint: string | null;
  /** The room this app is hosting itself. */
  own: boolean;
}

/** A server joined before, remembered in the app's data (the browser: localStorage). */
export interface SavedServer {
  /** Normalized origin; the key. */
  url: string;
  /** What to show: the name the person chose, else the server's own name. */
  name: string;
  /** The server's own name, from its last join acknowledgement. */
  serverName: string;
  /** True once the person renamed it: later joins no longer change `name`. */
  renamed: boolean;
  /** Nickname used there last time. */
  nickname: string;
  /** When it was last joined, in ms since the epoch. */
  lastJoinedAt: number;
}

/** A `parley://join?…` link the app was opened with; the UI asks before it joins. */
export interface JoinRequest extends JoinLink {
  /** The link as received. */
  link: string;
}

export interface NetworkAddress {
  /** Interface name as the OS calls it (`eth0`, `Wi-Fi`, `en0`). */
  interfaceName: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  /** `192.168.1.5/24`, when the OS says. */
  cidr: string | null;
  /** IPv6 link-local (`fe80::…`) or IPv4 169.254.x.x: usable on this link only. */
  linkLocal: boolean;
  /** The interface looks like a VPN tunnel (tun, utun, wg, ppp, …). */
  vpn: boolean;
  /** The join URL that uses this address while hosting, or null. */
  joinUrl: string | null;
}

export interface PortCheck {
  /** Where it connected: `127.0.0.1:4321`, `192.168.1.5:4321`, `[fe80::1]:4321`. */
  target: string;
  /** True when the Parley server answered the Socket.IO handshake there. */
  ok: boolean;
  /** In plain words: "Answering.", "Nothing is listening.", "No answer in 2 s (firewall?)." */
  detail: string;
}

export type DiagnosticHintId =
  | 'no-network'
  | 'port-not-answering'
  | 'address-not-answering'
  | 'discovery-unavailable'
  | 'firewall'
  | 'client-isolation'
  | 'vpn'
  | 'join-by-url'
  | 'browser';

export interface DiagnosticHint {
  id: DiagnosticHintId;
  /** One line: the likely cause. */
  title: string;
  /** What to try, in plain words. */
  detail: string;
}

export interface DiagnosticsReport {
  /** When it ran, in ms since the epoch. */
  checkedAt: number;
  /** This machine's network addresses (not loopback); empty in the browser. */
  addresses: NetworkAddress[];
  hosting: { running: boolean; port: number | null; checks: PortCheck[] };
  discovery: {
    /** LAN discovery runs here (false in the browser, or when multicast could not start). */
    available: boolean;
    roomsFound: number;
    /** Why discovery is not available, in words. */
    problem: string | null;
  };
  /** Likely causes and what to try, most useful first. */
  hints: DiagnosticHint[];
}

export type Unsubscribe = () => void;

/** A desktop notification to show for a new message (plain text only: never HTML). */
export interface NotificationRequest {
  /** Who wrote, and where: "alice in Lobby". */
  title: string;
  /** The first line of the message, shortened. */
  body: string;
  /** The room it belongs to (`ChatMessage.room`): clicking the notification opens it. */
  room: string;
}

/**
 * Whether notifications may be shown: the browser asks the person once (`default` until they
 * answer); the desktop app may always show them where the system supports them.
 */
/**
 * Whether notifications may show. `insecure`: a browser page served over plain http from another
 * machine (not a secure context), where browsers do not allow notifications at all.
 */
export type NotificationPermissionState =
  'granted' | 'denied' | 'default' | 'unsupported' | 'insecure';

/** A file the person chose (picker, drop or paste), to send. */
export interface OutgoingFile {
  name: string;
  /** What the browser or system says it is (`image/png`); may be empty. */
  type: string;
  bytes: Uint8Array;
}

/**
 * How far a transfer is (`files.upload`, `files.save`), by the id its caller gave it: `done` of
 * `total` bytes.
 */
export interface TransferProgress {
  transferId: string;
  done: number;
  total: number;
}

/**
 * What an admin or moderator asks the server to do (docs/PROTOCOL.md, "Roles and moderation"):
 * `remove` a person (`person:remove`, for `minutes`, default the server's cooldown), give or take
 * the moderator role (`role:set`), `rename` someone (`name:set`), free a name (`name:release`).
 */
export type ModerationRequest =
  | { action: 'remove'; userId: string; minutes?: number }
  | { action: 'set-role'; userId: string; role: 'moderator' | 'none' }
  | { action: 'rename'; userId: string; nickname: string }
  | { action: 'release-name'; nickname: string };

/** What the server answered: the person as they show now, or the name released. */
export interface ModerationReply {
  user?: User;
  released?: string;
}

/** How to join, beyond the address and nickname. */
export interface JoinOptions {
  /** The room's passphrase, when the server asks for one (`passphrase_required`). */
  passphrase?: string;
  /** A join link's certificate fingerprint (`fp`): the desktop app refuses any other. */
  fingerprint?: string | null;
  /** An admin link's one-time token (`#admin=…`): joining with it makes this person an admin. */
  adminToken?: string;
  /**
   * A one-time code from another device of this person (`device:link-code`): this device joins
   * as them. Used for this join only; later joins (reconnects) need none.
   */
  link?: string;
}

export interface ParleyApi {
  /** What this runtime can do: the browser client cannot host. */
  readonly runtime: {
    kind: 'desktop' | 'web';
    canHost: boolean;
    defaultServerUrl: string | null;
    /**
     * The web client only: the server that served the page, as it names itself
     * (`GET /server-info.json`); null when it does not say.
     */
    servedBy?: () => Promise<ServerInfo | null>;
  };
  readonly hosting: {
    start(options: HostOptions): Promise<Result<{ status: HostingStatus }>>;
    stop(): Promise<Result<{ status: HostingStatus }>>;
    /**
     * Removes someone (by user id) from the room this app hosts: they are told and disconnected,
     * and cannot join again from their address for a few minutes (see ChatServer.kick).
     */
    kick(userId: string): Promise<Result>;
    status(): Promise<HostingStatus>;
    onStatus(listener: (status: HostingStatus) => void): Unsubscribe;
  };
  readonly chat: {
    connect(
      url: string,
      nickname: string,
      options?: JoinOptions,
    ): Promise<Result<{ session: JoinedSession }>>;

    disconnect(): Promise<void>;
    /**
     * Puts a message in the outbox: it is sent now if connected, else as soon as the connection
     * is back, and resent after every reconnect until the server acknowledges it. Fails only for
     * text the server would refuse (too long, empty) or when no server was joined.
     */
    post(text: string, room?: string, replyTo?: number): Promise<Result<{ entry: OutboxEntry }>>;
    /**
     * Puts a change to an earlier message (edit, delete, reaction, pin) in the outbox: sent and
     * resent like a message, applied once. It shows once the server's entry comes back.
     */
    changeMessage(change: MessageChange, room?: string): Promise<Result<{ entry: OutboxEntry }>>;
    /** The messages pinned in a room now. */
    pinnedMessages(room?: string): Promise<Result<{ messages: ChatMessage[] }>>;
    /**
     * Loads the page of messages before the oldest one held (scrolling back); they arrive as a
     * `history` event too. `hasOlder` false: the start of the room's history is reached.
     */
    loadOlder(room?: string): Promise<Result<{ count: number; hasOlder: boolean }>>;
    /** Creates a room (name 1–48 characters, unique ignoring case); it does not join it. */
    createRoom(name: string): Promise<Result<{ room: RoomInfo }>>;
    /** Joins a room; the client rejoins it by itself after reconnects. */
    joinRoom(room: string): Promise<Result<{ joined: JoinedRoom }>>;
    leaveRoom(room: string): Promise<Result>;
    /** Deletes a room with its messages (its creator or the host only); the lobby stays. */
    deleteRoom(room: string): Promise<Result>;
    /** A page of the server's rooms in name order, only those whose name contains `search`. */
    listRooms(query: RoomListQuery): Promise<Result<RoomPage>>;
    /**
     * A page of the people in a room one is in, in join order, only those whose nickname contains
     * `query` if given (a join lists the first page only: `users` with `usersNext`).
     */
    listPeople(query: PeopleQuery): Promise<Result<PeoplePage>>;
    /** Messages of the rooms one may read that hold these words (newest first, with snippets). */
    search(query: SearchQuery): Promise<Result<SearchPage>>;
    /** Opens the direct conversation with someone online. */
    openDirect(nickname: string): Promise<Result<{ joined: JoinedRoom }>>;
    /** Removes, renames, makes moderators, releases names: admins and moderators only. */
    moderate(request: ModerationRequest): Promise<Result<ModerationReply>>;
    /**
     * A one-time code that links another device to this person (see `device:link-code` in
     * docs/PROTOCOL.md); `not_connected` while no server is joined.
     */
    linkCode(): Promise<Result<LinkCode>>;
    /**
     * Tells the server this person has read `room` up to message `id` (their other devices hear
     * of it; it never moves back). `not_connected` while no server is joined.
     */
    markRead(room: string, id: number): Promise<Result<ReadPosition>>;
    /** Sends a failed outbox entry again (same clientId). */
    retry(clientId: string): Promise<Result>;
    /** Removes an outbox entry that is not on its way right now. */
    discard(clientId: string): Promise<Result>;
    setTyping(typing: boolean, room?: string): Promise<void>;
    /**
     * Says how this person shows to others (online, away, busy) with a status line (`text`;
     * none when left out or empty). Remembered: set again after every join, so it survives
     * reconnects. `not_connected` while no server is joined (it is sent once one is).
     */
    setPresence(status: PresenceStatus, text?: string): Promise<Result<{ presence: Presence }>>;
    onEvent(listener: (event: ChatEvent) => void): Unsubscribe;
    /** While reconnecting: try again now instead of waiting for the back-off ("Retry now"). */
    reconnectNow(): Promise<void>;
  };
  /** Rooms on the local network, live. Never fails: no network means an empty list. */
  readonly discovery: {
    rooms(): Promise<DiscoveredRoom[]>;
    /** Called with the whole list whenever it changes. */
    onRooms(listener: (rooms: DiscoveredRoom[]) => void): Unsubscribe;
  };
  /** `parley://join?…` links the app was opened with (desktop only). */
  readonly links: {
    /**
     * Called for each link, including one that arrived before the page subscribed (a link that
     * launched the app is delivered on the first subscription).
     */
    onJoinRequest(listener: (request: JoinRequest) => void): Unsubscribe;
  };
  /** Servers joined before, newest first. */
  readonly servers: {
    list(): Promise<SavedServer[]>;
    rename(url: string, name: string): Promise<Result<{ servers: SavedServer[] }>>;
    forget(url: string): Promise<Result<{ servers: SavedServer[] }>>;
    onChanged(listener: (servers: SavedServer[]) => void): Unsubscribe;
  };
  readonly diagnostics: {
    run(): Promise<DiagnosticsReport>;
  };
  /**
   * The desktop around the window: notifications (Electron's in the app, the browser's
   * Notification API on the web) and the unread count on the taskbar/dock badge.
   */
  readonly desktop: {
    notify(notification: NotificationRequest): Promise<Result>;
    /** The unread count on the taskbar/dock badge (0 clears it), where the system has one. */
    setUnread(count: number): Promise<Result>;
    notificationPermission(): Promise<NotificationPermissionState>;
    /** Asks the person to allow notifications (browsers require a click to lead to this). */
    requestNotificationPermission(): Promise<NotificationPermissionState>;
    /** Called with the notification's room when the person clicks one (the window is shown). */
    onNotificationClick(listener: (room: string) => void): Unsubscribe;
  };
  /**
   * Files over the chat connection. Each transfer has an id its caller makes (letters, digits,
   * `-`, `_`; at most 64): progress arrives as `onProgress` events under it, and `cancel` stops it
   * (the call then resolves with `cancelled`). Nothing received is ever opened or run.
   */
  readonly files: {
    /** Sends a file to a room; resolves with the message that carries it. */
    upload(
      file: OutgoingFile,
      room: string,
      transferId: string,
    ): Promise<Result<{ message: ChatMessage }>>;
    /**
     * Saves a file posted in a room: the desktop app asks where (`saved` false when the person
     * closes that dialog), the browser downloads it.
     */
    save(file: FileAttachment, transferId: string): Promise<Result<{ saved: boolean }>>;
    /** The bytes of an image (png, jpeg, gif or webp only), for an inline preview. */
    preview(file: FileAttachment): Promise<Result<{ bytes: Uint8Array }>>;
    cancel(transferId: string): Promise<Result>;
    onProgress(listener: (progress: TransferProgress) => void): Unsubscribe;
  };
  /** Nickname and notification preferences, kept in the app's data (the browser: localStorage). */
  readonly settings: {
    get(): Promise<Settings>;
    /** Changes the fields given (see settingsPatchSchema); bad input changes nothing. */
    update(patch: unknown): Promise<Result<{ settings: Settings }>>;
  };
}
