// What people see when the server goes away under them.
import { expect, test } from '../support/fixtures';

test('a message written while the server is down waits, then is sent once it is back', async ({
  openChat,
  server,
  startServer,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  await expect(alice.connectionBanner).toHaveCount(0);
  const port = Number(new URL(server.url).port);

  await server.stop();

  await expect(alice.connectionBanner).toBeVisible();
  await expect(alice.connectionBanner).toContainText('Reconnecting…');

  // The message leaves the box at once and waits in the conversation, marked as not sent yet.
  await alice.send('Anyone there?');
  await expect(alice.composer).toHaveValue('');
  const waiting = alice.entry('Anyone there?');
  await expect(waiting).toContainText('Waiting for the connection to send…');

  await startServer({ port });
  await expect(alice.connectionBanner).toHaveCount(0);
  await expect(alice.entry('Anyone there?')).toContainText('Sent');
  await expect(alice.entry('Anyone there?')).toHaveCount(1);
  await expect(bob.entry('Anyone there?')).toHaveCount(1);
});

test('a message the server refuses is marked not sent, with the reason, Retry and Delete', async ({
  openChatAt,
  startServer,
}) => {
  // Two servers started and two pages opened: more than the default time on a busy machine.
  // One message an hour: the second is over the limit by count, however slow this machine is.
  const rate = ['--message-rate', '1/3600'];
  const limited = await startServer({ args: rate });
  const port = Number(new URL(limited.url).port);
  const alice = await openChatAt(limited.url);
  await alice.join('alice');
  const bob = await openChatAt(limited.url);
  await bob.join('bob');

  await alice.send('first');
  await expect(alice.entry('first')).toContainText('Sent');
  await alice.send('second');
  await alice.send('third');
  const second = alice.entry('second');
  await expect(second).toContainText('Not sent: You are sending too fast');
  await expect(alice.entry('third')).toContainText('Not sent');

  await alice.entry('third').getByRole('button', { name: 'Delete' }).click();
  await expect(alice.entry('third')).toHaveCount(0);

  // A refused message stays refused across a reconnection: only Retry sends it. The server
  // restarts (same port and data, its limits fresh), both reconnect, and Retry sends it with its
  // original id: once, and not the deleted one.
  await limited.stop({ keepData: true });
  await expect(alice.connectionBanner).toBeVisible();
  await startServer({ port, args: rate, dataDir: limited.dataDir });
  await expect(alice.connectionBanner).toHaveCount(0);
  await expect(bob.connectionBanner).toHaveCount(0);
  await expect(second).toContainText('Not sent');
  await second.getByRole('button', { name: 'Retry' }).click();
  await expect(second).toContainText('Sent');
  await expect(bob.entry('second')).toHaveCount(1);
  await expect(bob.entry('third')).toHaveCount(0);
});
