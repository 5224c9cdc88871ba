/**
 * Saying the right thing (issue 15, point 5): the empty direct conversation's text, one name for
 * the lobby, "Leave room" and "Disconnect" told apart and asking before a draft is lost, unread
 * rooms in bold and in their names, "Retry all" for messages refused for coming too fast, and
 * why notifications cannot be turned on in a page over plain http.
 */
import { chromium } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom, write } from '../support/wire';

test('an empty direct conversation says who will see a first message', async ({
  openChat,
  server,
}) => {
  const bob = await connectWriter(server, 'bob');
  try {
    const alice = await openChat();
    await alice.join('alice');
    await alice.person('bob').getByRole('button', { name: 'Message bob', exact: true }).click();
    await expect(alice.roomHeading('bob')).toBeVisible();
    await expect(alice.messageLog).toContainText(
      'Say hello — only you and bob see this conversation.',
    );
    await expect(alice.messageLog).not.toContainText('everyone in the room');

    // A room's still does.
    await alice.roomButton('Lobby').click();
    await expect(await alice.createRoom('Design')).toBeHidden();
    await expect(alice.messageLog).toContainText('Say hello — everyone in the room will see it.');
  } finally {
    bob.disconnect();
  }
});

test('the lobby has one name: the room list, the heading, the message box and the drop hint', async ({
  startServer,
  openChatAt,
}) => {
  const server = await startServer({ name: 'Lab' });
  const alice = await openChatAt(server.url);
  await alice.join('alice');
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
  await expect(alice.roomHeading('Lobby')).toBeVisible();
  await expect(alice.roomHeading('Lab')).toHaveCount(0);
  // The server is named under the heading.
  await expect(alice.page.getByRole('banner')).toContainText('Lab');
  await expect(alice.composer).toHaveAttribute('placeholder', 'Message Lobby');

  const conversation = alice.page.getByRole('main');
  const files = await alice.page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['x'], 'x.txt', { type: 'text/plain' }));
    return transfer;
  });
  await conversation.dispatchEvent('dragover', { dataTransfer: files });
  await expect(alice.page.getByRole('status').filter({ hasText: 'Drop to send to' })).toHaveText(
    'Drop to send to Lobby',
  );
  await conversation.dispatchEvent('dragleave', { dataTransfer: files });
});

test('"Leave room" asks first when a draft would be lost, and only then', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  await expect(await alice.createRoom('Design')).toBeHidden();
  const leave = alice.roomNav.getByRole('button', { name: 'Leave room Design', exact: true });
  const dialog = alice.page.getByRole('dialog', { name: 'Leave room', exact: true });

  await alice.composer.fill('Half a thought');
  await leave.click();
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Your unsent message in Design will be lost.');
  // Cancel: still in the room, the draft still there.
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await expect(alice.composer).toHaveValue('Half a thought');

  // A draft kept while another room is on screen counts too.
  await alice.roomButton('Lobby').click();
  await leave.click();
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Leave room', exact: true }).click();
  await expect(alice.roomButton('Join Design')).toBeVisible();

  // Nothing written: it leaves at once.
  await alice.roomButton('Join Design').click();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await alice.roomNav.getByRole('button', { name: 'Leave room Design', exact: true }).click();
  await expect(alice.roomButton('Join Design')).toBeVisible();
  await expect(dialog).toHaveCount(0);
});

test('"Disconnect" is named apart from "Leave room" and asks first when a draft would be lost', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  // No button is just "Leave": the server's is Disconnect, a room's is Leave room <name>.
  await expect(alice.page.getByRole('button', { name: 'Leave', exact: true })).toHaveCount(0);
  await alice.composer.fill('Not sent yet');
  await alice.disconnectButton.click();
  const dialog = alice.page.getByRole('dialog', { name: 'Disconnect', exact: true });
  await expect(dialog).toContainText('Your unsent message will be lost.');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(alice.composer).toHaveValue('Not sent yet');

  await alice.disconnectButton.click();
  await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
  await expect(alice.nicknameInput).toBeVisible();

  // Nothing written: Disconnect goes at once.
  await alice.join('alice');
  await alice.disconnectButton.click();
  await expect(alice.nicknameInput).toBeVisible();
});

test('an unread room is bold, and its name says how many are unread', async ({
  openChat,
  server,
}) => {
  const bob = await connectWriter(server, 'bob');
  try {
    const design = await createRoom(bob, 'Design');
    const alice = await openChat();
    await alice.join('alice');
    await alice.roomButton('Join Design').click();
    await expect(alice.roomHeading('Design')).toBeVisible();
    await alice.roomButton('Lobby').click();
    const button = alice.roomButton('Design');
    await expect(button).toHaveAccessibleName('Design, 2 people here');
    await expect(button).toHaveCSS('font-weight', '400');

    await write(bob, ['One', 'Two', 'Three'], design);
    await expect(button).toHaveAccessibleName('Design, 3 unread');
    await expect(button).toHaveAccessibleDescription('2 people here');
    await expect(button).toHaveCSS('font-weight', '700');

    // Read: not bold any more.
    await button.click();
    await expect(alice.entry('Three')).toBeVisible();
    await alice.roomButton('Lobby').click();
    await expect(button).toHaveAccessibleName('Design, 2 people here');
    await expect(button).toHaveCSS('font-weight', '400');
  } finally {
    bob.disconnect();
  }
});

test('"Retry all" sends again, in order, the messages refused for coming too fast', async ({
  openChatAt,
  startServer,
}) => {
  // One message an hour: the second and third are over the limit, however slow this machine is.
  const limited = await startServer({ args: ['--message-rate', '1/3600'] });
  const port = Number(new URL(limited.url).port);
  const alice = await openChatAt(limited.url);
  await alice.join('alice');
  await alice.send('first');
  await expect(alice.entry('first')).toContainText('Sent');
  await alice.send('second');
  await alice.send('third');
  await expect(alice.entry('third')).toContainText('Not sent');
  await expect(alice.entry('second')).toContainText('Not sent');
  const retryAll = alice.page.getByRole('button', { name: 'Retry all', exact: true });
  await expect(alice.page.getByText('2 messages were not sent: they came too fast.')).toBeVisible();
  await expect(retryAll).toBeVisible();

  // The server restarts with room for both (its limits fresh): one click sends them, in order.
  await limited.stop({ keepData: true });
  await expect(alice.connectionBanner).toBeVisible();
  await startServer({ port, args: ['--message-rate', '2/3600'], dataDir: limited.dataDir });
  await expect(alice.connectionBanner).toHaveCount(0);
  await retryAll.click();
  await expect(alice.entry('second')).toContainText('Sent');
  await expect(alice.entry('third')).toContainText('Sent');
  await expect(retryAll).toHaveCount(0);
  const texts = await alice.messageLog.locator('li[data-message-id]').allTextContents();
  const order = ['first', 'second', 'third'].map((text) =>
    texts.findIndex((entry) => entry.includes(text)),
  );
  expect(order).toEqual([...order].sort((a, b) => a - b));
});

test('over plain http, the notification setting says why it is unavailable', async ({
  startServer,
}, testInfo) => {
  // A name other than this machine's: Chromium treats http://127.0.0.1 as secure, not this.
  const host = 'parley-lan.test';
  const server = await startServer({ args: ['--allowed-host', host] });
  const launchOptions = testInfo.project.use.launchOptions ?? {};
  const browser = await chromium.launch({
    ...launchOptions,
    args: [...(launchOptions.args ?? []), `--host-resolver-rules=MAP ${host} 127.0.0.1`],
  });
  try {
    const alice = new ChatPage(await browser.newPage());
    await alice.goto(server.url.replace('127.0.0.1', host));
    expect(await alice.page.evaluate(() => isSecureContext)).toBe(false);
    await alice.join('alice');
    // Nothing offers what cannot work.
    const turnOn = alice.page.getByRole('button', { name: 'Turn on notifications' });
    await expect(turnOn).toHaveCount(0);
    await alice.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = alice.page.getByRole('dialog', { name: 'Settings', exact: true });
    await expect(settings).toContainText(
      "browsers allow them only over a secure connection (https, or on the server's own machine)",
    );
    await expect(turnOn).toHaveCount(0);
  } finally {
    await browser.close();
  }
});
