/** The search panel's state over a stand-in chat API, and how snippets are cut for marking. */
import { describe, expect, it, vi } from 'vitest';
import type { SearchQuery } from '../../../shared/api';
import type { SearchPage, SearchResult } from '../../../shared/protocol';
import { fail, ok, type Result } from '../../../shared/result';
import { markedParts, SearchState } from './search-state.svelte';

function result(id: number, text: string, room = 'lobby'): SearchResult {
  return {
    message: {
      id,
      clientId: `c-${id}`,
      room,
      author: { id: 'p-bob', nickname: 'bob' },
      text,
      sentAt: 1_767_225_600_000 + id,
    },
    room: { id: room, kind: 'room', name: room === 'lobby' ? 'Lobby' : 'Design', members: 1 },
    snippet: { text, matches: [{ start: 0, end: 4 }] },
  };
}

describe('markedParts', () => {
  it('cuts a snippet into plain and marked parts, in order', () => {
    expect(
      markedParts({
        text: 'Deploying on Friday',
        matches: [
          { start: 13, end: 19 },
          { start: 0, end: 9 },
        ],
      }),
    ).toEqual([
      { text: 'Deploying', marked: true },
      { text: ' on ', marked: false },
      { text: 'Friday', marked: true },
    ]);
  });

  it('ignores ranges that are empty, out of the text or already marked', () => {
    expect(
      markedParts({
        text: 'abc def',
        matches: [
          { start: 0, end: 3 },
          { start: 1, end: 2 },
          { start: 2, end: 5 },
          { start: 4, end: 4 },
          { start: 5, end: 99 },
        ],
      }),
    ).toEqual([
      { text: 'abc', marked: true },
      { text: ' d', marked: true },
      { text: 'ef', marked: false },
    ]);
    expect(markedParts({ text: '<b>x</b>', matches: [] })).toEqual([
      { text: '<b>x</b>', marked: false },
    ]);
  });
});

describe('SearchState', () => {
  function setup(pages: Array<Result<SearchPage>>) {
    const search = vi.fn(async (query: SearchQuery) => {
      void query;
      return pages.shift() ?? ok({ results: [], hasMore: false });
    });
    const openAt = vi.fn(async (room: string, id: number): Promise<Result> => {
      void room;
      void id;
      return ok({});
    });
    return { state: new SearchState({ search }, openAt), search, openAt };
  }

  it('searches with the filters given, and pages back from the last result', async () => {
    const { state, search } = setup([
      ok({ results: [result(9, 'plan b'), result(7, 'plan a')], hasMore: true }),
      ok({ results: [result(3, 'plan 0')], hasMore: false }),
    ]);
    state.text = '  plan ';
    state.room = 'r-design';
    state.author = ' bob ';
    await state.search();
    expect(search).toHaveBeenLastCalledWith({ text: 'plan', room: 'r-design', author: 'bob' });
    expect(state.results.map((found) => found.message.id)).toEqual([9, 7]);
    expect(state.hasMore).toBe(true);
    await state.search(true);
    expect(search).toHaveBeenLastCalledWith({
      text: 'plan',
      room: 'r-design',
      author: 'bob',
      before: 7,
    });
    expect(state.results.map((found) => found.message.id)).toEqual([9, 7, 3]);
    expect(state.hasMore).toBe(false);
  });

  it('says why nothing was searched or the server refused', async () => {
    const { state, search } = setup([fail('rate_limited', 'You are sending too fast.')]);
    state.text = '   ';
    await state.search();
    expect(search).not.toHaveBeenCalled();
    expect(state.error).toBe('Type a word to search for.');
    state.text = 'plan';
    await state.search();
    expect(state.error).toBe('You are sending too fast.');
    expect(state.searched).toBe(false);
  });

  it('moves the active result within the list', async () => {
    const { state } = setup([
      ok({ results: [result(3, 'a'), result(2, 'b'), result(1, 'c')], hasMore: false }),
    ]);
    state.text = 'x';
    await state.search();
    state.move('previous');
    expect(state.active).toBe(0);
    state.move('next');
    state.move('next');
    state.move('next');
    expect(state.active).toBe(2);
    state.move('first');
    expect(state.active).toBe(0);
    state.move('last');
    expect(state.active).toBe(2);
  });

  it('choosing a result opens its conversation at the message and closes the panel', async () => {
    const { state, openAt } = setup([
      ok({ results: [result(5, 'found', 'r-design')], hasMore: false }),
    ]);
    state.show();
    state.text = 'found';
    await state.search();
    await state.choose(state.results[0]!);
    expect(openAt).toHaveBeenCalledWith('r-design', 5);
    expect(state.open).toBe(false);

    openAt.mockResolvedValueOnce(fail('message_gone', 'That message is no longer there.'));
    state.show();
    await state.choose(state.results[0]!);
    expect(state.open).toBe(true);
    expect(state.error).toBe('That message is no longer there.');
  });
});
