import { describe, expect, it } from 'vitest';
import { applyChange, mergeLog } from './message-changes';
import type { ChatMessage, MessageChange, User } from './protocol';

const alice: User = { id: 'p-a', nickname: 'alice' };
const bob: User = { id: 'p-b', nickname: 'bob' };

const message = (id: number, text = `m${id}`, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  clientId: `c${id}`,
  room: 'lobby',
  author: alice,
  text,
  sentAt: id * 1000,
  ...extra,
});

const entry = (id: number, change: MessageChange, author: User = alice): ChatMessage =>
  message(id, '', { change, author, clientId: `e${id}` });

describe('applyChange', () => {
  it('edits, keeping the earlier text in the history, and ignores an entry applied already', () => {
    const edited = applyChange(
      message(1, 'helo'),
      entry(2, { kind: 'edit', target: 1, text: 'hello' }),
    );
    expect(edited).toMatchObject({
      text: 'hello',
      editedAt: 2000,
      edits: [{ text: 'helo', replacedAt: 2000, entry: 2 }],
      revision: 2,
    });
    expect(applyChange(edited, entry(2, { kind: 'edit', target: 1, text: 'hello' }))).toBe(edited);
    // An older entry arriving after a newer state changes nothing either.
    const later = applyChange(edited, entry(3, { kind: 'edit', target: 1, text: 'hi' }));
    expect(applyChange(later, entry(2, { kind: 'edit', target: 1, text: 'hello' }))).toBe(later);
  });

  it('deletes everything but who and when, and takes no change after', () => {
    const original = message(1, 'secret', {
      file: { id: 'f'.repeat(64), name: 'a.txt', size: 1, type: 'text/plain' },
      reactions: [{ emoji: '👍', users: [bob] }],
    });
    const deleted = applyChange(original, entry(2, { kind: 'delete', target: 1 }));
    expect(deleted).toEqual({
      id: 1,
      clientId: 'c1',
      room: 'lobby',
      author: alice,
      text: '',
      sentAt: 1000,
      deleted: true,
      revision: 2,
    });
    expect(applyChange(deleted, entry(3, { kind: 'edit', target: 1, text: 'x' }))).toBe(deleted);
  });

  it('toggles reactions idempotently, by identity', () => {
    let current = message(1);
    const react = (id: number, user: User, emoji: string, add: boolean) =>
      (current = applyChange(
        current,
        entry(id, { kind: 'reaction', target: 1, emoji, add }, user),
      ));
    react(2, alice, '👍', true);
    react(3, alice, '👍', true);
    react(4, { ...bob, nickname: 'robert' }, '👍', true);
    react(5, bob, '🎉', false);
    expect(current.reactions).toEqual([
      { emoji: '👍', users: [alice, { ...bob, nickname: 'robert' }] },
    ]);
    react(6, bob, '👍', false);
    react(7, alice, '👍', false);
    expect(current.reactions).toBeUndefined();
  });

  it('pins and unpins', () => {
    const pinned = applyChange(message(1), entry(2, { kind: 'pin', target: 1, pinned: true }, bob));
    expect(pinned.pinned).toEqual({ by: bob, at: 2000 });
    expect(
      applyChange(pinned, entry(3, { kind: 'pin', target: 1, pinned: false })).pinned,
    ).toBeUndefined();
  });
});

describe('mergeLog', () => {
  it('applies entries to held messages, leaves the entries out, and erases quotes of a deleted one', () => {
    const reply = message(2, 'yes', { reply: { id: 1, author: alice, text: 'question' } });
    const merged = mergeLog(
      [message(1, 'question'), reply],
      [
        entry(3, { kind: 'edit', target: 1, text: 'question?' }),
        entry(4, { kind: 'delete', target: 1 }),
      ],
    );
    expect(merged.map((m) => m.id)).toEqual([1, 2]);
    expect(merged[0]).toMatchObject({ deleted: true, text: '' });
    expect(merged[1]?.reply).toEqual({ id: 1, author: alice, text: '', deleted: true });
  });

  it('takes the copy with more changes applied, and skips entries whose target is not held', () => {
    const held = [message(1)];
    const newer = message(1, 'edited', { revision: 5 });
    expect(mergeLog(held, [newer])[0]).toBe(newer);
    expect(mergeLog([newer], [message(1)])[0]).toBe(newer);
    const current = [message(10)];
    expect(mergeLog(current, [entry(11, { kind: 'delete', target: 3 })])).toBe(current);
  });
});
