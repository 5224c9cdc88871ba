/**
 * Avatar helpers: initials and a stable color derived from a nickname, so everyone sees the same
 * person in the same color on every screen.
 */

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
