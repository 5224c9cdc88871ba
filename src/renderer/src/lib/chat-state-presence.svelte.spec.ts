/**
 * ChatState's presence notices, with its clock injected: twelve joins take one line, a reload
 * (left, then joined within the quick-return time) leaves none, and a longer absence is told.
 */
import { describe, expect, it } from 'vitest';
import type { User } from '../../../shared/protocol';
import { alice, lobbySession, message } from './chat-fixtures';
import { ChatState } from './chat-state.svelte';
import { QUICK_RETURN_MS } from './presence-notices';

const person = (nickname: string): User => ({ id: `u-${nickname}`, nickname });
const notices = (chat: ChatState) =>
  chat.timeline.flatMap((entry) => (entry.kind === 'notice' ? [entry.text] : []));

function joinedChat() {
  let now = 1_000_000;
  const chat = new ChatState({ clock: () => now });
  chat.apply({ type: 'session', session: lobbySession() });
  return {
    chat,
    advance: (ms: number) => (now += ms),
    join: (user: User) => chat.apply({ type: 'user-joined', room: 'lobby', user }),
    leave: (user: User) => chat.apply({ type: 'user-left', room: 'lobby', user }),
  };
}

describe('ChatState presence notices', () => {
  it('shows twelve people joining in a row as one line', () => {
    const { chat, join } = joinedChat();
    for (const name of ['carol', 'dave', ...Array.from({ length: 10 }, (_, i) => `guest${i}`)]) {
      join(person(name));
    }
    expect(notices(chat)).toEqual(['carol, dave and 10 others joined']);
    expect(chat.users).toHaveLength(14);
  });

  it('shows nothing for a reload, and both lines for a longer absence', () => {
    const { chat, advance, join, leave } = joinedChat();
    const carol = person('carol');
    leave(carol);
    expect(notices(chat)).toEqual(['carol left']);
    advance(QUICK_RETURN_MS);
    join(carol);
    expect(notices(chat)).toEqual([]);
    expect(chat.users.map((user) => user.nickname)).toContain('carol');

    leave(carol);
    advance(QUICK_RETURN_MS + 1);
    join(carol);
    expect(notices(chat)).toEqual(['carol left, carol joined']);
  });

  it('starts a new line after a message', () => {
    const { chat, join } = joinedChat();
    join(person('carol'));
    chat.apply({ type: 'message', message: message('lobby', 'hi', alice) });
    join(person('dave'));
    join(person('erin'));
    expect(notices(chat)).toEqual(['carol joined', 'dave and erin joined']);
  });
});
