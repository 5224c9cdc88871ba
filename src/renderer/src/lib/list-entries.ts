/**
 * What the message list shows besides the conversation's own entries: a day divider ("Today",
 * "Yesterday", or the full date) before the first entry of each day, and the unread divider
 * ("New messages") before the first message that was unread when the reader came back. Pure:
 * Vitest checks where they go; MessageList renders them as entries of the (virtualized) list.
 */
import type { TimelineEntry } from './chat-state.svelte';

export type ListEntry =
  | TimelineEntry
  /** `day` is the local date ("2026-12-04"); `label` what the divider says. */
  | { kind: 'day'; key: string; day: string; label: string }
  | { kind: 'unread'; key: string };

export interface DecorateOptions {
  /**
   * The id of the first message that was unread when the reader came back (AlertsState's
   * `unreadMarker`); null: no divider.
   */
  unreadFrom: number | null;
  /** Now, ms: what "Today" and "Yesterday" are. */
  now: number;
}

/** Whether a list entry's key is a divider's (day or unread). */
export function isDividerKey(key: string): boolean {
  return key.startsWith('day:') || key.startsWith('unread:');
}

/** The local date of `ms` as "YYYY-MM-DD" (sortable, and a stable key). */
export function localDay(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'full' });

/** "Today", "Yesterday", or the full date ("Wednesday, 2 December 2026"). */
export function dayLabel(ms: number, now: number): string {
  const day = localDay(ms);
  if (day === localDay(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === localDay(yesterday.getTime())) return 'Yesterday';
  return fullDate.format(ms);
}

/** When an entry was written; null for one not sent yet (it belongs to the latest day). */
function entryTime(entry: TimelineEntry): number | null {
  switch (entry.kind) {
    case 'message':
      return entry.message.sentAt;
    case 'notice':
      return entry.at;
    case 'pending':
      return null;
  }
}

/** The timeline with day dividers and the unread divider in place. */
export function decorateTimeline(
  timeline: readonly TimelineEntry[],
  { unreadFrom, now }: DecorateOptions,
): ListEntry[] {
  const entries: ListEntry[] = [];
  let currentDay: string | null = null;
  let unreadPlaced = unreadFrom === null;
  for (const entry of timeline) {
    let divided = false;
    const at = entryTime(entry);
    if (at !== null) {
      const day = localDay(at);
      if (day !== currentDay) {
        currentDay = day;
        entries.push({ kind: 'day', key: `day:${day}`, day, label: dayLabel(at, now) });
        divided = true;
      }
    }
    if (!unreadPlaced && entry.kind === 'message' && entry.message.id >= unreadFrom!) {
      unreadPlaced = true;
      entries.push({ kind: 'unread', key: `unread:${unreadFrom}` });
      divided = true;
    }
    // After a divider a message starts a group of its own: it shows who wrote it.
    entries.push(
      divided && entry.kind === 'message' && entry.continued
        ? { ...entry, continued: false }
        : entry,
    );
  }
  return entries;
}
