// Finding rooms in the browser: recent servers (kept in localStorage), no network diagnostics
// and no LAN room list (a page cannot look at the network), and "Retry now" while reconnecting.
import { expect, test } from '../support/fixtures';

test('a joined server is remembered, survives a reload, and can be renamed, rejoined and forgotten', async ({
  openChat,
  server,
}) => {
  const alice = await openChat();
  // Nothing joined yet: no list.
  await expect(alice.recentServers).toHaveCount(0);

  await alice.join('alice');
  await alice.disconnectButton.click();
  await expect(alice.recentServers.getByRole('listitem')).toHaveCount(1);
  const entry = alice.recentServer(server.url);
  await expect(entry).toContainText('alice');
  await expect(entry).toContainText('just now');
  // The server's own name (this machine's), read from the Rejoin button's accessible name.
  const rejoinLabel = await entry
    .getByRole('button', { name: /^Rejoin / })
    .getAttribute('aria-label');
  const ownName = rejoinLabel!.slice('Rejoin '.length);
  expect(ownName).not.toBe('');

  // localStorage keeps it across a reload.
  await alice.page.reload();
  await expect(alice.recentServer(server.url)).toContainText('alice');

  // Rename inline; Escape and Cancel keep the name.
  await alice.serverAction('Rename', ownName).click();
  await expect(alice.serverNameInput).toBeFocused();
  await alice.serverNameInput.fill('Team room');
  await alice.serverNameInput.press('Escape');
  await expect(alice.serverAction('Rename', ownName)).toBeFocused();
  await alice.serverAction('Rename', ownName).click();
  await alice.serverNameInput.fill('Team room');
  await alice.page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(alice.recentServer('Team room')).toBeVisible();
  await expect(alice.serverAction('Rename', 'Team room')).toBeFocused();
  await alice.page.reload();
  await expect(alice.recentServer('Team room')).toBeVisible();

  // Rejoin uses the nickname last used there, whatever the field says.
  await alice.nicknameInput.fill('someone-else');
  await alice.serverAction('Rejoin', 'Team room').click();
  await expect(alice.composer).toBeVisible();
  await expect(alice.person('alice')).toBeVisible();
  await alice.disconnectButton.click();

  // A renamed server keeps its name after joining again; an empty name gives back its own.
  await expect(alice.recentServer('Team room')).toBeVisible();
  await alice.serverAction('Rename', 'Team room').click();
  await alice.serverNameInput.fill('');
  await alice.serverNameInput.press('Enter');
  await expect(alice.serverAction('Rename', ownName)).toBeVisible();

  await alice.serverAction('Forget', ownName).click();
  await expect(alice.recentServers).toHaveCount(0);
  await alice.page.reload();
  await expect(alice.nicknameInput).toBeVisible();
  await expect(alice.recentServers).toHaveCount(0);
});

test('the browser shows no rooms-on-your-network section', async ({ openChat }) => {
  const chat = await openChat();
  await expect(chat.joinButton).toBeVisible();
  await expect(chat.networkRooms).toHaveCount(0);
  await expect(chat.page.getByRole('heading', { name: 'Rooms on your network' })).toHaveCount(0);
  await expect(chat.page.getByText('No rooms found on this network')).toHaveCount(0);
});

test('a dialog closed with Escape opens again at once from its button', async ({ openChat }) => {
  const chat = await openChat();
  await chat.join('alice');
  const settings = chat.page.getByRole('button', { name: 'Settings', exact: true });
  const dialog = chat.page.getByRole('dialog', { name: 'Settings', exact: true });
  // Escape and Enter in quick succession: the dialog's own close event (a task later) must not
  // undo the reopening. A few times over, as a person might.
  for (let round = 0; round < 5; round++) {
    await settings.click();
    await expect(dialog).toBeVisible();
    await chat.page.keyboard.press('Escape');
    await chat.page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Done', exact: true }).click();
    await expect(dialog).toBeHidden();
  }
});

test('the browser offers no network diagnostics: a page cannot look at the network', async ({
  openChat,
}) => {
  const chat = await openChat();
  await expect(chat.joinButton).toBeVisible();
  await expect(chat.page.getByRole('button', { name: 'Network diagnostics' })).toHaveCount(0);
  await chat.join('alice');
  await expect(chat.page.getByRole('button', { name: 'Network diagnostics' })).toHaveCount(0);
});

test('"Retry now" reconnects at once when the server is back', async ({
  openChat,
  server,
  startServer,
}) => {
  const port = Number(new URL(server.url).port);
  const alice = await openChat({ fakeClock: true });
  await alice.join('alice');

  await server.stop();
  await expect(alice.connectionBanner).toContainText('Reconnecting…');
  await expect(alice.retryNowButton).toBeVisible();
  // Stop the page's time (a second ahead: a try the jump fires meets the stopped server): the
  // back-off timer cannot fire any more, so only the click can reconnect.
  await alice.page.clock.pauseAt(await alice.page.evaluate(() => Date.now() + 1_000));

  await startServer({ port });
  await alice.retryNowButton.click();
  await expect(alice.connectionBanner).toHaveCount(0);
  await alice.page.clock.resume();
  await expect(alice.person('alice')).toBeVisible();
  await alice.send('Back with the new server');
  await expect(alice.entry('Back with the new server')).toBeVisible();
});
