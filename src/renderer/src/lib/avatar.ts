/**
 * Avatar helpers: initials and a stable color derived from a nickname, so everyone sees the same
 * person in the same color on every screen, with initials in whichever of white or black reads
 * better on that color (white on lime or yellow would not: issue 15).
 */
import { contrastRatio, hslToRgb, type Rgb } from './contrast';

/** Up to two letters: the first of the first two words, or the first two characters. */
export function initialsOf(nickname: string): string {
  const words = nickname
    .trim()
    .split(/[\s._-]+/u)
    .filter(Boolean);
  const first = Array.from(words[0] ?? '?');
  const second = words.length > 1 ? Array.from(words[1] ?? '') : first.slice(1);
  return `${first[0] ?? '?'}${second[0] ?? ''}`.toLocaleUpperCase();
}

/** A hue from 0 to 359 from a string hash (FNV-1a), case-insensitive like nicknames are. */
export function hueOf(nickname: string): number {
  let hash = 0x811c9dc5;
  for (const char of nickname.toLocaleLowerCase()) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 360;
}

/** An avatar's background and the color of its initials. */
export interface AvatarColors {
  background: Rgb;
  text: Rgb;
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
/** Saturation and lightness of the background in each color scheme (dark: a little deeper). */
const TONES = { light: [58, 46], dark: [50, 40] } as const;

/** The colors of an avatar of hue `hue` in the light or the dark color scheme. */
export function avatarColors(hue: number, scheme: 'light' | 'dark'): AvatarColors {
  const [saturation, lightness] = TONES[scheme];
  const background = hslToRgb(hue, saturation, lightness);
  // Against white or black, one of the two always reaches 4.58:1 (√21) at least.
  const text = contrastRatio(background, WHITE) >= contrastRatio(background, BLACK) ? WHITE : BLACK;
  return { background, text };
}
