/**
 * One person in the chaos test: a real ChatClient that records every message it delivers (from
 * `session` events and `message` events alike), every message it posts, how often its
 * connection dropped, and whatever went wrong. It posts through the client's outbox only:
 * resending after faults is ChatClient's job, and the test must fail when it does not do it.
 * The one exception is a post the server could not store (its disk was full): the outbox keeps
 * it as failed for the person to retry, and this person presses Retry after a moment.
 */
import { ChatClient } from '../../src/client/chat-client';
import type { ConnectionStatus, OutboxEntry } from '../../src/shared/api';
import type { ChatMessage, MessageChange } from '../../src/shared/protocol';
import type { PostedMessage } from './verify';

/**
 * Marks the messages their authors will delete. Nobody edits or reacts to them: a change racing a
 * delete is refused (rightly), and the run expects every post to be stored.
 */
export const DELETABLE = ' (to delete)';

/** Refusals a person answers with Retry: the server's disk was full or failing. */
const STORAGE_REFUSALS: ReadonlySet<string> = new Set(['storage_full', 'storage_unavailable']);
/** How long the person waits before pressing Retry, ms. */
const RETRY_AFTER_MS = 250;

export interface ChaosMemberOptions {
  url: string;
  nickname: string;
  /** Reconnection back-off, ms: short, so that a run spends its time on traffic, not waiting. */
  reconnectDelayMs: number;
  reconnectDelayMaxMs: number;
}

export class ChaosMember {
  readonly nickname: string;
  readonly client: ChatClient;
  /** Every message delivered to listeners, in delivery order. */
  readonly log: ChatMessage[] = [];
  readonly posted: PostedMessage[] = [];
  /** Things that must not happen in a run: refused posts, failed outbox entries. */
  readonly failures: string[] = [];
  /** What the client told its person (server closing, missed messages it could not load). */
  readonly notices: string[] = [];
  /** Joins after the first: each one a reconnect that went through the rejoin and catch-up. */
  rejoins = -1;
  /** Posts the server refused because it could not store them (each one retried). */
  storageRefusals = 0;
  status: ConnectionStatus = { state: 'disconnected', url: null, reason: null };
  outbox: readonly OutboxEntry[] = [];
  readonly #url: string;
  readonly #failedClientIds = new Set<string>();
  /** Messages this person asked to delete (never changed again). */
  readonly #deleted = new Set<number>();
  /** Posts refused for storage, waiting for their Retry. */
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(options: ChaosMemberOptions) {
    this.nickname = options.nickname;
    this.#url = options.url;
    this.client = new ChatClient({
      reconnectDelayMs: options.reconnectDelayMs,
      reconnectDelayMaxMs: options.reconnectDelayMaxMs,
    });
    this.client.onEvent((event) => {
      switch (event.type) {
        case 'session':
          this.rejoins += 1;
          this.log.push(...event.session.messages);
          break;
        case 'message':
          this.log.push(event.message);
          break;
        case 'status':
          this.status = event.status;
          break;
        case 'outbox':
          this.outbox = event.entries;
          for (const entry of event.entries) this.#noteFailure(entry);
          break;
        case 'notice':
          this.notices.push(event.text);
          break;
        case 'error':
          this.failures.push(`error event: ${event.error.code}: ${event.error.message}`);
          break;
        default:
          break;
      }
    });
  }

  async join(): Promise<void> {
    const joined = await this.client.connect(this.#url, this.nickname);
    if (!joined.ok) throw new Error(`${this.nickname} could not join: ${joined.error.message}`);
  }

  /**
   * Post `n` as a change to an earlier message when it is one's turn (every fifth post an edit of
   * one's own message, every fifth a reaction to anyone's, every seventh a delete of one's own
   * deletable message); false when it is a message's turn or there is nothing to change yet.
   */
  change(n: number): boolean {
    // Not deleted by anyone: a deleted message's text is erased, so its " (to delete)" mark is
    // gone and it would pass for a changeable one.
    const held = this.log.filter(
      (message) => !message.change && !message.deleted && !this.#deleted.has(message.id),
    );
    const changeable = held.filter((message) => !message.text.endsWith(DELETABLE));
    const own = (message: ChatMessage) => message.author.nickname === this.nickname;
    let change: MessageChange | null = null;
    if (n % 7 === 0) {
      const target = held.find((message) => own(message) && message.text.endsWith(DELETABLE));
      if (target) {
        this.#deleted.add(target.id);
        change = { kind: 'delete', target: target.id };
      }
    } else if (n % 5 === 2) {
      const target = changeable.filter(own).at(-1 - (n % 3));
      if (target) change = { kind: 'edit', target: target.id, text: `${this.nickname} edit ${n}` };
    } else if (n % 5 === 4) {
      const target = changeable.at(-1 - (n % 4));
      const emoji = ['👍', '🎉', '👀'][n % 3]!;
      if (target) change = { kind: 'reaction', target: target.id, emoji, add: n % 2 === 0 };
    }
    if (!change) return false;
    const result = this.client.changeMessage(change);
    if (!result.ok) {
      this.failures.push(`change refused: ${result.error.code}: ${result.error.message}`);
      return true;
    }
    this.posted.push({ author: this.nickname, clientId: result.entry.clientId });
    return true;
  }

  /** Puts one message in the outbox (it may be sent at once, or after the next reconnect). */
  post(text: string): void {
    const result = this.client.post(text);
    if (!result.ok) {
      this.failures.push(`post refused: ${result.error.code}: ${result.error.message}`);
      return;
    }
    this.posted.push({ author: this.nickname, clientId: result.entry.clientId });
  }

  /**
   * Outbox entries still on their way, those waiting for their Retry included (other failed ones
   * wait for a person, so they do not count).
   */
  get sending(): number {
    return this.outbox.filter((entry) => entry.state === 'sending').length + this.#retries.size;
  }

  get lastId(): number {
    return this.log.at(-1)?.id ?? 0;
  }

  describe(): string {
    return (
      `${this.nickname}: ${this.status.state}` +
      `${this.status.reason ? ` (${this.status.reason})` : ''}, ` +
      `outbox ${this.sending} sending, holds ${this.log.length} (last id ${this.lastId})`
    );
  }

  async leave(): Promise<void> {
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    await this.client.disconnect();
  }

  #noteFailure(entry: OutboxEntry): void {
    if (entry.state !== 'failed') return;
    if (entry.error && STORAGE_REFUSALS.has(entry.error.code)) {
      this.#retryLater(entry.clientId);
      return;
    }
    if (this.#failedClientIds.has(entry.clientId)) return;
    this.#failedClientIds.add(entry.clientId);
    this.failures.push(
      `outbox entry ${entry.clientId} failed: ${entry.error?.code}: ${entry.error?.message}`,
    );
  }

  #retryLater(clientId: string): void {
    if (this.#retries.has(clientId)) return;
    this.storageRefusals += 1;
    const timer = setTimeout(() => {
      this.#retries.delete(clientId);
      const retried = this.client.retry(clientId);
      if (!retried.ok) {
        this.failures.push(`retry of ${clientId} refused: ${retried.error.code}`);
      }
    }, RETRY_AFTER_MS);
    this.#retries.set(clientId, timer);
  }
}
