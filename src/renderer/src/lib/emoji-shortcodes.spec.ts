import { describe, expect, it } from 'vitest';
import { EMOJI, emojiFor, replaceShortcodeAt } from './emoji-shortcodes';

describe('emoji shortcodes', () => {
  it('knows the common names, ignoring case', () => {
    expect(emojiFor('tada')).toBe('🎉');
    expect(emojiFor('+1')).toBe('👍');
    expect(emojiFor('THUMBSUP')).toBe('👍');
    expect(emojiFor('no_such_emoji')).toBeUndefined();
  });

  it('replaces a shortcode just typed and puts the caret after the emoji', () => {
    expect(replaceShortcodeAt('we shipped :tada:', 17)).toEqual({
      text: 'we shipped 🎉',
      caret: 11 + '🎉'.length,
    });
    // Typed in the middle of the draft: the rest stays.
    expect(replaceShortcodeAt(':fire: rest', 6)).toEqual({ text: '🔥 rest', caret: 2 });
  });

  it('leaves unknown names, half-typed ones, times and code alone', () => {
    expect(replaceShortcodeAt('a :nope:', 8)).toBeNull();
    expect(replaceShortcodeAt('a :tada', 7)).toBeNull();
    expect(replaceShortcodeAt('at 10:tada:', 11)).toBeNull();
    expect(replaceShortcodeAt('`:tada:', 7)).toBeNull();
    expect(replaceShortcodeAt('`x` :tada:', 10)?.text).toBe('`x` 🎉');
  });

  it('has one emoji per entry and no name twice', () => {
    const names = EMOJI.flatMap((entry) => entry.names);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(EMOJI.map((entry) => entry.emoji)).size).toBe(EMOJI.length);
    for (const entry of EMOJI) expect(entry.label).not.toBe('');
  });
});
