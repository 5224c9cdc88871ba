import { describe, expect, it } from 'vitest';
import { avatarColors } from './avatar';
import { AA_TEXT_CONTRAST, contrastRatio } from './contrast';

describe('avatarColors', () => {
  const hues = Array.from({ length: 360 }, (_, hue) => hue);

  it.each(['light', 'dark'] as const)(
    'gives initials at least 4.5:1 on every hue (%s scheme)',
    (scheme) => {
      const poor = hues.filter((hue) => {
        const { background, text } = avatarColors(hue, scheme);
        return contrastRatio(background, text) < AA_TEXT_CONTRAST;
      });
      expect(poor).toEqual([]);
    },
  );

  it('writes black on the light hues (lime, yellow) and white on the deep ones (blue)', () => {
    expect(avatarColors(81, 'light').text).toEqual([0, 0, 0]);
    expect(avatarColors(60, 'light').text).toEqual([0, 0, 0]);
    expect(avatarColors(240, 'light').text).toEqual([255, 255, 255]);
    expect(avatarColors(240, 'dark').text).toEqual([255, 255, 255]);
  });
});
