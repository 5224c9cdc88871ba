// Two people chat through the web client served by a real `parley serve`.
import { expect, test } from '../support/fixtures';

test('two people see each other, chat both ways and see who is typing', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  // Presence: each sees the other online, and alice sees bob arrive.
  await expect(alice.person('bob')).toBeVisible();
  await expect(bob.person('alice')).toBeVisible();
  await expect(alice.peopleOnline.getByRole('listitem')).toHaveCount(2);
  await expect(alice.entry('bob joined')).toBeVisible();

  // Enter sends.
  await alice.send('Hi bob!');
  await expect(bob.entry('Hi bob!')).toBeVisible();
  await expect(bob.entry('Hi bob!')).toContainText('alice');
  await expect(alice.entry('Hi bob!')).toBeVisible();
  await expect(alice.composer).toHaveValue('');

  // The typing line appears for the other person, and goes away when the message arrives.
  await bob.composer.pressSequentially('Hello al');
  await expect(alice.typingIndicator).toHaveText('bob is typing…');
  await bob.composer.pressSequentially('ice');
  await bob.composer.press('Enter');
  await expect(alice.entry('Hello alice')).toBeVisible();
  await expect(alice.typingIndicator).toHaveText('');

  // Shift+Enter makes a new line inside one message.
  await bob.composer.pressSequentially('first line');
  await bob.composer.press('Shift+Enter');
  await bob.composer.pressSequentially('second line');
  await expect(bob.composer).toHaveValue('first line\nsecond line');
  await bob.composer.press('Enter');
  const multiline = alice.entry('first line');
  await expect(multiline).toHaveCount(1);
  await expect(multiline).toContainText('second line');
  expect(await multiline.textContent()).toContain('first line\nsecond line');

  // The Send button works too.
  await alice.composer.fill('Sent with the button');
  await alice.sendButton.click();
  await expect(bob.entry('Sent with the button')).toBeVisible();
});

test('chat text is shown as text, never run as HTML', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  const payload = '<img src=x onerror="window.__xss=1">';
  await alice.send(payload);
  await expect(bob.entry(payload)).toBeVisible();
  await expect(alice.entry(payload)).toBeVisible();
  await expect(bob.messageLog.getByRole('img')).toHaveCount(0);

  for (const person of [alice, bob]) {
    expect(await person.page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
  }
});

test('a person who reloads the page rejoins and sees the recent history', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  await alice.send('Before the reload');
  await expect(bob.entry('Before the reload')).toBeVisible();

  await bob.page.reload();
  await expect(alice.entry('bob left')).toBeVisible();
  await expect(alice.person('bob')).toHaveCount(0);

  // The start screen remembers the nickname and points at this server.
  await expect(bob.nicknameInput).toHaveValue('bob');
  await bob.joinButton.click();
  await expect(bob.entry('Before the reload')).toBeVisible();
  await expect(bob.person('alice')).toBeVisible();
  await expect(alice.person('bob')).toBeVisible();
  // Back within moments: neither the leave nor the second join is news (quiet-presence.spec.ts).
  await expect(alice.entry('bob left')).toHaveCount(0);
  await expect(alice.entry('bob joined')).toHaveCount(1);

  await bob.send('Back again');
  await expect(alice.entry('Back again')).toBeVisible();
});

test('Leave goes back to the start screen and others see the person leave', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  await bob.disconnectButton.click();
  await expect(bob.joinButton).toBeVisible();
  await expect(bob.composer).toHaveCount(0);
  await expect(alice.entry('bob left')).toBeVisible();
  await expect(alice.peopleOnline.getByRole('listitem')).toHaveCount(1);
});
