import { describe, expect, it } from 'vitest';
import { isLongText, LONG_CHARS, LONG_LINES } from './long-text';

describe('isLongText', () => {
  it('is true over the line or the character limit, not at it', () => {
    expect(isLongText('short')).toBe(false);
    expect(isLongText('x'.repeat(LONG_CHARS))).toBe(false);
    expect(isLongText('x'.repeat(LONG_CHARS + 1))).toBe(true);
    const lines = (count: number) =>
      Array.from({ length: count }, (_, i) => `line ${i}`).join('\n');
    expect(isLongText(lines(LONG_LINES))).toBe(false);
    expect(isLongText(lines(LONG_LINES + 1))).toBe(true);
  });
});
