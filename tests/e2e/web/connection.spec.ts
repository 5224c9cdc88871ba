// What people see when the server goes away under them.
import { expect, test } from '../support/fixtures';

test('a banner shows when the server stops, and unsent text stays', async ({
  openChat,
  server,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  await expect(alice.connectionBanner).toHaveCount(0);

  await server.stop();

  await expect(alice.connectionBanner).toBeVisible();
  await expect(alice.connectionBanner).toContainText('Reconnecting…');

  // Sending while the connection is down fails visibly and keeps the draft.
  await alice.send('Anyone there?');
  await expect(alice.alert).toContainText('Not connected');
  await expect(alice.composer).toHaveValue('Anyone there?');
});
