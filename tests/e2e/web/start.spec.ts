// The start screen of the web client: joining, and the errors people can run into.
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
