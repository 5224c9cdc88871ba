// The start screen of the web client: joining, and the errors people can run into.
import { gzipSync } from 'node:zlib';
import type { Response } from '@playwright/test';
import { expect, test } from '../support/fixtures';

test('the browser names the server it came from and asks only for a nickname', async ({
  startServer,
  openChatAt,
}) => {
  const server = await startServer({ name: 'Lab' });
  const chat = await openChatAt(server.url);
  await expect(chat.page.getByRole('heading', { name: 'Join Lab', exact: true })).toBeVisible();
  await expect(chat.nicknameInput).toBeVisible();
  await expect(chat.joinButton).toBeVisible();
  // The address and a link code are asked for only on request.
  await expect(chat.serverUrlInput).toBeHidden();
  await expect(chat.page.getByLabel('Link to an existing identity (optional)')).toBeHidden();
  await expect(chat.otherServerButton).toHaveAttribute('aria-expanded', 'false');
  await chat.otherServerButton.press('Enter');
  await expect(chat.otherServerButton).toHaveAttribute('aria-expanded', 'true');
  await expect(chat.serverUrlInput).toBeVisible();
  await expect(chat.serverUrlInput).toHaveValue(server.url);
  await chat.linkingButton.click();
  await expect(chat.page.getByLabel('Link to an existing identity (optional)')).toBeVisible();
  // Only joining: no hosting controls.
  await expect(chat.hostButton).toHaveCount(0);
  await expect(chat.portInput).toHaveCount(0);
  await expect(chat.page.getByRole('heading', { name: 'Host a room' })).toHaveCount(0);

  await chat.nicknameInput.fill('alice');
  await chat.nicknameInput.press('Enter');
  await expect(chat.person('alice')).toBeVisible();
});

test("someone else's nickname is explained and another one can be chosen", async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');

  const other = await openChat();
  await other.submitJoin('ALICE');
  await expect(other.alert).toContainText('belongs to someone else on this server');
  await expect(other.nicknameInput).toBeFocused();
  await expect(other.composer).toHaveCount(0);

  await other.nicknameInput.fill('alice2');
  await other.nicknameInput.press('Enter');
  await expect(other.composer).toBeVisible();
  await expect(other.person('alice2')).toBeVisible();
  await expect(alice.person('alice2')).toBeVisible();
});

test('an empty nickname and an invalid server URL are explained', async ({ openChat }) => {
  const chat = await openChat();
  await chat.submitJoin('');
  await expect(chat.alert).toHaveText('Nickname cannot be empty.');
  await expect(chat.nicknameInput).toBeFocused();

  await chat.submitJoin('carol', 'http://bad host');
  await expect(chat.alert).toContainText('not an address');
  await expect(chat.serverUrlInput).toBeFocused();
  await expect(chat.composer).toHaveCount(0);
});

// What the first screen costs a phone on the LAN: the chat screen and the client (Socket.IO, the
// outbox, file transfers) are chunks fetched at the join, so the start screen does without them.
test('the first screen loads at most 100 KB gzipped and no connection; the join fetches the rest', async ({
  openChat,
}) => {
  const chat = await openChat();
  const responses: Response[] = [];
  const sockets: string[] = [];
  chat.page.on('response', (response) => responses.push(response));
  chat.page.on('websocket', (socket) => sockets.push(socket.url()));
  // A load seen from its first request (files read from the cache are reported too).
  await chat.page.reload();
  await expect(chat.nicknameInput).toBeEnabled();
  await chat.page.waitForLoadState('networkidle');
  const firstScreen = [...responses];
  let gzipped = 0;
  for (const response of firstScreen) gzipped += gzipSync(await response.body()).length;
  expect(firstScreen.some((response) => response.url().endsWith('.js'))).toBe(true);
  expect(gzipped, 'the first screen, gzipped').toBeLessThanOrEqual(100 * 1024);
  expect(sockets, 'connections before the join').toEqual([]);

  await chat.join('alice');
  const atJoin = responses.slice(firstScreen.length).map((response) => response.url());
  expect(
    atJoin.filter((url) => url.endsWith('.js')).length,
    'chunks fetched at the join',
  ).toBeGreaterThan(0);
  expect(sockets.length, 'connections after the join').toBeGreaterThan(0);
});

test('when the rest of the client cannot be fetched, joining says so, and once it can, reloads and works', async ({
  openChat,
}) => {
  const chat = await openChat();
  await expect(chat.nicknameInput).toBeEnabled();
  // The server stops answering for the chunks fetched at the join (a dropped Wi-Fi, a server
  // restarted into a new build).
  await chat.page.route('**/assets/*.js', (route) => route.abort('connectionreset'));
  await chat.submitJoin('alice');
  await expect(chat.alert).toContainText('did not load');
  await expect(chat.nicknameInput).toBeVisible();
  await expect(chat.composer).toHaveCount(0);

  await chat.page.unroute('**/assets/*.js');
  // The browser keeps the failed module as failed (Chromium does), so joining again, now that
  // the server answers, loads the page afresh; then joining works.
  const reloaded = chat.page.waitForEvent('load');
  await chat.submitJoin('alice');
  await reloaded;
  await chat.join('alice');
});
