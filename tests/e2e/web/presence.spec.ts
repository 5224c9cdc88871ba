// Presence people can read: busy with a status line, away by itself, and a people list that says
// it is out of date while this browser is not connected.
import { expect, test } from '../support/fixtures';

test('someone sets busy with a status line from the keyboard; another browser sees it', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  await expect(alice.person('bob')).toContainText('Online');

  const open = bob.page.getByRole('button', { name: /^Set your status/ });
  await open.focus();
  await bob.page.keyboard.press('Enter');
  const dialog = bob.page.getByRole('dialog', { name: 'Set your status' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('radio', { name: 'Busy' }).check();
  await dialog.getByLabel('Status line').fill('In a meeting until 3');
  await dialog.getByLabel('Status line').press('Enter');
  await expect(dialog).toBeHidden();

  await expect(alice.person('bob')).toContainText('Busy');
  await expect(alice.person('bob')).toContainText('In a meeting until 3');
  await expect(bob.person('bob')).toContainText('Busy');

  // A status line the server would refuse is explained, and nothing changes.
  await open.click();
  await dialog.getByLabel('Status line').fill('a\u202Eb');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(
    'Status line cannot contain control or invisible formatting characters.',
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(alice.person('bob')).toContainText('In a meeting until 3');
});

test('someone idle shows as away, and online again when they are back', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const carol = await openChat();
  // The shortest away time the settings allow, so that the test waits seconds, not minutes.
  await carol.page.evaluate(() =>
    localStorage.setItem(
      'parley.settings',
      JSON.stringify({
        version: 1,
        nickname: '',
        notifications: { enabled: true, mentionsOnly: false, mutedRooms: [] },
        awayAfterSeconds: 5,
      }),
    ),
  );
  await carol.page.reload();
  await carol.join('carol');

  // Nothing happens in carol's page: she goes away by herself.
  await expect(alice.person('carol')).toContainText('Away');
  await carol.composer.press('a');
  await expect(alice.person('carol')).toContainText('Online');
});

test('the people list is greyed out with the time it was current while disconnected', async ({
  openChat,
  server,
  startServer,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  const port = Number(new URL(server.url).port);
  await expect(alice.peopleOnline).not.toHaveAccessibleDescription(/as of/);

  await server.stop();
  await expect(alice.connectionBanner).toContainText('Reconnecting…');
  await expect(alice.peopleOnline).toHaveAccessibleDescription(
    /^Not connected: as of \d{1,2}:\d{2}/,
  );
  await expect(alice.page.getByText(/^Not connected: as of/)).toBeVisible();
  await expect(alice.peopleOnline).toHaveCSS('opacity', '0.55');
  // Still listed (as they were), not dropped.
  await expect(alice.person('bob')).toBeVisible();

  await startServer({ port });
  await expect(alice.connectionBanner).toHaveCount(0);
  await expect(alice.page.getByText(/^Not connected: as of/)).toHaveCount(0);
  await expect(alice.peopleOnline).toHaveCSS('opacity', '1');
});
