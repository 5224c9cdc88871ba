/**
 * How search sees text, the same for what is indexed and what is asked: words are runs of
 * letters, digits and combining marks, compared with accents folded (NFD, combining marks
 * dropped) and in lower case, so "Café" finds "cafe" and the other way round.
 */

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const COMBINING_MARK = /\p{M}/gu;

const ASCII = /^\p{ASCII}*$/u;

/** A word's search form: accents dropped, lower case. */
export function foldWord(word: string): string {
  // Lower case first: some capitals lower to a letter and a mark (İ → i + dot above).
  const lower = word.toLowerCase();
  // Plain ASCII has nothing to decompose (most chat text: indexing it is on every message's way).
  return ASCII.test(lower) ? lower : lower.normalize('NFD').replace(COMBINING_MARK, '');
}

/** The words of `text` where they stand in it (UTF-16 offsets). */
export function wordsOf(text: string): Array<{ word: string; start: number; end: number }> {
  const words: Array<{ word: string; start: number; end: number }> = [];
  for (const match of text.matchAll(WORD)) {
    words.push({ word: match[0], start: match.index, end: match.index + match[0].length });
  }
  return words;
}

const NOT_WORD = /[^\p{L}\p{N}]+/u;
/** NOT_WORD for ASCII text, where letters and digits are a-z and 0-9: the same split, faster. */
const NOT_ASCII_WORD = /[^a-z0-9]+/;

/**
 * The folded words of `text`. The same words as folding each of `wordsOf`, made in one pass over
 * the whole text (indexing 50,000 messages word by word took seconds).
 */
export function searchTerms(text: string): string[] {
  const folded = foldWord(text);
  return folded
    .split(ASCII.test(folded) ? NOT_ASCII_WORD : NOT_WORD)
    .filter((term) => term.length > 0);
}
