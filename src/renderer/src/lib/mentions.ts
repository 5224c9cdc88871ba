/**
 * Finding @nickname mentions in plain text. Nicknames may contain spaces and punctuation, so a
 * mention cannot be found by a pattern alone: it is "@" followed by one of the nicknames known in
 * the room, compared ignoring case as the server compares nicknames, the longest one first.
 */
import { nicknameKey } from '../../../shared/schemas';

export type MentionSegment =
  | { kind: 'text'; text: string }
  /** `text` is the mention as written ("@Bob"); `self` when it names the person viewing. */
  | { kind: 'mention'; text: string; self: boolean };

// A mention must not be glued to a word on either side: "mail@bob" and "@bobby" do not name bob.
const WORD_BEFORE = /[\p{L}\p{N}\p{M}\p{Pc}]$/u;
const WORD_AFTER = /^[\p{L}\p{N}\p{M}\p{Pc}]/u;

export class MentionMatcher {
  /** Known nicknames with their keys, longest first, so "@Mary Jane" wins over "@Mary". */
  readonly #known: readonly { nickname: string; key: string }[];
  readonly #viewerKey: string | null;

  /**
   * @param nicknames the people who can be mentioned (those in the room)
   * @param viewer the nickname of the person viewing: their mentions are marked `self`
   */
  constructor(nicknames: Iterable<string>, viewer: string | null) {
    const byKey = new Map<string, string>();
    for (const nickname of [...nicknames, ...(viewer ? [viewer] : [])]) {
      const trimmed = nickname.normalize('NFC').trim();
      if (trimmed) byKey.set(nicknameKey(trimmed), trimmed);
    }
    this.#known = [...byKey]
      .map(([key, nickname]) => ({ nickname, key }))
      .sort((a, b) => b.nickname.length - a.nickname.length);
    this.#viewerKey = viewer ? nicknameKey(viewer.normalize('NFC').trim()) : null;
  }

  /** Splits `text` into plain runs and mentions; text without mentions comes back as one run. */
  split(text: string): MentionSegment[] {
    const segments: MentionSegment[] = [];
    let plainFrom = 0;
    let at = text.indexOf('@');
    while (at !== -1) {
      // Two code units before and after are enough to see a whole character, even an astral one.
      const known = WORD_BEFORE.test(text.slice(Math.max(0, at - 2), at))
        ? undefined
        : this.#knownAt(text, at);
      if (known === undefined) {
        at = text.indexOf('@', at + 1);
        continue;
      }
      const end = at + 1 + known.nickname.length;
      if (at > plainFrom) segments.push({ kind: 'text', text: text.slice(plainFrom, at) });
      segments.push({
        kind: 'mention',
        text: text.slice(at, end),
        self: known.key === this.#viewerKey,
      });
      plainFrom = end;
      at = text.indexOf('@', end);
    }
    if (plainFrom < text.length) segments.push({ kind: 'text', text: text.slice(plainFrom) });
    return segments;
  }

  /** The known nickname written right after the "@" at `at`, if any. */
  #knownAt(text: string, at: number): { nickname: string; key: string } | undefined {
    const start = at + 1;
    return this.#known.find(({ nickname, key }) => {
      const end = start + nickname.length;
      const written = text.slice(start, end);
      return (
        written.length === nickname.length &&
        nicknameKey(written) === key &&
        !WORD_AFTER.test(text.slice(end, end + 2))
      );
    });
  }
}
