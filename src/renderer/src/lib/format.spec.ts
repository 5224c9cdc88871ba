import { describe, expect, it } from 'vitest';
import { initialsOf, hueOf } from './avatar';
import { describeTyping } from './format';

describe('describeTyping', () => {
  it('names one, two or three people, then says several', () => {
    expect(describeTyping([])).toBe('');
    expect(describeTyping(['bob'])).toBe('bob is typing…');
    expect(describeTyping(['bob', 'carol'])).toBe('bob and carol are typing…');
    expect(describeTyping(['bob', 'carol', 'dave'])).toBe('bob, carol and dave are typing…');
    expect(describeTyping(['a', 'b', 'c', 'd'])).toBe('Several people are typing…');
  });
});

describe('avatars', () => {
  it('takes initials from words, or the first two characters', () => {
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('bob')).toBe('BO');
    expect(initialsOf('mary-jane')).toBe('MJ');
    expect(initialsOf('😀x')).toBe('😀X');
  });

  it('derives the same hue for the same nickname, ignoring case', () => {
    expect(hueOf('Bob')).toBe(hueOf('bob'));
    expect(hueOf('bob')).toBeGreaterThanOrEqual(0);
    expect(hueOf('bob')).toBeLessThan(360);
  });
});
