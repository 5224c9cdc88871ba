/**
 * The message list's scrolling: which entries to render (virtualized), following the bottom while
 * the reader is there (and after sending one's own message), keeping the reader's entry in place
 * when entries above it change, and loading older pages near the top. It decides; MessageList.svelte
 * measures the DOM and passes events in. It reads and moves the viewport only through
 * `ScrollViewport`, so its decisions can be checked without a DOM.
 */
import type { ConnectionStatus } from '../../../shared/api';
import type { Result } from '../../../shared/result';
import type { ListMemory } from './chat-state.svelte';
import { isDividerKey, type ListEntry } from './list-entries';
import {
  anchoredScrollTop,
  buildLayout,
  captureAnchor,
  indexKeys,
  totalHeight,
  visibleRange,
  type Layout,
  type Range,
} from './virtual-layout';

/** How close to the bottom (in px) still counts as "reading the latest". */
export const NEAR_BOTTOM_PX = 120;
/** Rendered beyond the viewport either side, px: fast scrolling shows no blank space. */
export const OVERSCAN_PX = 800;
/** Room left above the unread divider when the list opens at it, px. */
export const UNREAD_MARGIN_PX = 48;
/** Older messages are fetched when the top of the list is this close, px. */
export const LOAD_OLDER_PX = 800;

/** The scrolling element, as the list sees it. */
export interface ScrollViewport {
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  /** Where the list of entries starts inside the scrolled content (its offsetTop), px. */
  readonly listTop: number;
}

/** The ScrollViewport of a scrolling element holding the list of entries. */
export function elementViewport(element: HTMLElement, list: HTMLElement): ScrollViewport {
  return {
    get scrollTop() {
      return element.scrollTop;
    },
    set scrollTop(top) {
      element.scrollTop = top;
    },
    get scrollHeight() {
      return element.scrollHeight;
    },
    get clientHeight() {
      return element.clientHeight;
    },
    get listTop() {
      return list.offsetTop;
    },
  };
}

/** The conversation shown: what the list needs of a ChatState. */
export interface ScrolledConversation {
  /** The entries of the list: the conversation's, with its dividers (list-entries.ts). */
  readonly timeline: readonly ListEntry[];
  readonly hasOlder: boolean;
  readonly status: Pick<ConnectionStatus, 'state'>;
  readonly listMemory: ListMemory;
}

export type LoadOlder = () => Promise<Result<{ count: number; hasOlder: boolean }>>;

export interface MessageListScrollOptions {
  /** Loads the page before the oldest message; none: no scroll-back. */
  onloadolder?: LoadOlder | undefined;
  /** Render every entry (the benchmark's baseline, `?virtual-list=off`). */
  renderAll?: boolean;
  /**
   * The key of the unread divider when the list opens with one: a reader who was following is
   * taken to it (their place) instead of to the bottom.
   */
  unreadKey?: string | null;
}

/** The viewport as `sync` last read it (or the list last moved it). */
interface Reading {
  top: number;
  scrollHeight: number;
  clientHeight: number;
}

export class MessageListScroll {
  readonly #chat: ScrolledConversation;
  /** The room's own: its measured heights and the reader's place outlast this list. */
  readonly #memory: ListMemory;
  readonly #onloadolder: LoadOlder | undefined;
  readonly #renderAll: boolean;
  #viewport: ScrollViewport | null = null;

  /** Bumped whenever a measured height changes: the layout depends on it. */
  #measuredVersion = $state(0);
  /** The viewport's top and height in the list's coordinates. */
  #scrollTop = $state(0);
  #viewportHeight = $state(0);
  #loading = $state(false);
  #loadError = $state<string | null>(null);
  /** `memory.following`, for rendering (Jump to latest); written only by `#setFollowing`. */
  #following = $state(true);

  // Scroll bookkeeping, not state: read and written by the positioning code only. In `memory`:
  // `following` (the reader is at the bottom: new entries scroll into view) and `anchor` (the
  // entry at the top of the viewport, kept in place when entries above it change).
  /** The first positioning happened: before it, the top is not "near". */
  #positioned = false;
  /** The newest entry when last positioned: a new own message makes the list follow again. */
  #lastKey: string | undefined;
  #synced: Reading = { top: -1, scrollHeight: -1, clientHeight: -1 };
  /**
   * A wheel turn, a touch or a key started scrolling that has not ended yet (`scrollend`): the
   * moves it makes are the reader's even while the content changes under them. Not a time
   * window: on a busy machine the first move can come long after the key.
   */
  #readerScrolling = false;
  /** A press in the viewport (on the scrollbar, perhaps) is held. */
  #dragging = false;

  constructor(chat: ScrolledConversation, options: MessageListScrollOptions = {}) {
    this.#chat = chat;
    this.#memory = chat.listMemory;
    this.#onloadolder = options.onloadolder;
    this.#renderAll = options.renderAll ?? false;
    this.#lastKey = chat.timeline.at(-1)?.key;
    if (options.unreadKey && this.#memory.following) {
      // Back where one left off: the divider near the top, what came since below it.
      this.#setFollowing(false);
      this.#memory.anchor = { key: options.unreadKey, offset: -UNREAD_MARGIN_PX };
    }
    this.#following = this.#memory.following;
  }

  // Deferred (`$derived.by`): the fields they read are set by the constructor, after these.
  readonly keys: string[] = $derived.by(() => this.#chat.timeline.map((entry) => entry.key));
  readonly #positions = $derived(indexKeys(this.keys));
  readonly layout: Layout = $derived.by(() => {
    void this.#measuredVersion;
    return buildLayout(this.keys, this.#memory.sizes);
  });
  readonly range: Range = $derived.by(() =>
    this.#renderAll
      ? { start: 0, end: this.keys.length }
      : visibleRange(this.layout, this.#scrollTop, this.#viewportHeight, OVERSCAN_PX),
  );
  /** The entries in the DOM: those in and near the viewport. */
  readonly visible: ListEntry[] = $derived.by(() =>
    this.#chat.timeline.slice(this.range.start, this.range.end),
  );
  /** Space standing in for the entries above and below the rendered ones, px. */
  readonly paddingTop: number = $derived(this.layout.offsets[this.range.start] ?? 0);
  readonly paddingBottom: number = $derived(
    totalHeight(this.layout) - (this.layout.offsets[this.range.end] ?? 0),
  );

  /** An older page is being fetched. */
  get loading(): boolean {
    return this.#loading;
  }

  /** Why the last older page could not be loaded; null when it could (or none was asked for). */
  get loadError(): string | null {
    return this.#loadError;
  }

  /** The reader follows the latest message (reactive: the Jump to latest button shows without). */
  get following(): boolean {
    return this.#following;
  }

  /** Starts reading and moving `viewport`; returns the disposer. */
  attach(viewport: ScrollViewport): () => void {
    this.#viewport = viewport;
    return () => {
      if (this.#viewport === viewport) this.#viewport = null;
    };
  }

  /** A wheel turn, a touch move or a key: the scrolling that follows is the reader's. */
  readerScrolls(): void {
    this.#readerScrolling = true;
  }

  /** Scrolling came to rest (`scrollend`): what moves it next is judged afresh. */
  scrollEnded(): void {
    this.#readerScrolling = false;
    this.sync();
  }

  /** A press in the viewport (the scrollbar perhaps) starts or ends. */
  setDragging(dragging: boolean): void {
    this.#dragging = dragging;
  }

  /**
   * Reads where the viewport is, after the reader or the code scrolled. A move the list did not
   * make is the reader's when the content kept its size (nothing but a scroll can have moved it:
   * the wheel, keys, the scrollbar, or an entry scrolled into view for the focus or find in page)
   * or while the reader's own scrolling is under way. Other moves (content shrinking and the
   * browser clamping) are no reason to stop following.
   */
  sync(): void {
    const viewport = this.#viewport;
    if (!viewport) return;
    const now = read(viewport);
    const fromBottom = now.scrollHeight - now.top - now.clientHeight;
    const moved = now.top !== this.#synced.top;
    const resized =
      now.scrollHeight !== this.#synced.scrollHeight ||
      now.clientHeight !== this.#synced.clientHeight;
    if (moved && (this.#dragging || this.#readerScrolling || !resized)) {
      this.#setFollowing(fromBottom <= NEAR_BOTTOM_PX);
    } else if (this.#memory.following && fromBottom > 1) {
      // Off the bottom because of the content (entries measured, the browser clamping), not the
      // reader: back to the latest.
      this.#scrollTo(viewport.scrollHeight);
    } else if (fromBottom <= NEAR_BOTTOM_PX) {
      this.#setFollowing(true);
    }
    this.#synced = read(viewport);
    this.#scrollTop = viewport.scrollTop - viewport.listTop;
    this.#viewportHeight = viewport.clientHeight;
    this.#memory.anchor = captureAnchor(this.layout, this.#scrollTop, isAnchorable);
    this.loadOlderIfNear();
  }

  /** After the layout changed: stay at the bottom, or keep the anchor entry where it was. */
  position(): void {
    const viewport = this.#viewport;
    if (!viewport) return;
    const last = this.#chat.timeline.at(-1);
    if (last && last.key !== this.#lastKey) {
      const own = last.kind === 'pending' || (last.kind === 'message' && last.own);
      if (own) this.#setFollowing(true);
      this.#lastKey = last.key;
    }
    if (this.#memory.following) {
      this.#scrollTo(viewport.scrollHeight);
    } else if (this.#memory.anchor) {
      const top = anchoredScrollTop(this.layout, this.#memory.anchor, this.#positions);
      // Only a real move: writing the same place again would stop a smooth scroll under way.
      if (top !== null && Math.abs(viewport.scrollTop - (top + viewport.listTop)) >= 1) {
        this.#scrollTo(top + viewport.listTop);
      }
    }
    if (last) this.#positioned = true;
    this.sync();
  }

  /** Positions again if the viewport moved since it was last read (the DOM changed under it). */
  positionIfMoved(): void {
    if (this.#viewport && this.#viewport.scrollTop !== this.#synced.top) this.position();
  }

  /** The viewport itself changed size: a reader at the bottom stays there. */
  viewportResized(): void {
    const viewport = this.#viewport;
    if (viewport && this.#memory.following) this.#scrollTo(viewport.scrollHeight);
  }

  /** To the latest message at once, following again (End). */
  jumpToLatest(): void {
    const viewport = this.#viewport;
    if (!viewport) return;
    this.#setFollowing(true);
    this.#scrollTo(viewport.scrollHeight);
    this.sync();
  }

  /**
   * Brings entry `key` into view, a third of the way down the viewport, and keeps it there while
   * the entries around it are measured (no longer following). False when it is not in the list
   * or the list is not on screen.
   */
  reveal(key: string): boolean {
    const viewport = this.#viewport;
    const index = this.#positions.get(key);
    if (!viewport || index === undefined) return false;
    this.#setFollowing(false);
    const lead = Math.round(viewport.clientHeight / 3);
    const top = Math.max(0, this.layout.offsets[index]! - lead);
    this.#scrollTo(top + viewport.listTop);
    this.#scrollTop = viewport.scrollTop - viewport.listTop;
    this.#viewportHeight = viewport.clientHeight;
    // The entry itself is the anchor: measuring those above it does not move it away.
    this.#memory.anchor = { key, offset: this.#scrollTop - this.layout.offsets[index]! };
    this.#positioned = true;
    return true;
  }

  /**
   * One page up (-1) or down (1) at once: PageUp and PageDown. The browser's own page scroll is
   * smooth, and keeping the reader's place while the entries it reveals are measured moves the
   * viewport, which stops that animation short: under load, three PageUps from the bottom could
   * leave the reader at the bottom still. A page is seven eighths of the viewport (as Chromium
   * pages), so the last lines read stay in view.
   */
  page(direction: -1 | 1): void {
    const viewport = this.#viewport;
    if (!viewport) return;
    this.#setFollowing(false);
    this.#scrollTo(viewport.scrollTop + direction * Math.round(viewport.clientHeight * 0.875));
    // Back at the bottom (PageDown), `sync` makes the list follow again.
    this.sync();
  }

  /** To the oldest message held at once, no longer following (Home); older ones load above. */
  jumpToOldest(): void {
    if (!this.#viewport) return;
    this.#setFollowing(false);
    this.#scrollTo(0);
    this.sync();
  }

  /**
   * Records the heights of the rendered entries (`heights[i]` is `entries[i]`'s, margins
   * included). Mid-update the DOM and the window can disagree: then nothing is recorded, and
   * the next update measures again.
   */
  measured(entries: readonly ListEntry[], heights: readonly number[]): void {
    if (heights.length !== entries.length) return;
    let changed = false;
    for (const [index, entry] of entries.entries()) {
      if (this.#memory.sizes.set(entry.key, heights[index]!)) changed = true;
    }
    if (changed) this.#measuredVersion++;
  }

  /** Forgets the heights of entries that are gone (a new room, a rejoin after leaving). */
  forgetGone(): void {
    // A throwaway lookup, not state.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.#memory.sizes.retain(new Set(this.keys));
  }

  /** The connection came back: a failed page may be asked for again. */
  connected(): void {
    this.#loadError = null;
  }

  /** "Try again" after a page failed. */
  retryLoadOlder(): void {
    this.#loadError = null;
    this.loadOlderIfNear();
  }

  #setFollowing(following: boolean): void {
    this.#memory.following = following;
    this.#following = following;
  }

  /** Moves the viewport, noting the move as the list's own (not the reader's). */
  #scrollTo(top: number): void {
    const viewport = this.#viewport;
    if (!viewport) return;
    viewport.scrollTop = top;
    this.#synced = read(viewport);
  }

  /** Fetches the page before the oldest message when the top is near (and none is on its way). */
  loadOlderIfNear(): void {
    const load = this.#onloadolder;
    if (!load || !this.#positioned || this.#loading || this.#loadError !== null) return;
    const chat = this.#chat;
    if (!chat.hasOlder || chat.status.state !== 'connected' || this.#scrollTop > LOAD_OLDER_PX) {
      return;
    }
    this.#loading = true;
    load().then(
      (result) => {
        this.#loading = false;
        if (!result.ok) this.#loadError = result.error.message;
      },
      (error: unknown) => {
        this.#loading = false;
        this.#loadError = error instanceof Error ? error.message : String(error);
      },
    );
  }
}

/** Dividers are kept in place by the entries after them, not the other way round. */
const isAnchorable = (key: string) => !isDividerKey(key);

function read(viewport: ScrollViewport): Reading {
  const { scrollTop: top, scrollHeight, clientHeight } = viewport;
  return { top, scrollHeight, clientHeight };
}
