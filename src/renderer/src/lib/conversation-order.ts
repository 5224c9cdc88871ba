/**
 * Alt+Up/Down and Alt+Shift+Up/Down: the conversation before or after the one on screen, in the
 * room list's order (the joined rooms, lobby first, then the direct conversations), going round
 * at either end; or the nearest one with something unread. Pure, so Vitest checks it.
 */

/** The joined conversations in the order the room list shows them. */
export function conversationOrder(
  rooms: readonly { id: string; joined: boolean }[],
  directs: readonly { id: string }[],
): string[] {
  return [...rooms.filter((room) => room.joined), ...directs].map((room) => room.id);
}

/**
 * The conversation `step` places from `current` in `order` (going round); with `unread`, the
 * nearest one in that direction for which it is true. Null when there is nowhere else to go.
 */
export function adjacentConversation(
  order: readonly string[],
  current: string,
  step: 1 | -1,
  unread?: (room: string) => boolean,
): string | null {
  const count = order.length;
  const at = order.indexOf(current);
  // A room on screen that is not in the list (being left): from just outside the end it leaves.
  const from = at !== -1 ? at : step === 1 ? -1 : count;
  for (let moved = 1; moved <= count; moved++) {
    const index = (((from + step * moved) % count) + count) % count;
    const room = order[index]!;
    if (room === current) continue;
    if (!unread || unread(room)) return room;
  }
  return null;
}
