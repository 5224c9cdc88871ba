// Message text people can read: formatting, links and @mentions, rendered in Chromium from what
// a real `parley serve` delivers; and real XSS payloads, sent by one person and viewed by another,
// that must never run.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';

test('bold, italic, code, code blocks, links and mentions render as elements', async ({
  openChat,
}) => {
  // Three browser pages on a 2-core CI machine: joins alone can take a while.
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  const mary = await openChat();
  await mary.join('Mary Jane');

  await alice.send(
    '**Release** is *today*: run `npm test`, read https://example.com/docs/notes. and ping @BOB or @Mary Jane',
  );
  await alice.send('Config:\n```json\n{ "port": 4321 }\n```\nthen restart');

  const release = bob.entry('Release is today');
  await expect(release).toBeVisible();
  await expect(release.getByRole('strong')).toHaveText('Release');
  await expect(release.getByRole('emphasis')).toHaveText('today');
  await expect(release.getByRole('code')).toHaveText('npm test');
  // The markup characters are gone; the text between them is exactly as typed.
  await expect(release).toContainText(
    'Release is today: run npm test, read https://example.com/docs/notes. and ping @BOB',
  );

  // The trailing full stop is not part of the link.
  const link = release.getByRole('link', { name: 'https://example.com/docs/notes', exact: true });
  await expect(link).toHaveAttribute('href', 'https://example.com/docs/notes');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');

  // Mentions: bob's is marked as his, with a hint for screen readers; the longest nickname wins.
  const bobMention = release.getByText('@BOB (mentions you)', { exact: true });
  await expect(bobMention).toBeVisible();
  expect(await bobMention.evaluate((element) => element.tagName)).toBe('MARK');
  const maryForBob = release.getByText('@Mary Jane', { exact: true });
  expect(await maryForBob.evaluate((element) => element.tagName)).toBe('MARK');
  await expect(maryForBob).not.toContainText('mentions you');
  const maryForMary = mary
    .entry('Release is today')
    .getByText('@Mary Jane (mentions you)', { exact: true });
  expect(await maryForMary.evaluate((element) => element.tagName)).toBe('MARK');
  await expect(mary.entry('Release is today').getByText('@BOB', { exact: true })).toBeVisible();

  // A fenced code block: its own block, the fence and language gone, the text kept.
  const config = bob.entry('then restart');
  const block = config.getByRole('code');
  await expect(block).toHaveText('{ "port": 4321 }');
  expect(await block.evaluate((element) => element.parentElement?.tagName)).toBe('PRE');
  await expect(config).not.toContainText('```');
  // Line for line as typed: no blank lines around the block, none swallowed.
  const bubbleText = await config
    .getByText('Config:')
    .evaluate((element) => (element as HTMLElement).innerText);
  expect(bubbleText).toBe('Config:\n{ "port": 4321 }\nthen restart');

  // A long code line scrolls inside its block; the bubble stays within the conversation.
  const longLine = `const columns = [${Array.from({ length: 60 }, (_, i) => `"column-${i}"`).join(', ')}];`;
  await alice.send(`\`\`\`\n${longLine}\n\`\`\``);
  const wide = bob.entry('"column-59"').getByRole('code');
  await expect(wide).toHaveText(longLine);
  const layout = await wide.evaluate((code) => {
    const pre = code.parentElement!;
    const log = code.closest('[role="log"]')!;
    return {
      scrolls: pre.scrollWidth > pre.clientWidth,
      inside: pre.getBoundingClientRect().right <= log.getBoundingClientRect().right,
    };
  });
  expect(layout).toEqual({ scrolls: true, inside: true });

  // From the keyboard, the link opens the page in a new tab that cannot reach back (noopener).
  await bob.page
    .context()
    .route('https://example.com/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Release notes</title>Notes' }),
    );
  const opened = bob.page.context().waitForEvent('page');
  await link.focus();
  await bob.page.keyboard.press('Enter');
  const tab = await opened;
  await expect(tab).toHaveTitle('Release notes');
  expect(tab.url()).toBe('https://example.com/docs/notes');
  expect(await tab.evaluate(() => window.opener)).toBeNull();
  // The chat stays where it was.
  expect(bob.page.url()).not.toContain('example.com');
  await expect(bob.composer).toBeVisible();
});

test('strikethrough, quotes, lists and headings render as elements', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  await alice.send(
    '# Plan\nwas ~~Friday~~ Monday\n> ship it\n\n- milk\n- **eggs**\n\n3. three\n4. four',
  );
  const plan = bob.entry('Monday');
  await expect(plan.getByRole('heading', { name: 'Plan', exact: true })).toBeVisible();
  await expect(plan.getByRole('deletion')).toHaveText('Friday');
  await expect(plan.getByRole('blockquote')).toHaveText('ship it');
  const bullets = plan.getByRole('list').first();
  await expect(bullets.getByRole('listitem')).toHaveText(['milk', 'eggs']);
  await expect(bullets.getByRole('strong')).toHaveText('eggs');
  const numbered = plan.getByRole('list').nth(1);
  await expect(numbered.getByRole('listitem')).toHaveText(['three', 'four']);
  expect(await numbered.evaluate((list) => [list.tagName, list.getAttribute('start')])).toEqual([
    'OL',
    '3',
  ]);
  // The markup characters are gone.
  await expect(plan).not.toContainText('~~');
  await expect(plan).not.toContainText('# Plan');
});

/** What a page shows of script that should never run. */
interface Signals {
  dialogs: string[];
  errors: string[];
  popups: number;
}

/**
 * Opens the web client in a new context that records dialogs, page errors, console errors,
 * Content-Security-Policy violations (blocked injections show up there) and new tabs. With
 * `bypassCSP` the page's CSP is off, so only the rendering stands between a payload and running.
 */
async function openWatched(
  browser: Browser,
  url: string,
  contexts: BrowserContext[],
  { bypassCSP = false } = {},
): Promise<{ chat: ChatPage; signals: Signals }> {
  const context = await browser.newContext({ bypassCSP });
  contexts.push(context);
  const signals: Signals = { dialogs: [], errors: [], popups: 0 };
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page: Page = await context.newPage();
  page.on('popup', () => signals.popups++);
  page.on('dialog', (dialog) => {
    signals.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => signals.errors.push(error.message));
  page.on('console', (message) => {
    // A missing favicon, or the test's own missing image below, is not an injection.
    if (message.type() === 'error' && !/favicon|missing-/.test(message.location().url)) {
      signals.errors.push(message.text());
    }
  });
  const chat = new ChatPage(page);
  // Every message rendered at once (no virtualized window): each payload can be checked in the
  // DOM without scrolling to it.
  const everyEntry = new URL(url);
  everyEntry.searchParams.set('virtual-list', 'off');
  await chat.goto(everyEntry.href);
  return { chat, signals };
}

/** Payloads as sent, and the text a reader must see instead (the payload itself unless given). */
const PAYLOADS: { send: string; shows?: string }[] = [
  { send: '<script>window.__pwned = "script"</script>' },
  { send: '<script src="/socket.io/socket.io.js" onload="window.__pwned = \'src\'"></script>' },
  { send: '<img src=x onerror="window.__pwned = \'img\'">' },
  { send: '<img src=x onerror=alert("img-alert")>' },
  { send: '<svg onload=window.__pwned="svg">' },
  { send: '<svg><script>window.__pwned = "svg-script"</script></svg>' },
  { send: '<iframe srcdoc="<script>parent.__pwned = \'iframe\'</script>"></iframe>' },
  { send: '<iframe src="javascript:parent.__pwned = \'iframe-src\'"></iframe>' },
  { send: '<a href="javascript:window.__pwned = \'html-link\'">html link</a>' },
  { send: '<a href="https://example.com" onclick="window.__pwned = \'onclick\'">x</a>' },
  { send: '<details open ontoggle="window.__pwned = \'details\'">' },
  { send: '<body onload="window.__pwned = \'body\'">' },
  { send: '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=\'mxss\'">' },
  { send: '[click me](javascript:window.__pwned="md-link")' },
  { send: '[encoded](javascript&#58;window.__pwned="entity")' },
  { send: '[spaced](  JaVaScRiPt:window.__pwned="case"  )' },
  { send: '[data link](data:text/html,<script>window.__pwned="data"</script>)' },
  { send: '[vb](vbscript:msgbox("vb"))' },
  { send: '[file](file:///etc/passwd)' },
  { send: '![image](https://example.com/x.png" onerror="window.__pwned=\'image\')' },
  { send: '![x](javascript:window.__pwned="image-js")' },
  {
    send: '<http://x.example/"onmouseover="window.__pwned=\'autolink\'>',
    shows: 'http://x.example/"onmouseover="window.__pwned=\'autolink\'',
  },
  { send: '[https://bank.example/login](https://evil.example/login)' },
  { send: 'javascript:window.__pwned="bare"' },
  {
    send: '`<img src=x onerror="window.__pwned=\'code\'">`',
    shows: '<img src=x onerror="window.__pwned=\'code\'">',
  },
  {
    send: '```html\n<script>window.__pwned="block"</script>\n<svg onload=alert("block")>\n```',
    shows: '<script>window.__pwned="block"</script>\n<svg onload=alert("block")>',
  },
  {
    send: '> <img src=x onerror="window.__pwned=\'quote\'">',
    shows: '<img src=x onerror="window.__pwned=\'quote\'">',
  },
  {
    send: '- <script>window.__pwned="list"</script>',
    shows: '<script>window.__pwned="list"</script>',
  },
  {
    send: '1. [numbered](javascript:window.__pwned="ol")',
    shows: '[numbered](javascript:window.__pwned="ol")',
  },
  {
    send: '# <svg onload=window.__pwned="heading">',
    shows: '<svg onload=window.__pwned="heading">',
  },
  {
    send: '~~<iframe srcdoc="<script>parent.__pwned=\'strike\'</script>"></iframe>~~',
    shows: '<iframe srcdoc="<script>parent.__pwned=\'strike\'</script>"></iframe>',
  },
  {
    send: '> - # ~~<details open ontoggle="window.__pwned=\'nested\'">~~',
    shows: '<details open ontoggle="window.__pwned=\'nested\'">',
  },
  {
    send: '**<img src=x onerror="window.__pwned=\'bold\'">** *<svg onload=alert("em")>*',
    shows: '<img src=x onerror="window.__pwned=\'bold\'"> <svg onload=alert("em")>',
  },
];

test('XSS payloads in messages never run and show as the text that was sent', async ({
  browser,
  startServer,
}) => {
  // Forty-odd messages typed, each waited for on two pages: some 120 steps, which took 2 s each on
  // a 2-core machine loaded by other work (the whole suite ran out of two minutes here).
  test.slow();
  // Every payload is its own message: raise the per-connection rate limit for this room.
  const server = await startServer({ args: ['--message-rate', '100/10'] });
  const contexts: BrowserContext[] = [];
  try {
    // The sender's page keeps its CSP (a blocked injection would be reported as a violation);
    // the reader's has none, so an injection there would run and set window.__pwned.
    const sender = await openWatched(browser, server.url, contexts);
    await sender.chat.join('mallory');
    const reader = await openWatched(browser, server.url, contexts, { bypassCSP: true });
    await reader.chat.join('bob');

    for (const { send } of PAYLOADS) await sender.chat.send(send);
    await sender.chat.send('last payload sent');

    for (const { chat } of [reader, sender]) {
      await expect(chat.entry('last payload sent')).toBeVisible();
      for (const { send, shows } of PAYLOADS) {
        await expect(chat.entry(shows ?? send), send).toHaveCount(1);
      }
    }

    // The dangerous payloads that are plain text are shown exactly as sent, character for
    // character (not just "contained"): nothing was swallowed as markup.
    const bubbles = await reader.chat.messageLog
      .getByRole('listitem')
      .evaluateAll((items) => items.map((item) => item.textContent ?? ''));
    for (const { send, shows } of PAYLOADS) {
      const expected = shows ?? send;
      expect(
        bubbles.some((text) => text.includes(expected)),
        expected,
      ).toBe(true);
    }

    // Nothing the payloads ask for exists in the conversation.
    for (const { chat } of [reader, sender]) {
      const report = await chat.messageLog.evaluate((log) => {
        const dangerous = log.querySelectorAll(
          'script, iframe, frame, object, embed, svg, math, img, style, link, meta, base, form, details, body',
        );
        const withHandlers = [...log.querySelectorAll('*')].filter((element) =>
          element.getAttributeNames().some((name) => name.toLowerCase().startsWith('on')),
        );
        const hrefs = [...log.querySelectorAll('[href], [src], [srcdoc], [action]')].map(
          (element) =>
            element.getAttribute('href') ??
            element.getAttribute('src') ??
            element.getAttribute('action') ??
            'srcdoc',
        );
        return {
          // The message toolbars' own icons (ActionIcon) are the page's, not a payload's.
          dangerous: [...dangerous]
            .filter((element) => !element.closest('[role="toolbar"][aria-label="Message actions"]'))
            .map((element) => element.tagName),
          withHandlers: withHandlers.map((element) => element.tagName),
          hrefs,
        };
      });
      expect(report.dangerous).toEqual([]);
      expect(report.withHandlers).toEqual([]);
      // The only links are the payloads' web addresses, quotes percent-encoded: no attribute
      // was broken out of.
      expect(report.hrefs).toEqual([
        'https://example.com/',
        'https://example.com/x.png',
        `http://x.example/%22onmouseover=%22window.__pwned='autolink'`,
      ]);
    }

    // The javascript: "links" are text: clicking them does nothing.
    for (const text of ['[click me](javascript:', 'html link', '[spaced](  JaVaScRiPt:']) {
      const entry = reader.chat.entry(text);
      await expect(entry.getByRole('link')).toHaveCount(0);
      await entry.getByText(text).click();
    }

    // A failed image load (same origin, allowed by the CSP) has had time to call its onerror:
    // an injected one would have fired by now too.
    for (const { chat } of [reader, sender]) {
      await chat.page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const probe = new Image();
            probe.onerror = () => resolve();
            probe.onload = () => resolve();
            probe.src = `./missing-${Math.random()}.png`;
          }),
      );
    }

    for (const { chat, signals } of [reader, sender]) {
      expect(await chat.page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBe(
        undefined,
      );
      expect(signals.dialogs).toEqual([]);
      expect(signals.popups).toBe(0);
      expect(signals.errors).toEqual([]);
      expect(new URL(chat.page.url()).origin).toBe(new URL(server.url).origin);
    }
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
});
