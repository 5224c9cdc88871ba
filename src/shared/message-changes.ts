/**
 * What a change entry (edit, delete, reaction, pin) does to the message it targets: one pure
 * function that the server uses to update the stored message and every client uses to update the
 * messages it holds, so both agree on the final state. A message remembers the id of the last
 * change applied to it (`revision`): applying an entry again, or an older one, changes nothing, so
 * entries may arrive live, in catch-up and in pages, in any mix.
 */
import { LIMITS } from './limits';
import type { ChatMessage, ReplyQuote } from './protocol';

/** `target` after change entry `entry` (the same object when it changes nothing). */
export function applyChange(target: ChatMessage, entry: ChatMessage): ChatMessage {
  const change = entry.change;
  if (!change || change.target !== target.id || target.change) return target;
  if ((target.revision ?? 0) >= entry.id) return target;
  if (target.deleted) return target;
  const revision = entry.id;
  switch (change.kind) {
    case 'edit': {
      const { mentions: _before, ...rest } = target;
      return {
        ...rest,
        ...(change.mentions?.length ? { mentions: change.mentions } : {}),
        text: change.text,
        edits: [
          ...(target.edits ?? []),
          { text: target.text, replacedAt: entry.sentAt, entry: entry.id },
        ],
        editedAt: entry.sentAt,
        revision,
      };
    }
    case 'delete':
      return {
        id: target.id,
        clientId: target.clientId,
        room: target.room,
        author: target.author,
        text: '',
        sentAt: target.sentAt,
        deleted: true,
        revision,
      };
    case 'reaction': {
      const reactions = [...(target.reactions ?? [])];
      const index = reactions.findIndex((reaction) => reaction.emoji === change.emoji);
      const users = index === -1 ? [] : reactions[index]!.users;
      const has = users.some((user) => user.id === entry.author.id);
      // Idempotent: adding twice is adding once, removing what is not there removes nothing.
      if (change.add === has) return { ...target, revision };
      const next = change.add
        ? [...users, entry.author]
        : users.filter((user) => user.id !== entry.author.id);
      if (index === -1) reactions.push({ emoji: change.emoji, users: next });
      else if (next.length === 0) reactions.splice(index, 1);
      else reactions[index] = { emoji: change.emoji, users: next };
      const { reactions: _old, ...rest } = target;
      return reactions.length === 0 ? { ...rest, revision } : { ...rest, reactions, revision };
    }
    case 'pin': {
      const { pinned: _old, ...rest } = target;
      return change.pinned
        ? { ...rest, pinned: { by: entry.author, at: entry.sentAt }, revision }
        : { ...rest, revision };
    }
  }
}

/** What a reply to `message` quotes of it. */
export function quoteOf(message: ChatMessage): ReplyQuote {
  return {
    id: message.id,
    author: message.author,
    text: [...message.text].slice(0, LIMITS.replyQuoteLength).join(''),
  };
}

/** `reply` once the message it quotes was deleted (the quote's text erased). */
export function withQuoteErased(reply: ChatMessage): ChatMessage {
  if (!reply.reply || reply.reply.deleted) return reply;
  return {
    ...reply,
    reply: { id: reply.reply.id, author: reply.reply.author, text: '', deleted: true },
  };
}

/** A copy of `entry` (an edit entry) with its text erased: its target was deleted. */
export function withEditErased(entry: ChatMessage): ChatMessage {
  if (entry.change?.kind !== 'edit' || entry.change.text === '') return entry;
  const { mentions: _named, ...change } = entry.change;
  return { ...entry, change: { ...change, text: '' } };
}

/** The newer of two copies of one message (the one with more changes applied). */
function newer(held: ChatMessage, incoming: ChatMessage): ChatMessage {
  return (incoming.revision ?? 0) > (held.revision ?? 0) ? incoming : held;
}

/**
 * A client's messages after `incoming` (messages and change entries, from live events, catch-up
 * or a page): merged by id in id order, each change entry applied to its target when held, and
 * the change entries themselves left out. Returns `current` itself when nothing changed.
 */
export function mergeLog(current: ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return current;
  const byId = new Map<number, ChatMessage>();
  for (const message of current) byId.set(message.id, message);
  let changed = false;
  const entries = [...incoming].sort((a, b) => a.id - b.id);
  for (const entry of entries) {
    if (!entry.change) {
      const held = byId.get(entry.id);
      const next = held ? newer(held, entry) : entry;
      if (next !== held) {
        byId.set(entry.id, next);
        changed = true;
      }
      continue;
    }
    const target = byId.get(entry.change.target);
    if (!target) continue; // not held: it comes with its current state when its page loads
    const next = applyChange(target, entry);
    if (next === target) continue;
    byId.set(target.id, next);
    changed = true;
    if (next.deleted) {
      for (const [id, message] of byId) {
        if (message.reply?.id === target.id) byId.set(id, withQuoteErased(message));
      }
    }
  }
  if (!changed) return current;
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
