/** Small text helpers for the chat screen: times and the "is typing" sentence. */

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function formatTime(ms: number): string {
  return timeFormat.format(ms);
}

export function formatFullTime(ms: number): string {
  return fullFormat.format(ms);
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
