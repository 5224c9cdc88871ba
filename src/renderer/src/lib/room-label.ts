/**
 * What a room's button in the room list shows and says: its visible count (unread messages, else
 * how many people are in it) and an accessible name that contains everything visible — "Design,
 * 3 unread", "Join Design, 2 people here" — so that people who steer by voice can say what they
 * see, and screen readers hear what is unread in the name (issue 15). The rest goes in the
 * description.
 */

export interface RoomLabelInput {
  name: string;
  kind: 'room' | 'direct';
  joined: boolean;
  /** People in the room (rooms only). */
  members: number;
  unread: { messages: number; mentions: number };
  /** A direct conversation whose other person is away. */
  away: boolean;
}

export interface RoomLabel {
  /** The count shown after the name (unread, else members of a room); null: none. */
  badge: string | null;
  /** The badge counts unread messages (shown bold, highlighted when they mention the reader). */
  unread: boolean;
  /** The button's accessible name: "Join " for a room not joined, the name, then the badge. */
  name: string;
  /** What else a screen reader hears after the name; empty when nothing. */
  description: string;
}

export function people(count: number): string {
  return count === 1 ? '1 person' : `${count} people`;
}

export function roomLabel(room: RoomLabelInput): RoomLabel {
  const { messages, mentions } = room.unread;
  const unread = messages > 0;
  const here = room.kind === 'room' ? `${people(room.members)} here` : null;
  const title = room.joined ? room.name : `Join ${room.name}`;
  const named: string[] = [title];
  const described: string[] = [];
  let badge: string | null = null;
  if (unread) {
    badge = messages > 99 ? '99+' : String(messages);
    named.push(`${badge} unread`);
    if (mentions > 0) named.push(`${mentions} for you`);
    if (here) described.push(here);
  } else if (here) {
    badge = String(room.members);
    named.push(here);
  }
  if (room.away) described.push('away');
  return { badge, unread, name: named.join(', '), description: described.join(', ') };
}
