/**
 * The desktop renderer's desktop-only screens (hosting and invites, rooms on the network, join
 * links, network diagnostics), which the web e2e cannot reach: the browser build has no hosting
 * or discovery.
 *
 * THIS USES A TEST DOUBLE FOR THE ELECTRON MAIN PROCESS AND PRELOAD, which cannot run here (no
 * Electron binary): the built renderer (out/renderer, from `npx electron-vite build`) is served
 * over http on 127.0.0.1 and a scripted `window.parley` (./parley-double.ts) stands in for the
 * preload. The real bridge (preload + main process over IPC) is covered by tests/e2e/desktop,
 * where Electron exists. Everything is found by role and accessible name.
 *
 * Long (over 400 lines) because it is one scenario per desktop-only screen, each a story from
 * click to result; they share the page set-up above them and nothing else.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test as base, type Page } from '@playwright/test';
import type { ChatEvent, JoinRequest } from '../../../src/shared/api';
import {
  CHANGED_CERTIFICATE,
  COMPATIBLE_ROOM,
  DIAGNOSTIC_ADDRESS_CIDR,
  DIAGNOSTIC_HINTS,
  DOUBLE_OPTIONS,
  FREE_PORT,
  HOSTED_FINGERPRINT,
  HOSTED_URLS,
  INCOMPATIBLE_ROOM,
  installParleyDouble,
  TAKEN_PORT,
  type ParleyDoubleHooks,
  type RecordedCall,
} from './parley-double';
import { serveFolder, type StaticServer } from './static-server';

const RENDERER = fileURLToPath(new URL('../../../out/renderer', import.meta.url));
const INDEX_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** The page's view of the double's hooks (see parley-double.ts). */
type DoubleWindow = Window & { parleyDouble: ParleyDoubleHooks };

class DesktopPage {
  /** Console errors and uncaught page errors; each test ends with none. */
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      // Chromium asks for /favicon.ico by itself; the renderer has none (Electron never asks).
      if (message.location().url.endsWith('/favicon.ico')) return;
      if (message.type() === 'error') this.errors.push(message.text());
    });
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  async calls(method?: string): Promise<RecordedCall[]> {
    const calls = await this.page.evaluate(
      () => (window as unknown as DoubleWindow).parleyDouble.calls,
    );
    return method ? calls.filter((call) => call.method === method) : calls;
  }

  /** CSP violations seen so far. */
  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as DoubleWindow).parleyDouble.cspViolations);
  }

  async requestJoin(request: JoinRequest): Promise<void> {
    await this.page.evaluate(
      (r) => (window as unknown as DoubleWindow).parleyDouble.requestJoin(r),
      request,
    );
  }

  async emitChat(event: ChatEvent): Promise<void> {
    await this.page.evaluate(
      (e) => (window as unknown as DoubleWindow).parleyDouble.emitChat(e),
      event,
    );
  }

  button(name: string) {
    return this.page.getByRole('button', { name, exact: true });
  }

  get nickname() {
    return this.page.getByLabel('Nickname', { exact: true });
  }

  get composer() {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }
}

const test = base.extend<{ desktop: DesktopPage }, { renderer: StaticServer }>({
  renderer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      if (!existsSync(`${RENDERER}/index.html`)) {
        throw new Error(`${RENDERER} is not built: run \`npx electron-vite build\` first.`);
      }
      const server = await serveFolder(RENDERER);
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  desktop: async ({ page, renderer }, use) => {
    const desktop = new DesktopPage(page);
    await page.addInitScript(installParleyDouble, DOUBLE_OPTIONS);
    await page.goto(renderer.url);
    await expect(desktop.nickname).toBeFocused();
    await use(desktop);
    // The CSP of index.html is in force and nothing the screens did broke it.
    expect(desktop.errors).toEqual([]);
    expect(await desktop.cspViolations()).toEqual([]);
  },
});

test('the page runs under the CSP of index.html, without violations', async ({ desktop }) => {
  const { page } = desktop;
  // The built page carries the same policy as the source index.html (not bypassed).
  const csp = await page.evaluate(
    () =>
      document
        .querySelector('meta[http-equiv="Content-Security-Policy"]')
        ?.getAttribute('content') ?? null,
  );
  expect(csp).toBe(INDEX_CSP);
  expect(await desktop.cspViolations()).toEqual([]);
  expect(desktop.errors).toEqual([]);

  // And it is enforced: an inline script (script-src 'self', no 'unsafe-inline') is refused and
  // reported, which also shows the violation watch every test ends with works. (Code evaluated
  // through the DevTools protocol, like page.evaluate, is exempt, so it cannot probe eval.)
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'document.documentElement.dataset.inlineRan = "yes";';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 50));
    script.remove();
    return document.documentElement.dataset.inlineRan ?? 'no';
  });
  expect(ran).toBe('no');
  await expect
    .poll(() => desktop.cspViolations())
    .toEqual([expect.stringMatching(/^script-src-elem inline /)]);
  // Expected here; the fixture's final check must not count it.
  desktop.errors.length = 0;
  await page.evaluate(() => {
    const { cspViolations } = (window as unknown as DoubleWindow).parleyDouble;
    const others = cspViolations.filter((violation) => !violation.includes(' inline '));
    cspViolations.splice(0, cspViolations.length, ...others);
  });
});

test('a taken port says so, and "Use any free port" hosts; the invite panel shares each URL', async ({
  desktop,
}) => {
  const { page } = desktop;
  await desktop.nickname.fill('alice');
  await page.getByLabel('Port', { exact: true }).fill(String(TAKEN_PORT));
  await desktop.button('Host a room').click();

  const problem = page.getByRole('alert');
  await expect(problem).toContainText(`Port ${TAKEN_PORT} is used by another program.`);
  await expect(page.getByLabel('Port', { exact: true })).toBeFocused();
  expect(await desktop.calls('chat.connect')).toEqual([]);

  await desktop.button('Use any free port').click();
  await expect(desktop.composer).toBeVisible();
  expect((await desktop.calls('hosting.start')).map((call) => call.args)).toEqual([
    [{ port: TAKEN_PORT, hostNickname: 'alice' }],
    [{ port: 0, hostNickname: 'alice' }],
  ]);
  // The host joins its own room at the localhost URL.
  expect((await desktop.calls('chat.connect')).map((call) => call.args)).toEqual([
    [HOSTED_URLS[1], 'alice'],
  ]);

  const invite = page.getByRole('region', { name: 'Invite people', exact: true });
  const urls = invite.getByRole('list', { name: 'Join URLs', exact: true });
  await expect(urls.getByRole('listitem')).toHaveCount(HOSTED_URLS.length);
  for (const url of HOSTED_URLS) {
    await expect(urls.getByRole('button', { name: `Copy ${url}`, exact: true })).toBeVisible();
    await expect(
      urls.getByRole('button', { name: `Copy join link for ${url}`, exact: true }),
    ).toBeVisible();
    const showQr = urls.getByRole('button', { name: `Show QR code for ${url}`, exact: true });
    await expect(showQr).toHaveAttribute('aria-expanded', 'false');
    await expect(urls.getByRole('img', { name: `QR code for ${url}`, exact: true })).toHaveCount(0);
  }

  const [first, second] = HOSTED_URLS as [string, string];
  await urls.getByRole('button', { name: `Show QR code for ${first}`, exact: true }).click();
  const qr = urls.getByRole('img', { name: `QR code for ${first}`, exact: true });
  await expect(qr).toBeVisible();
  await expect(
    urls.getByRole('button', { name: `Show QR code for ${first}`, exact: true }),
  ).toHaveAttribute('aria-expanded', 'true');
  // The data: SVG really loaded (CSP img-src allows data:).
  await expect
    .poll(() => qr.evaluate((img) => (img as HTMLImageElement).naturalWidth))
    .toBeGreaterThan(0);

  // One QR code at a time: showing the second hides the first.
  await urls.getByRole('button', { name: `Show QR code for ${second}`, exact: true }).click();
  await expect(urls.getByRole('img', { name: `QR code for ${second}`, exact: true })).toBeVisible();
  await expect(qr).toHaveCount(0);

  // Events pushed by the (stand-in) chat client reach the connection banner.
  await desktop.emitChat({
    type: 'status',
    status: {
      state: 'reconnecting',
      url: HOSTED_URLS[1]!,
      reason: 'The server stopped answering.',
    },
  });
  const banner = page.getByRole('status');
  await expect(banner).toContainText('Reconnecting…');
  await expect(banner).toContainText('The server stopped answering.');
  await banner.getByRole('button', { name: 'Retry now', exact: true }).click();
  await expect.poll(async () => (await desktop.calls('chat.reconnectNow')).length).toBe(1);
  await desktop.emitChat({
    type: 'status',
    status: { state: 'connected', url: HOSTED_URLS[1]!, reason: null },
  });
  await expect(banner).toHaveCount(0);

  await invite.getByRole('button', { name: 'Stop hosting', exact: true }).click();
  await expect(desktop.nickname).toBeVisible();
  await expect(page.getByRole('button', { name: 'Host a room', exact: true })).toBeVisible();
});

test('"Rooms on your network" joins a compatible room in one click; an incompatible one is disabled', async ({
  desktop,
}) => {
  const { page } = desktop;
  const rooms = page.getByRole('list', { name: 'Rooms on your network', exact: true });
  await expect(rooms.getByRole('listitem')).toHaveCount(2);
  const join = rooms.getByRole('button', { name: `Join ${COMPATIBLE_ROOM.name}`, exact: true });
  const joinIncompatible = rooms.getByRole('button', {
    name: `Join ${INCOMPATIBLE_ROOM.name}`,
    exact: true,
  });
  await expect(join).toBeEnabled();
  await expect(joinIncompatible).toBeDisabled();
  await expect(
    rooms.getByRole('listitem').filter({ hasText: INCOMPATIBLE_ROOM.name }),
  ).toContainText('Needs another Parley version');

  await desktop.nickname.fill('alice');
  await join.click();
  await expect(desktop.composer).toBeVisible();
  expect((await desktop.calls('chat.connect')).map((call) => call.args)).toEqual([
    [COMPATIBLE_ROOM.url, 'alice'],
  ]);

  // A message pushed through chat.onEvent shows in the log.
  await desktop.emitChat({
    type: 'message',
    message: {
      id: 1,
      clientId: 'c-1',
      room: 'lobby',
      author: { id: 'bea-1', nickname: 'bea' },
      text: 'Welcome to the design room',
      sentAt: Date.now(),
    },
  });
  await expect(page.getByRole('log', { name: 'Messages', exact: true })).toContainText(
    'Welcome to the design room',
  );
});

test('a join link asks first: Cancel does not connect, Join does', async ({ desktop }) => {
  const { page } = desktop;
  const request: JoinRequest = {
    link: `parley://join?url=${encodeURIComponent('http://192.168.1.40:4321')}`,
    url: 'http://192.168.1.40:4321',
    secure: false,
    fingerprint: null,
  };
  await desktop.nickname.fill('alice');

  await desktop.requestJoin(request);
  const dialog = page.getByRole('dialog', { name: 'Join a room?', exact: true });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(request.url);
  await expect(dialog).toContainText('You will join as alice.');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  expect(await desktop.calls('chat.connect')).toEqual([]);
  await expect(desktop.nickname).toBeVisible();

  await desktop.requestJoin(request);
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(desktop.composer).toBeVisible();
  expect((await desktop.calls('chat.connect')).map((call) => call.args)).toEqual([
    [request.url, 'alice'],
  ]);
});

test('network diagnostics shows the addresses and hints, and closes with Escape', async ({
  desktop,
}) => {
  const { page } = desktop;
  // The footer's button (with rooms listed, the only one on the start screen).
  const open = desktop.button('Network diagnostics');
  await expect(open).toHaveCount(1);
  await open.click();

  const dialog = page.getByRole('dialog', { name: 'Network diagnostics', exact: true });
  await expect(dialog).toBeVisible();
  const hints = dialog.getByRole('region', { name: 'What to try', exact: true });
  for (const hint of DIAGNOSTIC_HINTS) {
    await expect(hints).toContainText(hint.title);
    await expect(hints).toContainText(hint.detail);
  }
  const addresses = dialog.getByRole('region', { name: "This computer's addresses", exact: true });
  await expect(addresses.getByRole('cell', { name: DIAGNOSTIC_ADDRESS_CIDR })).toBeVisible();
  await expect(addresses.getByRole('row', { name: /wg0/ })).toContainText('VPN');
  await expect(dialog.getByRole('region', { name: 'Your room', exact: true })).toContainText(
    'Not hosting',
  );
  expect(await desktop.calls('diagnostics.run')).toHaveLength(1);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
});

test('hosting with an encrypted connection shows the certificate fingerprint; the host joins pinned to it', async ({
  desktop,
}) => {
  const { page } = desktop;
  await desktop.nickname.fill('alice');
  // From the keyboard: Tab to the checkbox, Space to tick it.
  const secure = page.getByRole('checkbox', {
    name: 'Use an encrypted connection (self-signed certificate)',
    exact: true,
  });
  await expect(secure).not.toBeChecked();
  await secure.focus();
  await page.keyboard.press('Space');
  await expect(secure).toBeChecked();
  await page.getByLabel('Port', { exact: true }).fill('4400');
  await desktop.button('Host a room').click();
  await expect(desktop.composer).toBeVisible();

  expect((await desktop.calls('hosting.start')).map((call) => call.args)).toEqual([
    [{ port: 4400, hostNickname: 'alice', secure: true }],
  ]);
  const local = 'https://localhost:4400';
  expect((await desktop.calls('chat.connect')).map((call) => call.args)).toEqual([
    [local, 'alice', { fingerprint: HOSTED_FINGERPRINT }],
  ]);

  const invite = page.getByRole('region', { name: 'Invite people', exact: true });
  const fingerprint = invite.getByRole('group', {
    name: 'Certificate fingerprint (SHA-256)',
    exact: true,
  });
  await expect(fingerprint).toContainText(HOSTED_FINGERPRINT);
  await expect(
    fingerprint.getByRole('button', { name: 'Copy certificate fingerprint', exact: true }),
  ).toBeVisible();
  const urls = invite.getByRole('list', { name: 'Join URLs', exact: true });
  await expect(urls).toContainText(
    `parley://join?url=${encodeURIComponent(local)}&fp=${encodeURIComponent(HOSTED_FINGERPRINT)}`,
  );

  await invite.getByRole('button', { name: 'Stop hosting', exact: true }).click();
  await expect(desktop.nickname).toBeVisible();
});

test('a server whose certificate changed is refused, with both fingerprints on the start screen', async ({
  desktop,
}) => {
  const { page } = desktop;
  await desktop.nickname.fill('alice');
  await page.getByLabel('Server URL', { exact: true }).fill(CHANGED_CERTIFICATE.url);
  await desktop.button('Join').click();

  const warning = page.getByRole('alert');
  await expect(warning).toContainText(`The certificate of ${CHANGED_CERTIFICATE.url} has changed`);
  await expect(warning).toContainText(CHANGED_CERTIFICATE.pinned);
  await expect(warning).toContainText(CHANGED_CERTIFICATE.presented);
  await expect(desktop.composer).toHaveCount(0);
  await expect(page.getByLabel('Server URL', { exact: true })).toBeFocused();

  // A join link from the host carries the new fingerprint: that one is trusted.
  await desktop.requestJoin({
    link: `parley://join?url=${encodeURIComponent(CHANGED_CERTIFICATE.url)}&fp=${CHANGED_CERTIFICATE.presented}`,
    url: CHANGED_CERTIFICATE.url,
    secure: true,
    fingerprint: CHANGED_CERTIFICATE.presented,
  });
  const dialog = page.getByRole('dialog', { name: 'Join a room?', exact: true });
  await expect(dialog).toContainText('Its certificate fingerprint came with the link.');
  await dialog.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(desktop.composer).toBeVisible();
  expect((await desktop.calls('chat.connect')).map((call) => call.args)).toEqual([
    [CHANGED_CERTIFICATE.url, 'alice'],
    [CHANGED_CERTIFICATE.url, 'alice', { fingerprint: CHANGED_CERTIFICATE.presented }],
  ]);
});

test('the host can require a passphrase, and remove someone after confirming', async ({
  desktop,
}) => {
  const { page } = desktop;
  await desktop.nickname.fill('alice');
  await page.getByLabel('Port', { exact: true }).fill(String(FREE_PORT));
  await page.getByLabel('Passphrase (optional)', { exact: true }).fill('open sesame');
  await desktop.button('Host a room').click();
  await expect(desktop.composer).toBeVisible();
  expect((await desktop.calls('hosting.start')).map((call) => call.args)).toEqual([
    [{ port: FREE_PORT, hostNickname: 'alice', passphrase: 'open sesame' }],
  ]);
  // The host joins its own room with the passphrase it set.
  const [connect] = await desktop.calls('chat.connect');
  expect(connect?.args[2]).toMatchObject({ passphrase: 'open sesame' });

  await desktop.emitChat({
    type: 'user-joined',
    room: 'lobby',
    user: { id: 'bob-1', nickname: 'bob' },
  });
  const people = page.getByRole('list', { name: 'People online', exact: true });
  const manage = people.getByRole('button', { name: 'Manage bob', exact: true });
  await expect(manage).toBeVisible();
  // Nobody can remove themselves.
  await expect(people.getByRole('button', { name: /Manage alice/ })).toHaveCount(0);
  const remove = people.getByRole('button', { name: 'Remove bob from the room', exact: true });
  await expect(remove).toBeHidden();
  await manage.click();
  await expect(manage).toHaveAttribute('aria-expanded', 'true');

  await remove.click();
  const dialog = page.getByRole('dialog', { name: 'Remove from the room?', exact: true });
  await expect(dialog).toContainText('Remove bob from the room?');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  expect(await desktop.calls('chat.moderate')).toEqual([]);

  await manage.click();
  await remove.click();
  await dialog
    .getByRole('combobox', { name: 'Keep them out for', exact: true })
    .selectOption({ label: 'A day' });
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(dialog).toBeHidden();
  expect((await desktop.calls('chat.moderate')).map((call) => call.args)).toEqual([
    [{ action: 'remove', userId: 'bob-1', minutes: 24 * 60 }],
  ]);
});

/**
 * What minimizing the window (or switching to another app) does to the page, and back. Headless
 * Chromium always reports a visible, focused page, so the page's own signals are overridden and
 * the events it listens to dispatched (`dispatch: false` changes them silently).
 */
async function setAttention(
  page: Page,
  attention: { visible: boolean; focused: boolean },
  dispatch = true,
): Promise<void> {
  await page.evaluate(
    ({ visible, focused, dispatch }) => {
      Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        get: () => (visible ? 'visible' : 'hidden'),
      });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => !visible });
      document.hasFocus = () => focused;
      if (!dispatch) return;
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event(focused ? 'focus' : 'blur'));
    },
    { ...attention, dispatch },
  );
}

test('notifications, the unread badge and settings go through window.parley.desktop and .settings', async ({
  desktop,
}) => {
  const { page } = desktop;
  const server = new URL(COMPATIBLE_ROOM.url).hostname;
  const message = (id: number, text: string) => ({
    type: 'message' as const,
    message: {
      id,
      clientId: `c-${id}`,
      room: 'lobby',
      author: { id: 'bea-1', nickname: 'bea' },
      text,
      sentAt: Date.now(),
    },
  });
  const log = page.getByRole('log', { name: 'Messages', exact: true });
  const lastUnread = async () => (await desktop.calls('desktop.setUnread')).at(-1)?.args;

  await desktop.nickname.fill('alice');
  await page
    .getByRole('list', { name: 'Rooms on your network', exact: true })
    .getByRole('button', { name: `Join ${COMPATIBLE_ROOM.name}`, exact: true })
    .click();
  await expect(desktop.composer).toBeVisible();
  // The nickname goes to the settings file, not to the page's storage.
  await expect
    .poll(async () => (await desktop.calls('settings.update')).map((call) => call.args))
    .toEqual([[{ nickname: 'alice' }]]);
  await expect(page).toHaveTitle(`Parley — ${server}`);
  await expect.poll(lastUnread).toEqual([0]);
  // The app may always notify: nothing to turn on.
  await expect(page.getByRole('button', { name: 'Turn on notifications' })).toHaveCount(0);

  await setAttention(page, { visible: false, focused: false });
  await desktop.emitChat(message(1, 'Are you around?\nIt is about the release.'));
  await expect(log).toContainText('Are you around?');
  expect((await desktop.calls('desktop.notify')).map((call) => call.args)).toEqual([
    [{ title: `bea in ${server}`, body: 'Are you around?', room: 'lobby' }],
  ]);
  await expect.poll(lastUnread).toEqual([1]);
  await expect(page).toHaveTitle(`(1) Parley — ${server}`);

  // Muted: saved as a setting; ordinary messages stay silent and out of the badge.
  const mute = page.getByRole('button', { name: 'Mute notifications for this room', exact: true });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(async () => (await desktop.calls('settings.update')).at(-1)?.args)
    .toEqual([{ notifications: { mutedRooms: ['lobby'] } }]);
  await expect.poll(lastUnread).toEqual([0]);
  await desktop.emitChat(message(2, 'just saying'));
  await expect(log).toContainText('just saying');
  expect(await desktop.calls('desktop.notify')).toHaveLength(1);
  // A mention gets through the mute. The server resolves @names to people (ChatMessage.mentions):
  // alice is the double's first session's person, user-1.
  const mention = message(3, '@alice please look');
  await desktop.emitChat({
    ...mention,
    message: { ...mention.message, mentions: [{ id: 'user-1', nickname: 'alice' }] },
  });
  await expect(log).toContainText('please look');
  expect((await desktop.calls('desktop.notify')).at(-1)?.args).toEqual([
    { title: `bea in ${server}`, body: '@alice please look', room: 'lobby' },
  ]);
  await expect.poll(lastUnread).toEqual([1]);
  await expect(page).toHaveTitle(`(1) Parley — ${server}`);

  // Clicking the notification: the main process brings the window to the front (here: the page
  // is made visible and focused without events), then the page hears of the click and the room
  // it shows is read.
  await setAttention(page, { visible: true, focused: true }, false);
  await page.evaluate(() =>
    (window as unknown as DoubleWindow).parleyDouble.clickNotification('lobby'),
  );
  await expect.poll(lastUnread).toEqual([0]);
  await expect(page).toHaveTitle(`Parley — ${server}`);

  // Settings dialog: "mentions only" is saved through the API.
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings', exact: true });
  await dialog.getByRole('checkbox', { name: 'Only when someone mentions me' }).check();
  await expect
    .poll(async () => (await desktop.calls('settings.update')).at(-1)?.args)
    .toEqual([{ notifications: { mentionsOnly: true } }]);
  await dialog.getByRole('button', { name: 'Done', exact: true }).click();
  await expect(dialog).toBeHidden();

  // After a restart (a reload, with what the settings file holds): nickname and mute are back.
  await page.reload();
  await expect(desktop.nickname).toHaveValue('alice');
  await page
    .getByRole('list', { name: 'Rooms on your network', exact: true })
    .getByRole('button', { name: `Join ${COMPATIBLE_ROOM.name}`, exact: true })
    .click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
});
