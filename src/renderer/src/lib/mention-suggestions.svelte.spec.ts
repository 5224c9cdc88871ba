import { describe, expect, it } from 'vitest';
import {
  completeMention,
  matchNicknames,
  mentionQueryAt,
  MentionSuggestions,
} from './mention-suggestions.svelte';

const people = ['alice', 'Bob', 'bobby', 'Mary Jane', 'Zoë', 'carol'];

describe('mentionQueryAt', () => {
  it('finds the "@name" typed before the caret, at the start or after a space', () => {
    expect(mentionQueryAt('@bo', 3)).toEqual({ start: 0, query: 'bo' });
    expect(mentionQueryAt('hi @', 4)).toEqual({ start: 3, query: '' });
    expect(mentionQueryAt('hi (@zo', 7)).toEqual({ start: 4, query: 'zo' });
    expect(mentionQueryAt('hi @bo and more', 6)).toEqual({ start: 3, query: 'bo' });
  });

  it('ignores email addresses, finished words and a caret elsewhere', () => {
    expect(mentionQueryAt('mail@bo', 7)).toBeNull();
    expect(mentionQueryAt('@bob ', 5)).toBeNull();
    expect(mentionQueryAt('@bob hi', 7)).toBeNull();
    expect(mentionQueryAt('no mention', 10)).toBeNull();
  });
});

describe('matchNicknames', () => {
  it('offers prefixes first, then names containing it, ignoring case and the viewer', () => {
    expect(matchNicknames('bo', people, 'alice')).toEqual(['Bob', 'bobby']);
    expect(matchNicknames('BOB', people, 'Bob')).toEqual(['bobby']);
    expect(matchNicknames('a', people, null)).toEqual(['alice', 'carol', 'Mary Jane']);
    expect(matchNicknames('zoë', people, null)).toEqual(['Zoë']);
    expect(matchNicknames('', people, 'carol')).toEqual([
      'alice',
      'Bob',
      'bobby',
      'Mary Jane',
      'Zoë',
    ]);
    expect(matchNicknames('q', people, null)).toEqual([]);
    expect(matchNicknames('', people, null, 2)).toHaveLength(2);
  });
});

describe('completeMention', () => {
  it('puts the whole nickname and one space in place of what was typed', () => {
    expect(completeMention('hi @ma', { start: 3, query: 'ma' }, 'Mary Jane')).toEqual({
      text: 'hi @Mary Jane ',
      caret: 14,
    });
    expect(completeMention('@b rest', { start: 0, query: 'b' }, 'Bob')).toEqual({
      text: '@Bob rest',
      caret: 5,
    });
  });
});

describe('MentionSuggestions', () => {
  it('opens on "@", moves with the arrows (wrapping), chooses, and closes', () => {
    const list = new MentionSuggestions();
    list.update('hey @b', 6, people, 'alice');
    expect(list.open).toBe(true);
    expect(list.options).toEqual(['Bob', 'bobby']);
    expect(list.active).toBe(0);
    list.move(1);
    expect(list.active).toBe(1);
    list.move(1);
    expect(list.active).toBe(0);
    list.move(-1);
    expect(list.active).toBe(1);
    expect(list.choose('hey @b')).toEqual({ text: 'hey @bobby ', caret: 11 });
    expect(list.open).toBe(false);
  });

  it('stays closed after Escape until another "@" is typed', () => {
    const list = new MentionSuggestions();
    list.update('@a', 2, people, null);
    expect(list.open).toBe(true);
    list.dismiss();
    list.update('@al', 3, people, null);
    expect(list.open).toBe(false);
    list.update('@al @', 5, people, null);
    expect(list.open).toBe(true);
  });

  it('keeps the active person while the list narrows, and closes with no match', () => {
    const list = new MentionSuggestions();
    list.update('@', 1, people, null);
    list.move(2);
    expect(list.options[list.active]).toBe('bobby');
    list.update('@b', 2, people, null);
    expect(list.options[list.active]).toBe('bobby');
    list.update('@bq', 3, people, null);
    expect(list.open).toBe(false);
    expect(list.choose('@bq')).toBeNull();
  });
});
