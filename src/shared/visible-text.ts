/**
 * Which characters of a name draw nothing: the one place that says so, for the schemas (a name
 * must show something) and for the name skeleton (they are dropped before names are compared).
 * No confusables table here: the renderer imports this through the schemas.
 */

// Default_Ignorable_Code_Point holds the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), U+034F
// COMBINING GRAPHEME JOINER, zero-width characters, variation selectors, bidi controls and the
// soft hyphen. U+2800 BRAILLE PATTERN BLANK is a symbol by its properties, yet its glyph is empty.
export const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/gu;

// A letter, digit or symbol a reader can see: anything but spaces, invisible characters and
// combining marks (which only change the character before them).
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/u;

/** True when a name shows at least one letter, digit or symbol (not only blanks or marks). */
export function showsSomething(name: string): boolean {
  return VISIBLE.test(name);
}
