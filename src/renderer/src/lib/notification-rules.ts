/**
 * The rules of unread counts and desktop notifications, as pure functions (Vitest checks them;
 * alerts-state.svelte.ts applies them to live events). Decisions, in one place:
 *
 * - Reading a room means: the window is visible and focused, that room is the one on screen, and
 *   the reader is at the latest message (not scrolled back). A message from someone else that
 *   arrives while the room is not being read is unread; the room's count goes back to 0 as soon
 *   as it is read again. Own messages (from any of this person's sessions) never count.
 * - A notification is shown for a message from someone else when the window is hidden or not
 *   focused, or the room is not the one on screen. Scrolled back in the room on screen is
 *   "looking at the app": it counts as unread, but does not notify.
 * - Preferences: notifications off means none at all. "Mentions only" and a muted room both let
 *   only mentions through (like Slack's mute: a mention always gets through). Direct messages,
 *   when Parley has them, count as mentions.
 * - Busy (the person's presence) is "do not disturb": no notification at all, mentions and
 *   direct messages included, like notifications off; unread counts and the badge still grow.
 *   AlertsState applies it (it is not a preference kept in the settings).
 * - The badge and title count what is worth coming back for: every unread message of rooms that
 *   are not muted, and only the unread mentions of muted rooms.
 */
import type { NotificationPreferences } from '../../../shared/settings';
import type { ChatMessage, User } from '../../../shared/protocol';

export interface Attention {
  /** The page is visible: not minimized, not a background tab, not on another desktop. */
  visible: boolean;
  /** The window has the keyboard focus. */
  focused: boolean;
  /** The reader is at the latest message (not scrolled back). */
  atLatest: boolean;
  /** The room on screen (its id), or null when none is (the start screen). */
  roomInView: string | null;
}

/** Who is reading, and what they asked for. */
export interface Reader {
  self: User;
  preferences: NotificationPreferences;
  /** True for a direct-message conversation (none exist yet: every room is a room). */
  isDirect?: (room: string) => boolean;
}

export interface RoomUnread {
  messages: number;
  /** Those of `messages` that mention the reader (or are direct messages). */
  mentions: number;
}

/** What to do about one new message. */
export interface MessageOutcome {
  unread: boolean;
  mention: boolean;
  notify: boolean;
}

export function isReading(attention: Attention, room: string): boolean {
  return (
    attention.visible && attention.focused && attention.atLatest && attention.roomInView === room
  );
}

/** The window is not in front of the person, or shows another room. */
export function isAway(attention: Attention, room: string): boolean {
  return !attention.visible || !attention.focused || attention.roomInView !== room;
}

/** Written by this person, on this device or another of theirs (an author is an identity). */
export function isOwn(message: Pick<ChatMessage, 'author'>, self: User): boolean {
  return message.author.id === self.id;
}

/**
 * Whether `message` mentions the person `id`: the server resolved its @mentions to people when
 * it was sent (or edited), so a mention of a name someone else holds now is not this person's.
 */
export function mentionsPerson(message: Pick<ChatMessage, 'mentions'>, id: string): boolean {
  return message.mentions?.some((person) => person.id === id) ?? false;
}

export function isMuted(preferences: NotificationPreferences, room: string): boolean {
  return preferences.mutedRooms.includes(room);
}

/** What a new message means for the reader: unread or not, a mention or not, notify or not. */
export function outcomeOf(
  message: Pick<ChatMessage, 'author' | 'mentions' | 'room'>,
  reader: Reader,
  attention: Attention,
): MessageOutcome {
  if (isOwn(message, reader.self)) return { unread: false, mention: false, notify: false };
  const mention =
    (reader.isDirect?.(message.room) ?? false) || mentionsPerson(message, reader.self.id);
  const { enabled, mentionsOnly } = reader.preferences;
  const quiet = mentionsOnly || isMuted(reader.preferences, message.room);
  return {
    unread: !isReading(attention, message.room),
    mention,
    notify: enabled && (mention || !quiet) && isAway(attention, message.room),
  };
}

/** The room's count after a message with this outcome. */
export function countMessage(counts: RoomUnread, outcome: MessageOutcome): RoomUnread {
  if (!outcome.unread) return counts;
  return {
    messages: counts.messages + 1,
    mentions: counts.mentions + (outcome.mention ? 1 : 0),
  };
}

/** For the badge and the title: all unread of unmuted rooms, only mentions of muted ones. */
export function unreadTotal(
  counts: Readonly<Record<string, RoomUnread>>,
  preferences: NotificationPreferences,
): number {
  let total = 0;
  for (const [room, unread] of Object.entries(counts)) {
    total += isMuted(preferences, room) ? unread.mentions : unread.messages;
  }
  return total;
}

/**
 * The window (and tab) title: "(3) Parley — <server>" with unread messages, "Parley — <server>"
 * without, "Parley" outside a room.
 */
export function windowTitle(unread: number, serverName: string | null): string {
  const base = serverName ? `Parley — ${serverName}` : 'Parley';
  return unread > 0 ? `(${unread}) ${base}` : base;
}
