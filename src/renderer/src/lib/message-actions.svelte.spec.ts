/**
 * MessageActions: who may edit and delete what, what each action hands to the outbox, and a jump
 * to a quoted message loading older pages until it is held.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage, MessageChange, User } from '../../../shared/protocol';
import { MessageActions, type MessageActionsOptions } from './message-actions.svelte';

const alice: User = { id: 'p-alice', nickname: 'alice' };
const bob: User = { id: 'p-bob', nickname: 'bob' };
const message = (id: number, author: User, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  clientId: `c${id}`,
  room: 'lobby',
  author,
  text: `text ${id}`,
  sentAt: id,
  ...extra,
});

function actionsFor(self: User, options: Partial<MessageActionsOptions> = {}) {
  const sent: MessageChange[] = [];
  const replies: ChatMessage[] = [];
  const actions = new MessageActions({
    chat: {
      changeMessage: async (change) => {
        sent.push(change);
        return {
          ok: true,
          entry: { clientId: 'x', text: '', change, state: 'sending', error: null, createdAt: 0 },
        };
      },
    },
    selfId: () => self.id,
    isHost: () => false,
    room: () => 'lobby',
    holds: () => true,
    hasOlder: () => false,
    loadOlder: async () => ({ ok: true, count: 0, hasOlder: false }),
    onreply: (quoted) => replies.push(quoted),
    ...options,
  });
  return { actions, sent, replies };
}

describe('MessageActions', () => {
  it('lets the author edit and delete, the host delete anyone’s, and nobody change a deleted one', () => {
    const { actions } = actionsFor(alice);
    expect(actions.canEdit(message(1, alice))).toBe(true);
    expect(actions.canDelete(message(1, alice))).toBe(true);
    // The same nickname under another identity is someone else.
    expect(actions.canEdit(message(2, { id: 'p-other', nickname: 'alice' }))).toBe(false);
    expect(actions.canDelete(message(2, bob))).toBe(false);
    expect(actions.canEdit(message(3, alice, { deleted: true, text: '' }))).toBe(false);
    const host = actionsFor(alice, { isHost: () => true }).actions;
    expect(host.canDelete(message(2, bob))).toBe(true);
    expect(host.canEdit(message(2, bob))).toBe(false);
  });

  it('edits inline: saving sends the new text, an unchanged or empty text sends nothing', async () => {
    const { actions, sent } = actionsFor(alice);
    const own = message(1, alice);
    actions.startEdit(own);
    expect(actions.editing).toBe(1);
    await actions.saveEdit(own, own.text);
    await actions.saveEdit(own, '   ');
    expect(sent).toEqual([]);
    actions.startEdit(own);
    await actions.saveEdit(own, 'new words');
    expect(actions.editing).toBeNull();
    expect(sent).toEqual([{ kind: 'edit', target: 1, text: 'new words' }]);
    actions.startEdit(message(2, bob));
    expect(actions.editing).toBeNull();
  });

  it('deletes only after the confirmation', async () => {
    const { actions, sent } = actionsFor(alice);
    actions.askDelete(message(1, alice));
    actions.cancelDelete();
    expect(sent).toEqual([]);
    actions.askDelete(message(1, alice));
    expect(actions.deleting?.id).toBe(1);
    await actions.confirmDelete();
    expect(sent).toEqual([{ kind: 'delete', target: 1 }]);
    expect(actions.deleting).toBeNull();
  });

  it('adds a reaction, or takes back one’s own; pins toggle', async () => {
    const { actions, sent } = actionsFor(bob);
    const reacted = message(1, alice, { reactions: [{ emoji: '👍', users: [alice, bob] }] });
    await actions.toggleReaction(reacted, '👍');
    await actions.toggleReaction(reacted, '🎉');
    await actions.togglePin(message(2, alice, { pinned: { by: alice, at: 1 } }));
    await actions.togglePin(message(3, alice));
    expect(sent).toEqual([
      { kind: 'reaction', target: 1, emoji: '👍', add: false },
      { kind: 'reaction', target: 1, emoji: '🎉', add: true },
      { kind: 'pin', target: 2, pinned: false },
      { kind: 'pin', target: 3, pinned: true },
    ]);
  });

  it('jumps to a quoted message after loading older pages until it is held', async () => {
    let oldest = 300;
    const { actions } = actionsFor(alice, {
      holds: (id) => id >= oldest,
      hasOlder: () => oldest > 1,
      loadOlder: async () => {
        oldest -= 100;
        return { ok: true, count: 100, hasOlder: oldest > 1 };
      },
    });
    expect(await actions.jumpTo(120)).toBe(true);
    expect(oldest).toBe(100);
    expect(actions.jump).toEqual({ id: 120, seq: 1 });
    oldest = 50;
    const gone = actionsFor(alice, { holds: (id) => id >= oldest, hasOlder: () => false });
    expect(await gone.actions.jumpTo(10)).toBe(false);
    expect(gone.actions.error).toBe('That message is no longer in the conversation.');
  });

  it('starts a reply in the composer, never to a deleted message', () => {
    const { actions, replies } = actionsFor(alice);
    actions.reply(message(1, bob));
    actions.reply(message(2, bob, { deleted: true }));
    expect(replies.map((quoted) => quoted.id)).toEqual([1]);
  });
});
