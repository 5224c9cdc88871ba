/**
 * The chat screen's conversation: which joined room is on screen (the composer and the unread
 * counts follow it), joining and leaving rooms, direct conversations, muting the room on screen,
 * retrying or discarding a message not sent, and loading older pages. It applies the chat's
 * events to the conversations and the alerts, and remembers which rooms were joined on each
 * server, to join them again on the next visit.
 */
import type { ChatEvent, OutboxEntry, ParleyApi, Unsubscribe } from '../../../shared/api';
import { LOBBY } from '../../../shared/limits';
import { fail, ok, type Result } from '../../../shared/result';
import type { AlertsState } from './alerts-state.svelte';
import type { ComposerState } from './composer-state.svelte';
import type { Conversations } from './conversations.svelte';
import { rememberedRooms, rememberRooms } from './remembered-rooms';
import type { SettingsState } from './settings-state.svelte';

export interface ConversationStateOptions {
  chat: ParleyApi['chat'];
  conversations: Conversations;
  composer: ComposerState;
  alerts: AlertsState;
  settings: SettingsState;
  /** The URL the server was joined with (its origin, once connected, is preferred). */
  joinedUrl: () => string | null;
}

/** The messages not sent because the server said they came too fast (Retry all sends them). */
export function rateLimited(outbox: readonly OutboxEntry[]): OutboxEntry[] {
  return outbox.filter((entry) => entry.state === 'failed' && entry.error?.code === 'rate_limited');
}

export class ConversationState {
  readonly #chat: ParleyApi['chat'];
  readonly #conversations: Conversations;
  readonly #composer: ComposerState;
  readonly #alerts: AlertsState;
  readonly #settings: SettingsState;
  readonly #joinedUrl: () => string | null;
  /** Rooms remembered from the last visit are being joined again. */
  #rejoiningRooms = false;

  constructor(options: ConversationStateOptions) {
    this.#chat = options.chat;
    this.#conversations = options.conversations;
    this.#composer = options.composer;
    this.#alerts = options.alerts;
    this.#settings = options.settings;
    this.#joinedUrl = options.joinedUrl;
  }

  /** Applies the chat's events; returns the disposer. */
  start(): Unsubscribe {
    return this.#chat.onEvent((event) => this.#apply(event));
  }

  #apply(event: ChatEvent): void {
    this.#conversations.apply(event);
    this.#alerts.apply(event);
    if (event.type === 'room-left') {
      this.#composer.forgetRoom(event.room);
      this.#alerts.forgetRoom(event.room);
    }
    if (event.type === 'room-joined' || event.type === 'room-left') this.#rememberRooms();
    // The room on screen was left: the lobby is on screen now.
    if (this.#composer.room !== this.#conversations.current.room) this.#followRoomOnScreen();
  }

  /**
   * Puts a joined room on screen, with its draft; what was unread there is read. The focus goes
   * to the message box (the person chose the room to write there).
   */
  showRoom(room: string): void {
    if (!this.#show(room)) return;
    this.#composer.requestFocus();
  }

  #show(room: string): boolean {
    if (!this.#conversations.show(room)) return false;
    this.#followRoomOnScreen();
    return true;
  }

  /** Keeps the composer and the unread counts on the room on screen. */
  #followRoomOnScreen(): void {
    const { room } = this.#conversations.current;
    this.#composer.switchRoom(room);
    this.#alerts.showRoom(room);
  }

  /** Joins a room of the server (or shows it when joined already). */
  async enterRoom(room: string): Promise<void> {
    if (this.#conversations.isJoined(room)) {
      this.showRoom(room);
      return;
    }
    const result = await this.#chat.joinRoom(room);
    if (!result.ok) {
      this.#showError(result);
      return;
    }
    this.showRoom(result.joined.room.id);
  }

  /** Leaves a room (not the lobby): its messages no longer arrive. */
  async leaveRoom(room: string): Promise<void> {
    if (room === LOBBY) return;
    this.#showError(await this.#chat.leaveRoom(room));
  }

  /** Opens (or shows) the direct conversation with someone online. */
  async openDirect(nickname: string): Promise<void> {
    const result = await this.#chat.openDirect(nickname);
    if (!result.ok) {
      this.#showError(result);
      return;
    }
    this.showRoom(result.joined.room.id);
  }

  /**
   * Opens a conversation at one of its messages: joins the room if needed (a direct conversation
   * too), puts it on screen, loads older pages until the message is held, and asks the list to
   * bring it into view and mark it. The one way to go to a message (search results, a reply's
   * original). Fails when the room cannot be joined or the message is no longer there.
   */
  async openAt(room: string, messageId: number): Promise<Result> {
    if (!this.#conversations.isJoined(room)) {
      const joined = await this.#chat.joinRoom(room);
      if (!joined.ok) {
        this.#showError(joined);
        return joined;
      }
    }
    // Not showRoom: the focus goes to the message asked for, not to the message box.
    this.#show(room);
    const chat = this.#conversations.joined.find((state) => state.room === room);
    if (!chat) return fail('unknown_room', 'That conversation is not open.');
    const holds = () => chat.messages.some((message) => message.id === messageId);
    // Page by page: each one comes as a `history` event before loadOlder answers.
    while (!holds() && chat.hasOlder && (chat.messages[0]?.id ?? 0) > messageId) {
      const page = await this.#chat.loadOlder(room);
      if (!page.ok) {
        this.#showError(page);
        return page;
      }
      if (page.count === 0) break;
    }
    if (!holds()) return fail('message_gone', 'That message is no longer in the conversation.');
    chat.highlightMessage(messageId);
    return ok({});
  }

  /** The mute toggle of the room on screen: mute silences all but mentions. */
  get roomMuted(): boolean {
    const room = this.#alerts.attention.roomInView;
    return room !== null && this.#settings.isMuted(room);
  }

  toggleRoomMuted(): void {
    const room = this.#alerts.attention.roomInView;
    if (room !== null) void this.#settings.setMuted(room, !this.#settings.isMuted(room));
  }

  /** Sends a failed message again. */
  retryMessage(clientId: string): void {
    void this.#chat.retry(clientId).then((result) => this.#showError(result));
  }

  /**
   * "Retry all": sends again, in the order written, the messages of the room on screen that the
   * server refused for coming too fast (the outbox sends them one at a time).
   */
  retryRateLimited(): void {
    for (const entry of rateLimited(this.#conversations.current.outbox)) {
      this.retryMessage(entry.clientId);
    }
  }

  /** Deletes a message that was not sent. */
  discardMessage(clientId: string): void {
    void this.#chat.discard(clientId).then((result) => this.#showError(result));
  }

  /**
   * Loads the page of messages before the oldest one shown (scrolling back); they reach the chat
   * state as a `history` event. The answer says if it failed, for the message list to show.
   */
  loadOlder(): Promise<Result<{ count: number; hasOlder: boolean }>> {
    return this.#chat.loadOlder(this.#conversations.current.room);
  }

  /** A refusal is shown in the conversation. */
  #showError(result: Result<object>): void {
    if (!result.ok) this.#conversations.apply({ type: 'error', error: result.error });
  }

  /** The server the rooms are remembered under: its origin, once connected. */
  #serverKey(): string | null {
    return this.#conversations.lobby.status.url ?? this.#joinedUrl();
  }

  /** Notes the rooms (not direct conversations) joined now, for the next visit. */
  #rememberRooms(): void {
    const server = this.#serverKey();
    if (server === null || this.#rejoiningRooms) return;
    const rooms = this.#conversations.joined
      .map((chat) => chat.room)
      .filter((room) => room !== LOBBY && !this.#conversations.isDirect(room));
    rememberRooms(server, rooms);
  }

  /** Joins again the rooms one was in on this server last time (a room gone is forgotten). */
  async rejoinRememberedRooms(): Promise<void> {
    const server = this.#serverKey();
    if (server === null) return;
    const rooms = rememberedRooms(server);
    // What is remembered stays as it is until every room was tried: a page closed half-way
    // through loses none of them.
    this.#rejoiningRooms = true;
    try {
      for (const room of rooms) {
        if (this.#conversations.isJoined(room)) continue;
        const result = await this.#chat.joinRoom(room);
        // Not now (offline, rate limited): try them all again next time.
        if (!result.ok && result.error.code !== 'unknown_room') return;
      }
    } finally {
      this.#rejoiningRooms = false;
    }
    this.#rememberRooms();
  }
}
