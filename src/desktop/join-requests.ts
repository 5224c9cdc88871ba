/**
 * JoinRequests: `parley://join?…` links from the OS (the command line of the first launch or of
 * a second instance on Windows and Linux, 'open-url' on macOS), held until the page can take
 * them. A link can arrive before the window has loaded, so requests wait until the page
 * subscribes (links.onJoinRequest) and are delivered then, once each.
 */
import type { JoinRequest } from '../shared/api';
import { parseJoinLink } from '../shared/join-link';
import type { Result } from '../shared/result';

/** More pending links than this and the oldest are dropped (nobody clicks that many at once). */
const MAX_PENDING = 5;

export class JoinRequests {
  readonly #deliver: (request: JoinRequest) => void;
  #pending: JoinRequest[] = [];
  #ready = false;

  /** `deliver` sends one request to the page (over IPC). */
  constructor(deliver: (request: JoinRequest) => void) {
    this.#deliver = deliver;
  }

  /** A link from the OS; an invalid one is refused (and never reaches the page). */
  offer(link: string): Result<{ request: JoinRequest }> {
    const parsed = parseJoinLink(link);
    if (!parsed.ok) return parsed;
    const request: JoinRequest = {
      link: link.trim(),
      url: parsed.url,
      secure: parsed.secure,
      fingerprint: parsed.fingerprint,
    };
    if (this.#ready) this.#deliver(request);
    else {
      // The same link twice (a double click) is one request.
      this.#pending = [...this.#pending.filter((p) => p.link !== request.link), request].slice(
        -MAX_PENDING,
      );
    }
    return { ok: true, request };
  }

  /** The page subscribed: it gets what waited, then every new request at once. */
  ready(): void {
    this.#ready = true;
    const pending = this.#pending;
    this.#pending = [];
    for (const request of pending) this.#deliver(request);
  }

  /** The page is loading again, or gone: hold requests until it subscribes again. */
  reset(): void {
    this.#ready = false;
  }
}
