/**
 * The part of a found message shown in search results: the text around its first match, cut at
 * word boundaries with `…` where it was cut, and every word that matches a search term (as a
 * prefix, accents and case ignored) as a range. Plain text and numbers: nothing here is HTML.
 */
import type { TextRange } from '../../shared/protocol';
import { foldWord, wordsOf } from '../../shared/search-text';

/** Longest snippet, in UTF-16 units (before the `…` marks). */
export const SNIPPET_LENGTH = 160;
/** How much text is kept before the first match when the text is cut. */
const LEAD = 40;

export function snippetOf(
  text: string,
  terms: readonly string[],
): { text: string; matches: TextRange[] } {
  const matches = wordsOf(text)
    .filter(({ word }) => {
      const folded = foldWord(word);
      return terms.some((term) => folded.startsWith(term));
    })
    .map(({ start, end }) => ({ start, end }));
  if (text.length <= SNIPPET_LENGTH) return { text, matches };

  const first = matches[0]?.start ?? 0;
  let start = Math.max(0, first - LEAD);
  // Back to the start of a word, not into the middle of one (or of a surrogate pair).
  while (start > 0 && /\S/.test(text[start - 1]!)) start--;
  if (first - start > LEAD * 2) start = first;
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  while (end < text.length && /\S/.test(text[end]!) && end - start < SNIPPET_LENGTH + 30) end++;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;
  const before = start > 0 ? '…' : '';
  const after = end < text.length ? '…' : '';
  const shift = before.length - start;
  return {
    text: `${before}${text.slice(start, end)}${after}`,
    matches: matches
      .filter((range) => range.start >= start && range.end <= end)
      .map((range) => ({ start: range.start + shift, end: range.end + shift })),
  };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
