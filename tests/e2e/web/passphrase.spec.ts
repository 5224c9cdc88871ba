// A room with a passphrase, as people joining from a browser meet it.
import { expect, test } from '../support/fixtures';

test('the room asks for its passphrase, refuses a wrong one, and lets the right one in', async ({
  openChatAt,
  startServer,
}) => {
  const locked = await startServer({ args: ['--passphrase', 'open sesame'] });
  const alice = await openChatAt(locked.url);
  await alice.submitJoin('alice');

  const dialog = alice.page.getByRole('dialog', { name: 'This room needs a passphrase' });
  await expect(dialog).toBeVisible();
  const field = dialog.getByLabel('Passphrase', { exact: true });
  await expect(field).toBeFocused();
  await field.fill('open says me');
  await field.press('Enter');
  await expect(dialog.getByRole('alert')).toHaveText('That passphrase is not right.');
  await expect(field).toHaveAttribute('aria-invalid', 'true');

  await field.fill('open sesame');
  await dialog.getByRole('button', { name: 'Join' }).click();
  await expect(dialog).toBeHidden();
  await expect(alice.person('alice')).toBeVisible();

  await alice.send('inside');
  await expect(alice.entry('inside')).toContainText('Sent');
});

test('Cancel closes the passphrase dialog and stays on the start screen', async ({
  openChatAt,
  startServer,
}) => {
  const locked = await startServer({ args: ['--passphrase', 'open sesame'] });
  const bob = await openChatAt(locked.url);
  await bob.submitJoin('bob');
  const dialog = bob.page.getByRole('dialog', { name: 'This room needs a passphrase' });
  await expect(dialog).toBeVisible();
  await bob.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(bob.nicknameInput).toBeVisible();
});
