/**
 * Getting into a room and out again: which screen shows, the start form (nickname, port, server
 * URL, hosting options), what is under way and what went wrong, and the flows — host, join, join
 * a room found on the network, rejoin a recent server, follow a join link, answer a passphrase,
 * reconnect, leave.
 */
import type { JoinOptions, JoinRequest, ParleyApi, SavedServer } from '../../../shared/api';
import type { DiscoveredRoom } from '../../../shared/api';
import { parseJoinUrl } from '../../../shared/join-url';
import { DEFAULT_PORT } from '../../../shared/limits';
import type { ErrorCode, ErrorInfo } from '../../../shared/result';
import { describeIssues, nicknameSchema } from '../../../shared/schemas';
import type { AlertsState } from './alerts-state.svelte';
import type { ComposerState } from './composer-state.svelte';
import type { ConversationState } from './conversation-state.svelte';
import type { Conversations } from './conversations.svelte';
import type { FileTransfersState } from './file-transfers.svelte';
import { localUrlOf, type HostingState } from './hosting-state.svelte';
import type { PassphraseDialog, PassphraseRequest } from './passphrase-dialog.svelte';
import { linkCodeFromLocation } from './link-code-url';
import { loadPreference, savePreference } from './preferences';
import type { SettingsState } from './settings-state.svelte';

export type Screen = 'start' | 'chat';

/** Where on the start screen an error belongs (and which field gets the focus). */
export type StartSection = 'nickname' | 'host' | 'join' | 'rooms' | 'servers';

export interface StartError extends ErrorInfo {
  section: StartSection;
}

export type Busy = 'host' | 'join' | 'reconnect' | null;

const NICKNAME_CODES: ReadonlySet<ErrorCode> = new Set(['nickname_taken', 'invalid_payload']);

/** What the current room was joined with: Reconnect uses it again. */
interface Target {
  url: string;
  nickname: string;
  ownRoom: boolean;
  passphrase?: string;
  fingerprint: string | null;
}

export interface EntryStateOptions {
  chat: Pick<ParleyApi['chat'], 'connect' | 'disconnect' | 'reconnectNow'>;
  runtime: ParleyApi['runtime'];
  hosting: HostingState;
  conversations: Conversations;
  conversation: ConversationState;
  composer: ComposerState;
  alerts: AlertsState;
  files: FileTransfersState;
  settings: SettingsState;
  passphrase: PassphraseDialog;
  /** The chat screen was left: what belonged to it (an open dialog) goes. */
  onleft: () => void;
}

export class EntryState {
  readonly #options: EntryStateOptions;

  nickname = $state('');
  serverUrl = $state('');
  /**
   * "Link to an existing identity": a one-time code from another device of this person, for the
   * next join by URL (a join link with `?link=` fills it in). Empty: this device is who it is.
   */
  linkCode = $state('');
  port = $state(String(DEFAULT_PORT));
  /** The passphrase for a room this app hosts (empty: anyone on the network may join). */
  hostPassphrase = $state('');
  /** Host with an encrypted connection (https, the app's self-signed certificate). */
  hostSecurely = $state(false);

  /** The web client: the name of the server that served the page, once it said (else null). */
  #servedBy = $state<string | null>(null);
  #screen = $state<Screen>('start');
  #busy = $state<Busy>(null);
  #error = $state.raw<StartError | null>(null);
  #target: Target | null = null;
  /** True while in the room this app hosts (the host may remove people there). */
  #inOwnRoom = $state(false);

  constructor(options: EntryStateOptions) {
    this.#options = options;
    this.serverUrl = options.runtime.defaultServerUrl ?? loadPreference('serverUrl') ?? '';
    this.linkCode = typeof location === 'undefined' ? '' : linkCodeFromLocation(location.search);
  }

  /**
   * The web client's own server, for its first screen: its name when it gave one, else its
   * address (host and port); null in the desktop app.
   */
  get servedBy(): string | null {
    const url = this.#options.runtime.defaultServerUrl;
    if (this.#options.runtime.kind !== 'web' || url === null) return null;
    return this.#servedBy || hostOf(url);
  }

  /** Asks the page's server for its name (web client only). */
  loadServedBy(): void {
    void this.#options.runtime
      .servedBy?.()
      .then((info) => {
        if (info) this.#servedBy = info.name.trim();
      })
      .catch(() => {});
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

  /** The URL the current room was joined with; null on the start screen. */
  get joinedUrl(): string | null {
    return this.#target?.url ?? null;
  }

  /** The host may remove people: only in the room this app hosts. */
  get canRemovePeople(): boolean {
    return this.#inOwnRoom && this.#options.hosting.status.running;
  }

  clearError(): void {
    this.#error = null;
  }

  /** Fills in the nickname from the settings, unless one was typed before they arrived. */
  loadNickname(): void {
    void this.#options.settings.load().then((settings) => {
      // Typed before the settings arrived: the person's choice wins. Before there was a settings
      // file, the desktop app kept the nickname where the browser still does (localStorage).
      if (this.nickname !== '') return;
      this.nickname = settings.nickname || (loadPreference('nickname') ?? '');
    });
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
    const link = this.linkCode.trim();
    await this.#while('join', async () => {
      if (
        await this.#enter(this.serverUrl.trim(), nickname, 'join', false, undefined, null, link)
      ) {
        savePreference('serverUrl', this.serverUrl.trim());
      }
    });
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

  /** The quick switcher chose another saved server: leaves this one, joins that one. */
  async switchServer(server: SavedServer): Promise<void> {
    if (this.#busy) return;
    if (this.#screen === 'chat') await this.leave();
    await this.rejoin(server);
  }

  /** A join link was confirmed (with a valid nickname): leaves the room on screen, joins it. */
  async followJoinLink(request: JoinRequest): Promise<void> {
    if (this.#screen === 'chat') await this.leave();
    // Shown in Server URL, so a failure below points at the address that failed.
    this.serverUrl = request.url;
    await this.#joinOther(request.url, 'join', request.fingerprint);
  }

  /** "Join" in the passphrase dialog. */
  async submitPassphrase(request: PassphraseRequest, passphrase: string): Promise<void> {
    if (this.#busy) return;
    const { url, nickname, section, ownRoom, fingerprint } = request;
    await this.#while('join', () =>
      this.#enter(
        url,
        nickname,
        section,
        ownRoom,
        passphrase,
        fingerprint,
        section === 'join' ? this.linkCode.trim() : '',
      ),
    );
  }

  async #joinOther(
    url: string,
    section: StartSection,
    fingerprint: string | null = null,
  ): Promise<void> {
    if (this.#busy) return;
    const nickname = this.#checkNickname();
    if (nickname === null) return;
    await this.#while('join', () =>
      this.#enter(url, nickname, section, false, undefined, fingerprint),
    );
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
    const { hosting } = this.#options;
    await this.#while('host', async () => {
      let status = hosting.status;
      if (!status.running) {
        const started = await hosting.host({
          port: chosen,
          hostNickname: nickname,
          ...(this.hostPassphrase === '' ? {} : { passphrase: this.hostPassphrase }),
          ...(this.hostSecurely ? { secure: true } : {}),
        });
        if (!started.ok) {
          this.#error = { ...started.error, section: 'host' };
          return;
        }
        status = started.status;
        if (status.port !== null) this.port = String(status.port);
      }
      const passphrase = status.passphraseRequired ? this.hostPassphrase : undefined;
      // The host's own certificate, known first-hand: no need to trust it on first use.
      const fingerprint = status.fingerprint ?? null;
      await this.#enter(localUrlOf(status), nickname, 'host', true, passphrase, fingerprint);
    });
  }

  /** Stops hosting; in one's own room, leaves it too. */
  async stopHosting(): Promise<void> {
    if (!(await this.#options.hosting.stop())) return;
    if (this.#screen === 'chat' && this.#target?.ownRoom) await this.leave();
  }

  /** Joins the same server with the same nickname again, after the connection was lost. */
  async reconnect(): Promise<void> {
    const target = this.#target;
    if (!target || this.#busy) return;
    await this.#while('reconnect', async () => {
      const result = await this.#options.chat.connect(
        target.url,
        target.nickname,
        joinOptions(target.passphrase, target.fingerprint),
      );
      if (result.ok) {
        this.#options.conversations.apply({ type: 'session', session: result.session });
        void this.#options.conversation.rejoinRememberedRooms();
      }
    });
  }

  /** "Retry now" while reconnecting: skips the rest of the back-off. */
  async reconnectNow(): Promise<void> {
    await this.#options.chat.reconnectNow().catch(() => {});
  }

  /** Disconnects and goes back to the start screen. */
  async leave(): Promise<void> {
    const { chat, composer, conversations, alerts, files, onleft } = this.#options;
    this.#target = null;
    this.#inOwnRoom = false;
    onleft();
    this.#screen = 'start';
    composer.reset();
    // Whatever the outcome, this screen is done with the room.
    await chat.disconnect().catch(() => {});
    conversations.reset();
    alerts.reset();
    files.forgetPreviews();
  }

  /** Runs a flow with `busy` saying which, so that no other starts meanwhile. */
  async #while(busy: Exclude<Busy, null>, flow: () => Promise<unknown>): Promise<void> {
    this.#busy = busy;
    try {
      await flow();
    } finally {
      this.#busy = null;
    }
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
    link = '',
  ): Promise<boolean> {
    const { chat, conversations, alerts, composer, settings, conversation } = this.#options;
    const dialog = this.#options.passphrase;
    this.#error = null;
    conversations.reset();
    alerts.reset();
    composer.reset();
    const options = joinOptions(passphrase, fingerprint);
    const result = await chat.connect(url, nickname, link === '' ? options : { ...options, link });
    if (!result.ok) {
      const { code, message } = result.error;
      if (code === 'passphrase_required' || code === 'wrong_passphrase') {
        const error = code === 'wrong_passphrase' ? message : null;
        dialog.ask({ url, nickname, section, ownRoom, fingerprint, error });
        return false;
      }
      dialog.close();
      this.#error = { code, message, section: NICKNAME_CODES.has(code) ? 'nickname' : section };
      return false;
    }
    dialog.cancel();
    // Linked: this device is that person now, and the code is used up.
    if (link !== '') this.linkCode = '';
    this.#inOwnRoom = ownRoom;
    // Events may already have delivered it; applying it again changes nothing.
    conversations.apply({ type: 'session', session: result.session });
    alerts.apply({ type: 'session', session: result.session });
    this.#target = {
      url,
      nickname,
      ownRoom,
      fingerprint,
      ...(passphrase === undefined ? {} : { passphrase }),
    };
    this.nickname = nickname;
    void settings.update({ nickname });
    this.#screen = 'chat';
    void conversation.rejoinRememberedRooms();
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

/** "192.168.1.5:4321" from "http://192.168.1.5:4321". */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
