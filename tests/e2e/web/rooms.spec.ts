// Rooms and direct messages in the web client, against a real `parley serve`: creating rooms (bad
// and taken names explained), joining and leaving several, member and unread counts, each room
// keeping its draft and scroll position, and direct conversations that only the two people in
// them receive (a third browser proves it), including one whose other person is away.
import type { Browser } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import type { ParleyServerProcess } from '../support/parley-server';
import { connectWriter, settle, write } from '../support/wire';

/** The first message whose top is inside the log's visible area: its text and where it is. */
function topVisible(chat: ChatPage): Promise<{ text: string; y: number }> {
  return chat.messageLog.evaluate((log) => {
    const top = log.getBoundingClientRect().top;
    for (const item of log.querySelectorAll('li')) {
      const box = item.getBoundingClientRect();
      // Within a pixel: an entry whose top sat on the edge may be a fraction above it after a
      // position is restored (layout positions are fractional).
      if (box.top >= top - 1) return { text: item.textContent ?? '', y: box.top };
    }
    throw new Error('no message is visible');
  });
}

/** Opens the web client in a browser context of its own, keeping every frame it receives. */
async function openRecorded(
  browser: Browser,
  server: ParleyServerProcess,
): Promise<{ chat: ChatPage; received: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const received: string[] = [];
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => received.push(String(payload)));
  });
  const chat = new ChatPage(page);
  await chat.goto(server.url);
  return { chat, received };
}

test('rooms are created (bad and taken names explained), joined and left, with member and unread counts', async ({
  openChat,
}) => {
  // A long flow of two or three browsers on a 2-core machine: three times the usual time.
  test.slow();
  const alice = await openChat();
  await alice.join('alice');
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');

  // Names the server would refuse are explained in the dialog, which stays open.
  const dialog = await alice.createRoom('   ');
  const nameField = dialog.getByLabel('Room name', { exact: true });
  await expect(dialog.getByRole('alert')).toHaveText('Room name cannot be empty.');
  await expect(nameField).toHaveAttribute('aria-invalid', 'true');
  await nameField.fill('x'.repeat(49));
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Room name can be at most 48 characters.');
  await nameField.fill('LOBBY');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('A room named "LOBBY" exists already.');

  // A good name: the room is created, joined and shown.
  await nameField.fill('Design');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await expect(alice.roomButton('Design')).toHaveAttribute('aria-current', 'true');
  await alice.send('Welcome to Design');
  await expect(alice.entry('Welcome to Design')).toBeVisible();

  // Taken ignoring case, created by someone else.
  await expect(await alice.createRoom('design')).toContainText(
    'A room named "design" exists already.',
  );
  await alice.page.keyboard.press('Escape');

  await expect(await alice.createRoom('Random')).toBeHidden();
  await expect(alice.roomHeading('Random')).toBeVisible();

  // Bob sees both rooms, joins one; the member count follows for both of them.
  const bob = await openChat();
  await bob.join('bob');
  await expect(bob.roomButton('Join Random')).toBeVisible();
  await expect(bob.roomButton('Join Design')).toHaveAccessibleName('Join Design, 1 person here');
  await bob.roomButton('Join Design').click();
  await expect(bob.roomHeading('Design')).toBeVisible();
  await expect(bob.entry('Welcome to Design')).toBeVisible();
  await expect(bob.person('alice')).toBeVisible();
  await expect(alice.roomButton('Design')).toHaveAccessibleName('Design, 2 people here');
  await expect(bob.roomButton('Design')).toHaveAccessibleName('Design, 2 people here');

  // Alice, looking at Random, is in three rooms at once: Design's new message is unread there.
  await bob.send('Hello from bob in Design');
  await expect(alice.roomButton('Design')).toHaveAccessibleName('Design, 1 unread');
  await expect(alice.roomButton('Design')).toHaveAccessibleDescription('2 people here');
  await expect(alice.entry('Hello from bob in Design')).toHaveCount(0);
  await alice.roomButton('Design').click();
  await expect(alice.entry('Hello from bob in Design')).toBeVisible();
  await expect(alice.roomButton('Design')).toHaveAccessibleName('Design, 2 people here');
  // Bob's lobby message reaches alice's lobby, not Design.
  await bob.roomButton('Lobby').click();
  await bob.send('Lobby news');
  await expect(alice.roomButton('Lobby')).toHaveAccessibleName('Lobby, 1 unread');
  await expect(alice.entry('Lobby news')).toHaveCount(0);

  // Leaving a room: it is no longer joined, its messages no longer arrive, the lobby shows.
  await bob.roomNav.getByRole('button', { name: 'Leave room Design', exact: true }).click();
  await expect(bob.roomButton('Join Design')).toBeVisible();
  await expect(alice.roomButton('Design')).toHaveAccessibleName('Design, 1 person here');
  await alice.send('After bob left');
  await expect(alice.entry('After bob left')).toBeVisible();
  await expect(bob.roomButton('Join Design')).toHaveAccessibleName('Join Design, 1 person here');
  // The lobby cannot be left.
  await expect(bob.roomNav.getByRole('button', { name: 'Leave room Lobby' })).toHaveCount(0);

  // Joining again shows the room's history, the message sent while away included.
  await bob.roomButton('Join Design').click();
  await expect(bob.entry('After bob left')).toBeVisible();

  // Coming back (a reload) joins the rooms one was in again; not the ones one left.
  await bob.page.reload();
  await expect(bob.nicknameInput).toHaveValue('bob');
  await bob.joinButton.click();
  await expect(bob.roomButton('Design')).toBeVisible();
  await expect(bob.roomButton('Join Random')).toBeVisible();
  await bob.roomButton('Design').click();
  await expect(bob.entry('After bob left')).toBeVisible();
});

test('switching rooms keeps each room its draft and its scroll position', async ({
  browser,
  startServer,
}) => {
  // A long flow of two or three browsers on a 2-core machine: three times the usual time.
  test.slow();
  const server = await startServer({ args: ['--message-rate', '100000/1'] });
  const writer = await connectWriter(server);
  try {
    await write(
      writer,
      Array.from({ length: 80 }, (_, index) => `Lobby line ${index + 1} of the morning`),
    );
    const { chat: alice, received } = await openRecorded(browser, server);
    await alice.join('alice');
    await expect(alice.entry('Lobby line 80 of')).toBeInViewport();

    // Read back a little in the lobby, and leave a draft there.
    await alice.messageLog.press('PageUp');
    await settle(alice.page);
    await alice.messageLog.press('PageUp');
    await settle(alice.page);
    const before = await topVisible(alice);
    expect(before.text).not.toContain('Lobby line 80 of');
    await alice.composer.fill('Half a thought for the lobby');

    await alice.createRoom('Quiet');
    await expect(alice.roomHeading('Quiet')).toBeVisible();
    await expect(alice.composer).toHaveValue('');
    await alice.composer.fill('A draft for Quiet');

    await alice.roomButton('Lobby').click();
    await expect(alice.composer).toHaveValue('Half a thought for the lobby');
    await settle(alice.page);
    // The same message at the top of the view, where it was.
    const after = await topVisible(alice);
    expect(after.text).toBe(before.text);
    expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(1);
    // Still reading back: a new lobby message does not move the view.
    await write(writer, ['Fresh lobby line']);
    await expect
      .poll(() => received.some((frame) => frame.includes('Fresh lobby line')))
      .toBe(true);
    await settle(alice.page);
    const still = await topVisible(alice);
    expect(still.text).toBe(after.text);
    expect(Math.abs(still.y - after.y)).toBeLessThanOrEqual(1);
    await alice.messageLog.press('End');
    await expect(alice.entry('Fresh lobby line')).toBeInViewport();

    await alice.roomButton('Quiet').click();
    await expect(alice.composer).toHaveValue('A draft for Quiet');
    await alice.composer.press('Enter');
    await expect(alice.entry('A draft for Quiet')).toBeVisible();
    await expect(alice.composer).toHaveValue('');
    await alice.roomButton('Lobby').click();
    await expect(alice.composer).toHaveValue('Half a thought for the lobby');
  } finally {
    writer.disconnect();
  }
});

test('a direct message reaches only the two people in it; one to someone away waits for them', async ({
  browser,
  server,
}) => {
  // A long flow of two or three browsers on a 2-core machine: three times the usual time.
  test.slow();
  const { chat: alice } = await openRecorded(browser, server);
  await alice.join('alice');
  const { chat: bob } = await openRecorded(browser, server);
  await bob.join('bob');
  const { chat: carol, received: carolReceived } = await openRecorded(browser, server);
  await carol.join('carol');

  await expect(alice.person('bob')).toBeVisible();
  await alice.person('bob').getByRole('button', { name: 'Message bob', exact: true }).click();
  await expect(alice.roomHeading('bob')).toBeVisible();
  await alice.send('Psst, the secret word is marmalade');
  await expect(alice.entry('the secret word is marmalade')).toBeVisible();

  // Bob has the conversation at once, unread, under alice's name.
  const bobDirects = bob.roomNav.getByRole('list', { name: 'Direct messages', exact: true });
  await expect(bobDirects.getByRole('button', { name: /^alice\b/ })).toHaveAccessibleName(
    'alice, 1 unread, 1 for you',
  );
  await bobDirects.getByRole('button', { name: /^alice\b/ }).click();
  await expect(bob.entry('the secret word is marmalade')).toBeVisible();
  await bob.send('Marmalade, understood');
  await expect(alice.entry('Marmalade, understood')).toBeVisible();

  // Carol: no conversation, nothing on screen, and not one frame carrying either text.
  await carol.send('carol was here all along');
  await expect(alice.page.getByText('carol was here all along')).toHaveCount(0);
  await alice.roomButton('Lobby').click();
  await expect(alice.entry('carol was here all along')).toBeVisible();
  await expect(
    carol.roomNav.getByRole('list', { name: 'Direct messages', exact: true }),
  ).toHaveCount(0);
  await expect(carol.page.getByText('marmalade', { exact: false })).toHaveCount(0);
  expect(carolReceived.some((frame) => /marmalade/i.test(frame))).toBe(false);
  expect(carolReceived.length).toBeGreaterThan(0);

  // Bob leaves the server: alice's conversation with him says he is away; what she writes waits.
  await bob.disconnectButton.click();
  await expect(bob.nicknameInput).toBeVisible();
  await alice.roomNav.getByRole('button', { name: 'bob', exact: true }).click();
  await expect(alice.page.getByRole('status').filter({ hasText: 'bob is away' })).toBeVisible();
  await expect(
    alice.roomNav.getByRole('button', { name: 'bob', exact: true }),
  ).toHaveAccessibleDescription('away');
  await alice.send('Are you still there?');
  await expect(alice.entry('Are you still there?')).toContainText('Sent');

  // Bob joins again from the same browser (the same device key): the conversation is listed, with
  // what alice wrote while he was away.
  await bob.join('bob');
  await expect(bobDirects.getByRole('button', { name: /^alice\b/ })).toBeVisible();
  await bobDirects.getByRole('button', { name: /^alice\b/ }).click();
  await expect(bob.entry('Are you still there?')).toBeVisible();
});
