/**
 * Linking a second device in the web client: alice shows a one-time code ("Link a device", with
 * a join link and a QR code), a second browser (another device key) opens the join link and
 * joins with it, and is alice: the same direct conversations with the same unread count, and
 * reading on one device reads on the other. bob speaks the wire protocol (tests/e2e/support/wire.ts).
 */
import type { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, write } from '../support/wire';

test('a linked second browser shows the same direct messages and unread counts', async ({
  server,
  openChat,
  openChatAt,
}) => {
  const laptop = await openChat();
  await laptop.join('alice');
  const bob = await connectWriter(server, 'bob');
  const opened = await bob.timeout(15_000).emitWithAck('dm:open', { nickname: 'alice' });
  if (!opened.ok) throw new Error(opened.error.message);
  const room = opened.room.id as string;
  await write(bob, ['first, read on the laptop'], room);

  const directsOf = (device: ChatPage) =>
    device.roomNav.getByRole('list', { name: 'Direct messages', exact: true });
  const bobOn = (device: ChatPage) => directsOf(device).getByRole('button', { name: /^bob\b/ });
  // Read on the laptop, then back to the lobby; bob writes once more: one unread.
  await bobOn(laptop).click();
  await expect(laptop.entry('first, read on the laptop')).toBeVisible();
  await laptop.roomButton('Lobby').click();
  await write(bob, ['second, not read yet'], room);
  await expect(bobOn(laptop)).toHaveAccessibleName(/1 unread/);

  // "Link a device": a code, a join link carrying it, and a QR code of that link.
  await laptop.page.getByRole('button', { name: 'Link a device', exact: true }).click();
  const dialog = laptop.page.getByRole('dialog', { name: 'Link a device', exact: true });
  const code = dialog.getByRole('status', { name: 'Link code', exact: true });
  await expect(code).toHaveText(/^[2-9A-HJKMNP-Z]{5} [2-9A-HJKMNP-Z]{5}$/);
  await expect(dialog.getByRole('img', { name: /QR code of the join link/ })).toBeVisible();
  const joinLink = dialog.getByRole('link');
  const joinUrl = await joinLink.getAttribute('href');
  expect(joinUrl).toContain(`link=${(await code.textContent())!.replace(' ', '')}`);
  await dialog.getByRole('button', { name: 'Done', exact: true }).click();
  await expect(dialog).toBeHidden();

  // Another browser (its own device key) opens the join link: the code is filled in.
  const phone = await openChatAt(joinUrl!);
  const linkField = phone.page.getByLabel('Link to an existing identity (optional)');
  await expect(linkField).not.toHaveValue('');
  await phone.join('alice');

  // The same conversation, with the same unread count, on both.
  await expect(bobOn(phone)).toHaveAccessibleName(/1 unread/);
  await expect(bobOn(laptop)).toHaveAccessibleName(/1 unread/);
  // alice is one person online, however many browsers she uses.
  await expect(phone.peopleOnline.getByRole('listitem').filter({ hasText: 'alice' })).toHaveCount(
    1,
  );

  // Read on the phone: read on the laptop too.
  await bobOn(phone).click();
  await expect(phone.entry('second, not read yet')).toBeVisible();
  await expect(bobOn(laptop)).not.toHaveAccessibleName(/unread/);

  // A message from bob reaches both browsers.
  await write(bob, ['to both of you'], room);
  await expect(phone.entry('to both of you')).toBeVisible();
  await bobOn(laptop).click();
  await expect(laptop.entry('to both of you')).toBeVisible();
  bob.disconnect();
});

test('a wrong link code is refused on the start screen, and nothing else changes', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const other = await openChat();
  await other.disclose(other.linkingButton);
  await other.page.getByLabel('Link to an existing identity (optional)').fill('ABCDE FGHJK');
  await other.submitJoin('alice');
  await expect(other.alert).toContainText(/wrong, expired or used/);
  await expect(other.nicknameInput).toBeVisible();
});
