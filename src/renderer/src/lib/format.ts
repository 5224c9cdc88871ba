/** Small text helpers: times, "how long ago", and the "is typing" sentence. */

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function formatTime(ms: number): string {
  return timeFormat.format(ms);
}

/** A day and a time, short: where messages of many days are listed together (search results). */
export function formatDateTime(ms: number): string {
  return dateTimeFormat.format(ms);
}

export function formatFullTime(ms: number): string {
  return fullFormat.format(ms);
}

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3_600_000],
  ['month', 30 * 24 * 3_600_000],
  ['week', 7 * 24 * 3_600_000],
  ['day', 24 * 3_600_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago". */
export function formatRelativeTime(ms: number, now: number = Date.now()): string {
  const elapsed = Math.max(0, now - ms);
  for (const [unit, size] of UNITS) {
    if (elapsed >= size) return relativeFormat.format(-Math.floor(elapsed / size), unit);
  }
  return 'just now';
}

/** "bob is typing…", "bob and carol are typing…", "bob, carol and dave are typing…". */
export function describeTyping(nicknames: readonly string[]): string {
  const [first, second, third] = nicknames;
  if (first === undefined) return '';
  if (second === undefined) return `${first} is typing…`;
  if (third === undefined) return `${first} and ${second} are typing…`;
  if (nicknames.length === 3) return `${first}, ${second} and ${third} are typing…`;
  return 'Several people are typing…';
}
