// Scrolling back through a room's history in the web client: the latest page on joining, older
// pages as the reader scrolls up (by keyboard) until the start, each message once and in order,
// and new messages that follow the reader at the bottom but never yank one who scrolled up.
import type { Browser, Page } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import type { ParleyServerProcess } from '../support/parley-server';
import { connectWriter, settle, write } from '../support/wire';

/** Enough for the join page (100) and three pages back, the last one short. */
const STORED = 350;
/** A writer sends as fast as acks come back: lift the message rate limit. */
const FAST = ['--message-rate', '100000/1'];

const label = (n: number) => `History ${String(n).padStart(3, '0')}`;

/** Texts of different heights: plain lines, long wrapping ones and code blocks. */
function text(n: number): string {
  if (n % 7 === 0)
    return `${label(n)} with code:\n\n\`\`\`\nline one\nline two\nline three\n\`\`\``;
  if (n % 5 === 0)
    return `${label(n)} ${'is a longer message that wraps over several lines. '.repeat(6)}`;
  return `${label(n)} says hello`;
}

/** Opens the web client in a context of its own, recording the history pages it asks for. */
async function openReader(
  browser: Browser,
  server: ParleyServerProcess,
  /** Done before the page loads (a WebSocket route only applies to pages loaded after it). */
  prepare?: (page: Page) => Promise<void>,
): Promise<{ reader: ChatPage; fetches: unknown[]; received: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await prepare?.(page);
  const fetches: unknown[] = [];
  const received: string[] = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      const fetch = historyFetch(String(payload));
      if (fetch) fetches.push(fetch);
    });
    socket.on('framereceived', ({ payload }) => received.push(String(payload)));
  });
  const reader = new ChatPage(page);
  await reader.goto(server.url);
  return { reader, fetches, received };
}

/** The request of a Socket.IO frame `42<ack id>["history:fetch",{...}]`, or null. */
function historyFetch(frame: string): unknown {
  const match = /^42\d*(\[.*)$/s.exec(frame);
  const event = match ? (JSON.parse(match[1]!) as [string, unknown]) : null;
  return event?.[0] === 'history:fetch' ? event[1] : null;
}

/**
 * Holds the page's `history:fetch` requests back (a proxy between the page and the real server)
 * until `release` is called: the moment before an older page arrives can be looked at.
 */
async function holdHistoryFetches(page: Page): Promise<{ release: () => void }> {
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/socket\.io\//, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => {
      if (typeof message === 'string' && historyFetch(message))
        held.push(() => server.send(message));
      else server.send(message);
    });
  });
  return { release: () => held.splice(0).forEach((send) => send()) };
}

/** Whether an entry with this text is rendered inside the log's visible area. */
function inView(reader: ChatPage, text: string): Promise<boolean> {
  return reader.messageLog.evaluate((log, wanted) => {
    const area = log.getBoundingClientRect();
    return [...log.querySelectorAll('li')].some((item) => {
      const box = item.getBoundingClientRect();
      return item.textContent?.includes(wanted) && box.bottom > area.top && box.top < area.bottom;
    });
  }, text);
}

/** The numbers of the history messages in the DOM right now, in DOM order. */
async function renderedNumbers(reader: ChatPage): Promise<number[]> {
  return reader.messageLog
    .getByRole('listitem')
    .evaluateAll((items) =>
      items.flatMap((item) => /History (\d{3})/.exec(item.textContent ?? '')?.[1] ?? []),
    )
    .then((numbers) => numbers.map(Number));
}

/** The first history message whose top is inside the log's visible area, and where it is. */
async function topVisible(reader: ChatPage): Promise<{ n: number; y: number }> {
  return reader.messageLog.evaluate((log) => {
    const top = log.getBoundingClientRect().top;
    for (const item of log.querySelectorAll('li')) {
      const box = item.getBoundingClientRect();
      const n = /History (\d{3})/.exec(item.textContent ?? '')?.[1];
      // Within a pixel, as in rooms.spec: an entry on the edge may move a fraction above it.
      if (n && box.top >= top - 1) return { n: Number(n), y: box.top };
    }
    throw new Error('no history message is visible');
  });
}

const scrollTopOf = (reader: ChatPage) => reader.messageLog.evaluate((log) => log.scrollTop);

test('joining shows the latest page; scrolling up loads older pages until the start', async ({
  browser,
  startServer,
}) => {
  // 350 messages written, then some 40 keyboard pages, each waited for until the list is still:
  // more than the default time when the machine is busy.
  test.slow();
  const server = await startServer({ args: FAST });
  const writer = await connectWriter(server);
  try {
    await write(
      writer,
      Array.from({ length: STORED }, (_, index) => text(index + 1)),
    );
    const { reader, fetches } = await openReader(browser, server);
    await reader.join('reader');

    // The latest message is in view at the bottom; the join brought 251–350, so the first page
    // asked for later starts before 251.
    await expect(reader.entry(label(350))).toBeInViewport();
    const start = reader.messageLog.getByText('This is the start of the conversation');
    await expect(start).toHaveCount(0);
    // Virtualized: far fewer than the 100 messages held are in the DOM.
    expect((await renderedNumbers(reader)).length).toBeLessThan(100);

    // Scroll up by keyboard (the log takes focus; PageUp) until the start is reached, noting
    // every message rendered on the way and checking that each window is in order, without
    // duplicates.
    const seen = new Set<number>();
    for (let press = 0; press < 400; press++) {
      // One look at the page per step (a busy machine makes each round trip count).
      const { numbers, atStart } = await reader.messageLog.evaluate((log) => ({
        numbers: [...log.querySelectorAll('li')].flatMap((item) => {
          const n = /History (\d{3})/.exec(item.textContent ?? '')?.[1];
          return n ? [Number(n)] : [];
        }),
        atStart:
          log.scrollTop === 0 &&
          (log.textContent ?? '').includes('This is the start of the conversation'),
      }));
      const first = numbers[0] ?? 0;
      expect(numbers, 'in order, each once').toEqual(numbers.map((_, index) => first + index));
      for (const n of numbers) seen.add(n);
      if (atStart) break;
      await reader.messageLog.press('PageUp');
      await settle(reader.page);
    }
    await expect(start).toBeInViewport();
    await expect(reader.entry(label(1))).toBeInViewport();
    expect(await renderedNumbers(reader)).toContain(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(
      Array.from({ length: STORED }, (_, index) => index + 1),
    );
    // Page by page, one request each, never asked twice.
    expect(fetches).toEqual(
      [251, 151, 51].map((before) => expect.objectContaining({ before, limit: 100 })),
    );
  } finally {
    writer.disconnect();
  }
});

test('older messages load above the reader without moving what they look at', async ({
  browser,
  startServer,
}) => {
  // 250 messages written one by one before the page opens: a busy machine needs more time.
  const server = await startServer({ args: FAST });
  // Two people take turns, so no message is grouped with the one before it: a page arriving above
  // changes no message's header, and any movement would be the list's.
  const writer = await connectWriter(server);
  const other = await connectWriter(server, 'other');
  try {
    for (let n = 1; n <= 250; n++) await write(n % 2 ? writer : other, [text(n)]);
    let gate: { release: () => void } | undefined;
    const { reader } = await openReader(browser, server, async (page) => {
      gate = await holdHistoryFetches(page);
    });
    await reader.join('reader');
    await expect(reader.entry(label(250))).toBeInViewport();

    // Home: to the top of the 100 held (151–250). The page before is asked for (and held back
    // here): the log says it is loading.
    await reader.messageLog.press('Home');
    const loading = reader.messageLog.getByRole('status');
    await expect(loading).toHaveText('Loading older messages…');
    await settle(reader.page);
    // Home jumps to the top at once; should measuring the entries there move it, Home again.
    for (let press = 0; press < 5 && (await scrollTopOf(reader)) > 0; press++) {
      await reader.messageLog.press('Home');
      await settle(reader.page);
    }
    const before = await topVisible(reader);
    expect(before.n).toBe(151);

    // It arrives: 100 messages now sit above 151, and 151 has not moved.
    gate!.release();
    await expect(loading).toHaveCount(0);
    await expect(reader.entry(label(150))).toHaveCount(1);
    await settle(reader.page);
    const after = await reader.messageLog.evaluate((log, wanted) => {
      const item = [...log.querySelectorAll('li')].find((li) => li.textContent?.includes(wanted));
      return item?.getBoundingClientRect().top ?? null;
    }, label(before.n));
    expect(after).not.toBeNull();
    expect(Math.abs(after! - before.y)).toBeLessThanOrEqual(1);
    expect(await scrollTopOf(reader)).toBeGreaterThan(1000);
  } finally {
    writer.disconnect();
    other.disconnect();
  }
});

test('a new message follows a reader at the bottom and leaves one who scrolled up in place', async ({
  browser,
  startServer,
}) => {
  // 150 messages written, a page opened and a dozen steps each waited for until the list is still.
  const server = await startServer({ args: FAST });
  const writer = await connectWriter(server);
  try {
    await write(
      writer,
      Array.from({ length: 150 }, (_, index) => text(index + 1)),
    );
    const { reader, received } = await openReader(browser, server);
    await reader.join('reader');
    await expect(reader.entry(label(150))).toBeInViewport();

    // At the bottom: a new message scrolls into view.
    await write(writer, ['Fresh at the bottom']);
    await expect(reader.entry('Fresh at the bottom')).toBeInViewport();

    // Scrolled up a little: a new message arrives and the view stays where it was.
    await reader.messageLog.press('PageUp');
    await settle(reader.page);
    await reader.messageLog.press('PageUp');
    await settle(reader.page);
    await reader.messageLog.press('PageUp');
    await settle(reader.page);
    const before = await topVisible(reader);
    await write(writer, ['Fresh while reading']);
    await expect
      .poll(() => received.some((frame) => frame.includes('Fresh while reading')))
      .toBe(true);
    await settle(reader.page);
    await settle(reader.page);
    // The same entry at the top, where it was (within a pixel: layout positions are fractional
    // and the list's offsets are measured again when an entry arrives below).
    const after = await topVisible(reader);
    expect(after.n).toBe(before.n);
    expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(1);
    expect(await inView(reader, 'Fresh while reading')).toBe(false);

    // End: back at the bottom, the message is there, and the next one is followed again.
    await reader.messageLog.press('End');
    await settle(reader.page);
    await expect(reader.entry('Fresh while reading')).toBeInViewport();
    await write(writer, ['Fresh after returning']);
    await expect(reader.entry('Fresh after returning')).toBeInViewport();

    // Something other than a wheel, key or touch scrolls an older entry into view (the focus
    // moving to a link in it, find in page): the list leaves it there, not back at the bottom.
    const older = await reader.messageLog.evaluate((log) => {
      const top = log.getBoundingClientRect().top;
      const item = [...log.querySelectorAll('li')].find(
        (li) =>
          li.getBoundingClientRect().bottom < top && /History \d{3}/.test(li.textContent ?? ''),
      );
      item?.scrollIntoView({ block: 'start' });
      return /History \d{3}/.exec(item?.textContent ?? '')?.[0] ?? null;
    });
    expect(older).not.toBeNull();
    await settle(reader.page);
    await settle(reader.page);
    expect(await inView(reader, older!)).toBe(true);
  } finally {
    writer.disconnect();
  }
});
