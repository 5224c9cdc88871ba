/**
 * The quick switcher's servers, which only the desktop app has more than one of (a page in a
 * browser may talk only to the server that served it): the servers saved on this device are
 * offered, the one connected to is not, and choosing one leaves this server and joins that one.
 *
 * THIS USES A TEST DOUBLE FOR THE ELECTRON MAIN PROCESS AND PRELOAD (see desktop-ui.spec.ts):
 * the built renderer with a scripted `window.parley`; the double records the calls.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import {
  COMPATIBLE_ROOM,
  DOUBLE_OPTIONS,
  installParleyDouble,
  type ParleyDoubleHooks,
  type RecordedCall,
} from './parley-double';
import { serveFolder } from './static-server';

const RENDERER = fileURLToPath(new URL('../../../out/renderer', import.meta.url));
const OTHER_URL = 'http://192.168.1.40:4321';

type DoubleWindow = Window & { parleyDouble: ParleyDoubleHooks };

test('the quick switcher offers the other saved servers and joins the one chosen', async ({
  page,
}) => {
  if (!existsSync(`${RENDERER}/index.html`)) {
    throw new Error(`${RENDERER} is not built: run \`npx electron-vite build\` first.`);
  }
  const renderer = await serveFolder(RENDERER);
  try {
    await page.addInitScript(installParleyDouble, DOUBLE_OPTIONS);
    await page.goto(renderer.url);
    const calls = (method: string) =>
      page.evaluate(
        (name) =>
          (window as unknown as DoubleWindow).parleyDouble.calls.filter(
            (call: RecordedCall) => call.method === name,
          ),
        method,
      );
    const composer = page.getByRole('textbox', { name: 'Message', exact: true });

    // Two servers joined on this device: the network's Design team, then another by join link.
    await page.getByLabel('Nickname', { exact: true }).fill('alice');
    await page.getByRole('button', { name: `Join ${COMPATIBLE_ROOM.name}`, exact: true }).click();
    await expect(composer).toBeVisible();
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.evaluate(
      (url) =>
        (window as unknown as DoubleWindow).parleyDouble.requestJoin({
          link: `parley://join?url=${encodeURIComponent(url)}`,
          url,
          secure: false,
          fingerprint: null,
        }),
      OTHER_URL,
    );
    const confirm = page.getByRole('dialog', { name: 'Join a room?', exact: true });
    await confirm.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(composer).toBeFocused();

    // The switcher: the Design team's server, not the one connected to.
    await page.keyboard.press('Control+K');
    const dialog = page.getByRole('dialog', { name: 'Quick switcher', exact: true });
    const options = dialog.getByRole('option');
    const designServer = new URL(COMPATIBLE_ROOM.url).hostname;
    await expect(options).toHaveCount(1);
    await expect(options.first()).toHaveAccessibleName(
      `${designServer}, Server: ${COMPATIBLE_ROOM.url}`,
    );
    await page.keyboard.type(designServer.slice(0, 7));
    await expect(options.first()).toHaveAttribute('aria-selected', 'true');
    const connectsBefore = (await calls('chat.connect')).length;
    await page.keyboard.press('Enter');

    // Left this server, joined that one with the same nickname, ready to write.
    await expect(dialog).toBeHidden();
    await expect.poll(async () => (await calls('chat.connect')).length).toBe(connectsBefore + 1);
    expect((await calls('chat.connect')).at(-1)?.args).toEqual([COMPATIBLE_ROOM.url, 'alice']);
    expect((await calls('chat.disconnect')).length).toBeGreaterThanOrEqual(2);
    // Joined there (chat.connect above names it): its lobby is on screen, under its name.
    await expect(page.getByRole('heading', { level: 1, name: 'Lobby' })).toBeVisible();
    await expect(page.getByText(designServer).first()).toBeVisible();
    await expect(composer).toBeFocused();
  } finally {
    await renderer.close();
  }
});
