import { describe, expect, it } from 'vitest';
import { initialsOf, hueOf } from './avatar';
import { describeTyping, formatRelativeTime } from './format';

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

describe('formatRelativeTime', () => {
  const now = Date.UTC(2026, 0, 10, 12);
  it('says how long ago, in the largest whole unit', () => {
    expect(formatRelativeTime(now - 20_000, now)).toBe('just now');
    expect(formatRelativeTime(now + 5_000, now)).toBe('just now');
    expect(formatRelativeTime(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(formatRelativeTime(now - 2 * 3_600_000, now)).toBe('2 hours ago');
    expect(formatRelativeTime(now - 26 * 3_600_000, now)).toBe('yesterday');
    expect(formatRelativeTime(now - 15 * 24 * 3_600_000, now)).toBe('2 weeks ago');
  });
});
