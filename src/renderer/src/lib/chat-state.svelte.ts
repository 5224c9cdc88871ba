/**
 * The state of one conversation (the lobby, a room or a direct conversation) of a chat
 * connection, built only from ChatEvents: connection status, who is in it, who is typing, and the
 * timeline (messages merged by id plus system notices). Components read it; only `apply` and
 * `reset` change it, and `loadMorePeople`, which adds the next page of the people: in a crowd a
 * join lists only the first (`userCount` says how many there are). Conversations
 * (conversations.svelte.ts) keeps one per joined room.
 *
 * Over 450 lines, one job: one conversation's state, each part (people, typing, timeline, outbox)
 * a few fields and the cases of `apply` that change them; split, the parts would each need every
 * event and the same room filter (`#concerns`).
 */
import type { ChatEvent, ConnectionStatus, OutboxEntry, PeopleQuery } from '../../../shared/api';
import { LIMITS, LOBBY } from '../../../shared/limits';
import type {
  ChatMessage,
  JoinedRoom,
  JoinedSession,
  PeoplePage,
  User,
} from '../../../shared/protocol';
import type { Result } from '../../../shared/result';
import { ExpiryTimers } from './expiry-timers';
import { mergeMessages } from './messages';
import {
  addPresenceNotice,
  collapsePresence,
  describePresence,
  type PresenceChange,
} from './presence-notices';
import { SizeCache, type Anchor } from './virtual-layout';

/** Messages from the same author this close together are shown as one group. */
const GROUP_WINDOW_MS = 5 * 60_000;

export type NoticeTone = 'info' | 'warning';

interface Notice {
  seq: number;
  /** The newest message id known when the notice arrived: it is shown right after that message. */
  afterId: number;
  text: string;
  tone: NoticeTone;
  at: number;
  /** Someone joined or left: shown with the others in a row as one line (presence-notices.ts). */
  presence?: PresenceChange;
}

export type TimelineEntry =
  | { kind: 'message'; key: string; message: ChatMessage; own: boolean; continued: boolean }
  | {
      kind: 'notice';
      key: string;
      text: string;
      tone: NoticeTone;
      at: number;
      /** The joins and leaves this line tells of (a run of them is one line). */
      presence?: readonly PresenceChange[];
    }
  /** An own message the server has not acknowledged yet: sending, or failed. */
  | { kind: 'pending'; key: string; entry: OutboxEntry };

export interface ChatStateOptions {
  /** The room this state follows (its id); default the lobby. */
  room?: string;
  clock?: () => number;
  typingExpiryMs?: number;
}

/** A request to show a message: see ChatState.highlight. */
export interface MessageHighlight {
  messageId: number;
  seq: number;
}

const DISCONNECTED: ConnectionStatus = { state: 'disconnected', url: null, reason: null };

/**
 * Where the message list of a conversation was left (the reader's place, the measured heights),
 * so that switching rooms and back finds it as it was. Bookkeeping of MessageList, not state.
 */
export interface ListMemory {
  sizes: SizeCache;
  following: boolean;
  anchor: Anchor | null;
  /** The `seq` of the last highlight request brought into view (a list made later skips it). */
  shownHighlight: number;
  /** The keys of the long messages the reader expanded (Show more). */
  expanded: Set<string>;
}

export class ChatState {
  /** The room's id. */
  readonly room: string;
  /** Kept for MessageList while another room is on screen. */
  readonly listMemory: ListMemory = {
    sizes: new SizeCache(),
    following: true,
    anchor: null,
    shownHighlight: 0,
    // Bookkeeping of the list, not state: each message reads it once when rendered.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    expanded: new Set(),
  };
  readonly #clock: () => number;
  readonly #typingExpiryMs: number;
  readonly #typingTimers = new ExpiryTimers();
  #noticeSeq = 0;

  #status = $state.raw<ConnectionStatus>(DISCONNECTED);
  #self = $state.raw<User | null>(null);
  #serverName = $state('');
  #users = $state.raw<User[]>([]);
  /** How many people are in the room: more than `#users` while not every page is loaded. */
  #userCount = $state(0);
  /** Where the people not loaded yet start (`people:page` `after`); undefined: all are loaded. */
  #usersNext = $state.raw<number | undefined>(undefined);
  /** The page of people being loaded, so that a second ask waits for it instead. */
  #loadingPeople: Promise<Result> | null = null;
  #messages = $state.raw<ChatMessage[]>([]);
  #notices = $state.raw<Notice[]>([]);
  #typing = $state.raw<User[]>([]);
  #outbox = $state.raw<OutboxEntry[]>([]);
  /** Older messages than the oldest held exist on the server (see `loadOlder`). */
  #hasOlder = $state(false);
  #highlight = $state.raw<MessageHighlight | null>(null);

  constructor(options: ChatStateOptions = {}) {
    this.room = options.room ?? LOBBY;
    this.#clock = options.clock ?? Date.now;
    this.#typingExpiryMs = options.typingExpiryMs ?? LIMITS.typingExpiryMs;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get self(): User | null {
    return this.#self;
  }

  get serverName(): string {
    return this.#serverName;
  }

  /** The people loaded: everyone unless `morePeople`, in the order they came online. */
  get users(): User[] {
    return this.#users;
  }

  /** How many people are in the room (loaded or not). */
  get userCount(): number {
    return this.#userCount;
  }

  /** True while the room has people not loaded yet (loadMorePeople). */
  get morePeople(): boolean {
    return this.#usersNext !== undefined;
  }

  /**
   * Loads the next page of the people with `list` (the chat API's listPeople); one page at a
   * time: asked again meanwhile, it answers when that page is in.
   */
  loadMorePeople(list: (query: PeopleQuery) => Promise<Result<PeoplePage>>): Promise<Result> {
    const after = this.#usersNext;
    if (after === undefined) return Promise.resolve({ ok: true });
    this.#loadingPeople ??= list({ room: this.room, after })
      .then((page): Result => {
        // A rejoin meanwhile listed the people again: this page belongs to the list before.
        if (!page.ok || this.#usersNext !== after) return page;
        this.#addPeople(page);
        return { ok: true };
      })
      .finally(() => (this.#loadingPeople = null));
    return this.#loadingPeople;
  }

  get messages(): ChatMessage[] {
    return this.#messages;
  }

  get hasOlder(): boolean {
    return this.#hasOlder;
  }

  /**
   * The message to bring into view and mark (a search result or a reply's original was chosen);
   * each request has its own `seq`, so choosing the same message again scrolls to it again.
   */
  get highlight(): MessageHighlight | null {
    return this.#highlight;
  }

  highlightMessage(messageId: number): void {
    this.#highlight = { messageId, seq: (this.#highlight?.seq ?? 0) + 1 };
  }

  /** Own messages not acknowledged yet (sending or failed), oldest first. */
  get outbox(): OutboxEntry[] {
    return this.#outbox;
  }

  /** Everyone typing right now, except this user. */
  get typing(): User[] {
    return this.#typing;
  }

  readonly timeline: TimelineEntry[] = $derived.by(() => {
    const entries: TimelineEntry[] = [];
    const notices = this.#notices;
    let next = 0;
    let previous: ChatMessage | undefined;
    for (const message of [...this.#messages, undefined]) {
      const upTo = message?.id ?? Number.POSITIVE_INFINITY;
      for (let notice = notices[next]; notice && notice.afterId < upTo; notice = notices[++next]) {
        const { seq, text, tone, at, presence } = notice;
        entries.push({
          kind: 'notice',
          key: `n${seq}`,
          text,
          tone,
          at,
          ...(presence ? { presence: [presence] } : {}),
        });
        previous = undefined;
      }
      if (!message) break;
      const continued =
        previous?.author.id === message.author.id &&
        message.sentAt - previous.sentAt < GROUP_WINDOW_MS;
      const own = this.#isOwn(message);
      entries.push({ kind: 'message', key: `m${message.id}`, message, own, continued });
      previous = message;
    }
    const collapsed = collapsePresence(entries);
    // Unacknowledged messages come last. One whose broadcast already arrived (the ack follows
    // it a moment later) is shown once, as the message.
    if (this.#outbox.length > 0) {
      // A throwaway lookup inside the derivation, not state: no reactivity needed.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      const delivered = new Set(
        this.#messages.filter((message) => this.#isOwn(message)).map((message) => message.clientId),
      );
      for (const entry of this.#outbox) {
        if (!delivered.has(entry.clientId)) {
          collapsed.push({ kind: 'pending', key: `p${entry.clientId}`, entry });
        }
      }
    }
    return collapsed;
  });

  /** Applies `event` if it concerns this room (events of other rooms change nothing). */
  apply(event: ChatEvent): void {
    if (!this.#concerns(event)) return;
    switch (event.type) {
      case 'status':
        this.#status = event.status;
        if (event.status.state !== 'connected') this.#clearTyping();
        break;
      case 'session':
        this.#applySession(event.session);
        break;
      case 'room-joined':
        this.#applyJoined(event.joined);
        break;
      case 'message':
        this.#messages = mergeMessages(this.#messages, [event.message]);
        this.#stopTyping(event.message.author.id);
        break;
      case 'user-joined':
        this.#personJoined(event.user);
        this.#addPresence(event.user, 'joined');
        break;
      case 'user-left':
        this.#personLeft(event.user);
        this.#stopTyping(event.user.id);
        this.#addPresence(event.user, 'left');
        break;
      case 'person-updated':
        // Renamed, or a role given or taken: shown as they are now, wherever they are listed.
        if (event.user.id === this.#self?.id) this.#self = event.user;
        this.#users = this.#users.map((user) => (user.id === event.user.id ? event.user : user));
        break;
      case 'typing':
        if (event.user.id === this.#self?.id) break;
        if (event.typing) this.#startTyping(event.user);
        else this.#stopTyping(event.user.id);
        break;
      case 'outbox': {
        // Changes to messages (edits, reactions…) show on their message once applied, not here.
        const entries = event.entries.filter(
          (entry) => (entry.room ?? LOBBY) === this.room && !entry.change,
        );
        // Unchanged for this room: nothing to render again.
        if (entries.length === 0 && this.#outbox.length === 0) break;
        this.#outbox = entries;
        break;
      }
      case 'history':
        this.#messages = mergeMessages(this.#messages, event.messages);
        this.#hasOlder = event.hasOlder;
        break;
      case 'room-counts':
        // The server announces only the people listed (the pages loaded): the count of everyone
        // comes from here.
        this.#userCount = Math.max(event.counts[this.room]!, this.#users.length);
        break;
      case 'notice':
        this.#addNotice(event.text, 'warning');
        break;
      case 'error':
        this.#addNotice(event.error.message, 'warning');
        break;
    }
  }

  /** Forgets everything: before joining another room, or after leaving. */
  reset(): void {
    this.#clearTyping();
    this.#status = DISCONNECTED;
    this.#self = null;
    this.#serverName = '';
    this.#users = [];
    this.#userCount = 0;
    this.#usersNext = undefined;
    this.#messages = [];
    this.#notices = [];
    this.#outbox = [];
    this.#hasOlder = false;
    this.listMemory.following = true;
    this.listMemory.anchor = null;
  }

  #applySession(session: JoinedSession): void {
    this.#self = session.self;
    this.#serverName = session.serverName;
    // The session's people and messages are the lobby's; other rooms' come with room-joined.
    if (this.room !== session.room) return;
    // The first join says whether there is history before it; a rejoin's catch-up does not.
    if (this.#messages.length === 0) this.#hasOlder = session.hasOlder;
    this.#listPeople(session);
    this.#messages = mergeMessages(this.#messages, session.messages);
  }

  #applyJoined(joined: JoinedRoom): void {
    if (this.#messages.length === 0) this.#hasOlder = joined.hasOlder;
    this.#listPeople(joined);
    this.#messages = mergeMessages(this.#messages, joined.messages);
  }

  /** The people a join reply lists: everyone, or the first page and how many there are. */
  #listPeople(reply: Pick<JoinedRoom, 'users' | 'userCount' | 'usersNext'>): void {
    this.#users = reply.users;
    this.#userCount = Math.max(reply.userCount, reply.users.length);
    this.#usersNext = reply.usersNext;
  }

  /**
   * A page of people after those loaded: each person once, in their place in the join order (the
   * joiner, listed last by the join, moves to theirs).
   */
  #addPeople(page: PeoplePage): void {
    // A throwaway lookup, not state.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const listed = new Set(page.users.map((user) => user.id));
    this.#users = [...this.#users.filter((user) => !listed.has(user.id)), ...page.users];
    this.#usersNext = page.next;
    this.#userCount = Math.max(page.total, this.#users.length);
  }

  /**
   * Someone came in. While pages are missing they are not listed yet: they came last, so the last
   * page lists them in their place; the count says they are there.
   */
  #personJoined(user: User): void {
    const listed = this.#users.some((other) => other.id === user.id);
    if (!listed) this.#userCount++;
    if (listed || this.#usersNext === undefined) {
      this.#users = [...this.#users.filter((other) => other.id !== user.id), user];
    }
  }

  /** Someone left: listed or not, they are no longer counted. */
  #personLeft(user: User): void {
    const users = this.#users.filter((other) => other.id !== user.id);
    this.#users = users;
    this.#userCount = Math.max(this.#userCount - 1, users.length);
  }

  /** Whether `event` is about this room: room events by their room, the rest (status) always. */
  #concerns(event: ChatEvent): boolean {
    switch (event.type) {
      case 'message':
        return event.message.room === this.room;
      case 'user-joined':
      case 'user-left':
      case 'typing':
      case 'history':
        return event.room === this.room;
      case 'room-joined':
        return event.joined.room.id === this.room;
      case 'room-counts':
        return event.counts[this.room] !== undefined;
      case 'room-left':
      case 'room-created':
      case 'room-deleted':
        return false;
      default:
        return true;
    }
  }

  #isOwn(message: ChatMessage): boolean {
    const self = this.#self;
    if (!self) return false;
    // The author is an identity: the same after a reload and on every linked device.
    return message.author.id === self.id;
  }

  #addNotice(text: string, tone: NoticeTone): void {
    const afterId = this.#messages.at(-1)?.id ?? 0;
    const notice: Notice = { seq: ++this.#noticeSeq, afterId, text, tone, at: this.#clock() };
    this.#notices = [...this.#notices, notice];
  }

  /** "bob joined" / "bob left", unless it undoes a leave of a moment ago (a reload). */
  #addPresence(user: User, change: PresenceChange['change']): void {
    const presence: PresenceChange = { user, change, at: this.#clock() };
    const notice = {
      seq: ++this.#noticeSeq,
      afterId: this.#messages.at(-1)?.id ?? 0,
      text: describePresence([presence]),
      tone: 'info' as const,
      at: presence.at,
      presence,
    };
    this.#notices = addPresenceNotice(this.#notices, notice);
  }

  #startTyping(user: User): void {
    this.#typingTimers.set(user.id, this.#typingExpiryMs, () => this.#stopTyping(user.id));
    if (!this.#typing.some((typing) => typing.id === user.id))
      this.#typing = [...this.#typing, user];
  }

  #stopTyping(userId: string): void {
    this.#typingTimers.clear(userId);
    if (this.#typing.some((typing) => typing.id === userId)) {
      this.#typing = this.#typing.filter((typing) => typing.id !== userId);
    }
  }

  #clearTyping(): void {
    this.#typingTimers.clearAll();
    if (this.#typing.length > 0) this.#typing = [];
  }
}
