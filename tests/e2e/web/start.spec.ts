// The start screen of the web client: joining, and the errors people can run into.
import { expect, test } from '../support/fixtures';

test('the browser offers only joining: no hosting controls', async ({ openChat, server }) => {
  const chat = await openChat();
  await expect(chat.serverUrlInput).toHaveValue(server.url);
  await expect(chat.joinButton).toBeVisible();
  await expect(chat.hostButton).toHaveCount(0);
  await expect(chat.portInput).toHaveCount(0);
  await expect(chat.page.getByRole('heading', { name: 'Host a room' })).toHaveCount(0);
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
