// Searching messages in the web client: the header's "Search messages" opens the panel, a search
// lists what matches (room, author, time, the matched words marked), and choosing a result opens
// its conversation at that message — a room one had not joined, at a message older than the
// pages the join loaded — brought into view, marked and focused.
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom, write } from '../support/wire';

/** A writer sends as fast as acks come back: lift the message rate limit. */
const FAST = ['--message-rate', '100000/1'];
/** After the message searched for: more than the join's page (100) and the next one. */
const LATER = 230;

test('a search result opens its conversation at that message, loading older history', async ({
  openChatAt,
  startServer,
}) => {
  test.slow();
  const server = await startServer({ args: FAST });
  const writer = await connectWriter(server, 'writer');
  try {
    const design = await createRoom(writer, 'Design');
    await write(writer, ['We settled on the Zebrafish café layout for the landing page'], design);
    await write(
      writer,
      Array.from({ length: LATER }, (_, index) => `Later message ${index + 1}`),
      design,
    );
    await write(writer, ['Lobby chatter about lunch']);

    const reader = await openChatAt(server.url);
    await reader.join('reader');
    const { page } = reader;

    await page.getByRole('button', { name: 'Search messages', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Search messages', exact: true });
    const words = panel.getByRole('searchbox', { name: 'Search messages', exact: true });
    await expect(words).toBeFocused();

    // An author who wrote nothing of the kind: nothing found.
    await words.fill('zebra');
    await panel.getByLabel('Author', { exact: true }).fill('nobody');
    await words.press('Enter');
    await expect(panel.getByText('No messages found')).toBeVisible();

    // Prefix and accents folded: "zebra cafe" finds "Zebrafish café".
    await panel.getByLabel('Author', { exact: true }).fill('writer');
    await words.fill('zebra cafe');
    await words.press('Enter');
    const results = panel.getByRole('list', { name: 'Search results', exact: true });
    const found = results.getByRole('button');
    await expect(found).toHaveCount(1);
    await expect(found).toContainText('Design');
    await expect(found).toContainText('writer');
    await expect(found.locator('time')).toHaveCount(1);
    await expect(found.locator('mark')).toHaveText(['Zebrafish', 'café']);

    // By keyboard: into the results, Enter on the one found.
    await found.focus();
    await page.keyboard.press('Enter');
    await expect(panel).toBeHidden();
    await expect(reader.roomHeading('Design')).toBeVisible();
    const target = reader.entry('Zebrafish café layout');
    await expect(target).toBeInViewport();
    await expect(target).toBeFocused();
    await expect(target).toHaveClass(/highlighted/);
    // It is the oldest message of the room: the pages before the join's were loaded to reach it.
    await expect(
      reader.messageLog.getByText('This is the start of the conversation'),
    ).toBeVisible();
  } finally {
    writer.disconnect();
  }
});
