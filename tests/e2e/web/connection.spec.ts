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
  await expect(alice.connectionBanner).toHaveCount(0, { timeout: 15_000 });
  await expect(alice.entry('Anyone there?')).toContainText('Sent');
  await expect(alice.entry('Anyone there?')).toHaveCount(1);
  await expect(bob.entry('Anyone there?')).toHaveCount(1, { timeout: 15_000 });
});

test('a message the server refuses is marked not sent, with the reason, Retry and Delete', async ({
  openChat,
  startServer,
}) => {
  const limited = await startServer({ args: ['--message-rate', '1/3'] });
  const alice = await openChat();
  await alice.goto(limited.url);
  await alice.join('alice');
  const bob = await openChat();
  await bob.goto(limited.url);
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

  // Once the limit allows it again (1 per 3 s), Retry sends it with its original id.
  await expect(async () => {
    const retry = second.getByRole('button', { name: 'Retry' });
    if (await retry.isVisible()) await retry.click();
    await expect(second).toContainText('Sent', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(bob.entry('second')).toHaveCount(1);
  await expect(bob.entry('third')).toHaveCount(0);
});
