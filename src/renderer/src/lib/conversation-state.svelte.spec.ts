/**
 * ConversationState.openAt — the one way to go to a message (search results, replies): over
 * real Conversations, with a stand-in chat API that answers as ChatClient does (a join or an
 * older page arrives as an event before the request is answered).
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent, OutboxEntry, ParleyApi } from '../../../shared/api';
import type { ChatMessage, JoinedRoom, RoomInfo } from '../../../shared/protocol';
import { fail, ok, type ErrorCode, type Result } from '../../../shared/result';
import { joinedRoom, lobbySession, message } from './chat-fixtures';
import { ConversationState, rateLimited } from './conversation-state.svelte';
import { Conversations } from './conversations.svelte';

const design: RoomInfo = { id: 'r-design', kind: 'room', name: 'Design', members: 2 };

function setup(history: ChatMessage[], joinPage = 3) {
  const conversations = new Conversations();
  conversations.apply({ type: 'session', session: lobbySession([], [design]) });
  const apply = (event: ChatEvent) => conversations.apply(event);
  let oldestSent = history.length - joinPage;
  const requestFocus = vi.fn();
  const chat = {
    joinRoom: vi.fn(async (room: string): Promise<Result<{ joined: JoinedRoom }>> => {
      const joined = joinedRoom(design, history.slice(oldestSent), oldestSent > 0);
      apply({ type: 'room-joined', joined });
      void room;
      return ok({ joined });
    }),
    loadOlder: vi.fn(async (room: string) => {
      const from = Math.max(0, oldestSent - 2);
      const messages = history.slice(from, oldestSent);
      oldestSent = from;
      apply({ type: 'history', room, messages, hasOlder: from > 0 });
      return ok({ count: messages.length, hasOlder: from > 0 });
    }),
  };
  const state = new ConversationState({
    chat: chat as unknown as ParleyApi['chat'],
    conversations,
    composer: {
      switchRoom: () => {},
      forgetRoom: () => {},
      room: 'lobby',
      requestFocus,
    } as never,
    alerts: { apply: () => {}, showRoom: () => {}, forgetRoom: () => {} } as never,
    settings: {} as never,
    joinedUrl: () => null,
  });
  const room = () => conversations.joined.find((joined) => joined.room === design.id);
  return { state, chat, conversations, room, requestFocus };
}

describe('ConversationState.openAt', () => {
  it('joins the room, loads older pages until the message is held, shows and marks it', async () => {
    const history = Array.from({ length: 10 }, (_, n) => message(design.id, `m${n}`));
    const { state, chat, conversations, room } = setup(history);
    const target = history[1]!;

    expect(await state.openAt(design.id, target.id)).toEqual({ ok: true });
    expect(chat.joinRoom).toHaveBeenCalledWith(design.id);
    // 3 came with the join; pages of 2 back to the second message: 3 pages.
    expect(chat.loadOlder).toHaveBeenCalledTimes(3);
    expect(conversations.current.room).toBe(design.id);
    expect(room()!.messages.some((held) => held.id === target.id)).toBe(true);
    expect(room()!.highlight).toEqual({ messageId: target.id, seq: 1 });

    // Again, already joined and held: no request, a new highlight (to scroll to it again).
    expect(await state.openAt(design.id, target.id)).toEqual({ ok: true });
    expect(chat.joinRoom).toHaveBeenCalledTimes(1);
    expect(chat.loadOlder).toHaveBeenCalledTimes(3);
    expect(room()!.highlight).toEqual({ messageId: target.id, seq: 2 });
  });

  it('says so when the message is gone or the room cannot be joined', async () => {
    const history = Array.from({ length: 4 }, (_, n) => message(design.id, `m${n}`));
    const { state, chat, room } = setup(history);
    const gone = history[0]!.id - 1;
    expect(await state.openAt(design.id, gone)).toMatchObject({
      ok: false,
      error: { code: 'message_gone' },
    });
    expect(room()!.highlight).toBeNull();

    chat.joinRoom.mockResolvedValueOnce(fail('unknown_room', 'There is no such room.'));
    expect(await state.openAt('r-deleted', 5)).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
  });
});

describe('ConversationState and the focus', () => {
  it('asks for the focus in the message box when a room is shown or joined, not for openAt', async () => {
    const history = Array.from({ length: 4 }, (_, n) => message(design.id, `m${n}`));
    const { state, conversations, requestFocus } = setup(history);
    await state.openAt(design.id, history[3]!.id);
    expect(conversations.current.room).toBe(design.id);
    expect(requestFocus).not.toHaveBeenCalled();

    state.showRoom('lobby');
    expect(conversations.current.room).toBe('lobby');
    expect(requestFocus).toHaveBeenCalledTimes(1);
    await state.enterRoom(design.id);
    expect(requestFocus).toHaveBeenCalledTimes(2);
    // A room not joined is not shown, and the focus stays where it is.
    state.showRoom('r-unknown');
    expect(requestFocus).toHaveBeenCalledTimes(2);
  });
});

describe('ConversationState.retryRateLimited ("Retry all")', () => {
  const entry = (clientId: string, code: ErrorCode | null, room = 'lobby'): OutboxEntry => ({
    clientId,
    room,
    text: clientId,
    state: code === null ? 'sending' : 'failed',
    error: code === null ? null : { code, message: code },
    createdAt: 0,
  });

  it('retries, in order, only the messages of the room on screen refused for coming too fast', () => {
    const conversations = new Conversations();
    conversations.apply({ type: 'session', session: lobbySession() });
    const entries = [
      entry('a', 'rate_limited'),
      entry('b', 'not_in_room'),
      entry('c', null),
      entry('d', 'rate_limited'),
      entry('e', 'rate_limited', 'r-design'),
    ];
    conversations.apply({ type: 'outbox', entries });
    expect(rateLimited(conversations.current.outbox).map((held) => held.clientId)).toEqual([
      'a',
      'd',
    ]);
    const retried: string[] = [];
    const chat = {
      retry: vi.fn(async (clientId: string) => {
        retried.push(clientId);
        return ok({});
      }),
    };
    const state = new ConversationState({
      chat: chat as unknown as ParleyApi['chat'],
      conversations,
      composer: {} as never,
      alerts: {} as never,
      settings: {} as never,
      joinedUrl: () => null,
    });
    state.retryRateLimited();
    expect(retried).toEqual(['a', 'd']);
  });
});
