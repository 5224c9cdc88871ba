/** Alt+Up/Down and Alt+Shift+Up/Down: which conversation is before or after the one on screen. */
import { describe, expect, it } from 'vitest';
import { adjacentConversation, conversationOrder } from './conversation-order';

const rooms = [
  { id: 'lobby', joined: true },
  { id: 'design', joined: true },
  { id: 'not-joined', joined: false },
  { id: 'random', joined: true },
];
const directs = [{ id: 'd-bob' }, { id: 'd-erin' }];
const order = conversationOrder(rooms, directs);

describe('conversation order', () => {
  it('is the joined rooms in the list order, then the direct conversations', () => {
    expect(order).toEqual(['lobby', 'design', 'random', 'd-bob', 'd-erin']);
  });

  it('goes to the next and the previous one, round at either end', () => {
    expect(adjacentConversation(order, 'lobby', 1)).toBe('design');
    expect(adjacentConversation(order, 'random', 1)).toBe('d-bob');
    expect(adjacentConversation(order, 'd-erin', 1)).toBe('lobby');
    expect(adjacentConversation(order, 'lobby', -1)).toBe('d-erin');
    expect(adjacentConversation(order, 'd-bob', -1)).toBe('random');
  });

  it('goes to the nearest unread one in that direction, skipping the rest', () => {
    const unread = new Set(['random', 'd-erin']);
    const isUnread = (room: string) => unread.has(room);
    expect(adjacentConversation(order, 'lobby', 1, isUnread)).toBe('random');
    expect(adjacentConversation(order, 'random', 1, isUnread)).toBe('d-erin');
    expect(adjacentConversation(order, 'd-erin', 1, isUnread)).toBe('random');
    expect(adjacentConversation(order, 'lobby', -1, isUnread)).toBe('d-erin');
    expect(adjacentConversation(order, 'd-bob', -1, isUnread)).toBe('random');
    // The one on screen is never the answer, unread or not.
    expect(adjacentConversation(order, 'random', 1, (room) => room === 'random')).toBeNull();
    expect(adjacentConversation(order, 'lobby', 1, () => false)).toBeNull();
  });

  it('has nowhere to go with one conversation, and starts from an end when on none', () => {
    expect(adjacentConversation(['lobby'], 'lobby', 1)).toBeNull();
    expect(adjacentConversation(order, 'gone', 1)).toBe('lobby');
    expect(adjacentConversation(order, 'gone', -1)).toBe('d-erin');
  });
});
