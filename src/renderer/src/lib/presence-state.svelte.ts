/**
 * Presence as this app shows it: everyone's (online, away, busy, a status line) from the join
 * and `presence` events, whether the list is current (greyed out, "as of 14:02", while this app
 * is not connected), and this person's own: what they chose (online or busy, a status line) and
 * away by itself after a while without activity (idle-watcher.ts), back at the next sign of it.
 */
import type { ChatEvent, ParleyApi, PresenceStatus, Unsubscribe } from '../../../shared/api';
import { LOBBY } from '../../../shared/limits';
import type { Presence } from '../../../shared/protocol';
import { watchIdle as watchPageIdle, type IdleWatcherOptions } from './idle-watcher';

/** What people choose; away comes by itself. */
export type ChosenStatus = Exclude<PresenceStatus, 'away'>;

export interface PresenceStateOptions {
  chat: Pick<ParleyApi['chat'], 'setPresence' | 'onEvent'>;
  /** How long without activity before this person shows as away, in ms. */
  awayAfterMs: () => number;
  clock?: () => number;
  /** Watches for idleness (tests pass their own timers and activity through it). */
  watchIdle?: (options: IdleWatcherOptions) => Unsubscribe;
}

const ONLINE: Presence = { status: 'online', since: 0 };

export class PresenceState {
  readonly #options: PresenceStateOptions;
  readonly #clock: () => number;
  #byUser = $state.raw<Record<string, Presence>>({});
  #selfId = $state<string | null>(null);
  #connected = $state(false);
  #asOf = $state<number | null>(null);
  #chosen = $state<ChosenStatus>('online');
  #text = $state('');
  #idle = $state(false);
  #error = $state<string | null>(null);

  constructor(options: PresenceStateOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Someone's presence; online for anyone the server has said nothing about. */
  of(userId: string): Presence {
    return this.#byUser[userId] ?? ONLINE;
  }

  /** What this person chose: online or busy. */
  get chosen(): ChosenStatus {
    return this.#chosen;
  }

  /** This person's status line ('' for none). */
  get text(): string {
    return this.#text;
  }

  /** How this person shows: busy when they chose it, else away while idle, else online. */
  get status(): PresenceStatus {
    if (this.#chosen === 'busy') return 'busy';
    return this.#idle ? 'away' : 'online';
  }

  /** True while busy: no notifications, mentions and direct messages included. */
  get busy(): boolean {
    return this.#chosen === 'busy';
  }

  /** The people list is not current: this app was joined and is not connected now. */
  get stale(): boolean {
    return this.#asOf !== null;
  }

  /** When the list was last current (the connection dropped then); null while it is. */
  get asOf(): number | null {
    return this.#asOf;
  }

  /** Why the last change could not be made, if it could not. */
  get error(): string | null {
    return this.#error;
  }

  /** Follows the chat's events and this person's activity; returns the disposer. */
  start(): Unsubscribe {
    const offEvents = this.#options.chat.onEvent((event) => this.apply(event));
    const offIdle = (this.#options.watchIdle ?? watchPageIdle)({
      idleAfterMs: this.#options.awayAfterMs,
      onidle: () => this.#setIdle(true),
      onactive: () => this.#setIdle(false),
    });
    return () => {
      offEvents();
      offIdle();
    };
  }

  apply(event: ChatEvent): void {
    switch (event.type) {
      case 'status':
        if (event.status.state === 'connected') {
          this.#connected = true;
          this.#asOf = null;
        } else if (this.#connected) {
          // Reconnecting, or ended by the server: what the list shows was true until now.
          this.#connected = false;
          this.#asOf = this.#clock();
        }
        break;
      case 'session':
        this.#selfId = event.session.self.id;
        this.#byUser = { ...event.session.presence };
        {
          const own = event.session.presence[event.session.self.id];
          if (own) this.#adopt(own);
        }
        break;
      case 'presence':
        this.#byUser = { ...this.#byUser, [event.user.id]: event.presence };
        if (event.user.id === this.#selfId) this.#adopt(event.presence);
        break;
      case 'user-left':
        if (event.room === LOBBY && event.user.id in this.#byUser) {
          const { [event.user.id]: _gone, ...others } = this.#byUser;
          this.#byUser = others;
        }
        break;
    }
  }

  /** Sets what this person chose, with a status line ('' for none). */
  async choose(status: ChosenStatus, text: string): Promise<boolean> {
    const before = { chosen: this.#chosen, text: this.#text };
    this.#chosen = status;
    this.#text = text.trim();
    const sent = await this.#send();
    if (!sent) {
      this.#chosen = before.chosen;
      this.#text = before.text;
    }
    return sent;
  }

  #setIdle(idle: boolean): void {
    if (this.#idle === idle) return;
    this.#idle = idle;
    // Busy stays busy, idle or not.
    if (this.#chosen === 'online') void this.#send();
  }

  /**
   * The server's word on this person's presence (after a reload, or a change from another of
   * their windows): what they chose follows it; away is this app's own idea, so it is left alone.
   */
  #adopt(presence: Presence): void {
    if (presence.status !== 'away') this.#chosen = presence.status;
    this.#text = presence.text ?? '';
  }

  /** Tells the server; true unless it was refused (not connected: it is set once back). */
  async #send(): Promise<boolean> {
    const result = await this.#options.chat.setPresence(this.status, this.#text || undefined);
    if (result.ok || result.error.code === 'not_connected') {
      this.#error = null;
      return true;
    }
    this.#error = result.error.message;
    return false;
  }
}
