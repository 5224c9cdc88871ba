/**
 * Hosting a room from the desktop app: the hosting status (running, port, addresses, certificate)
 * kept in step with `window.parley.hosting`, and starting and stopping it. Why the last stop
 * failed is kept for the host panel to show.
 */
import type { HostingStatus, HostOptions, ParleyApi, Unsubscribe } from '../../../shared/api';
import { DEFAULT_PORT } from '../../../shared/limits';
import type { Result } from '../../../shared/result';

const NOT_HOSTING: HostingStatus = { running: false, port: null, urls: [] };

/** The URL to join one's own room with: localhost when offered, else the first one. */
export function localUrlOf(status: HostingStatus): string {
  return (
    status.urls.find((url) => /^https?:\/\/localhost(:\d+)?$/.test(url)) ??
    status.urls[0] ??
    `http://localhost:${status.port ?? DEFAULT_PORT}`
  );
}

export class HostingState {
  readonly #api: ParleyApi['hosting'];
  readonly #canHost: boolean;
  #status = $state.raw<HostingStatus>(NOT_HOSTING);
  #error = $state<string | null>(null);

  constructor(api: ParleyApi['hosting'], canHost: boolean) {
    this.#api = api;
    this.#canHost = canHost;
  }

  get status(): HostingStatus {
    return this.#status;
  }

  /** Why hosting could not be stopped; null otherwise. */
  get error(): string | null {
    return this.#error;
  }

  /** Follows the hosting status; returns the disposer. */
  start(): Unsubscribe {
    const off = this.#api.onStatus((status) => (this.#status = status));
    if (this.#canHost) {
      void this.#api.status().then(
        (status) => (this.#status = status),
        () => {},
      );
    }
    return off;
  }

  /** Starts hosting; the status is the new one at once when it worked. */
  async host(options: HostOptions): Promise<Result<{ status: HostingStatus }>> {
    const started = await this.#api.start(options);
    if (started.ok) this.#status = started.status;
    return started;
  }

  /** Stops hosting; says whether it stopped (else `error` says why). */
  async stop(): Promise<boolean> {
    this.#error = null;
    const stopped = await this.#api.stop();
    if (!stopped.ok) {
      this.#error = stopped.error.message;
      return false;
    }
    this.#status = stopped.status;
    return true;
  }
}
