/**
 * Quieter presence (issue 15): "X joined" / "X left" notices in a row take one line ("alice, bob
 * and 10 others joined"), and someone who is back within a short time (a reload, a dropped Wi-Fi)
 * leaves no trace: the "left" is taken back and the "joined" never shown. Pure, with the time of
 * each change passed in, so Vitest checks the timing without waiting; ChatState keeps the changes
 * among its notices and collapses them when it builds the timeline.
 */
import type { User } from '../../../shared/protocol';
import type { TimelineEntry } from './chat-state.svelte';

/** Back within this long after leaving: a reconnect, not news. */
export const QUICK_RETURN_MS = 30_000;

/** Names shown in a line before the rest are counted ("alice, bob and 10 others"). */
const NAMED = 2;

export interface PresenceChange {
  user: Pick<User, 'id' | 'nickname'>;
  change: 'joined' | 'left';
  /** When it happened, ms (the caller's clock). */
  at: number;
}

/** Anything that may carry a presence change (ChatState's notices). */
export interface MaybePresence {
  presence?: PresenceChange;
}

/**
 * `notices` after `next`, a notice carrying a presence change: appended, unless it is a quick
 * return — the same person, under the same name, joining at most `quickReturnMs` after their
 * latest change, a leave. Then that leave is removed and nothing is added. A return under
 * another name is news (it says who "robert" is), and so is a return after longer.
 */
export function addPresenceNotice<T extends MaybePresence>(
  notices: readonly T[],
  next: T & { presence: PresenceChange },
  quickReturnMs: number = QUICK_RETURN_MS,
): T[] {
  const { user, change, at } = next.presence;
  if (change === 'joined') {
    const index = notices.findLastIndex((notice) => notice.presence?.user.id === user.id);
    const last = notices[index]?.presence;
    if (
      last?.change === 'left' &&
      last.user.nickname === user.nickname &&
      at - last.at <= quickReturnMs
    ) {
      return notices.toSpliced(index, 1);
    }
  }
  return [...notices, next];
}

/**
 * The timeline with each run of presence notices (no message or other notice between them) as
 * one notice, keyed by its first so that the list keeps its place while the run grows, and
 * dated by its last.
 */
export function collapsePresence(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const entry of timeline) {
    const previous = entries.at(-1);
    if (
      entry.kind === 'notice' &&
      entry.presence &&
      previous?.kind === 'notice' &&
      previous.presence
    ) {
      const presence = [...previous.presence, ...entry.presence];
      entries[entries.length - 1] = {
        ...previous,
        presence,
        text: describePresence(presence),
        at: entry.at,
      };
    } else {
      entries.push(entry);
    }
  }
  return entries;
}

/**
 * One line for changes that happened in a row: the joins in one clause and the leaves in the
 * other, in the order each kind first happened ("alice and bob joined, carol left"). Grouped by
 * kind rather than told in order, so that a churn of many people stays one short line; someone
 * who joined and later left (not quickly) is named in both.
 */
export function describePresence(changes: readonly PresenceChange[]): string {
  const clauses: string[] = [];
  for (const change of changes) {
    const kind = change.change;
    if (clauses.some((clause) => clause.endsWith(kind))) continue;
    const names = unique(changes.filter((other) => other.change === kind));
    clauses.push(`${listNames(names)} ${kind}`);
  }
  return clauses.join(', ');
}

/** Nicknames once each (by person), in the order they first appear. */
function unique(changes: readonly PresenceChange[]): string[] {
  const seen = new Map<string, string>();
  for (const { user } of changes) if (!seen.has(user.id)) seen.set(user.id, user.nickname);
  return [...seen.values()];
}

/** "alice", "alice and bob", "alice, bob and carol", "alice, bob and 2 others". */
function listNames(names: readonly string[]): string {
  if (names.length <= NAMED + 1) {
    return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
  }
  const others = names.length - NAMED;
  return `${names.slice(0, NAMED).join(', ')} and ${others} others`;
}
