/**
 * The newest message this browser (or app) showed in each direct conversation, per server, so
 * that what the other person wrote while this person was away is news when they come back: it
 * counts as unread and notifies (see AlertsState). Storage can be missing, full or hold anything;
 * then nothing is remembered, and such messages show as history.
 */
import { roomIdSchema } from '../../../shared/schemas';

const PREFIX = 'parley.seen:';
/** More direct conversations than the join lists (LIMITS.joinDirectListLength). */
const MAX_ROOMS = 200;

export interface SeenDirects {
  /** The newest id shown in `room`; undefined when this device never showed it. */
  get(room: string): number | undefined;
  set(room: string, id: number): void;
}

/** What is remembered for `server` (its origin), read once and written on every change. */
export function seenDirects(server: () => string | null): SeenDirects {
  let loadedFor: string | null = null;
  let seen = new Map<string, number>();
  const load = (): string | null => {
    const key = server();
    if (key !== loadedFor) {
      loadedFor = key;
      seen = key === null ? new Map() : read(key);
    }
    return key;
  };
  return {
    get(room) {
      load();
      return seen.get(room);
    },
    set(room, id) {
      const key = load();
      if (key === null || (seen.get(room) ?? 0) >= id) return;
      seen.delete(room);
      seen.set(room, id);
      // The least recently shown go first.
      while (seen.size > MAX_ROOMS) seen.delete(seen.keys().next().value!);
      try {
        localStorage.setItem(PREFIX + key, JSON.stringify([...seen]));
      } catch {
        // Not remembering is fine.
      }
    },
  };
}

function read(server: string): Map<string, number> {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(PREFIX + server) ?? '[]');
    if (!Array.isArray(stored)) return new Map();
    const entries = stored.filter(
      (entry): entry is [string, number] =>
        Array.isArray(entry) &&
        roomIdSchema.safeParse(entry[0]).success &&
        Number.isSafeInteger(entry[1]) &&
        (entry[1] as number) > 0,
    );
    return new Map(entries.slice(-MAX_ROOMS));
  } catch {
    return new Map();
  }
}
