import { describe, expect, it } from 'vitest';
import {
  EMOJI,
  emojiFor,
  replaceShortcodeAt,
  replaceShortcodesIn,
  searchEmoji,
} from './emoji-shortcodes';

/** `pasted` put into `draft` at `at`, its shortcodes replaced. */
function paste(draft: string, at: number, pasted: string) {
  const text = draft.slice(0, at) + pasted + draft.slice(at);
  return replaceShortcodesIn(text, at, at + pasted.length);
}

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

  it('leaves unknown names, half-typed ones, times, links and code alone', () => {
    expect(replaceShortcodeAt('a :nope:', 8)).toBeNull();
    expect(replaceShortcodeAt('a :tada', 7)).toBeNull();
    expect(replaceShortcodeAt('at 10:tada:', 11)).toBeNull();
    expect(replaceShortcodeAt('`:tada:', 7)).toBeNull();
    expect(replaceShortcodeAt('https://example.com/:tada:', 26)).toBeNull();
    expect(replaceShortcodeAt('`x` :tada:', 10)?.text).toBe('`x` 🎉');
  });

  it('has one emoji per entry and no name twice', () => {
    const names = EMOJI.flatMap((entry) => entry.names);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(EMOJI.map((entry) => entry.emoji)).size).toBe(EMOJI.length);
    for (const entry of EMOJI) expect(entry.label).not.toBe('');
  });

  it('replaces the shortcodes of pasted text as if typed, and says where the piece ends', () => {
    expect(paste('', 0, 'we shipped :tada: :+1::fire:')).toEqual({
      text: 'we shipped 🎉 👍🔥',
      end: 'we shipped 🎉 👍🔥'.length,
    });
    // Pasted into the middle of a draft: only the pasted piece changes, and the caret goes
    // after it.
    expect(paste(':tada: and  too', 11, ':rocket:')).toEqual({
      text: ':tada: and 🚀 too',
      end: 11 + '🚀'.length,
    });
  });

  it('leaves pasted unknown names, times, links and code as they were', () => {
    for (const pasted of [
      'a :nope: b',
      'at 10:tada:20',
      'see https://example.com/:tada:/page',
      'run `echo :tada:` now',
      '```\nconst face = ":tada:";\n```',
      ':nope:tada:',
    ]) {
      expect(paste('', 0, pasted).text).toBe(pasted);
    }
    expect(paste('', 0, '`x` :tada: `:fire:` :fire:').text).toBe('`x` 🎉 `:fire:` 🔥');
    // Pasted inside a code span the draft opened: code too.
    expect(paste('say `', 5, ':tada:').text).toBe('say `:tada:');
    // Unchanged text keeps its length, so the caret goes after the pasted piece.
    expect(paste('ab', 1, ' :nope: ')).toEqual({ text: 'a :nope: b', end: 9 });
  });

  it('reads code as the rendered Markdown does: longer fences, tildes, double backticks', () => {
    const typed = (before: string) => replaceShortcodeAt(`${before}:tada:`, before.length + 6);
    // Still in code: a four-backtick block that a three-backtick line does not close, a tilde
    // block, a span of two backticks with one inside, a fence's info string.
    for (const before of ['````\n```\n', '~~~\nx ', '``a ` ', 'see\n```js ']) {
      expect(typed(before), before).toBeNull();
    }
    // Out of code again: the block closed by a fence as long or longer, a span closed by as many
    // backticks, a span left open in an earlier paragraph, a line of code spans, not a fence.
    for (const before of [
      '````\nx\n`````\n',
      '~~~\nx\n~~~\n',
      '``a ` b`` ',
      '`open\n\n',
      '```a``` ',
    ]) {
      expect(typed(before)?.text, before).toBe(`${before}🎉`);
    }
    expect(paste('', 0, '````\n```\n:tada:\n````\n:fire:').text).toBe(
      '````\n```\n:tada:\n````\n🔥',
    );
  });

  it('finds emoji by shortcode or spoken name, best matches first', () => {
    expect(searchEmoji('')).toBe(EMOJI);
    expect(searchEmoji('  ')).toBe(EMOJI);
    expect(searchEmoji('tada').map((entry) => entry.emoji)).toEqual(['🎉']);
    expect(searchEmoji(':tada:').map((entry) => entry.emoji)).toEqual(['🎉']);
    expect(searchEmoji('party popper').map((entry) => entry.emoji)).toEqual(['🎉']);
    // "thumbs up" is its spoken name; "thumbsup" one of its shortcodes.
    expect(searchEmoji('THUMBS')[0]?.emoji).toMatch(/👍|👎/);
    expect(searchEmoji('thumbs up').map((entry) => entry.emoji)).toEqual(['👍']);
    expect(searchEmoji('sweat smile').map((entry) => entry.emoji)).toEqual(['😅']);
    // A whole name ranks before names it starts or is found in.
    expect(searchEmoji('heart')[0]?.emoji).toBe('❤️');
    expect(searchEmoji('heart').map((entry) => entry.emoji)).toContain('💔');
    expect(searchEmoji('zzzz-no-such-emoji')).toEqual([]);
  });
});
