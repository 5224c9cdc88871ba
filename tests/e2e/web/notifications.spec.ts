/**
 * Desktop integration in the web client, in Chromium against a real `parley serve`: browser
 * notifications for messages that arrive while the page is in the background, mute and
 * "mentions get through", the unread count in the tab title, and settings kept across a reload.
 *
 * The other person (bob) speaks the wire protocol directly (tests/e2e/support/wire.ts): only
 * alice's page is under test, and one browser page per test keeps it within its time on a busy
 * machine.
 *
 * Two things here are emulated, and only these:
 * - Notifications: the context is granted the `notifications` permission, and an init script
 *   wraps `window.Notification` in a subclass that records each notification and then creates
 *   the real one. So the test observes the page's real calls to the Notification API (headless
 *   Chromium has no notification centre to look at). A click on one is the `click` event the
 *   system would fire on that real Notification object.
 * - Visibility and focus: headless Chromium always reports a visible, focused page (Playwright
 *   emulates focus), so the test overrides `document.visibilityState`, `document.hidden` and
 *   `document.hasFocus()` in the page and dispatches the `visibilitychange`, `blur` and `focus`
 *   events the page listens to — what a minimized window or a background tab does.
 */
import type { Browser } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom, write } from '../support/wire';

// Each test starts a server and opens a page, then takes some twenty steps: on a busy 2-core
// machine (the other worker's browser and server, other work) that is more than the default time.

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
}

type RecordingWindow = Window & {
  shownNotifications: ShownNotification[];
  notificationObjects: Notification[];
};

/** Runs in the page before its scripts: records each notification, then shows the real one. */
function recordNotifications(): void {
  const shown: ShownNotification[] = [];
  const objects: Notification[] = [];
  const RealNotification = window.Notification;
  class RecordingNotification extends RealNotification {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
      objects.push(this);
    }
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, writable: true });
  Object.defineProperty(window, 'shownNotifications', { value: shown });
  Object.defineProperty(window, 'notificationObjects', { value: objects });
}

/** Opens the web client as one person; `allowNotifications`: the permission is granted. */
async function openPerson(
  browser: Browser,
  url: string,
  { allowNotifications }: { allowNotifications: boolean },
): Promise<ChatPage> {
  const context = await browser.newContext();
  if (allowNotifications) await context.grantPermissions(['notifications'], { origin: url });
  await context.addInitScript(recordNotifications);
  const chat = new ChatPage(await context.newPage());
  await chat.goto(url);
  return chat;
}

async function shown(chat: ChatPage): Promise<ShownNotification[]> {
  return chat.page.evaluate(() => (window as unknown as RecordingWindow).shownNotifications);
}

/** What minimizing (or switching away from) the window does to the page, and back. */
async function setAttention(chat: ChatPage, attention: { visible: boolean; focused: boolean }) {
  await chat.page.evaluate(({ visible, focused }) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (visible ? 'visible' : 'hidden'),
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => !visible });
    document.hasFocus = () => focused;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event(focused ? 'focus' : 'blur'));
  }, attention);
}

const AWAY = { visible: false, focused: false };
const BACK = { visible: true, focused: true };

test('a message that arrives in the background notifies, and the title counts it until read', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openPerson(browser, server.url, { allowNotifications: true });
  await alice.join('alice');
  const bob = await connectWriter(server, 'bob');
  await expect(alice.page).toHaveTitle('Parley — Lab');
  // Allowed already: nothing to turn on.
  await expect(alice.page.getByRole('button', { name: 'Turn on notifications' })).toHaveCount(0);

  // Read as it arrives: no notification, nothing unread.
  await write(bob, ['hello while you look']);
  await expect(alice.entry('hello while you look')).toBeVisible();
  expect(await shown(alice)).toEqual([]);
  await expect(alice.page).toHaveTitle('Parley — Lab');

  await setAttention(alice, AWAY);
  await write(bob, ['first line of news\nsecond line']);
  await expect(alice.entry('first line of news')).toBeVisible();
  expect(await shown(alice)).toEqual([
    { title: 'bob in Lab', body: 'first line of news', tag: 'parley-room:lobby' },
  ]);
  await expect(alice.page).toHaveTitle('(1) Parley — Lab');

  // Markup stays text in a notification.
  await write(bob, ['<b>bold?</b> **no**']);
  await expect(alice.entry('bold?')).toBeVisible();
  expect((await shown(alice)).at(-1)).toEqual({
    title: 'bob in Lab',
    body: '<b>bold?</b> **no**',
    tag: 'parley-room:lobby',
  });
  await expect(alice.page).toHaveTitle('(2) Parley — Lab');

  // Own messages never count.
  await alice.send('mine');
  await expect(alice.entry('mine')).toBeVisible();
  await expect(alice.page).toHaveTitle('(2) Parley — Lab');

  // Back at the window: read, the count goes.
  await setAttention(alice, BACK);
  await expect(alice.page).toHaveTitle('Parley — Lab');
  expect(await shown(alice)).toHaveLength(2);

  // Focused but the tab hidden (or visible but another window focused) is still away.
  await setAttention(alice, { visible: true, focused: false });
  await write(bob, ['while another window has the focus']);
  await expect(alice.entry('while another window has the focus')).toBeVisible();
  expect(await shown(alice)).toHaveLength(3);
  await expect(alice.page).toHaveTitle('(1) Parley — Lab');

  // Leaving the room: the title is the app's again.
  await setAttention(alice, BACK);
  await alice.disconnectButton.click();
  await expect(alice.page).toHaveTitle('Parley');
});

test('a muted room stays silent except for mentions, and the mute lasts across a reload', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openPerson(browser, server.url, { allowNotifications: true });
  await alice.join('alice');
  const bob = await connectWriter(server, 'bob');

  const mute = alice.page.getByRole('button', { name: 'Mute notifications for this room' });
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await mute.press('Enter');
  await expect(mute).toHaveAttribute('aria-pressed', 'true');

  await setAttention(alice, AWAY);
  await write(bob, ['nothing urgent']);
  await expect(alice.entry('nothing urgent')).toBeVisible();
  expect(await shown(alice)).toEqual([]);
  // A muted room's chatter does not count in the title either.
  await expect(alice.page).toHaveTitle('Parley — Lab');

  await write(bob, ['@alice can you look at this?']);
  await expect(alice.entry('can you look at this?')).toBeVisible();
  expect(await shown(alice)).toEqual([
    { title: 'bob in Lab', body: '@alice can you look at this?', tag: 'parley-room:lobby' },
  ]);
  await expect(alice.page).toHaveTitle('(1) Parley — Lab');

  // The mute is a setting: kept in this browser, it is there after a reload.
  await alice.page.reload();
  await expect(alice.nicknameInput).toHaveValue('alice');
  await alice.join('alice');
  await expect(
    alice.page.getByRole('button', { name: 'Mute notifications for this room' }),
  ).toHaveAttribute('aria-pressed', 'true');
  // Unmuted again, ordinary messages notify again.
  await alice.page.getByRole('button', { name: 'Mute notifications for this room' }).click();
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await setAttention(alice, AWAY);
  await write(bob, ['back to normal']);
  await expect(alice.entry('back to normal')).toBeVisible();
  expect(await shown(alice)).toEqual([
    { title: 'bob in Lab', body: 'back to normal', tag: 'parley-room:lobby' },
  ]);
});

test('"mentions only" and turning notifications off, in the Settings dialog', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openPerson(browser, server.url, { allowNotifications: true });
  await alice.join('alice');
  const bob = await connectWriter(server, 'bob');

  await alice.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Settings' });
  const mentionsOnly = dialog.getByRole('checkbox', { name: 'Only when someone mentions me' });
  await mentionsOnly.check();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  await setAttention(alice, AWAY);
  await write(bob, ['just chatting']);
  await expect(alice.entry('just chatting')).toBeVisible();
  await write(bob, ['@alice ping']);
  await expect(alice.entry('ping')).toBeVisible();
  expect((await shown(alice)).map((notification) => notification.body)).toEqual(['@alice ping']);
  // Unread counts every message, whatever notifies.
  await expect(alice.page).toHaveTitle('(2) Parley — Lab');

  await setAttention(alice, BACK);
  await alice.page.getByRole('button', { name: 'Settings', exact: true }).click();
  await dialog.getByRole('checkbox', { name: 'Show a notification for new messages' }).uncheck();
  await expect(mentionsOnly).toBeDisabled();
  await alice.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await setAttention(alice, AWAY);
  await write(bob, ['@alice are you there?']);
  await expect(alice.entry('are you there?')).toBeVisible();
  expect(await shown(alice)).toHaveLength(1);
  await expect(alice.page).toHaveTitle('(1) Parley — Lab');
});

test('the page asks for permission only after a click on "Turn on notifications"', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openPerson(browser, server.url, { allowNotifications: false });
  await alice.join('alice');
  const bob = await connectWriter(server, 'bob');

  // Not allowed yet: a message in the background notifies nothing, but counts.
  await setAttention(alice, AWAY);
  await write(bob, ['before permission']);
  await expect(alice.entry('before permission')).toBeVisible();
  expect(await shown(alice)).toEqual([]);
  await expect(alice.page).toHaveTitle('(1) Parley — Lab');
  await setAttention(alice, BACK);

  const turnOn = alice.page.getByRole('button', { name: 'Turn on notifications' });
  await expect(turnOn).toBeVisible();
  // The person says yes in the browser's prompt (the permission is granted), then clicks.
  await alice.page.context().grantPermissions(['notifications'], { origin: server.url });
  await turnOn.click();
  await expect(turnOn).toBeHidden();

  await setAttention(alice, AWAY);
  await write(bob, ['after permission']);
  await expect(alice.entry('after permission')).toBeVisible();
  expect(await shown(alice)).toEqual([
    { title: 'bob in Lab', body: 'after permission', tag: 'parley-room:lobby' },
  ]);
});

test('a message in another room notifies with its name; clicking the notification opens that room', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openPerson(browser, server.url, { allowNotifications: true });
  await alice.join('alice');
  const bob = await connectWriter(server, 'bob');
  const design = await createRoom(bob, 'Design');
  await alice.roomButton('Join Design').click();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await alice.roomButton('Lobby').click();
  await expect(alice.roomHeading('Lobby')).toBeVisible();

  // Alice is at the window, but in the lobby: Design's message is news from elsewhere.
  await write(bob, ['Mockups are up'], design);
  await expect
    .poll(() => shown(alice))
    .toEqual([
      {
        title: 'bob in Design',
        body: 'Mockups are up',
        // A created room's id (not the lobby's): the click below finds the room by it.
        tag: expect.stringMatching(/^parley-room:r-/),
      },
    ]);
  await expect(alice.roomButton('Design')).toHaveAccessibleName(/1 unread/);

  // The person clicks the notification: the window shows Design, where the message is read.
  await alice.page.evaluate(() =>
    (window as unknown as RecordingWindow).notificationObjects[0]!.dispatchEvent(
      new Event('click'),
    ),
  );
  await expect(alice.roomHeading('Design')).toBeVisible();
  await expect(alice.entry('Mockups are up')).toBeVisible();
  await expect(alice.roomButton('Design')).toHaveAccessibleName('Design, 2 people here');
});

test('a direct message written while one was away notifies, once, when one is back', async ({
  browser,
  startServer,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openPerson(browser, server.url, { allowNotifications: true });
  await alice.join('alice');
  const bob = await connectWriter(server, 'bob');
  const opened = await bob.timeout(15_000).emitWithAck('dm:open', { nickname: 'alice' });
  if (!opened.ok) throw new Error(opened.error.message);
  const directs = alice.roomNav.getByRole('list', { name: 'Direct messages', exact: true });
  await write(bob, ['before you leave'], opened.room.id);
  await directs.getByRole('button', { name: /^bob\b/ }).click();
  await expect(alice.entry('before you leave')).toBeVisible();
  await alice.roomButton('Lobby').click();

  // alice leaves; bob writes to her meanwhile.
  await alice.disconnectButton.click();
  await expect(alice.nicknameInput).toBeVisible();
  const before = (await shown(alice)).length;
  await write(bob, ['written while you were away'], opened.room.id);

  // Back in the same browser (the same device key): the conversation opens with it, unread,
  // and one notification says so; what she had seen is not news.
  await alice.join('alice');
  await expect(directs.getByRole('button', { name: /^bob\b/ })).toHaveAccessibleName(
    /^bob, 1 unread/,
  );
  await expect
    .poll(async () => (await shown(alice)).slice(before))
    .toEqual([
      { title: 'bob', body: 'written while you were away', tag: `parley-room:${opened.room.id}` },
    ]);
});
