/**
 * The servers joined before ("Recent servers"), kept in step with `window.parley.servers`: the
 * list newest first, and rename / forget, whose errors are shown next to the list.
 */
import type { ParleyApi, SavedServer, Unsubscribe } from '../../../shared/api';

export class SavedServersState {
  readonly #api: ParleyApi['servers'];
  #servers = $state.raw<SavedServer[]>([]);
  #error = $state<string | null>(null);

  constructor(api: ParleyApi['servers']) {
    this.#api = api;
  }

  /** Newest first, whatever order the provider used. */
  get servers(): SavedServer[] {
    return this.#servers;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Loads the list and follows its changes; returns the disposer. */
  start(): Unsubscribe {
    let live = true;
    const off = this.#api.onChanged((servers) => this.#set(servers));
    void this.#api.list().then(
      (servers) => {
        if (live) this.#set(servers);
      },
      () => {},
    );
    return () => {
      live = false;
      off();
    };
  }

  /** An empty name gives the server back its own name. */
  async rename(url: string, name: string): Promise<boolean> {
    const result = await this.#api.rename(url, name.trim());
    if (!result.ok) {
      this.#error = result.error.message;
      return false;
    }
    this.#error = null;
    this.#set(result.servers);
    return true;
  }

  async forget(url: string): Promise<void> {
    const result = await this.#api.forget(url);
    if (!result.ok) {
      this.#error = result.error.message;
      return;
    }
    this.#error = null;
    this.#set(result.servers);
  }

  #set(servers: SavedServer[]): void {
    this.#servers = [...servers].sort((a, b) => b.lastJoinedAt - a.lastJoinedAt);
  }
}
