/**
 * ChatState's people list in a crowd: a join lists the first page and the count; joins and leaves
 * keep the count right whether the person is loaded or not; loadMorePeople adds the next page,
 * one request at a time, each person once and in their place. A small room behaves as before
 * paging: everyone listed, joiners added at the end.
 */
import { describe, expect, it } from 'vitest';
import type { PeopleQuery } from '../../../shared/api';
import type { PeoplePage, User } from '../../../shared/protocol';
import { ok, type Result } from '../../../shared/result';
import { alice, bob, lobbySession } from './chat-fixtures';
import { ChatState } from './chat-state.svelte';

const person = (nickname: string): User => ({ id: `u-${nickname}`, nickname });
const [ann, cat, dan, eve, fay] = ['ann', 'cat', 'dan', 'eve', 'fay'].map(person) as [
  User,
  User,
  User,
  User,
  User,
];
const names = (chat: ChatState) => chat.users.map((user) => user.nickname);

/** alice joins a lobby of 6 (ann, bob, cat, dan, eve, alice): the join lists ann, bob and her. */
function crowdedChat(): ChatState {
  const chat = new ChatState();
  chat.apply({
    type: 'session',
    session: { ...lobbySession(), users: [ann, bob, alice], userCount: 6, usersNext: 2 },
  });
  return chat;
}

/** What the server's `people:page` answers, written down: the asks are kept for the test. */
function answers(pages: Record<number, PeoplePage>) {
  const asked: PeopleQuery[] = [];
  const list = async (query: PeopleQuery): Promise<Result<PeoplePage>> => {
    asked.push(query);
    await Promise.resolve();
    return ok(pages[query.after ?? 0]!);
  };
  return { asked, list };
}

describe('ChatState people', () => {
  it('in a small room lists everyone and adds joiners at the end, as before paging', () => {
    const chat = new ChatState();
    chat.apply({ type: 'session', session: lobbySession() });
    expect(names(chat)).toEqual(['alice', 'bob']);
    expect(chat.userCount).toBe(2);
    expect(chat.morePeople).toBe(false);
    chat.apply({ type: 'user-joined', room: 'lobby', user: cat });
    expect(names(chat)).toEqual(['alice', 'bob', 'cat']);
    expect(chat.userCount).toBe(3);
    chat.apply({ type: 'user-left', room: 'lobby', user: bob });
    expect(names(chat)).toEqual(['alice', 'cat']);
    expect(chat.userCount).toBe(2);
  });

  it('in a crowd counts everyone, keeps the count through joins and leaves, and loads the rest', async () => {
    const chat = crowdedChat();
    expect(names(chat)).toEqual(['ann', 'bob', 'alice']);
    expect(chat.userCount).toBe(6);
    expect(chat.morePeople).toBe(true);

    // fay comes: counted, listed once the last page is loaded (she came last).
    chat.apply({ type: 'user-joined', room: 'lobby', user: fay });
    expect(chat.userCount).toBe(7);
    expect(names(chat)).toEqual(['ann', 'bob', 'alice']);
    // bob (listed) and dan (not loaded yet) leave.
    chat.apply({ type: 'user-left', room: 'lobby', user: bob });
    chat.apply({ type: 'user-left', room: 'lobby', user: dan });
    expect(chat.userCount).toBe(5);
    expect(names(chat)).toEqual(['ann', 'alice']);

    const { asked, list } = answers({
      2: { users: [cat, eve, alice, fay], total: 5 },
    });
    // Asked twice at once: one request.
    const [first, second] = [chat.loadMorePeople(list), chat.loadMorePeople(list)];
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: true });
    expect(asked).toEqual([{ room: 'lobby', after: 2 }]);
    // alice moves from the end of the first page to her place; nobody twice.
    expect(names(chat)).toEqual(['ann', 'cat', 'eve', 'alice', 'fay']);
    expect(chat.userCount).toBe(5);
    expect(chat.morePeople).toBe(false);
    // Nothing left to load: nothing asked.
    await chat.loadMorePeople(list);
    expect(asked).toHaveLength(1);
  });

  it('pages one after another, and drops a page that a rejoin made stale', async () => {
    const chat = crowdedChat();
    const { asked, list } = answers({
      2: { users: [cat], total: 6, next: 3 },
      3: { users: [dan, eve, alice], total: 6 },
    });
    await chat.loadMorePeople(list);
    expect(names(chat)).toEqual(['ann', 'bob', 'alice', 'cat']);
    expect(chat.morePeople).toBe(true);
    await chat.loadMorePeople(list);
    expect(names(chat)).toEqual(['ann', 'bob', 'cat', 'dan', 'eve', 'alice']);
    expect(asked.map((query) => query.after)).toEqual([2, 3]);

    const again = crowdedChat();
    const loading = again.loadMorePeople(list);
    // The connection dropped and the join listed the people again meanwhile.
    again.apply({
      type: 'session',
      session: { ...lobbySession(), users: [ann, alice], userCount: 4, usersNext: 9 },
    });
    await loading;
    expect(names(again)).toEqual(['ann', 'alice']);
    expect(again.userCount).toBe(4);
  });

  it('passes a refused page on and keeps what it has', async () => {
    const chat = crowdedChat();
    const refused = await chat.loadMorePeople(async () => ({
      ok: false,
      error: { code: 'rate_limited', message: 'You are sending too fast.' },
    }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(names(chat)).toEqual(['ann', 'bob', 'alice']);
    expect(chat.morePeople).toBe(true);
  });

  it("takes the room's count from room-counts (the server announces only the people listed)", () => {
    const chat = crowdedChat();
    chat.apply({ type: 'room-counts', counts: { 'r-other': 40, lobby: 250 } });
    expect(chat.userCount).toBe(250);
    expect(names(chat)).toEqual(['ann', 'bob', 'alice']);
    // Another room's count changes nothing here.
    chat.apply({ type: 'room-counts', counts: { 'r-other': 41 } });
    expect(chat.userCount).toBe(250);
    // Never fewer than are listed.
    chat.apply({ type: 'room-counts', counts: { lobby: 1 } });
    expect(chat.userCount).toBe(3);
  });
});
