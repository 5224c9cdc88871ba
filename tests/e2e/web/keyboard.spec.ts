// Keyboard first, in the web client against a real `parley serve`: the whole join → send → switch
// room → reply flow with the keyboard alone (page.keyboard, no clicks); the focus in the message
// box after switching, creating or opening a conversation; the quick switcher (Ctrl+K); Alt+↑/↓
// and Alt+Shift+↑/↓ between conversations; Escape closing only what is on top; and the shortcuts
// sheet (?), which lists every shortcut of the one table the handlers use. Other people speak the
// wire protocol (support/wire.ts): fewer browsers on a busy machine.
import type { Locator, Page } from '@playwright/test';
import type { Socket } from 'socket.io-client';
import { SHORTCUTS, shownKeys } from '../../../src/renderer/src/lib/shortcuts';
import type { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom, write } from '../support/wire';

/** Presses `key` until `target` has the focus; fails after `max` presses. */
async function pressUntilFocused(page: Page, target: Locator, key: string, max = 40) {
  for (let pressed = 0; pressed <= max; pressed++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${key} ${max} times did not reach ${target.toString()}`);
}

function switcherOf(chat: ChatPage) {
  const dialog = chat.page.getByRole('dialog', { name: 'Quick switcher', exact: true });
  return {
    dialog,
    field: dialog.getByRole('combobox', { name: 'Go to a room, person or server', exact: true }),
    list: dialog.getByRole('listbox', { name: 'Places to go', exact: true }),
    option: (name: string) => dialog.getByRole('option', { name: new RegExp(`^${name},`) }),
  };
}

/** The people the tests talk to, over the wire; disconnected when the test ends. */
const writers: Socket[] = [];
test.afterEach(() => {
  for (const writer of writers.splice(0)) writer.disconnect();
});

test('join, send, switch room and reply with the keyboard alone', async ({ openChat, server }) => {
  test.slow();
  const bob = await connectWriter(server, 'bob');
  writers.push(bob);
  const design = await createRoom(bob, 'Design');
  await write(bob, ['Design kickoff at three?'], design);

  const alice = await openChat();
  const { page } = alice;
  // Join: Tab to Nickname, type, Enter.
  await pressUntilFocused(page, alice.nicknameInput, 'Tab');
  await page.keyboard.type('alice');
  await page.keyboard.press('Enter');
  await expect(alice.composer).toBeFocused();

  // Send in the lobby.
  await page.keyboard.type('Hello everyone');
  await page.keyboard.press('Enter');
  await expect(alice.message('Hello everyone')).toBeVisible();
  await expect(alice.message('Hello everyone')).not.toContainText('Sending');

  // Switch: the quick switcher finds Design (not joined yet), Enter joins it.
  await page.keyboard.press('Control+K');
  const switcher = switcherOf(alice);
  await expect(switcher.field).toBeFocused();
  await page.keyboard.type('des');
  await expect(switcher.option('Design')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(switcher.dialog).toBeHidden();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await expect(alice.composer).toBeFocused();
  await expect(alice.message('Design kickoff at three?')).toBeVisible();

  // Reply: back from the message box to bob's message's Reply, Enter, write, Enter.
  const reply = alice
    .message('Design kickoff at three?')
    .getByRole('button', { name: 'Reply', exact: true });
  await pressUntilFocused(page, reply, 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('group', { name: 'Replying to bob' })).toBeVisible();
  await expect(alice.composer).toBeFocused();
  await page.keyboard.type('Three works for me');
  await page.keyboard.press('Enter');
  const answer = alice.message('Three works for me');
  await expect(
    answer.getByRole('button', {
      name: 'Reply to bob: Design kickoff at three?. Show the original',
    }),
  ).toBeVisible();

  // And back to the lobby with Alt+↑, writing at once.
  await page.keyboard.press('Alt+ArrowUp');
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
  await expect(alice.composer).toBeFocused();
  await page.keyboard.type('Back in the lobby');
  await page.keyboard.press('Enter');
  await expect(alice.message('Back in the lobby')).toBeVisible();
});

test('the focus lands in the message box after switching, creating or opening a conversation', async ({
  openChat,
  server,
}) => {
  test.slow();
  const erin = await connectWriter(server, 'erin');
  writers.push(erin);
  await createRoom(erin, 'Random');
  const alice = await openChat();
  await alice.join('alice');
  const { page } = alice;

  // Creating a room: after Create, not on the + button.
  const dialog = await alice.createRoom('Design');
  await expect(dialog).toBeHidden();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await expect(alice.composer).toBeFocused();

  // Switching by clicking a room: not left on the room's button.
  await alice.roomButton('Lobby').click();
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
  await expect(alice.composer).toBeFocused();

  // Joining a room from the list, with the keyboard on its button.
  await alice.roomButton('Join Random').focus();
  await page.keyboard.press('Enter');
  await expect(alice.roomHeading('Random')).toBeVisible();
  await expect(alice.composer).toBeFocused();

  // Switching back with Enter on a room's button.
  await alice.roomButton('Design').focus();
  await page.keyboard.press('Enter');
  await expect(alice.roomHeading('Design')).toBeVisible();
  await expect(alice.composer).toBeFocused();

  // "Message erin": the direct conversation opens with the focus ready to write.
  await alice.roomButton('Lobby').click();
  await alice.person('erin').getByRole('button', { name: 'Message erin', exact: true }).click();
  await expect(alice.roomHeading('erin')).toBeVisible();
  await expect(alice.composer).toBeFocused();
  await expect(alice.composer).toHaveAttribute('placeholder', 'Message erin');
});

test('the quick switcher finds rooms and people by typing, and Escape leaves it', async ({
  openChat,
  server,
}) => {
  test.slow();
  const erin = await connectWriter(server, 'erin');
  writers.push(erin);
  await createRoom(erin, 'Design');
  await createRoom(erin, 'Desk booking');
  await createRoom(erin, 'Random');
  const alice = await openChat();
  await alice.join('alice');
  const { page } = alice;
  const switcher = switcherOf(alice);

  await page.keyboard.press('Control+K');
  await expect(switcher.dialog).toBeVisible();
  await expect(switcher.field).toBeFocused();
  await expect(switcher.field).toHaveAttribute('aria-expanded', 'true');
  await expect(switcher.field).toHaveAttribute(
    'aria-controls',
    (await switcher.list.getAttribute('id'))!,
  );
  // Everything but where alice is (the lobby) and alice herself: three rooms and erin.
  await expect(switcher.list.getByRole('option')).toHaveCount(4);
  await expect(switcher.option('erin')).toHaveAccessibleName(/^erin, Person online/);
  await expect(switcher.option('Design')).toHaveAccessibleName(/^Design, Join room, 1 person/);

  // Typing narrows; the arrows move the active option (the focus stays in the field).
  await page.keyboard.type('de');
  await expect(switcher.list.getByRole('option')).toHaveCount(2);
  const design = switcher.option('Design');
  const desk = switcher.option('Desk booking');
  await expect(design).toHaveAttribute('aria-selected', 'true');
  await expect(switcher.field).toHaveAttribute(
    'aria-activedescendant',
    (await design.getAttribute('id'))!,
  );
  await page.keyboard.press('ArrowDown');
  await expect(desk).toHaveAttribute('aria-selected', 'true');
  await expect(design).toHaveAttribute('aria-selected', 'false');
  await expect(switcher.field).toHaveAttribute(
    'aria-activedescendant',
    (await desk.getAttribute('id'))!,
  );
  await expect(switcher.field).toBeFocused();
  // Round from the last to the first.
  await page.keyboard.press('ArrowDown');
  await expect(design).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.type('zz');
  await expect(switcher.list.getByRole('option')).toHaveCount(0);
  await expect(switcher.dialog.getByText('Nothing matches')).toBeVisible();
  // Enter with nothing to choose does nothing.
  await page.keyboard.press('Enter');
  await expect(switcher.dialog).toBeVisible();

  // Escape closes it and changes nothing: the lobby, the focus back in the message box.
  await page.keyboard.press('Escape');
  await expect(switcher.dialog).toBeHidden();
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
  await expect(alice.composer).toBeFocused();

  // A person: the direct conversation with them opens.
  await page.keyboard.press('Control+K');
  await page.keyboard.type('erin');
  await page.keyboard.press('Enter');
  await expect(alice.roomHeading('erin')).toBeVisible();
  await expect(alice.composer).toBeFocused();
  await page.keyboard.type('Hi erin');
  await page.keyboard.press('Enter');
  await expect(alice.message('Hi erin')).toBeVisible();
  // Where alice is now (erin's conversation) is not offered; the lobby is.
  await page.keyboard.press('Control+K');
  await expect(switcher.option('Lobby')).toBeVisible();
  await expect(switcher.option('erin')).toHaveCount(0);
  await page.keyboard.type('lob');
  await page.keyboard.press('Enter');
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
  await expect(alice.composer).toBeFocused();
  // From there erin is found as the conversation, not as someone to start one with.
  await page.keyboard.press('Control+K');
  await page.keyboard.type('eri');
  await expect(switcher.option('erin')).toHaveAccessibleName('erin, Direct conversation');
  await expect(switcher.option('erin')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(alice.roomHeading('erin')).toBeVisible();
  await expect(alice.message('Hi erin')).toBeVisible();
});

test('Alt+↑/↓ go through the conversations in the list order, Alt+Shift+↑/↓ through the unread', async ({
  openChat,
  server,
}) => {
  test.slow();
  const bob = await connectWriter(server, 'bob');
  writers.push(bob);
  const design = await createRoom(bob, 'Design');
  const random = await createRoom(bob, 'Random');
  const alice = await openChat();
  await alice.join('alice');
  const { page } = alice;
  await alice.roomButton('Join Random').click();
  await expect(alice.roomHeading('Random')).toBeVisible();
  await alice.roomButton('Join Design').click();
  await expect(alice.roomHeading('Design')).toBeVisible();
  await alice.roomButton('Lobby').click();
  await alice.person('bob').getByRole('button', { name: 'Message bob', exact: true }).click();
  await expect(alice.roomHeading('bob')).toBeVisible();
  const current = (name: string) =>
    expect(alice.roomButton(name)).toHaveAttribute('aria-current', 'true');

  // The list's order: Lobby, Design, Random (by name), then bob's conversation; round again.
  await page.keyboard.press('Alt+ArrowDown');
  await current('Lobby');
  await page.keyboard.press('Alt+ArrowDown');
  await current('Design');
  await page.keyboard.press('Alt+ArrowDown');
  await current('Random');
  await expect(alice.composer).toBeFocused();
  await page.keyboard.press('Alt+ArrowUp');
  await current('Design');
  await page.keyboard.press('Alt+ArrowUp');
  await page.keyboard.press('Alt+ArrowUp');
  await current('bob');

  // Unread in Random and the lobby: Alt+Shift+↓ from bob's goes round to the lobby, then skips
  // Design (nothing new) for Random.
  await write(bob, ['Lunch?']);
  await write(bob, ['Random thought'], random);
  await expect(alice.roomButton('Random')).toHaveAccessibleName(/1 unread/);
  await expect(alice.roomButton('Lobby')).toHaveAccessibleName(/1 unread/);
  await page.keyboard.press('Alt+Shift+ArrowDown');
  await current('Lobby');
  await expect(alice.message('Lunch?')).toBeVisible();
  await page.keyboard.press('Alt+Shift+ArrowDown');
  await current('Random');
  await expect(alice.message('Random thought')).toBeVisible();
  // Everything is read now: nowhere to go, the room stays.
  await expect(alice.roomButton('Lobby')).not.toHaveAccessibleName(/unread/);
  await page.keyboard.press('Alt+Shift+ArrowUp');
  await current('Random');
  // Something new in Design: Alt+Shift+↑ finds it.
  await write(bob, ['Design review'], design);
  await expect(alice.roomButton('Design')).toHaveAccessibleName(/1 unread/);
  await page.keyboard.press('Alt+Shift+ArrowUp');
  await current('Design');
  await expect(alice.composer).toBeFocused();
});

test('Escape closes the thing on top, and only that', async ({ openChat, server }) => {
  const bob = await connectWriter(server, 'bob');
  writers.push(bob);
  await write(bob, ['Anyone for coffee?']);
  const alice = await openChat();
  await alice.join('alice');
  const { page } = alice;

  // A reply under way, the quick switcher over it: Escape closes the switcher, not the reply.
  const message = alice.message('Anyone for coffee?');
  await message.hover();
  await message.getByRole('button', { name: 'Reply', exact: true }).click();
  const replying = page.getByRole('group', { name: 'Replying to bob' });
  await expect(replying).toBeVisible();
  await expect(alice.composer).toBeFocused();
  await page.keyboard.press('Control+K');
  const switcher = switcherOf(alice);
  await expect(switcher.field).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(switcher.dialog).toBeHidden();
  await expect(replying).toBeVisible();
  await expect(alice.composer).toBeFocused();

  // The emoji picker over the reply: the picker goes, the reply stays.
  await page.getByRole('button', { name: 'Emoji', exact: true }).click();
  const picker = page.getByRole('dialog', { name: 'Emoji', exact: true });
  await expect(picker).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(picker).toBeHidden();
  await expect(replying).toBeVisible();

  // The reply is the message box's: Escape there cancels it, and the draft stays.
  await alice.composer.focus();
  await page.keyboard.type('Yes please');
  await page.keyboard.press('Escape');
  await expect(replying).toBeHidden();
  await expect(alice.composer).toHaveValue('Yes please');

  // Under a dialog the chat screen's shortcuts do nothing: Ctrl+Shift+F opens no search over
  // the switcher, and one Escape leaves nothing open.
  await page.keyboard.press('Control+K');
  await expect(switcher.field).toBeFocused();
  await page.keyboard.press('Control+Shift+F');
  await page.keyboard.press('Escape');
  await expect(switcher.dialog).toBeHidden();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(alice.composer).toBeFocused();

  // Search messages (the same table) still opens from the chat screen.
  await page.keyboard.press('Control+Shift+F');
  const search = page.getByRole('dialog', { name: 'Search messages', exact: true });
  await expect(search).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(search).toBeHidden();
});

test('? and the Keyboard shortcuts button show every shortcut; ? is typed in the message box', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const { page } = alice;
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts', exact: true });

  // In the message box, "?" is a character like any other.
  await page.keyboard.type('Why?');
  await expect(alice.composer).toHaveValue('Why?');
  await expect(sheet).toBeHidden();

  // Elsewhere (the messages), it opens the sheet.
  await pressUntilFocused(page, alice.messageLog, 'Shift+Tab');
  await page.keyboard.press('?');
  await expect(sheet).toBeVisible();
  for (const shortcut of SHORTCUTS) {
    await expect(sheet.getByText(shortcut.description, { exact: true })).toBeVisible();
  }
  // Each with its keys, as the table says them (not on a Mac: Ctrl).
  await expect(sheet.getByRole('term')).toHaveText(
    SHORTCUTS.map((shortcut) =>
      shortcut.keys.map((binding) => shownKeys(binding, false).join('+')).join(' or '),
    ),
  );
  await expect(sheet.getByRole('term').first()).toHaveText('Ctrl+K');
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();
  await expect(alice.messageLog).toBeFocused();

  // The visible button opens it too, and announces its shortcut.
  const button = page.getByRole('button', { name: 'Keyboard shortcuts', exact: true });
  await expect(button).toHaveAttribute('aria-keyshortcuts', 'Shift+?');
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(sheet).toBeVisible();
  await sheet.getByRole('button', { name: 'Close', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(sheet).toBeHidden();
  await expect(button).toBeFocused();
});
