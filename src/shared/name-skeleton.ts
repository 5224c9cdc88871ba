/**
 * How nicknames and room names are compared: by a skeleton in which names that look alike are the
 * same text (Unicode TR39 confusable detection, with case ignored), and which names show nothing.
 * The skeleton is only compared, never shown: people see a name as it was typed.
 */
import unhomoglyph from 'unhomoglyph';

// Characters that draw nothing. Default_Ignorable_Code_Point holds the Hangul fillers (U+115F,
// U+1160, U+3164, U+FFA0), U+034F COMBINING GRAPHEME JOINER, zero-width characters, variation
// selectors, bidi controls and the soft hyphen. U+2800 BRAILLE PATTERN BLANK is a symbol by its
// properties, yet its glyph is empty.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/gu;
const SPACES = /\p{White_Space}+/gu;
// A letter, digit or symbol a reader can see: anything but spaces, invisible characters and
// combining marks (which only change the character before them).
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/u;

// Mapping a character to its prototype, then changing case, can give a character that has a
// prototype of its own (0 → O → o is stable; Μ → M → m → rn takes two rounds). A few rounds
// reach the end for every character of the table.
const MAX_ROUNDS = 4;

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

/** True when a name shows at least one letter, digit or symbol (not only blanks or marks). */
export function showsSomething(name: string): boolean {
  return VISIBLE.test(name);
}

/**
 * Case ignored, and nothing else: the order room lists are sorted in and searched by, which the
 * skeleton (m → rn) would scramble. Also the key of state kept on a device under a name.
 */
export function caseKey(text: string): string {
  return text.normalize('NFC').toLocaleLowerCase('en-US');
}
