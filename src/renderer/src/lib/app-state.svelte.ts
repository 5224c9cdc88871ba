/**
 * The whole app's state: which screen shows, the start form (nickname, port, server URL), hosting
 * (desktop), rooms found on the network, recent servers, join links, diagnostics, and the flows that
 * move between screens — host, join, rejoin, reconnect, leave. It talks to the outside only through
 * the ParleyApi it is given (window.parley).
 */
import type {
  DiscoveredRoom,
  HostingStatus,
  JoinOptions,
  JoinRequest,
  ParleyApi,
  SavedServer,
  Unsubscribe,
} from '../../../shared/api';
import { parseJoinUrl } from '../../../shared/join-url';
import { DEFAULT_PORT, LOBBY } from '../../../shared/limits';
import type { ErrorCode, ErrorInfo, Result } from '../../../shared/result';
import type { User } from '../../../shared/protocol';
import { describeIssues, nicknameSchema, roomNameSchema } from '../../../shared/schemas';
import { AlertsState } from './alerts-state.svelte';
import type { ChatState } from './chat-state.svelte';
import { Conversations } from './conversations.svelte';
import { ComposerState } from './composer-state.svelte';
import { DiagnosticsState } from './diagnostics-state.svelte';
import { DiscoveryState } from './discovery-state.svelte';
import { FileTransfersState } from './file-transfers.svelte';
import { loadPreference, savePreference } from './preferences';
import { rememberedRooms, rememberRooms } from './remembered-rooms';
import { SavedServersState } from './saved-servers-state.svelte';
import { SettingsState } from './settings-state.svelte';

export type Screen = 'start' | 'chat';

/** Where on the start screen an error belongs (and which field gets the focus). */
export type StartSection = 'nickname' | 'host' | 'join' | 'rooms' | 'servers';

export interface StartError extends ErrorInfo {
  section: StartSection;
}

/** A join waiting for the room's passphrase. */
export interface PassphraseRequest {
  url: string;
  nickname: string;
  section: StartSection;
  ownRoom: boolean;
  /** The certificate fingerprint to insist on (a join link's, or the hosted room's). */
  fingerprint: string | null;
  /** Why the last passphrase was refused; null when none was tried yet. */
  error: string | null;
}

export type Busy = 'host' | 'join' | 'reconnect' | null;

const NOT_HOSTING: HostingStatus = { running: false, port: null, urls: [] };

/** The URL to join one's own room with: localhost when offered, else the first one. */
export function localUrlOf(status: HostingStatus): string {
  return (
    status.urls.find((url) => /^https?:\/\/localhost(:\d+)?$/.test(url)) ??
    status.urls[0] ??
    `http://localhost:${status.port ?? DEFAULT_PORT}`
  );
}

const NICKNAME_CODES: ReadonlySet<ErrorCode> = new Set(['nickname_taken', 'invalid_payload']);

export class AppState {
  readonly #api: ParleyApi;
  readonly runtime: ParleyApi['runtime'];
  /** The server's rooms, the ones joined (the lobby, rooms, direct conversations), the one shown. */
  readonly conversations = new Conversations();
  readonly composer: ComposerState;
  readonly discovery: DiscoveryState;
  readonly savedServers: SavedServersState;
  readonly diagnostics: DiagnosticsState;
  /** Nickname and notification preferences (the desktop app's settings file, or localStorage). */
  readonly settings: SettingsState;
  /** Unread counts, the title and badge, notifications. */
  readonly alerts: AlertsState;
  /** Files being sent and downloaded, and image previews. */
  readonly files: FileTransfersState;
  /** The Settings dialog is open. */
  settingsOpen = $state(false);
  /** The Create room dialog is open; `newRoomName` is its field, `createRoomError` its error. */
  createRoomOpen = $state(false);
  newRoomName = $state('');
  #createRoomError = $state<string | null>(null);
  #creatingRoom = $state(false);

  nickname = $state('');
  serverUrl = $state('');
  port = $state(String(DEFAULT_PORT));

  #screen = $state<Screen>('start');
  #busy = $state<Busy>(null);
  #error = $state.raw<StartError | null>(null);
  #hosting = $state.raw<HostingStatus>(NOT_HOSTING);
  #hostingError = $state<string | null>(null);
  /** A parley:// link waiting for the person to say Join or Cancel. */
  #joinRequest = $state.raw<JoinRequest | null>(null);
  #joinRequestError = $state<string | null>(null);
  /** What the current room was joined with: Reconnect uses it again. */
  #target: {
    url: string;
    nickname: string;
    ownRoom: boolean;
    passphrase?: string;
    fingerprint: string | null;
  } | null = null;
  /** True while in the room this app hosts (the host may remove people there). */
  #inOwnRoom = $state(false);
  /** A join that the room refused for want of its passphrase: the dialog asks for it. */
  #passphraseRequest = $state.raw<PassphraseRequest | null>(null);
  /** Someone the host asked to remove, waiting for the confirmation. */
  #removing = $state.raw<User | null>(null);
  #removeError = $state<string | null>(null);

  /** The passphrase typed in the passphrase dialog. */
  passphrase = $state('');
  /** The passphrase for a room this app hosts (empty: anyone on the network may join). */
  hostPassphrase = $state('');
  /** Host with an encrypted connection (https, the app's self-signed certificate). */
  hostSecurely = $state(false);

  constructor(api: ParleyApi) {
    this.#api = api;
    this.runtime = api.runtime;
    this.composer = new ComposerState(api.chat);
    this.discovery = new DiscoveryState(api.discovery);
    this.savedServers = new SavedServersState(api.servers);
    this.diagnostics = new DiagnosticsState(api.diagnostics);
    this.settings = new SettingsState(api.settings);
    this.alerts = new AlertsState({
      desktop: api.desktop,
      reader: () => {
        const { lobby } = this.conversations;
        const self = lobby.self;
        if (!self) return null;
        // Everyone online is in the lobby: anyone of them can be mentioned.
        const nicknames = lobby.users.map((user) => user.nickname);
        return {
          self,
          nicknames,
          preferences: this.settings.notifications,
          isDirect: (room) => this.conversations.isDirect(room),
        };
      },
      preferences: () => this.settings.notifications,
      serverName: () => this.chat.serverName,
      // "alice in Design team"; the lobby goes by the server's name, a direct message by no room.
      roomName: (room) =>
        this.conversations.isDirect(room)
          ? undefined
          : room === LOBBY
            ? this.chat.serverName || undefined
            : this.conversations.nameOf(room),
      onopenroom: (room) => this.showRoom(room),
    });
    // Files go to the room on screen.
    this.files = new FileTransfersState(api.files, () => this.conversations.current.room);
    this.serverUrl = api.runtime.defaultServerUrl ?? loadPreference('serverUrl') ?? '';
  }

  /** The conversation on screen. */
  get chat(): ChatState {
    return this.conversations.current;
  }

  /** Puts a joined room on screen, with its draft; what was unread there is read. */
  showRoom(room: string): void {
    if (!this.conversations.show(room)) return;
    this.#followRoomOnScreen();
  }

  /** Keeps the composer and the unread counts on the room on screen. */
  #followRoomOnScreen(): void {
    const { room } = this.conversations.current;
    this.composer.switchRoom(room);
    this.alerts.showRoom(room);
  }

  /** Joins a room of the server (or shows it when joined already). */
  async enterRoom(room: string): Promise<void> {
    if (this.conversations.isJoined(room)) {
      this.showRoom(room);
      return;
    }
    const result = await this.#api.chat.joinRoom(room);
    if (!result.ok) {
      this.conversations.apply({ type: 'error', error: result.error });
      return;
    }
    this.showRoom(result.joined.room.id);
  }

  /** Leaves a room (not the lobby): its messages no longer arrive. */
  async leaveRoom(room: string): Promise<void> {
    if (room === LOBBY) return;
    const result = await this.#api.chat.leaveRoom(room);
    if (!result.ok) this.conversations.apply({ type: 'error', error: result.error });
  }

  /** Opens (or shows) the direct conversation with someone online. */
  async openDirect(nickname: string): Promise<void> {
    const result = await this.#api.chat.openDirect(nickname);
    if (!result.ok) {
      this.conversations.apply({ type: 'error', error: result.error });
      return;
    }
    this.showRoom(result.joined.room.id);
  }

  get createRoomError(): string | null {
    return this.#createRoomError;
  }

  get creatingRoom(): boolean {
    return this.#creatingRoom;
  }

  openCreateRoom(): void {
    this.newRoomName = '';
    this.#createRoomError = null;
    this.createRoomOpen = true;
  }

  closeCreateRoom(): void {
    this.createRoomOpen = false;
    this.#createRoomError = null;
  }

  /** "Create" in the Create room dialog: creates the room, joins it and shows it. */
  async createRoom(): Promise<void> {
    if (this.#creatingRoom) return;
    const checked = roomNameSchema.safeParse(this.newRoomName);
    if (!checked.success) {
      this.#createRoomError = describeIssues(checked.error);
      return;
    }
    this.#creatingRoom = true;
    this.#createRoomError = null;
    try {
      const created = await this.#api.chat.createRoom(checked.data);
      if (!created.ok) {
        this.#createRoomError = created.error.message;
        return;
      }
      const joined = await this.#api.chat.joinRoom(created.room.id);
      if (!joined.ok) {
        this.#createRoomError = joined.error.message;
        return;
      }
      this.createRoomOpen = false;
      this.showRoom(joined.joined.room.id);
    } finally {
      this.#creatingRoom = false;
    }
  }

  /** The mute toggle of the room on screen: mute silences all but mentions. */
  get roomMuted(): boolean {
    const room = this.alerts.attention.roomInView;
    return room !== null && this.settings.isMuted(room);
  }

  toggleRoomMuted(): void {
    const room = this.alerts.attention.roomInView;
    if (room !== null) void this.settings.setMuted(room, !this.settings.isMuted(room));
  }

  /** Sends a failed message again. */
  retryMessage(clientId: string): void {
    void this.#api.chat.retry(clientId).then((result) => {
      if (!result.ok) this.conversations.apply({ type: 'error', error: result.error });
    });
  }

  /** Deletes a message that was not sent. */
  discardMessage(clientId: string): void {
    void this.#api.chat.discard(clientId).then((result) => {
      if (!result.ok) this.conversations.apply({ type: 'error', error: result.error });
    });
  }

  /**
   * Loads the page of messages before the oldest one shown (scrolling back); they reach the chat
   * state as a `history` event. The answer says if it failed, for the message list to show.
   */
  loadOlder(): Promise<Result<{ count: number; hasOlder: boolean }>> {
    return this.#api.chat.loadOlder(this.conversations.current.room);
  }

  get passphraseRequest(): PassphraseRequest | null {
    return this.#passphraseRequest;
  }

  /** "Join" in the passphrase dialog. */
  async submitPassphrase(): Promise<void> {
    const request = this.#passphraseRequest;
    if (!request || this.#busy) return;
    if (this.passphrase === '') {
      this.#passphraseRequest = { ...request, error: 'Enter the passphrase.' };
      return;
    }
    this.#busy = 'join';
    try {
      const { url, nickname, section, ownRoom, fingerprint } = request;
      await this.#enter(url, nickname, section, ownRoom, this.passphrase, fingerprint);
    } finally {
      this.#busy = null;
    }
  }

  cancelPassphrase(): void {
    this.#passphraseRequest = null;
    this.passphrase = '';
  }

  /** The host may remove people: only in the room this app hosts. */
  get canRemovePeople(): boolean {
    return this.#inOwnRoom && this.#hosting.running;
  }

  get removing(): User | null {
    return this.#removing;
  }

  get removeError(): string | null {
    return this.#removeError;
  }

  /** Asks to confirm removing `user` from the hosted room. */
  askRemove(user: User): void {
    this.#removeError = null;
    this.#removing = user;
  }

  async confirmRemove(): Promise<void> {
    const user = this.#removing;
    if (!user) return;
    const result = await this.#api.hosting.kick(user.id);
    if (!result.ok) {
      this.#removeError = result.error.message;
      return;
    }
    this.#removing = null;
  }

  cancelRemove(): void {
    this.#removing = null;
    this.#removeError = null;
  }

  get screen(): Screen {
    return this.#screen;
  }

  get busy(): Busy {
    return this.#busy;
  }

  get error(): StartError | null {
    return this.#error;
  }

  get hosting(): HostingStatus {
    return this.#hosting;
  }

  get hostingError(): string | null {
    return this.#hostingError;
  }

  get joinRequest(): JoinRequest | null {
    return this.#joinRequest;
  }

  get joinRequestError(): string | null {
    return this.#joinRequestError;
  }

  /** Subscribes to the API's events; returns the disposer. */
  start(): Unsubscribe {
    const offChat = this.#api.chat.onEvent((event) => {
      this.conversations.apply(event);
      this.alerts.apply(event);
      if (event.type === 'room-left') {
        this.composer.forgetRoom(event.room);
        this.alerts.forgetRoom(event.room);
      }
      if (event.type === 'room-joined' || event.type === 'room-left') this.#rememberRooms();
      // The room on screen was left: the lobby is on screen now.
      if (this.composer.room !== this.conversations.current.room) this.#followRoomOnScreen();
    });
    const offAlerts = this.alerts.start();
    void this.settings.load().then((settings) => {
      // Typed before the settings arrived: the person's choice wins. Before there was a settings
      // file, the desktop app kept the nickname where the browser still does (localStorage).
      if (this.nickname !== '') return;
      this.nickname = settings.nickname || (loadPreference('nickname') ?? '');
    });
    const offHosting = this.#api.hosting.onStatus((status) => (this.#hosting = status));
    if (this.runtime.canHost) {
      void this.#api.hosting.status().then(
        (status) => (this.#hosting = status),
        () => {},
      );
    }
    const offRooms = this.discovery.start();
    const offServers = this.savedServers.start();
    const offLinks = this.#api.links.onJoinRequest((request) => {
      this.#joinRequest = request;
      this.#joinRequestError = null;
    });
    return () => {
      offChat();
      offHosting();
      offRooms();
      offServers();
      offLinks();
      offAlerts();
    };
  }

  /** "Join": joins the server typed in Server URL. */
  async join(): Promise<void> {
    if (this.#busy) return;
    const nickname = this.#checkNickname();
    if (nickname === null) return;
    const target = parseJoinUrl(this.serverUrl);
    if (!target.ok) {
      this.#error = { ...target.error, section: 'join' };
      return;
    }
    this.#busy = 'join';
    try {
      if (await this.#enter(this.serverUrl.trim(), nickname, 'join', false)) {
        savePreference('serverUrl', this.serverUrl.trim());
      }
    } finally {
      this.#busy = null;
    }
  }

  /** "Join <room>" in Rooms on your network: one click, with the nickname typed above. */
  async joinRoom(room: DiscoveredRoom): Promise<void> {
    if (!room.compatible) return;
    // Not room.fingerprint: anyone on the network can announce anything, so it must not replace
    // a pinned certificate (a join link from the host may); the first visit pins what it meets.
    await this.#joinOther(room.url, 'rooms');
  }

  /** "Rejoin <server>": with the nickname used there last time. */
  async rejoin(server: SavedServer): Promise<void> {
    if (this.#busy) return;
    if (server.nickname) this.nickname = server.nickname;
    await this.#joinOther(server.url, 'servers');
  }

  /** "Join" in the join-link dialog: the nickname field must hold a valid nickname first. */
  async confirmJoinRequest(): Promise<void> {
    const request = this.#joinRequest;
    if (!request || this.#busy) return;
    const checked = nicknameSchema.safeParse(this.nickname);
    if (!checked.success) {
      this.#joinRequestError = describeIssues(checked.error);
      return;
    }
    this.#joinRequest = null;
    this.#joinRequestError = null;
    if (this.#screen === 'chat') await this.leave();
    // Shown in Server URL, so a failure below points at the address that failed.
    this.serverUrl = request.url;
    await this.#joinOther(request.url, 'join', request.fingerprint);
  }

  cancelJoinRequest(): void {
    this.#joinRequest = null;
    this.#joinRequestError = null;
  }

  async #joinOther(
    url: string,
    section: StartSection,
    fingerprint: string | null = null,
  ): Promise<void> {
    if (this.#busy) return;
    const nickname = this.#checkNickname();
    if (nickname === null) return;
    this.#busy = 'join';
    try {
      await this.#enter(url, nickname, section, false, undefined, fingerprint);
    } finally {
      this.#busy = null;
    }
  }

  /** "Host a room" (and "Use any free port" with port 0): starts hosting, then joins it. */
  async host(port?: number): Promise<void> {
    if (this.#busy) return;
    const nickname = this.#checkNickname();
    if (nickname === null) return;
    const chosen = port ?? Number(this.port.trim());
    if (!/^\d{1,5}$/.test(String(chosen)) || chosen > 65535) {
      this.#error = {
        code: 'port_unavailable',
        message: 'The port must be a number from 1 to 65535 (or 0 for any free port).',
        section: 'host',
      };
      return;
    }
    this.#busy = 'host';
    try {
      let status = this.#hosting;
      if (!status.running) {
        const started = await this.#api.hosting.start({
          port: chosen,
          hostNickname: nickname,
          ...(this.hostPassphrase === '' ? {} : { passphrase: this.hostPassphrase }),
          ...(this.hostSecurely ? { secure: true } : {}),
        });
        if (!started.ok) {
          this.#error = { ...started.error, section: 'host' };
          return;
        }
        status = this.#hosting = started.status;
        if (status.port !== null) this.port = String(status.port);
      }
      const passphrase = status.passphraseRequired ? this.hostPassphrase : undefined;
      // The host's own certificate, known first-hand: no need to trust it on first use.
      const fingerprint = status.fingerprint ?? null;
      await this.#enter(localUrlOf(status), nickname, 'host', true, passphrase, fingerprint);
    } finally {
      this.#busy = null;
    }
  }

  async stopHosting(): Promise<void> {
    this.#hostingError = null;
    const stopped = await this.#api.hosting.stop();
    if (!stopped.ok) {
      this.#hostingError = stopped.error.message;
      return;
    }
    this.#hosting = stopped.status;
    if (this.#screen === 'chat' && this.#target?.ownRoom) await this.leave();
  }

  /** Joins the same server with the same nickname again, after the connection was lost. */
  async reconnect(): Promise<void> {
    const target = this.#target;
    if (!target || this.#busy) return;
    this.#busy = 'reconnect';
    try {
      const result = await this.#api.chat.connect(
        target.url,
        target.nickname,
        joinOptions(target.passphrase, target.fingerprint),
      );
      if (result.ok) {
        this.conversations.apply({ type: 'session', session: result.session });
        void this.#rejoinRememberedRooms();
      }
    } finally {
      this.#busy = null;
    }
  }

  /** Rooms remembered from the last visit are being joined again. */
  #rejoiningRooms = false;

  /** The server the rooms are remembered under: its origin, once connected. */
  #serverKey(): string | null {
    return this.conversations.lobby.status.url ?? this.#target?.url ?? null;
  }

  /** Notes the rooms (not direct conversations) joined now, for the next visit. */
  #rememberRooms(): void {
    const server = this.#serverKey();
    if (server === null || this.#rejoiningRooms) return;
    const rooms = this.conversations.joined
      .map((chat) => chat.room)
      .filter((room) => room !== LOBBY && !this.conversations.isDirect(room));
    rememberRooms(server, rooms);
  }

  /** Joins again the rooms one was in on this server last time (a room gone is forgotten). */
  async #rejoinRememberedRooms(): Promise<void> {
    const server = this.#serverKey();
    if (server === null) return;
    const rooms = rememberedRooms(server);
    // What is remembered stays as it is until every room was tried: a page closed half-way
    // through loses none of them.
    this.#rejoiningRooms = true;
    try {
      for (const room of rooms) {
        if (this.conversations.isJoined(room)) continue;
        const result = await this.#api.chat.joinRoom(room);
        // Not now (offline, rate limited): try them all again next time.
        if (!result.ok && result.error.code !== 'unknown_room') return;
      }
    } finally {
      this.#rejoiningRooms = false;
    }
    this.#rememberRooms();
  }

  /** "Retry now" while reconnecting: skips the rest of the back-off. */
  async reconnectNow(): Promise<void> {
    await this.#api.chat.reconnectNow().catch(() => {});
  }

  /** Disconnects and goes back to the start screen. */
  async leave(): Promise<void> {
    this.#target = null;
    this.#inOwnRoom = false;
    this.#removing = null;
    this.#screen = 'start';
    this.composer.reset();
    // Whatever the outcome, this screen is done with the room.
    await this.#api.chat.disconnect().catch(() => {});
    this.conversations.reset();
    this.alerts.reset();
    this.files.forgetPreviews();
  }

  clearError(): void {
    this.#error = null;
  }

  #checkNickname(): string | null {
    const checked = nicknameSchema.safeParse(this.nickname);
    if (!checked.success) {
      this.#error = {
        code: 'invalid_payload',
        message: describeIssues(checked.error),
        section: 'nickname',
      };
      return null;
    }
    return checked.data;
  }

  async #enter(
    url: string,
    nickname: string,
    section: StartSection,
    ownRoom: boolean,
    passphrase?: string,
    fingerprint: string | null = null,
  ) {
    this.#error = null;
    this.conversations.reset();
    this.alerts.reset();
    this.composer.reset();
    const result = await this.#api.chat.connect(
      url,
      nickname,
      joinOptions(passphrase, fingerprint),
    );
    if (!result.ok) {
      const { code, message } = result.error;
      if (code === 'passphrase_required' || code === 'wrong_passphrase') {
        const error = code === 'wrong_passphrase' ? message : null;
        this.#passphraseRequest = { url, nickname, section, ownRoom, fingerprint, error };
        return false;
      }
      this.#passphraseRequest = null;
      this.#error = { code, message, section: NICKNAME_CODES.has(code) ? 'nickname' : section };
      return false;
    }
    this.#passphraseRequest = null;
    this.passphrase = '';
    this.#inOwnRoom = ownRoom;
    // Events may already have delivered it; applying it again changes nothing.
    this.conversations.apply({ type: 'session', session: result.session });
    this.alerts.apply({ type: 'session', session: result.session });
    this.#target = {
      url,
      nickname,
      ownRoom,
      fingerprint,
      ...(passphrase === undefined ? {} : { passphrase }),
    };
    this.nickname = nickname;
    void this.settings.update({ nickname });
    this.#screen = 'chat';
    void this.#rejoinRememberedRooms();
    return true;
  }
}

/** The JoinOptions for chat.connect; undefined when there are none. */
function joinOptions(
  passphrase: string | undefined,
  fingerprint: string | null,
): JoinOptions | undefined {
  if (passphrase === undefined && fingerprint === null) return undefined;
  return {
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(fingerprint === null ? {} : { fingerprint }),
  };
}
