/** SearchIndex on its own: words and prefixes, newest first with paging, filters, changes. */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../shared/protocol';
import { SearchIndex } from './search-index';

const alice = { id: 'p-alice', nickname: 'Alice' };
const bob = { id: 'p-bob', nickname: 'Bób' };

function message(id: number, text: string, room = 'lobby', author = alice): ChatMessage {
  return { id, clientId: `c-${id}`, room, author, text, sentAt: id };
}

function ids(index: SearchIndex, request: Partial<Parameters<SearchIndex['search']>[0]>) {
  const hits = index.search({ text: '', readable: () => true, limit: 50, ...request });
  return { ids: hits.messages.map((found) => found.id), hasMore: hits.hasMore };
}

describe('SearchIndex', () => {
  it('finds every word a prefix starts, newest first, each message once', () => {
    const index = new SearchIndex();
    index.add(message(1, 'plan the plane trip'));
    index.add(message(5, 'planet earth'));
    index.add(message(3, 'nothing here'));
    index.add(message(2, 'Plans, plans'));
    expect(ids(index, { text: 'plan' })).toEqual({ ids: [5, 2, 1], hasMore: false });
    expect(ids(index, { text: 'plan', limit: 2 })).toEqual({ ids: [5, 2], hasMore: true });
    expect(ids(index, { text: 'plan', before: 2 })).toEqual({ ids: [1], hasMore: false });
    expect(ids(index, { text: 'plane trip' })).toEqual({ ids: [1], hasMore: false });
    expect(ids(index, { text: 'zzz plan' }).ids).toEqual([]);
  });

  it('filters by room, by author (folded nickname or id) and by what the caller may read', () => {
    const index = new SearchIndex();
    index.add(message(1, 'report', 'lobby', alice));
    index.add(message(2, 'report', 'r-1', bob));
    index.add(message(3, 'report', 'd-secret', bob));
    expect(ids(index, { text: 'report', room: 'r-1' }).ids).toEqual([2]);
    expect(ids(index, { text: 'report', room: 'r-none' }).ids).toEqual([]);
    expect(ids(index, { text: 'report', author: 'bob' }).ids).toEqual([3, 2]);
    expect(ids(index, { text: 'report', author: 'p-alice' }).ids).toEqual([1]);
    expect(ids(index, { text: 'report', readable: (room) => room !== 'd-secret' }).ids).toEqual([
      2, 1,
    ]);
  });

  it('replaces, removes and forgets rooms', () => {
    const index = new SearchIndex();
    index.add(message(1, 'alpha', 'r-1'));
    index.add(message(2, 'alpha beta', 'r-2'));
    index.add({
      ...message(1, 'gamma', 'r-1'),
      file: { id: 'f', name: 'alphabet.pdf', size: 1, type: 'x' },
    });
    expect(ids(index, { text: 'gamma' }).ids).toEqual([1]);
    // The file's name counts as words.
    expect(ids(index, { text: 'alpha' }).ids).toEqual([2, 1]);
    index.remove(2);
    expect(ids(index, { text: 'beta' }).ids).toEqual([]);
    index.removeRoom('r-1');
    expect(ids(index, { text: 'gamma' }).ids).toEqual([]);
    expect(index.size).toBe(0);
    expect(index.rooms()).toEqual([]);
  });
});
