/**
 * The people a message's @mentions name, resolved when it is sent (or edited) and stored with
 * it: a mention names an identity, not whoever holds the name later. "@name" names the person the
 * name (or a look-alike of it) is bound to on this server, online or not; the longest name that
 * fits wins ("@Mary Jane" over "@Mary"). Bounded: at most LIMITS.mentionsPerMessage people, and
 * only that many times four "@"s are looked at, so a text of "@"s costs little.
 */
import { LIMITS } from '../shared/limits';
import { endsWord, scanMentions } from '../shared/mention-scan';
import type { User } from '../shared/protocol';
import type { People } from './people';

export function mentionsIn(text: string, people: Pick<People, 'holderOf'>): User[] {
  if (!text.includes('@')) return [];
  const byId = new Map<string, User>();
  const found = scanMentions(
    text,
    (start) => {
      const longest = Math.min(LIMITS.nicknameMaxLength, text.length - start);
      for (let length = longest; length >= LIMITS.nicknameMinLength; length -= 1) {
        const end = start + length;
        const written = text.slice(start, end);
        // A name never starts or ends with a space (the server trims them when it binds one).
        if (written.trim() !== written || !endsWord(text, end)) continue;
        const holder = people.holderOf(written);
        if (holder) return { end, value: { id: holder.id, nickname: holder.nickname ?? written } };
      }
      return undefined;
    },
    LIMITS.mentionsPerMessage * 4,
  );
  for (const { value } of found) {
    if (byId.size >= LIMITS.mentionsPerMessage) break;
    if (!byId.has(value.id)) byId.set(value.id, value);
  }
  return [...byId.values()];
}
