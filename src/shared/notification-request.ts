/**
 * What a desktop notification for a chat message says, and the checks the main process applies
 * to a notification request from the page (which is not trusted). Pure: the renderer builds the
 * text with `notificationFor`, the main process validates it with `notificationRequestSchema`
 * before Electron shows it. Notification text is plain text everywhere: the browser's
 * Notification API shows `body` as text, and on Linux, where notification daemons may read the
 * body as markup (freedesktop notification spec) and Electron passes it through as it is, the main
 * process escapes it first (`escapeNotificationMarkup`).
 */
import { z } from 'zod';
import type { NotificationRequest } from './api';
import type { ChatMessage } from './protocol';
import { ROOM_ID_MAX_LENGTH } from './settings';

/** Longest notification title, in characters (a nickname and a room name fit). */
export const NOTIFICATION_TITLE_MAX = 120;
/** Longest notification body: the system shows about two lines; more is noise. */
export const NOTIFICATION_BODY_MAX = 160;
/** The highest unread count the badge is set to (a badge shows a few digits at most). */
export const UNREAD_BADGE_MAX = 9_999;

export const notificationRequestSchema = z.strictObject(
  {
    title: z.string({ error: 'title must be text.' }).max(NOTIFICATION_TITLE_MAX),
    body: z.string({ error: 'body must be text.' }).max(NOTIFICATION_BODY_MAX),
    room: z.string({ error: 'room must be text.' }).min(1).max(ROOM_ID_MAX_LENGTH),
  },
  { error: 'A notification is { title, body, room }.' },
);

export const unreadCountSchema = z
  .number({ error: 'The unread count must be a number.' })
  .int({ error: 'The unread count must be a whole number.' })
  .min(0, { error: 'The unread count cannot be negative.' })
  .max(UNREAD_BADGE_MAX, { error: `The unread count is at most ${UNREAD_BADGE_MAX}.` });

/**
 * `text` cut to at most `max` UTF-16 units (what the schema's `max` counts), ending in an
 * ellipsis when cut, never splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/**
 * The notification for `message`: "<author>" (with " in <room name>" when given) over the first
 * non-empty line of the text, shortened. Markdown stays as typed: a notification is plain text.
 */
export function notificationFor(
  message: Pick<ChatMessage, 'author' | 'text' | 'room' | 'file'>,
  roomName?: string,
): NotificationRequest {
  // Newlines and tabs would be shown as-is by some systems; control characters not at all.
  // eslint-disable-next-line no-control-regex
  const clean = (line: string) => line.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  const firstLine =
    message.text
      .split(/\r\n|\r|\n/)
      .map(clean)
      .find((line) => line !== '') ?? '';
  const title = roomName ? `${message.author.nickname} in ${roomName}` : message.author.nickname;
  return {
    title: truncate(clean(title), NOTIFICATION_TITLE_MAX),
    // A file sent without words says which file.
    body: truncate(
      firstLine === '' && message.file ? `Sent ${clean(message.file.name)}` : firstLine,
      NOTIFICATION_BODY_MAX,
    ),
    room: message.room,
  };
}

/**
 * `text` for a freedesktop notification body, which daemons that advertise `body-markup` parse
 * as markup: `&`, `<` and `>` escaped, so "<b>hi</b>" shows as typed instead of in bold (or, in
 * strict daemons, instead of an empty body).
 */
export function escapeNotificationMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
