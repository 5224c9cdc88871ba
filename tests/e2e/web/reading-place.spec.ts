// Never losing one's place in a conversation, in Chromium against a real `parley serve`: the pill
// and Jump to latest while scrolled back, the New messages divider on coming back to a room, day
// dividers and full dates, long messages collapsed with Show more, and images opened full size.
import type { Locator } from '@playwright/test';
import type { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, settle, write } from '../support/wire';

/** A writer sends as fast as acks come back: lift the message rate limit. */
const FAST = ['--message-rate', '100000/1'];

function jumpButton(chat: ChatPage): Locator {
  return chat.page.getByRole('button', { name: 'Jump to latest', exact: true });
}

test('scrolled back, a pill counts the new messages and Jump to latest goes down to them', async ({
  startServer,
  openChatAt,
}) => {
  const server = await startServer({ args: FAST });
  const writer = await connectWriter(server);
  try {
    await write(
      writer,
      Array.from({ length: 60 }, (_, index) => `Backlog ${index + 1}`),
    );
    const reader = await openChatAt(server.url);
    await reader.join('reader');
    await expect(reader.entry('Backlog 60')).toBeInViewport();
    // At the bottom there is nothing to jump to.
    await expect(jumpButton(reader)).toHaveCount(0);

    for (let page = 0; page < 3; page++) {
      await reader.messageLog.press('PageUp');
      await settle(reader.page);
    }
    await expect(jumpButton(reader)).toBeVisible();
    await write(writer, ['Arrived 1', 'Arrived 2']);
    await expect(reader.page.getByRole('status').filter({ hasText: 'new messages' })).toHaveText(
      '2 new messages',
    );
    await expect(reader.entry('Arrived 2')).not.toBeInViewport();

    await jumpButton(reader).click();
    await expect(reader.entry('Arrived 2')).toBeInViewport();
    await expect(jumpButton(reader)).toHaveCount(0);
    // The focus went to the conversation, not to nowhere; it follows the latest again.
    await expect(reader.messageLog).toBeFocused();
    await write(writer, ['Arrived 3']);
    await expect(reader.entry('Arrived 3')).toBeInViewport();
  } finally {
    writer.disconnect();
  }
});

test('coming back to a room shows New messages where one left off, once', async ({
  startServer,
  openChatAt,
}) => {
  const server = await startServer({ args: FAST });
  const writer = await connectWriter(server);
  try {
    const reader = await openChatAt(server.url);
    await reader.join('reader');
    await write(writer, ['Seen before leaving']);
    await expect(reader.entry('Seen before leaving')).toBeVisible();
    const divider = reader.messageLog.getByRole('separator', { name: 'New messages' });
    await expect(divider).toHaveCount(0);

    await expect(await reader.createRoom('Elsewhere')).toBeHidden();
    await expect(reader.roomButton('Elsewhere')).toHaveAttribute('aria-current', 'true');
    await write(writer, ['Written while away 1', 'Written while away 2']);
    await expect(reader.roomButton('Lobby')).toHaveAccessibleName(/2 unread/);

    await reader.roomButton('Lobby').click();
    await expect(divider).toBeVisible();
    // Right before the first message written while away (the separator sits in a list item).
    const next = await divider.evaluate(
      (element) => element.parentElement?.nextElementSibling?.textContent ?? '',
    );
    expect(next).toContain('Written while away 1');
    const previous = await divider.evaluate(
      (element) => element.parentElement?.previousElementSibling?.textContent ?? '',
    );
    expect(previous).toContain('Seen before leaving');

    // Read now: away and back with nothing new, no divider.
    await reader.roomButton('Elsewhere').click();
    await reader.roomButton('Lobby').click();
    await expect(reader.entry('Written while away 2')).toBeVisible();
    await expect(divider).toHaveCount(0);
  } finally {
    writer.disconnect();
  }
});

test('day dividers say Today, Yesterday or the date; every time has its full date', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  await alice.send('Written today');
  const today = alice.messageLog.getByRole('separator', { name: 'Today', exact: true });
  await expect(today).toBeVisible();
  const sentAt = await alice.entry('Written today').locator('time').getAttribute('datetime');
  const year = String(new Date(sentAt!).getFullYear());
  const time = alice.entry('Written today').getByText(/\d\d:\d\d/);
  await expect(time).toHaveAttribute('aria-label', new RegExp(year));
  await expect(time).toHaveAttribute('title', new RegExp(year));

  // The same message seen by someone whose day is later: Yesterday, then the full date.
  const later = await openChat({ fakeClock: true });
  await later.page.clock.setFixedTime(Date.parse(sentAt!) + 24 * 3_600_000);
  await later.join('later');
  await expect(
    later.messageLog.getByRole('separator', { name: 'Yesterday', exact: true }),
  ).toBeVisible();
  const much = await openChat({ fakeClock: true });
  await much.page.clock.setFixedTime(Date.parse(sentAt!) + 3 * 24 * 3_600_000);
  await much.join('much later');
  const dated = much.messageLog.getByRole('separator', { name: new RegExp(year) });
  await expect(dated).toBeVisible();
  await expect(dated).not.toHaveAccessibleName(/Today|Yesterday/);
});

test('a long message is collapsed with Show more, and Show less folds it again', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  const lines = Array.from({ length: 40 }, (_, index) => `Line ${index + 1} of the report`);
  await alice.send(lines.join('\n'));
  await alice.send('Short one');

  const report = bob.entry('Line 1 of the report');
  const more = report.getByRole('button', { name: 'Show more', exact: true });
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  // The text is cut off at the bottom (the rest is there, clipped).
  const text = bob.page.locator(`[id="${await more.getAttribute('aria-controls')}"]`);
  const clipped = () => text.evaluate((element) => element.scrollHeight > element.clientHeight);
  expect(await clipped()).toBe(true);
  const collapsed = (await report.boundingBox())!.height;
  // A short message has no such button.
  await expect(bob.entry('Short one').getByRole('button', { name: 'Show more' })).toHaveCount(0);

  await more.click();
  const less = report.getByRole('button', { name: 'Show less', exact: true });
  await expect(less).toHaveAttribute('aria-expanded', 'true');
  await expect
    .poll(async () => (await report.boundingBox())!.height)
    .toBeGreaterThan(collapsed * 2);
  // The whole text shows, as sent.
  await expect(report).toContainText('Line 40 of the report');
  expect(await clipped()).toBe(false);

  await less.press('Enter');
  await expect(report.getByRole('button', { name: 'Show more' })).toHaveAttribute(
    'aria-expanded',
    'false',
  );
  await expect.poll(async () => (await report.boundingBox())!.height).toBeLessThan(collapsed + 2);
});

test('an image opens at full size in a viewer named after it; Escape gives the focus back', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  const png = await alice.page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1280;
    canvas.height = 800;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#2e86de';
    context.fillRect(0, 0, 1280, 800);
    return canvas.toDataURL('image/png').split(',')[1]!;
  });
  await alice.page.getByLabel('Attach file', { exact: true }).setInputFiles({
    name: 'screenshot.png',
    mimeType: 'image/png',
    buffer: Buffer.from(png, 'base64'),
  });

  const thumbnail = bob.messageLog.getByRole('button', { name: 'screenshot.png', exact: true });
  await expect(thumbnail).toBeVisible();
  expect((await thumbnail.boundingBox())!.width).toBeLessThan(400);

  await thumbnail.focus();
  await bob.page.keyboard.press('Enter');
  const viewer = bob.page.getByRole('dialog', { name: 'screenshot.png', exact: true });
  await expect(viewer).toBeVisible();
  const full = viewer.getByRole('img', { name: 'screenshot.png', exact: true });
  await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1280);
  expect(await full.evaluate((img: HTMLImageElement) => img.clientWidth)).toBe(1280);

  await bob.page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(thumbnail).toBeFocused();

  // Close does the same.
  await thumbnail.click();
  await viewer.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(viewer).toBeHidden();
  await expect(thumbnail).toBeFocused();
});
