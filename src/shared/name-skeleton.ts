/**
 * How the server compares nicknames and room names: by a skeleton in which names that look alike
 * are the same text (Unicode TR39 confusable detection, with case ignored). The skeleton is only
 * compared, never shown: people see a name as it was typed. Server-side only in practice: the
 * confusables table is 100 KB, which the web client does without (it matches names by
 * nicknameKey, ignoring case).
 */
import unhomoglyph from 'unhomoglyph';
import { INVISIBLE } from './visible-text';

const SPACES = /\p{White_Space}+/gu;

// Mapping a character to its prototype, then changing case, can give a character that has a
// prototype of its own (0 → O → o is stable; Μ → M → m → rn takes two rounds). A few rounds
// reach the end for every character of the table.
const MAX_ROUNDS = 4;

// A skeleton takes microseconds (normalizations, several rounds), and the same few names are
// compared again and again: at every join, and for each stored message when the server starts
// (the resend keys). Remembered, up to a bound past which the memory starts over.
const remembered = new Map<string, string>();
const REMEMBERED_NAMES = 4096;

/**
 * The form a name is compared in. Two names are the same name when their skeletons are equal:
 * case is ignored, compatibility forms are their plain letters (ａ, 𝖺 → a), invisible characters
 * are dropped, runs of spaces count as one, and each character that TR39 lists as confusable
 * stands for its prototype (Cyrillic а → a, і → i → l, 0 → o, m → rn).
 *
 * Names go to upper case first, then through the table: capitals that look like Latin ones
 * (Cyrillic В, Н, Т, Greek Μ, Ν) are then caught, and every case of a name has one skeleton. The
 * price is that i and l become one letter (I looks like l), so "Ali" and "All" are the same name.
 * Accents count: "Zoë" and "Zoe" are different names.
 */
export function nameSkeleton(name: string): string {
  let skeleton = remembered.get(name);
  if (skeleton !== undefined) return skeleton;
  skeleton = computeSkeleton(name);
  if (remembered.size >= REMEMBERED_NAMES) remembered.clear();
  remembered.set(name, skeleton);
  return skeleton;
}

function computeSkeleton(name: string): string {
  let skeleton = name
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(SPACES, ' ')
    .trim()
    .toUpperCase()
    .normalize('NFD');
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = unhomoglyph(skeleton).normalize('NFD').toLowerCase().normalize('NFD');
    if (next === skeleton) break;
    skeleton = next;
  }
  return skeleton;
}
