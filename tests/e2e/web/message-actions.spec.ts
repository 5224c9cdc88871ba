// Edit, delete, reply, react and pin through the web client: two people on one `parley serve`,
// each change seen by the other at once. Actions are found by role and name, and used from the
// keyboard where a person would.
import { expect, test } from '../support/fixtures';
import { connectWriter, write } from '../support/wire';

test('edit, reply, react, pin and delete are seen by the other person at once', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  await alice.send('Original words');
  await expect(bob.message('Original words')).toBeVisible();

  // Edit from the keyboard: Tab reaches the actions; Escape cancels, Enter saves.
  const id = (await alice.message('Original words').getAttribute('data-message-id'))!;
  const own = alice.messageById(id);
  await own.getByRole('button', { name: 'Edit message' }).focus();
  await alice.page.keyboard.press('Enter');
  const editor = own.getByRole('textbox', { name: 'Edit message text' });
  await expect(editor).toBeFocused();
  await editor.press('Escape');
  await expect(editor).toHaveCount(0);
  await own.hover();
  await own.getByRole('button', { name: 'Edit message' }).click();
  await editor.fill('Edited words');
  await editor.press('Enter');
  const edited = bob.messageById(id);
  await expect(edited).toContainText('Edited words');
  await expect(bob.message('Original words')).toHaveCount(0);
  // Bob may not edit alice's message: no such action for him.
  await edited.hover();
  await expect(edited.getByRole('button', { name: 'Edit message' })).toHaveCount(0);
  await edited.getByRole('button', { name: 'Edited: show earlier versions' }).click();
  await expect(edited.getByRole('list', { name: 'Earlier versions' })).toContainText(
    'Original words',
  );

  // Reply: the quote shows above the composer, then on the reply for both.
  await edited.getByRole('button', { name: 'Reply', exact: true }).click();
  await expect(bob.page.getByRole('group', { name: 'Replying to alice' })).toContainText(
    'Edited words',
  );
  await expect(bob.composer).toBeFocused();
  await bob.send('I agree');
  await expect(bob.page.getByRole('group', { name: 'Replying to alice' })).toHaveCount(0);
  const reply = alice.message('I agree');
  await expect(
    reply.getByRole('button', { name: 'Reply to alice: Edited words. Show the original' }),
  ).toBeVisible();

  // Reactions: counted, with who; pressing one's own reaction takes it back.
  await edited.getByRole('button', { name: 'Add reaction' }).click();
  await bob.page.getByRole('button', { name: 'React with 👍' }).click();
  const aliceSide = own;
  await expect(aliceSide.getByRole('button', { name: '👍 1: bob' })).toBeVisible();
  await aliceSide.getByRole('button', { name: '👍 1: bob' }).click();
  await expect(edited.getByRole('button', { name: '👍 2: you, alice' })).toBeVisible();
  // Any emoji can be typed in.
  await edited.getByRole('button', { name: 'Add reaction' }).click();
  await bob.page.getByRole('textbox', { name: 'Other emoji' }).fill('🦜');
  await bob.page.getByRole('textbox', { name: 'Other emoji' }).press('Enter');
  await expect(aliceSide.getByRole('button', { name: '🦜 1: bob' })).toBeVisible();
  await edited.getByRole('button', { name: '👍 2: you, alice' }).click();
  await expect(aliceSide.getByRole('button', { name: '👍 1: you' })).toBeVisible();

  // Pins: the other person finds it in the room's pinned list.
  await aliceSide.hover();
  await aliceSide.getByRole('button', { name: 'Pin message' }).click();
  await expect(edited).toContainText('Pinned by alice');
  await bob.page.getByRole('button', { name: 'Pinned messages' }).click();
  await expect(bob.page.getByRole('region', { name: 'Pinned messages' })).toContainText(
    'Edited words',
  );
  await bob.page.getByRole('button', { name: 'Pinned messages' }).click();

  // Delete, after a confirmation: a "Message deleted" line, and the reply's quote goes too.
  await aliceSide.hover();
  await aliceSide.getByRole('button', { name: 'Delete message' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Delete message' });
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(edited).toContainText('Message deleted');
  await expect(edited).not.toContainText('Edited words');
  await expect(
    bob.message('I agree').getByRole('button', { name: 'Reply to a deleted message of alice' }),
  ).toBeVisible();
});

test('an open pinned list follows the pins and unpins others make', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  await alice.send('Worth keeping');
  await expect(bob.message('Worth keeping')).toBeVisible();

  // Bob opens the list before anything is pinned, and keeps it open.
  await bob.page.getByRole('button', { name: 'Pinned messages' }).click();
  const list = bob.page.getByRole('region', { name: 'Pinned messages' });
  await expect(list).toContainText('Nothing is pinned in this room.');

  const own = alice.message('Worth keeping');
  await own.hover();
  await own.getByRole('button', { name: 'Pin message' }).click();
  await expect(list.getByRole('button', { name: /Worth keeping/ })).toBeVisible();

  await own.hover();
  await own.getByRole('button', { name: 'Unpin message' }).click();
  await expect(list.getByRole('button', { name: /Worth keeping/ })).toHaveCount(0);
  await expect(list).toContainText('Nothing is pinned in this room.');
});

test('a reaction found by searching its name, from the keyboard', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  await alice.send('We launched');
  const theirs = bob.message('We launched');
  await expect(theirs).toBeVisible();

  await theirs.hover();
  await theirs.getByRole('button', { name: 'Add reaction' }).click();
  const picker = bob.page.getByRole('dialog', { name: 'Choose a reaction' });
  // The common ones first, with the focus; then every emoji, searchable.
  await expect(picker.getByRole('button', { name: 'React with 👍' })).toBeFocused();
  const search = picker.getByRole('searchbox', { name: 'Search emoji' });
  await search.fill('zzz');
  await expect(picker.getByRole('status')).toHaveText('No emoji called “zzz”.');
  await search.fill('rocket');
  const all = picker.getByRole('grid', { name: 'All emoji' });
  await expect(all.getByRole('button')).toHaveCount(1);
  await search.press('ArrowDown');
  await expect(all.getByRole('button', { name: 'rocket', exact: true })).toBeFocused();
  await bob.page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  await expect(theirs.getByRole('button', { name: 'Add reaction' })).toBeFocused();
  await expect(
    alice.message('We launched').getByRole('button', { name: '🚀 1: bob' }),
  ).toBeVisible();

  // Enter in the search field takes the first found: found by its shortcode here.
  await theirs.getByRole('button', { name: 'Add reaction' }).click();
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill(':tada:');
  await picker.getByRole('searchbox', { name: 'Search emoji' }).press('Enter');
  await expect(
    alice.message('We launched').getByRole('button', { name: '🎉 1: bob' }),
  ).toBeVisible();
});

test('a click on a quote jumps to the original, loading older history as needed', async ({
  openChatAt,
  startServer,
}) => {
  const server = await startServer({ args: ['--message-rate', '100000/1'] });
  const writer = await connectWriter(server);
  try {
    const ask = (payload: Record<string, unknown>) =>
      writer.timeout(15_000).emitWithAck('message:send', payload) as Promise<{
        ok: boolean;
        message: { id: number };
      }>;
    const original = await ask({ clientId: 'q-original', text: 'The original question' });
    expect(original.ok).toBe(true);
    // More messages after it than a join brings: the original is only in an older page.
    await write(
      writer,
      Array.from({ length: 150 }, (_, n) => `filler ${n}`),
    );
    const reply = await ask({
      clientId: 'q-reply',
      text: 'The answer',
      replyTo: original.message.id,
    });
    expect(reply.ok).toBe(true);

    const bob = await openChatAt(server.url);
    await bob.join('bob');
    await expect(bob.message('The answer')).toBeVisible();
    const originalItem = bob.messageById(String(original.message.id));
    await expect(originalItem).toHaveCount(0);
    await bob
      .message('The answer')
      .getByRole('button', { name: /^Reply to writer/ })
      .click();
    await expect(originalItem).toBeFocused();
    await expect(originalItem).toBeInViewport();
    await expect(originalItem).toContainText('The original question');
  } finally {
    writer.disconnect();
  }
});
