/**
 * MessageListScroll's decisions over a stand-in viewport (no DOM): following the bottom, keeping
 * the reader's place, telling the reader's scrolling from the content's, and loading older pages.
 * The stand-in behaves as a scrolling element does: its content is the list's layout, and
 * scrollTop is clamped to it.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent } from '../../../shared/api';
import { fail, ok, type Result } from '../../../shared/result';
import { alice, lobbySession, message } from './chat-fixtures';
import { ChatState } from './chat-state.svelte';
import { decorateTimeline } from './list-entries';
import {
  MessageListScroll,
  NEAR_BOTTOM_PX,
  type ScrollViewport,
} from './message-list-scroll.svelte';
import { totalHeight } from './virtual-layout';

type Page = Result<{ count: number; hasOlder: boolean }>;

/** The history edge above the list, px (as MessageList's `.history-edge`). */
const LIST_TOP = 36;

/** A viewport of `height` px over the list's layout, scrollTop clamped like the browser's. */
class FakeViewport implements ScrollViewport {
  #top = 0;
  readonly listTop = LIST_TOP;
  constructor(
    readonly list: MessageListScroll,
    public clientHeight = 400,
  ) {}
  get scrollHeight(): number {
    return Math.max(this.clientHeight, LIST_TOP + totalHeight(this.list.layout));
  }
  get scrollTop(): number {
    return this.#top;
  }
  set scrollTop(top: number) {
    this.#top = Math.max(0, Math.min(top, this.scrollHeight - this.clientHeight));
  }
  get fromBottom(): number {
    return this.scrollHeight - this.scrollTop - this.clientHeight;
  }
}

const connected: ChatEvent = {
  type: 'status',
  status: { state: 'connected', url: 'http://127.0.0.1:4321', reason: null },
};

/** A lobby holding `count` messages (by bob), connected; more older ones exist if `hasOlder`. */
function lobbyWith(count: number, hasOlder = false): ChatState {
  const chat = new ChatState();
  const messages = Array.from({ length: count }, (_, index) => message('lobby', `m ${index}`));
  chat.apply(connected);
  chat.apply({ type: 'session', session: { ...lobbySession(messages), hasOlder } });
  return chat;
}

/** A list over `chat`, attached to a fake viewport and positioned as on mounting. */
function mount(
  chat: ChatState,
  options: ConstructorParameters<typeof MessageListScroll>[1] = {},
): { list: MessageListScroll; viewport: FakeViewport } {
  const list = new MessageListScroll(chat, options);
  const viewport = new FakeViewport(list);
  list.attach(viewport);
  list.position();
  return { list, viewport };
}

/** The reader scrolls (a wheel turn, a key) to `top`, and the list hears of it. */
function readerScrollsTo(list: MessageListScroll, viewport: FakeViewport, top: number): void {
  list.readerScrolls();
  viewport.scrollTop = top;
  list.sync();
}

/** The browser measured the rendered entries at `height` px each. */
function measureAll(list: MessageListScroll, height: number): void {
  list.measured(
    list.visible,
    list.visible.map(() => height),
  );
}

describe('MessageListScroll', () => {
  it('opens at the latest message and renders only the entries near the viewport', () => {
    const { list, viewport } = mount(lobbyWith(200));
    expect(viewport.fromBottom).toBe(0);
    expect(list.following).toBe(true);
    expect(list.visible.length).toBeLessThan(200);
    expect(list.visible.at(-1)?.key).toBe(list.keys.at(-1));
    expect(list.paddingTop).toBeGreaterThan(0);
  });

  it('follows new messages at the bottom, also when measuring changes the heights', () => {
    const chat = lobbyWith(50);
    const { list, viewport } = mount(chat);
    chat.apply({ type: 'message', message: message('lobby', 'news') });
    list.position();
    expect(viewport.fromBottom).toBe(0);
    // Rendered entries turn out taller than estimated: the content moved the bottom, not the
    // reader, so the list goes back to it.
    measureAll(list, 90);
    list.sync();
    expect(viewport.fromBottom).toBe(0);
    expect(list.following).toBe(true);
  });

  it('leaves a reader who scrolled up in place when a message arrives', () => {
    const chat = lobbyWith(100);
    const { list, viewport } = mount(chat);
    readerScrollsTo(list, viewport, viewport.scrollTop - 1_000);
    expect(list.following).toBe(false);
    const top = viewport.scrollTop;
    chat.apply({ type: 'message', message: message('lobby', 'while reading') });
    list.position();
    expect(viewport.scrollTop).toBe(top);
  });

  it("takes a move it did not make, with the content unchanged, as the reader's: an entry scrolled into view stays", () => {
    // No wheel, key or touch: the focus moving to a link, find in page, scrollIntoView().
    const chat = lobbyWith(100);
    const { list, viewport } = mount(chat);
    viewport.scrollTop -= 1_500;
    list.sync();
    expect(list.following).toBe(false);
    const top = viewport.scrollTop;
    measureAll(list, 70);
    list.position();
    chat.apply({ type: 'message', message: message('lobby', 'meanwhile') });
    list.position();
    list.sync();
    expect(viewport.fromBottom).toBeGreaterThan(1_000);
    expect(chat.listMemory.anchor).not.toBeNull();
    expect(viewport.scrollTop).not.toBe(viewport.scrollHeight - viewport.clientHeight);
    expect(Math.abs(viewport.scrollTop - top)).toBeLessThan(1_500);
  });

  it("keeps the reader's scrolling theirs until it ends, whatever the content does meanwhile", () => {
    const chat = lobbyWith(100);
    const { list, viewport } = mount(chat);
    list.readerScrolls();
    // Entries measured before the first move of the scroll arrives: the content changed too.
    measureAll(list, 80);
    viewport.scrollTop = 0;
    list.sync();
    expect(list.following).toBe(false);
    expect(viewport.scrollTop).toBe(0);
    list.scrollEnded();
    expect(viewport.scrollTop).toBe(0);
  });

  it('goes back to the bottom when the content, not the reader, moved a follower off it', () => {
    const chat = lobbyWith(100);
    const { list, viewport } = mount(chat);
    // The browser clamped the position while entries were swapped (the content changed size).
    measureAll(list, 30);
    viewport.scrollTop -= 300;
    list.sync();
    expect(list.following).toBe(true);
    expect(viewport.fromBottom).toBe(0);
  });

  it('follows again after one sends a message, wherever the reader was', () => {
    const chat = lobbyWith(100);
    const { list, viewport } = mount(chat);
    readerScrollsTo(list, viewport, 0);
    expect(list.following).toBe(false);
    chat.apply({ type: 'message', message: message('lobby', 'mine', alice) });
    list.position();
    expect(list.following).toBe(true);
    expect(viewport.fromBottom).toBe(0);
  });

  it('keeps the entry the reader looks at in place when an older page arrives above it', () => {
    const chat = lobbyWith(100, true);
    const { list, viewport } = mount(chat);
    readerScrollsTo(list, viewport, 2_000);
    const anchor = chat.listMemory.anchor!;
    const offsetBefore = list.layout.offsets[list.keys.indexOf(anchor.key)]! - viewport.scrollTop;
    const older = Array.from({ length: 100 }, (_, index) => message('lobby', `old ${index}`));
    // Ids only grow: the "older" ones get sorted by id, so give them ids below the oldest.
    const renumbered = older.map((item, index) => ({ ...item, id: -1_000 + index }));
    chat.apply({ type: 'history', room: 'lobby', messages: renumbered, hasOlder: false });
    list.position();
    const offsetAfter = list.layout.offsets[list.keys.indexOf(anchor.key)]! - viewport.scrollTop;
    expect(list.keys.length).toBe(200);
    expect(offsetAfter).toBe(offsetBefore);
  });

  it('reveals a chosen entry and keeps it in view while the entries around it are measured', () => {
    const chat = lobbyWith(200);
    const { list, viewport } = mount(chat);
    const key = list.keys[20]!;
    expect(list.visible.some((entry) => entry.key === key)).toBe(false);
    expect(list.reveal(key)).toBe(true);
    expect(list.following).toBe(false);
    expect(list.visible.some((entry) => entry.key === key)).toBe(true);
    const entryTop = () => LIST_TOP + list.layout.offsets[list.keys.indexOf(key)]!;
    const inView = () =>
      entryTop() >= viewport.scrollTop && entryTop() < viewport.scrollTop + viewport.clientHeight;
    expect(inView()).toBe(true);
    // Rendered entries turn out taller than estimated: the chosen one stays where it was put.
    const placed = entryTop() - viewport.scrollTop;
    measureAll(list, 95);
    list.position();
    expect(inView()).toBe(true);
    expect(entryTop() - viewport.scrollTop).toBe(placed);
    // A new message does not pull the reader away from it.
    chat.apply({ type: 'message', message: message('lobby', 'meanwhile') });
    list.position();
    expect(inView()).toBe(true);
    expect(list.reveal('m-not-there')).toBe(false);
  });

  it('End jumps to the latest message and follows again', () => {
    const { list, viewport } = mount(lobbyWith(100));
    readerScrollsTo(list, viewport, 0);
    list.jumpToLatest();
    expect(viewport.fromBottom).toBe(0);
    expect(list.following).toBe(true);
  });

  it('PageUp and PageDown move a page at once; a page down to the bottom follows again', () => {
    const { list, viewport } = mount(lobbyWith(100));
    expect(list.following).toBe(true);
    const page = Math.round(viewport.clientHeight * 0.875);
    const bottom = viewport.scrollTop;
    list.readerScrolls();
    list.page(-1);
    expect(viewport.scrollTop).toBe(bottom - page);
    list.page(-1);
    expect(viewport.scrollTop).toBe(bottom - 2 * page);
    expect(list.following).toBe(false);
    // Entries measured taller than estimated do not undo the reader's pages.
    measureAll(list, 95);
    list.position();
    expect(list.following).toBe(false);
    expect(viewport.fromBottom).toBeGreaterThan(NEAR_BOTTOM_PX);
    list.page(1);
    expect(list.following).toBe(false);
    for (let pages = 0; pages < 20 && viewport.fromBottom > 0; pages++) list.page(1);
    expect(viewport.fromBottom).toBe(0);
    expect(list.following).toBe(true);
  });

  it('Home jumps to the oldest message held, stops following and loads the older page', () => {
    const onloadolder = vi.fn(async () => ok({ count: 0, hasOlder: true }));
    const { list, viewport } = mount(lobbyWith(100, true), { onloadolder });
    list.readerScrolls();
    list.jumpToOldest();
    expect(viewport.scrollTop).toBe(0);
    expect(list.following).toBe(false);
    expect(onloadolder).toHaveBeenCalledTimes(1);
  });

  it('a reader who comes back near the bottom follows again', () => {
    const { list, viewport } = mount(lobbyWith(100));
    readerScrollsTo(list, viewport, 0);
    readerScrollsTo(
      list,
      viewport,
      viewport.scrollHeight - viewport.clientHeight - NEAR_BOTTOM_PX / 2,
    );
    expect(list.following).toBe(true);
  });

  describe('older pages', () => {
    it('are asked for once the top is near, one at a time, and say so while loading', async () => {
      let answer!: (result: Page) => void;
      const onloadolder = vi.fn(() => new Promise<Page>((resolve) => (answer = resolve)));
      const { list, viewport } = mount(lobbyWith(100, true), { onloadolder });
      expect(onloadolder).not.toHaveBeenCalled();
      readerScrollsTo(list, viewport, 100);
      list.sync();
      expect(onloadolder).toHaveBeenCalledTimes(1);
      expect(list.loading).toBe(true);
      answer(ok({ count: 0, hasOlder: false }));
      await vi.waitFor(() => expect(list.loading).toBe(false));
    });

    it('are not asked for without older messages or a connection', () => {
      const onloadolder = vi.fn(async () => ok({ count: 0, hasOlder: false }));
      const chat = lobbyWith(100, false);
      const { list, viewport } = mount(chat, { onloadolder });
      readerScrollsTo(list, viewport, 0);
      expect(onloadolder).not.toHaveBeenCalled();
    });

    it('show why a page failed until Try again (or the connection coming back)', async () => {
      const onloadolder = vi.fn(async () => fail('not_connected', 'Not connected'));
      const { list, viewport } = mount(lobbyWith(100, true), { onloadolder });
      readerScrollsTo(list, viewport, 0);
      await vi.waitFor(() => expect(list.loadError).toBe('Not connected'));
      list.sync();
      expect(onloadolder).toHaveBeenCalledTimes(1);
      list.retryLoadOlder();
      expect(onloadolder).toHaveBeenCalledTimes(2);
      await vi.waitFor(() => expect(list.loadError).toBe('Not connected'));
      list.connected();
      expect(list.loadError).toBeNull();
    });
  });
});

describe('MessageListScroll with an unread divider', () => {
  it('opens at the divider, not the bottom, and Jump to latest follows again', () => {
    const chat = lobbyWith(200);
    const firstUnread = chat.messages[150]!.id;
    const entries = decorateTimeline(chat.timeline, { unreadFrom: firstUnread, now: Date.now() });
    const unread = entries.find((entry) => entry.kind === 'unread')!;
    const conversation = {
      timeline: entries,
      hasOlder: chat.hasOlder,
      status: chat.status,
      listMemory: chat.listMemory,
    };
    const { list, viewport } = mount(conversation as unknown as ChatState, {
      unreadKey: unread.key,
    });
    measureAll(list, 50);
    list.position();
    expect(list.following).toBe(false);
    const dividerTop = list.layout.offsets[entries.indexOf(unread)]! + LIST_TOP;
    // The divider sits near the top of the viewport, what came after it below.
    expect(viewport.scrollTop).toBeLessThanOrEqual(dividerTop);
    expect(dividerTop - viewport.scrollTop).toBeLessThan(viewport.clientHeight / 2);
    expect(viewport.fromBottom).toBeGreaterThan(NEAR_BOTTOM_PX);

    list.jumpToLatest();
    expect(list.following).toBe(true);
    expect(viewport.fromBottom).toBe(0);
  });
});
