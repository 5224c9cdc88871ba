/**
 * ChatClient's outbox: own messages waiting for the server's acknowledgement (docs/PROTOCOL.md,
 * "Delivery guarantees"). Entries are sent one at a time, oldest first, so that they are stored in
 * the order they were written; after a reconnect they are sent again with the same clientId (the
 * server de-duplicates). An OutboxStore, when given, keeps them between runs, per server and
 * nickname.
 */
import type { ChatEvent, OutboxEntry, OutboxStore } from '../shared/api';
import { LOBBY } from '../shared/limits';
import type { ChatMessage, MessageChange } from '../shared/protocol';
import { fail, ok, type ErrorCode, type Result } from '../shared/result';
import { describeIssues, messageChangeSchema, messageTextSchema } from '../shared/schemas';
import type { Request } from './acked-request';
import type { ParleyClientSocket } from './connection';

export interface OutboxOptions {
  request: Request;
  createId: () => string;
  clock: () => number;
  store: OutboxStore | null;
  /** Where failures to keep the outbox are reported. */
  onError: (error: unknown) => void;
  emit: (event: ChatEvent) => void;
  /** The socket when entries may be sent now (joined, not catching up), else null. */
  sendingSocket: () => ParleyClientSocket | null;
  /** Takes in a message the server acknowledged. */
  deliver: (message: ChatMessage) => void;
}

/** Refusals that sending again cannot fix: the entry fails and waits for the person. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'invalid_payload',
  'not_in_room',
  'unknown_room',
  'user_offline',
  'rate_limited',
  'internal',
  'unknown_event',
  // The server could not store it: it waits, failed, for Retry (resending at once cannot help).
  'storage_full',
  'storage_unavailable',
  // The message a reply or change names is gone, or the change is not this person's to make.
  'unknown_message',
  'not_allowed',
]);

/** The server could not store it: the same request may succeed later. */
const STORAGE_REFUSALS: ReadonlySet<ErrorCode> = new Set(['storage_full', 'storage_unavailable']);

export class Outbox {
  readonly #options: OutboxOptions;
  #entries: OutboxEntry[] = [];
  /** The outbox's key in the store (server origin and nickname); null before a connect. */
  #key: string | null = null;
  #saving: Promise<void> = Promise.resolve();
  #flushing = false;
  #inFlight: string | null = null;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Own messages the server has not acknowledged yet, oldest first. */
  get entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  /** Takes up the stored outbox of `key` (server origin and nickname). */
  async load(key: string): Promise<void> {
    this.#key = key;
    let entries: OutboxEntry[] = [];
    try {
      entries = (await this.#options.store?.load(key)) ?? [];
    } catch (error) {
      this.#options.onError(error);
    }
    this.#entries = entries;
    this.#options.emit({ type: 'outbox', entries });
  }

  /** Leaves the server: what is still waiting stays in the store for the next visit. */
  forget(): void {
    this.#entries = [];
    this.#key = null;
    this.#options.emit({ type: 'outbox', entries: [] });
  }

  /** See ChatClient.post. */
  post(text: string, room: string, replyTo?: number): Result<{ entry: OutboxEntry }> {
    const checked = messageTextSchema.safeParse(text);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, text));
    return this.#add(room, { text, ...(replyTo === undefined ? {} : { replyTo }) });
  }

  /** See ChatClient.changeMessage. */
  change(change: MessageChange, room: string): Result<{ entry: OutboxEntry }> {
    const checked = messageChangeSchema.safeParse(change);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, change));
    return this.#add(room, { text: '', change: checked.data });
  }

  #add(
    room: string,
    fields: Pick<OutboxEntry, 'text' | 'replyTo' | 'change'>,
  ): Result<{ entry: OutboxEntry }> {
    if (this.#key === null) return fail('not_connected', 'Join a server first.');
    const entry: OutboxEntry = {
      clientId: this.#options.createId(),
      ...(room === LOBBY ? {} : { room }),
      ...fields,
      state: 'sending',
      error: null,
      createdAt: this.#options.clock(),
    };
    this.#update([...this.#entries, entry]);
    void this.flush();
    return ok({ entry });
  }

  /** Sends a failed entry again, with its original clientId. */
  retry(clientId: string): Result {
    const entry = this.#entries.find((candidate) => candidate.clientId === clientId);
    if (!entry) return fail('invalid_payload', 'That message is no longer waiting to be sent.');
    if (entry.state === 'failed') {
      this.#update(
        this.#entries.map((candidate) =>
          candidate === entry ? { ...entry, state: 'sending', error: null } : candidate,
        ),
      );
    }
    void this.flush();
    return ok({});
  }

  /** Removes an entry, unless it is on its way to the server right now. */
  discard(clientId: string): Result {
    if (this.#inFlight === clientId) {
      return fail('invalid_payload', 'That message is being sent right now.');
    }
    this.#update(this.#entries.filter((entry) => entry.clientId !== clientId));
    return ok({});
  }

  /** Resolves once every outbox change so far has been handed to the store. */
  async saved(): Promise<void> {
    await this.#saving;
  }

  /**
   * Sends the waiting entries one at a time, oldest first. Stops when the connection is not
   * ready; the next (re)join starts it again.
   */
  async flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (;;) {
        const socket = this.#options.sendingSocket();
        if (!socket) return;
        const entry = this.#entries.find((candidate) => candidate.state === 'sending');
        if (!entry) return;
        this.#inFlight = entry.clientId;
        const room = entry.room === undefined ? {} : { room: entry.room };
        const result = entry.change
          ? await this.#options.request(socket, 'message:change', {
              ...room,
              clientId: entry.clientId,
              change: entry.change,
            })
          : await this.#options.request(socket, 'message:send', {
              ...room,
              clientId: entry.clientId,
              text: entry.text,
              ...(entry.replyTo === undefined ? {} : { replyTo: entry.replyTo }),
            });
        this.#inFlight = null;
        if (result.ok) {
          this.#options.deliver(result.message);
          this.#update(this.#entries.filter((candidate) => candidate !== entry));
        } else if (
          FINAL_REFUSALS.has(result.error.code) &&
          entry.change &&
          !STORAGE_REFUSALS.has(result.error.code)
        ) {
          // A refused change cannot be put right by retrying: it goes, and the person is told.
          // (One the server could not store waits, failed, for Retry like a message.)
          this.#update(this.#entries.filter((candidate) => candidate !== entry));
          this.#options.emit({ type: 'error', error: result.error });
        } else if (FINAL_REFUSALS.has(result.error.code)) {
          this.#update(
            this.#entries.map((candidate) =>
              candidate === entry ? { ...entry, state: 'failed', error: result.error } : candidate,
            ),
          );
        } else if (!socket.connected) {
          return; // resent after the reconnect
        }
        // A timeout on a live connection: loop and send it again (the server de-duplicates).
      }
    } finally {
      this.#flushing = false;
    }
  }

  #update(entries: OutboxEntry[]): void {
    this.#entries = entries;
    this.#options.emit({ type: 'outbox', entries });
    const store = this.#options.store;
    const key = this.#key;
    if (!store || key === null) return;
    // One write at a time, in order: the last one written is the newest state.
    this.#saving = this.#saving
      .then(() => store.save(key, entries))
      .catch((error: unknown) => this.#options.onError(error));
  }
}
