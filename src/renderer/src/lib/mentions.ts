/**
 * Finding @nickname mentions in plain text. Nicknames may contain spaces and punctuation, so a
 * mention cannot be found by a pattern alone: it is "@" followed by one of the nicknames known in
 * the room, compared ignoring case as the server compares nicknames, the longest one first.
 */
import { endsWord, scanMentions } from '../../../shared/mention-scan';
import type { User } from '../../../shared/protocol';
import { nicknameKey } from '../../../shared/schemas';

export type MentionSegment =
  | { kind: 'text'; text: string }
  /** `text` is the mention as written ("@Bob"); `self` when it names the person viewing. */
  | { kind: 'mention'; text: string; self: boolean };

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

  /**
   * The matcher of one message: the people the server resolved its mentions to (ChatMessage
   * `mentions`), those of the person `viewerId` marked `self`. A name written after "@" that the
   * server did not resolve (nobody held it) stays plain text.
   */
  static ofMessage(mentions: readonly User[] | undefined, viewerId: string | null): MentionMatcher {
    const people = mentions ?? [];
    const viewer = people.find((person) => person.id === viewerId);
    return new MentionMatcher(
      people.map((person) => person.nickname),
      viewer?.nickname ?? null,
    );
  }

  /** Splits `text` into plain runs and mentions; text without mentions comes back as one run. */
  split(text: string): MentionSegment[] {
    const segments: MentionSegment[] = [];
    let plainFrom = 0;
    for (const { at, end, value } of scanMentions(text, (start) => this.#knownAt(text, start))) {
      if (at > plainFrom) segments.push({ kind: 'text', text: text.slice(plainFrom, at) });
      segments.push({
        kind: 'mention',
        text: text.slice(at, end),
        self: value === this.#viewerKey,
      });
      plainFrom = end;
    }
    if (plainFrom < text.length) segments.push({ kind: 'text', text: text.slice(plainFrom) });
    return segments;
  }

  /** The known nickname written at `start` (right after an "@"), if any: its end and key. */
  #knownAt(text: string, start: number): { end: number; value: string } | undefined {
    for (const { nickname, key } of this.#known) {
      const end = start + nickname.length;
      const written = text.slice(start, end);
      if (
        written.length === nickname.length &&
        nicknameKey(written) === key &&
        endsWord(text, end)
      ) {
        return { end, value: key };
      }
    }
    return undefined;
  }
}
