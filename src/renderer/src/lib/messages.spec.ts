import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../shared/protocol';
import { mergeMessages } from './messages';

const message = (id: number, text = `m${id}`): ChatMessage => ({
  id,
  clientId: `c${id}`,
  room: 'lobby',
  author: { id: 'u1', nickname: 'alice' },
  text,
  sentAt: id * 1000,
});

describe('mergeMessages', () => {
  it('appends a newer message', () => {
    const current = [message(1), message(2)];
    expect(mergeMessages(current, [message(3)]).map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it('dedupes re-delivered messages by id, keeps the held copy, and sorts by id', () => {
    const current = [message(2), message(5)];
    const merged = mergeMessages(current, [message(5, 'again'), message(1), message(3)]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3, 5]);
    expect(merged.find((m) => m.id === 5)?.text).toBe('m5');
  });

  it('returns the same array when nothing is new', () => {
    const current = [message(1), message(2)];
    expect(mergeMessages(current, [message(2), message(1)])).toBe(current);
    expect(mergeMessages(current, [])).toBe(current);
  });
});
