/**
 * Where the @mentions of a text are: an "@" not glued to a word before it, followed by a name
 * that `match` recognises and not glued to a word after it ("mail@bob" and "@bobby" do not name
 * bob). Nicknames may hold spaces and punctuation, so a pattern alone cannot find their end: the
 * caller's `match` says which name (if any) starts at a position. Shared by the server, which
 * resolves mentions to people when a message is sent, and the clients, which highlight them.
 */

const WORD_BEFORE = /[\p{L}\p{N}\p{M}\p{Pc}]$/u;
const WORD_AFTER = /^[\p{L}\p{N}\p{M}\p{Pc}]/u;

export interface MentionFound<T> {
  /** Index of the "@". */
  at: number;
  /** Index just after the name. */
  end: number;
  value: T;
}

/** Whether a name ending at `end` in `text` stands alone (no word character follows). */
export function endsWord(text: string, end: number): boolean {
  // Two code units are enough to see a whole character, even an astral one.
  return !WORD_AFTER.test(text.slice(end, end + 2));
}

/**
 * The mentions of `text`, in order. `match(start)` gets the index right after an "@" and returns
 * the name written there (its end, checked with endsWord, and what it stands for), or undefined.
 * At most `limit` "@"s are looked at, so a text full of them costs a bounded amount of work.
 */
export function scanMentions<T>(
  text: string,
  match: (start: number) => { end: number; value: T } | undefined,
  limit = Infinity,
): MentionFound<T>[] {
  const found: MentionFound<T>[] = [];
  let looked = 0;
  let at = text.indexOf('@');
  while (at !== -1 && looked < limit) {
    looked += 1;
    const named = WORD_BEFORE.test(text.slice(Math.max(0, at - 2), at)) ? undefined : match(at + 1);
    if (named === undefined) {
      at = text.indexOf('@', at + 1);
      continue;
    }
    found.push({ at, end: named.end, value: named.value });
    at = text.indexOf('@', named.end);
  }
  return found;
}
