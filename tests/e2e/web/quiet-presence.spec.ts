// Quieter presence (issue 15): a crowd arriving takes one line, and a reload leaves no trace.
import type { Socket } from 'socket.io-client';
import { expect, test } from '../support/fixtures';
import { connectWriter } from '../support/wire';

test('twelve people joining in a row take one line', async ({ openChat, server }) => {
  const alice = await openChat();
  await alice.join('alice');
  const crowd: Socket[] = [];
  for (let index = 1; index <= 12; index += 1) {
    crowd.push(await connectWriter(server, `guest${String(index).padStart(2, '0')}`));
  }
  await expect(alice.peopleOnline.getByRole('listitem')).toHaveCount(13);
  const joined = alice.entry('joined');
  await expect(joined).toHaveCount(1);
  await expect(joined).toHaveText('guest01, guest02 and 10 others joined');

  // What is said next starts a line of its own. The leave waits for the message to be stored:
  // a leave the server handles first belongs above the message, in the crowd's line.
  await alice.send('Welcome, all');
  await expect(alice.entry('Welcome, all')).toContainText('Sent');
  crowd[0]!.disconnect();
  await expect(alice.peopleOnline.getByRole('listitem')).toHaveCount(12);
  await expect(alice.entry('left')).toHaveText('guest01 left');
  for (const socket of crowd) socket.disconnect();
});

test('a reload shows no "left" and "joined" pair', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  await expect(alice.entry('bob joined')).toHaveCount(1);
  await alice.send('Before the reload');

  await bob.page.reload();
  await expect(alice.person('bob')).toHaveCount(0);
  // Said at once (bob may not come back), and taken back when he does soon after.
  await expect(alice.entry('bob left')).toBeVisible();
  await bob.joinButton.click();
  await expect(alice.person('bob')).toBeVisible();
  // The people list and the notices change with the same event: nothing is still on its way.
  await expect(alice.entry('bob left')).toHaveCount(0);
  await expect(alice.entry('bob joined')).toHaveCount(1);
  await expect(alice.entry('bob joined')).toHaveText('bob joined');
});
