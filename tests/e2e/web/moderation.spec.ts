// Moderation in the web client against a real `parley serve`: its admin link makes an admin, who
// makes a moderator and removes someone for a chosen time, from the keyboard.
import { expect, test } from '../support/fixtures';

test('the admin link makes an admin, who makes a moderator and removes someone for an hour', async ({
  server,
  openChat,
  openChatAt,
}) => {
  // The server is ready once it prints its URL; the admin link may come a moment later.
  await expect.poll(() => server.output()).toMatch(/#admin=/);
  const token = /#admin=([A-Za-z0-9_-]+)/.exec(server.output())?.[1];
  expect(token, server.output()).toBeDefined();

  const bob = await openChat();
  await bob.join('bob');
  const carol = await openChat();
  await carol.join('carol');
  // A plain person gets no Manage buttons.
  await expect(bob.page.getByRole('button', { name: 'Manage carol' })).toHaveCount(0);

  const ann = await openChatAt(`${server.url}/#admin=${token}`);
  await ann.join('ann');
  await expect(ann.person('ann')).toContainText('Admin');
  await expect(bob.person('ann')).toContainText('Admin');
  // The token is used: it leaves the address bar.
  expect(new URL(ann.page.url()).hash).toBe('');

  // Make bob a moderator, from the keyboard.
  const manageBob = ann.peopleOnline.getByRole('button', { name: 'Manage bob', exact: true });
  await manageBob.focus();
  await ann.page.keyboard.press('Enter');
  await ann.peopleOnline.getByRole('button', { name: 'Make moderator', exact: true }).click();
  await expect(carol.person('bob')).toContainText('Moderator');
  await expect(bob.person('bob')).toContainText('Moderator');
  // Now bob may remove carol (a Manage button), but not the admin.
  await expect(bob.peopleOnline.getByRole('button', { name: 'Manage carol' })).toBeVisible();
  await expect(bob.peopleOnline.getByRole('button', { name: 'Manage ann' })).toHaveCount(0);

  // ann removes carol for an hour.
  await ann.peopleOnline.getByRole('button', { name: 'Manage carol', exact: true }).click();
  await ann.peopleOnline.getByRole('button', { name: 'Remove carol from the room' }).click();
  const dialog = ann.page.getByRole('dialog', { name: 'Remove from the room?', exact: true });
  await dialog
    .getByRole('combobox', { name: 'Keep them out for', exact: true })
    .selectOption({ label: 'An hour' });
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(dialog).toBeHidden();

  await expect(ann.person('carol')).toHaveCount(0);
  await expect(bob.person('carol')).toHaveCount(0);
  await expect(carol.page.getByText('ann removed you from the room for 60 minutes.')).toBeVisible();

  // carol (her browser's key) cannot come back within the hour.
  await carol.page.reload();
  await carol.submitJoin('carol');
  await expect(carol.alert).toContainText(
    'You were removed from this room. You can join again in 60 minutes.',
  );
});
