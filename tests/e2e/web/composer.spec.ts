// The composer in Chromium against a real `parley serve`: @mention autocomplete from the keyboard
// (a listbox the textarea drives), :shortcode: emoji as typed, the Emoji picker, and the warning
// (never a silent cut) for text over the message limit.
import { expect, test } from '../support/fixtures';

test('@mention autocomplete: arrows pick, Enter or Tab completes, Escape closes', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  const bobby = await openChat();
  await bobby.join('bobby');
  await expect(alice.person('bobby')).toBeVisible();

  const composer = alice.composer;
  await composer.pressSequentially('hi @bo');
  const listbox = alice.page.getByRole('listbox', { name: 'People to mention', exact: true });
  await expect(listbox).toBeVisible();
  const options = listbox.getByRole('option');
  await expect(options).toHaveText(['@bob', '@bobby']);
  await expect(options.nth(0)).toHaveAttribute('aria-selected', 'true');
  const firstId = await options.nth(0).getAttribute('id');
  await expect(composer).toHaveAttribute('aria-activedescendant', firstId!);
  await expect(composer).toHaveAttribute('aria-controls', (await listbox.getAttribute('id'))!);
  // The focus stays in the draft all along.
  await expect(composer).toBeFocused();

  await composer.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(options.nth(0)).toHaveAttribute('aria-selected', 'false');
  await expect(composer).toHaveAttribute(
    'aria-activedescendant',
    (await options.nth(1).getAttribute('id'))!,
  );
  await composer.press('Enter');
  await expect(composer).toHaveValue('hi @bobby ');
  await expect(listbox).toBeHidden();
  await expect(composer).not.toHaveAttribute('aria-activedescendant', /./);

  // Tab completes too; the viewer is never offered.
  await composer.pressSequentially('and @');
  await expect(options).toHaveText(['@bob', '@bobby']);
  await composer.press('Tab');
  await expect(composer).toHaveValue('hi @bobby and @bob ');
  await expect(composer).toBeFocused();

  // Escape closes the list and keeps what was typed; Enter then sends.
  await composer.pressSequentially('@b');
  await expect(listbox).toBeVisible();
  await composer.press('Escape');
  await expect(listbox).toBeHidden();
  await expect(composer).toHaveValue('hi @bobby and @bob @b');
  await composer.press('Enter');
  await expect(bobby.entry('and @bob @b').getByText('@bobby (mentions you)')).toBeVisible();
});

test(':shortcodes: become emoji as typed, and the Emoji picker inserts at the caret', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const composer = alice.composer;

  await composer.pressSequentially('shipped :tada: :nope:');
  await expect(composer).toHaveValue('shipped 🎉 :nope:');

  // The picker: a dialog with a grid, one tab stop, moved through with the arrow keys.
  await composer.fill('ab');
  await composer.press('ArrowLeft');
  const emojiButton = alice.page.getByRole('button', { name: 'Emoji', exact: true });
  await emojiButton.click();
  const picker = alice.page.getByRole('dialog', { name: 'Emoji', exact: true });
  await expect(picker).toBeVisible();
  await expect(emojiButton).toHaveAttribute('aria-expanded', 'true');
  const grid = picker.getByRole('grid', { name: 'Emoji', exact: true });
  const first = grid.getByRole('button').first();
  await expect(first).toBeFocused();
  await alice.page.keyboard.press('ArrowRight');
  await alice.page.keyboard.press('ArrowRight');
  await alice.page.keyboard.press('ArrowDown');
  const chosen = grid.getByRole('button').nth(2 + 8);
  await expect(chosen).toBeFocused();
  const emoji = (await chosen.textContent())!.trim();
  await alice.page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  // Where the caret was, and the caret after it.
  await expect(composer).toHaveValue(`a${emoji}b`);
  await expect(composer).toBeFocused();
  await composer.pressSequentially('!');
  await expect(composer).toHaveValue(`a${emoji}!b`);

  // Escape closes it and gives the focus back to the button.
  await emojiButton.click();
  await expect(first).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(picker).toBeHidden();
  await expect(emojiButton).toBeFocused();
  await expect(composer).toHaveValue(`a${emoji}!b`);

  // By pointer, too.
  await emojiButton.click();
  await grid.getByRole('button', { name: 'thumbs up', exact: true }).click();
  await expect(composer).toHaveValue(`a${emoji}!👍b`);
});

test('pasted :shortcodes: become emoji too, except in code; Undo takes the paste back', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const composer = alice.composer;
  await composer.fill('Note: ');
  await composer.press('End');

  // A paste as the browser makes it: the page may take it over (cancelable).
  const paste = (text: string) =>
    alice.page.evaluate((pasted) => {
      const data = new DataTransfer();
      data.setData('text/plain', pasted);
      const event = new ClipboardEvent('paste', {
        clipboardData: data,
        bubbles: true,
        cancelable: true,
      });
      document.activeElement!.dispatchEvent(event);
      return event.defaultPrevented;
    }, text);
  const pasted = 'we shipped :tada: (run `say :fire:`) :nope:';
  expect(await paste(pasted)).toBe(true);
  await expect(composer).toHaveValue('Note: we shipped 🎉 (run `say :fire:`) :nope:');
  // One Undo takes the whole paste back, as with the browser's own.
  await composer.press('ControlOrMeta+z');
  await expect(composer).toHaveValue('Note: ');

  // The caret is after the pasted text: typing goes on from there.
  await paste(pasted);
  await composer.pressSequentially('!');
  await expect(composer).toHaveValue('Note: we shipped 🎉 (run `say :fire:`) :nope:!');

  // Nothing to replace: the browser's own paste, untouched.
  expect(await paste('plain words')).toBe(false);
});

test('text over the limit is kept whole, with a warning saying by how much; Send waits', async ({
  openChat,
}) => {
  const alice = await openChat();
  await alice.join('alice');
  const composer = alice.composer;
  const limit = 4000;
  const pasted = 'x'.repeat(limit + 25);

  // Pasted: nothing is cut off.
  await composer.focus();
  await alice.page.evaluate((text) => {
    const area = document.activeElement as HTMLTextAreaElement;
    const data = new DataTransfer();
    data.setData('text/plain', text);
    area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    document.execCommand('insertText', false, text);
  }, pasted);
  await expect(composer).toHaveValue(pasted);
  const warning = alice.page.getByRole('alert');
  await expect(warning).toHaveText(
    '25 characters over the limit of 4,000: shorten the message to send it.',
  );
  await expect(composer).toHaveAttribute('aria-invalid', 'true');
  await expect(composer).toHaveAccessibleDescription(/25 characters over the limit/);
  await expect(alice.sendButton).toBeDisabled();
  await composer.press('Enter');
  await expect(composer).toHaveValue(pasted);

  // One over: said so; at the limit: it goes.
  await composer.press('End');
  for (let index = 0; index < 24; index++) await composer.press('Backspace');
  await expect(warning).toHaveText(
    '1 character over the limit of 4,000: shorten the message to send it.',
  );
  await composer.press('Backspace');
  await expect(warning).toBeHidden();
  await expect(alice.sendButton).toBeEnabled();
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
  await expect(alice.entry('x'.repeat(100))).toHaveCount(1);
});
