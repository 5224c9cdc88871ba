/**
 * Unread counts and desktop notifications, live: applies the rules of notification-rules.ts to
 * the chat's events and to where the person's attention is, and keeps the outside in step — the
 * window title ("(3) Parley — <server>"), the taskbar/dock badge and the notifications, through
 * `window.parley.desktop`. Counts are kept per room (`ChatMessage.room`), so more rooms need no
 * change here. Read positions follow the person across their devices: the server's (the join's
 * `readPositions`, `read` events from their other devices) decide what in a direct conversation
 * is news, and reading a room here is told to the server (`markRead`, at most one request per
 * room every READ_SPACING_MS).
 */
import { untrack } from 'svelte';
import type {
  ChatEvent,
  NotificationPermissionState,
  ParleyApi,
  Unsubscribe,
} from '../../../shared/api';
import { notificationFor } from '../../../shared/notification-request';
import type { ChatMessage } from '../../../shared/protocol';
import type { NotificationPreferences } from '../../../shared/settings';
import {
  watchWindowAttention,
  currentWindowAttention,
  type WindowAttention,
} from './attention-source';
import {
  countMessage,
  isReading,
  outcomeOf,
  unreadTotal,
  windowTitle,
  type Attention,
  type Reader,
  type RoomUnread,
} from './notification-rules';
import type { SeenDirects } from './seen-directs';

export interface AlertsStateOptions {
  desktop: ParleyApi['desktop'];
  /** Who reads (null while not in a room): self, preferences, which rooms are direct. */
  reader: () => Reader | null;
  preferences: () => NotificationPreferences;
  /** True while the person is busy: no notifications at all (unread counts still grow). */
  busy?: () => boolean;
  /** The server's name, for the title; '' outside a room. */
  serverName: () => string;
  /** What a notification calls `room` ("alice in <name>"); undefined: no room (a direct message). */
  roomName?: (room: string) => string | undefined;
  /** Shows `room` (a notification for it was clicked). */
  onopenroom?: (room: string) => void;
  /**
   * The newest message shown in each direct conversation, kept between visits: what came after
   * it while this person was away is news when the conversation opens on their return.
   */
  seenDirects?: SeenDirects;
  /**
   * Tells the server this person read `room` up to message `id` (their other devices follow);
   * absent: read positions stay on this device.
   */
  markRead?: (room: string, id: number) => Promise<unknown>;
  /** How long at least between two read positions sent for one room, ms; default 1 s. */
  readSpacingMs?: number;
  /** Where the page's visibility and focus come from (tests pass their own). */
  windowAttention?: {
    current(): WindowAttention;
    watch(onchange: (attention: WindowAttention) => void): Unsubscribe;
  };
}

const NO_UNREAD: RoomUnread = { messages: 0, mentions: 0 };
const READ_SPACING_MS = 1_000;

export class AlertsState {
  readonly #options: AlertsStateOptions;
  readonly #windowAttention: NonNullable<AlertsStateOptions['windowAttention']>;
  #counts = $state.raw<Record<string, RoomUnread>>({});
  #attention = $state.raw<Attention>({
    visible: true,
    focused: true,
    atLatest: true,
    roomInView: null,
  });
  #permission = $state<NotificationPermissionState>('unsupported');
  /** The newest message id seen per room: a message seen before (a resend, catch-up) is not new. */
  // Bookkeeping, not state: nothing renders it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #latestIds = new Map<string, number>();
  /** Rooms joined (besides the lobby): joining one again is a rejoin, whose catch-up is news. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #joinedRooms = new Set<string>();
  /** The person's read position per room, as the server has it (or will: sent, or to send). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #readPositions = new Map<string, number>();
  /** Read positions waiting to be sent, per room, and the rooms with a send scheduled. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #unsentReads = new Map<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #readTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per room, the first message counted unread since the room was last read. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #firstUnread = new Map<string, number>();
  /** Per room on screen, where the reader left off: see `unreadMarker`. */
  #markers = $state.raw<Record<string, number>>({});

  constructor(options: AlertsStateOptions) {
    this.#options = options;
    this.#windowAttention = options.windowAttention ?? {
      current: currentWindowAttention,
      watch: watchWindowAttention,
    };
  }

  /** Unread messages worth coming back for, all rooms together (the badge's number). */
  readonly unread: number = $derived.by(() =>
    unreadTotal(this.#counts, this.#options.preferences()),
  );

  readonly title: string = $derived.by(() =>
    windowTitle(this.unread, this.#options.serverName() || null),
  );

  get attention(): Attention {
    return this.#attention;
  }

  /** Whether notifications may be shown; `default`: the browser has not asked yet. */
  get permission(): NotificationPermissionState {
    return this.#permission;
  }

  unreadIn(room: string): RoomUnread {
    return this.#counts[room] ?? NO_UNREAD;
  }

  /**
   * Where the reader left off in `room`: the id of the first message that was unread when they
   * came back to it (the message list's "New messages" divider goes there); null when nothing
   * was. It lasts while the room stays on screen. The one place the renderer's notion of "read"
   * becomes a position: read positions kept elsewhere (the server) would be fed in here.
   */
  unreadMarker(room: string): number | null {
    return this.#markers[room] ?? null;
  }

  /**
   * Follows the window's attention and notification clicks, keeps the badge in step. (App.svelte
   * sets the document title from `title`: the desktop window's title follows the page's.)
   */
  start(): Unsubscribe {
    const { desktop } = this.#options;
    // Callers start this from an effect (App.svelte): reading state here must not make that
    // effect depend on it, or the write below would run it again, forever.
    untrack(() => this.#setWindowAttention(this.#windowAttention.current()));
    const offAttention = this.#windowAttention.watch((attention) =>
      this.#setWindowAttention(attention),
    );
    const offClicks = desktop.onNotificationClick((room) => {
      this.#options.onopenroom?.(room);
      // The window is shown and focused by whoever shows notifications; count what is read now.
      this.#setWindowAttention(this.#windowAttention.current());
    });
    void desktop.notificationPermission().then(
      (permission) => (this.#permission = permission),
      () => {},
    );
    const offEffects = $effect.root(() => {
      $effect(() => {
        void desktop.setUnread(Math.min(this.unread, 9_999)).catch(() => {});
      });
    });
    return () => {
      offAttention();
      offClicks();
      offEffects();
    };
  }

  /** "Turn on notifications": the browser asks the person (this must follow a click). */
  async requestPermission(): Promise<void> {
    this.#permission = await this.#options.desktop
      .requestNotificationPermission()
      .catch(() => this.#permission);
  }

  /** Whether the reader is at the latest message of the room on screen (not scrolled back). */
  setAtLatest(atLatest: boolean): void {
    if (atLatest === this.#attention.atLatest) return;
    this.#setAttention({ ...this.#attention, atLatest });
  }

  /** Applies a chat event (after the chat state applied it: `reader()` is current). */
  apply(event: ChatEvent): void {
    if (event.type === 'session') {
      for (const [room, id] of Object.entries(event.session.readPositions ?? {})) {
        this.#readElsewhere(room, id);
      }
      const { room, messages } = event.session;
      if (this.#attention.roomInView !== null) {
        // A rejoin after a lost connection: what it brings was missed, so it is news — but one
        // notification for the lot, not one per message.
        this.#onMessages(messages);
      } else {
        // A first join shows history, not news.
        for (const message of messages) this.#seen(message);
        this.#setAttention({ ...this.#attention, roomInView: room, atLatest: true });
      }
    } else if (event.type === 'room-joined') {
      const { room, messages } = event.joined;
      // The person's read position (on any of their devices) when the server has one, else what
      // this device showed.
      const shownBefore =
        room.kind === 'direct'
          ? (this.#readPositions.get(room.id) ?? this.#options.seenDirects?.get(room.id))
          : undefined;
      if (this.#joinedRooms.has(room.id)) this.#onMessages(messages);
      else if (shownBefore !== undefined) {
        // A direct conversation this device showed before: what came since was written while
        // this person was away, and is news (one notification for the lot).
        this.#joinedRooms.add(room.id);
        for (const message of messages) if (message.id <= shownBefore) this.#seen(message);
        this.#onMessages(messages.filter((message) => message.id > shownBefore));
      } else {
        this.#joinedRooms.add(room.id);
        for (const message of messages) this.#seen(message);
      }
    } else if (event.type === 'room-left') {
      this.#joinedRooms.delete(event.room);
    } else if (event.type === 'message') {
      this.#onMessages([event.message]);
    } else if (event.type === 'history') {
      for (const message of event.messages) this.#seen(message);
    } else if (event.type === 'read') {
      this.#readElsewhere(event.room, event.id);
    }
  }

  /** `room` is on screen now (the reader switched rooms): what was unread there is read. */
  showRoom(room: string): void {
    if (this.#attention.roomInView === room) return;
    this.#setAttention({ ...this.#attention, roomInView: room, atLatest: true });
  }

  /** A room that was left: its unread messages no longer count. */
  forgetRoom(room: string): void {
    this.#firstUnread.delete(room);
    this.#dropMarker(room);
    if (!this.#counts[room]) return;
    const { [room]: _left, ...others } = this.#counts;
    this.#counts = others;
  }

  /** Out of the room (left it): nothing is on screen, nothing is unread. */
  reset(): void {
    this.#latestIds.clear();
    this.#joinedRooms.clear();
    this.#readPositions.clear();
    this.#unsentReads.clear();
    for (const timer of this.#readTimers.values()) clearTimeout(timer);
    this.#readTimers.clear();
    this.#firstUnread.clear();
    this.#markers = {};
    this.#counts = {};
    this.#setAttention({ ...this.#attention, roomInView: null, atLatest: true });
  }

  /** Counts the new messages among `messages`; notifies for the last one that calls for it. */
  #onMessages(messages: readonly ChatMessage[]): void {
    const reader = this.#options.reader();
    let counts = this.#counts;
    let notify: ChatMessage | null = null;
    for (const message of messages) {
      // A change to a message (edit, reaction…) is not news: it is neither unread nor notified.
      if (!this.#seen(message) || !reader || message.change) continue;
      const outcome = outcomeOf(message, reader, this.#attention);
      if (outcome.unread) {
        if (!this.#firstUnread.has(message.room)) this.#firstUnread.set(message.room, message.id);
        counts = {
          ...counts,
          [message.room]: countMessage(counts[message.room] ?? NO_UNREAD, outcome),
        };
      }
      if (outcome.notify) notify = message;
    }
    if (counts !== this.#counts) this.#counts = counts;
    this.#readInView();
    if (notify && !this.#options.busy?.()) {
      const roomName = this.#options.roomName
        ? this.#options.roomName(notify.room)
        : this.#options.serverName() || undefined;
      void this.#options.desktop
        .notify(notificationFor(notify, roomName))
        // A notification that cannot be shown is no reason to disturb the chat.
        .catch(() => {});
    }
  }

  /** Records `message` as seen; false when it (or a newer one of its room) was seen before. */
  #seen(message: ChatMessage): boolean {
    const latest = this.#latestIds.get(message.room) ?? 0;
    if (message.id <= latest) return false;
    this.#latestIds.set(message.room, message.id);
    if (this.#options.reader()?.isDirect?.(message.room)) {
      this.#options.seenDirects?.set(message.room, message.id);
    }
    return true;
  }

  #setWindowAttention({ visible, focused }: WindowAttention): void {
    this.#setAttention({ ...this.#attention, visible, focused });
  }

  #setAttention(attention: Attention): void {
    const left = this.#attention.roomInView;
    this.#attention = attention;
    const room = attention.roomInView;
    // Another room on screen: the divider of the one left has served.
    if (left !== null && left !== room) this.#dropMarker(left);
    if (room === null || !isReading(attention, room)) return;
    // Reading the room again: what was unread there has been seen, from its first one on.
    const first = this.#firstUnread.get(room);
    if (first !== undefined) {
      this.#firstUnread.delete(room);
      // While the room stays on screen, the place first left off stays the place.
      if (this.#markers[room] === undefined) this.#markers = { ...this.#markers, [room]: first };
    }
    if (this.#counts[room]) {
      const { [room]: _read, ...others } = this.#counts;
      this.#counts = others;
    }
    this.#readInView();
  }

  /**
   * Another device of this person read `room` up to `id` (or the join said so): the position
   * moves there, and the room's unread messages are read when none is newer.
   */
  #readElsewhere(room: string, id: number): void {
    if ((this.#readPositions.get(room) ?? 0) >= id) return;
    this.#readPositions.set(room, id);
    const latest = this.#latestIds.get(room);
    if (latest !== undefined && latest <= id && this.#counts[room]) {
      const { [room]: _read, ...others } = this.#counts;
      this.#counts = others;
    }
  }

  /** The room on screen is read up to its newest message: the server hears of it (spaced). */
  #readInView(): void {
    const room = this.#attention.roomInView;
    if (room === null || !this.#options.markRead || !isReading(this.#attention, room)) return;
    const latest = this.#latestIds.get(room);
    if (latest === undefined || latest <= (this.#readPositions.get(room) ?? 0)) return;
    this.#readPositions.set(room, latest);
    this.#unsentReads.set(room, latest);
    if (!this.#readTimers.has(room)) this.#sendRead(room);
  }

  /** Sends the newest read position of `room`, then waits before the next one may go. */
  #sendRead(room: string): void {
    const id = this.#unsentReads.get(room);
    if (id === undefined) {
      this.#readTimers.delete(room);
      return;
    }
    this.#unsentReads.delete(room);
    // A position that could not be sent (not connected) is sent with the next one read.
    void this.#options.markRead?.(room, id).catch(() => {});
    this.#readTimers.set(
      room,
      setTimeout(() => this.#sendRead(room), this.#options.readSpacingMs ?? READ_SPACING_MS),
    );
  }

  #dropMarker(room: string): void {
    if (this.#markers[room] === undefined) return;
    const { [room]: _dropped, ...others } = this.#markers;
    this.#markers = others;
  }
}
