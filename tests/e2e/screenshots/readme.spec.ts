// The README's screenshots (`npm run screenshots`, not part of `npm test`): a real `parley serve`,
// a few people talking over the wire protocol, and the web client as one more of them, on the
// desktop (1280×800) and on a phone (390×844, with its rooms drawer), in light and dark. The PNGs
// go to docs/screenshots/.
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom, write } from '../support/wire';

const OUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const SCHEMES = ['light', 'dark'] as const;

/** Opens the web client at `url` in a new browser context (kept in `contexts`, to be closed). */
async function open(
  browser: Browser,
  contexts: BrowserContext[],
  url: string,
  options: BrowserContextOptions,
): Promise<ChatPage> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const chat = new ChatPage(await context.newPage());
  await chat.goto(url);
  return chat;
}

/** Saves the page in both colour schemes as `<name>-light.png` and `<name>-dark.png`. */
async function shoot(page: Page, name: string): Promise<void> {
  // The pointer away from the messages: a hovered one shows its toolbar.
  await page.mouse.move(0, 0);
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `${OUT}${name}-${colorScheme}.png`, animations: 'disabled' });
  }
}

test('screenshots of the desktop and phone layouts, light and dark', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Studio' });
  const alice = await connectWriter(server, 'alice');
  const bob = await connectWriter(server, 'bob');
  const carol = await connectWriter(server, 'carol');
  const contexts: BrowserContext[] = [];
  try {
    await createRoom(alice, 'Design');
    await createRoom(bob, 'Lunch');

    const desktop = await open(browser, contexts, server.url, {
      viewport: { width: 1280, height: 800 },
    });
    await desktop.join('sam');
    const phone = await open(browser, contexts, server.url, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    await phone.submitJoin('robin');
    await expect(phone.composer).toBeVisible();

    await write(alice, ['Morning! Is the demo still at 11?']);
    await write(bob, ['Yes, in the big room. I will bring the **projector** cable']);
    await desktop.send('Great, I will set up the chairs');
    await write(carol, ['Running 5 minutes late, start without me', 'Slides are on the share']);
    await phone.send('On my way!');
    await expect(desktop.message('On my way!')).toBeVisible();
    await expect(phone.message('On my way!')).toContainText('Sent');

    await shoot(desktop.page, 'desktop');
    await shoot(phone.page, 'phone');
    await phone.page.getByRole('button', { name: /^Rooms/ }).tap();
    await expect(phone.roomNav).toBeInViewport();
    await shoot(phone.page, 'phone-rooms');
  } finally {
    for (const socket of [alice, bob, carol]) socket.disconnect();
    await Promise.all(contexts.map((context) => context.close()));
  }
});
