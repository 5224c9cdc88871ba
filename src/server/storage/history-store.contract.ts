/**
 * What every HistoryStore backend must do, as a suite any backend's spec runs with its own
 * `open` (the embedded store today; another backend runs the same tests against its own engine).
 * `open(name)` opens the store called `name`; opening the same name again after closing it must
 * find what was stored (pass `reopens: false` for a store that lives only in memory).
 */
import { describe, expect, it } from 'vitest';
import type { User } from '../../shared/protocol';
import { MessageRefused, type AppendRequest, type HistoryStore } from './history-store';

export interface ContractOptions {
  open: (name: string) => Promise<HistoryStore>;
  reopens: boolean;
  /**
   * For a store several servers share: another handle on the store `name` that `open` opened
   * (another server on the same database), used at the same time. Absent: one handle only.
   */
  openShared?: (name: string) => Promise<HistoryStore>;
}

const alice: User = { id: 'a', nickname: 'Alice' };
const bob: User = { id: 'b', nickname: 'bob' };
let stores = 0;

export function describeHistoryStore(backend: string, options: ContractOptions): void {
  const fresh = () => options.open(`store-${++stores}`);
  const send = (store: HistoryStore, room: string, author: User, clientId: string) =>
    store.append({ room, author, clientId, text: `${author.nickname}: ${clientId}` });
  /**
   * Runs `test` with a fresh store and another handle on it (another server on the same
   * database; the store itself when the backend has no such thing), and closes both after.
   */
  const withPair = async (test: (store: HistoryStore, other: HistoryStore) => Promise<void>) => {
    const name = `store-${++stores}`;
    const store = await options.open(name);
    const other = options.openShared ? await options.openShared(name) : store;
    try {
      await test(store, other);
    } finally {
      await store.close();
      if (other !== store) await other.close();
    }
  };

  describe(`HistoryStore contract: ${backend}`, () => {
    it('appends with increasing ids across rooms, and a resend returns the original', async () => {
      const store = await fresh();
      const first = await send(store, 'lobby', alice, 'c1');
      const second = await send(store, 'r-design', bob, 'c1');
      const again = await store.append({
        room: 'lobby',
        // The same person (identity), under another name now.
        author: { ...alice, nickname: 'Alicia' },
        clientId: 'c1',
        text: 'changed',
      });
      expect(first.created && second.created).toBe(true);
      expect(second.message.id).toBeGreaterThan(first.message.id);
      expect(again).toEqual({ message: first.message, created: false });
      expect(await store.latest('lobby', 10)).toEqual([first.message]);
      await store.close();
    });

    it('reads the latest messages and pages both ways, with hasMore and hasBefore', async () => {
      const store = await fresh();
      const ids: number[] = [];
      for (let n = 1; n <= 5; n++)
        ids.push((await send(store, 'lobby', alice, `c${n}`)).message.id);
      const page = async (query: { after: number } | { before: number }, limit: number) => {
        const { messages, hasMore } = await store.page('lobby', query, limit);
        return [messages.map((message) => message.id), hasMore];
      };
      expect((await store.latest('lobby', 2)).map((message) => message.id)).toEqual(ids.slice(3));
      expect(await page({ after: ids[0]! }, 2)).toEqual([ids.slice(1, 3), true]);
      expect(await page({ after: ids[2]! }, 10)).toEqual([ids.slice(3), false]);
      expect(await page({ before: ids[4]! }, 2)).toEqual([ids.slice(2, 4), true]);
      expect(await page({ before: ids[1]! }, 5)).toEqual([ids.slice(0, 1), false]);
      expect(await store.hasBefore('lobby', ids[0]!)).toBe(false);
      expect(await store.hasBefore('lobby', ids[1]!)).toBe(true);
      expect(await store.latest('r-empty', 10)).toEqual([]);
      await store.close();
    });

    it('keeps rooms and file references', async () => {
      const store = await fresh();
      const room = { id: 'r-1', kind: 'room' as const, name: 'Design', members: [], createdAt: 5 };
      await store.rooms.saveRoom(room);
      await store.fileReferences.record('f'.repeat(64), 'r-1');
      expect(await store.fileReferences.allowed('f'.repeat(64), ['lobby', 'r-1'])).toBe(true);
      expect(await store.fileReferences.allowed('f'.repeat(64), ['lobby'])).toBe(false);
      expect(await store.fileReferences.allowed('e'.repeat(64), ['r-1'])).toBe(false);
      if (options.reopens) expect(await store.rooms.rooms()).toEqual([room]);
      await store.close();
    });

    it('deletes a room with its messages; ids go on, a resend there is new, other rooms stay', async () => {
      const name = `store-${++stores}`;
      const store = await options.open(name);
      const design = {
        id: 'r-2',
        kind: 'room' as const,
        name: 'Design',
        members: [],
        createdAt: 1,
      };
      const ops = { id: 'r-3', kind: 'room' as const, name: 'Ops', members: [], createdAt: 2 };
      await store.rooms.saveRoom(design);
      await store.rooms.saveRoom(ops);
      await send(store, 'r-2', alice, 'c1');
      const last = await send(store, 'r-2', bob, 'c2');
      const kept = await send(store, 'r-3', alice, 'c1');
      await store.rooms.deleteRoom('r-2');
      expect(await store.latest('r-2', 10)).toEqual([]);
      expect(await store.page('r-2', { after: 0 }, 10)).toEqual({ messages: [], hasMore: false });
      expect(await store.latest('r-3', 10)).toEqual([kept.message]);
      const again = await send(store, 'r-2', alice, 'c1');
      expect(again.created).toBe(true);
      expect(again.message.id).toBeGreaterThan(last.message.id);
      if (options.reopens) expect(await store.rooms.rooms()).toEqual([ops]);
      await store.close();
      if (!options.reopens) return;
      const reopened = await options.open(name);
      expect(await reopened.rooms.rooms()).toEqual([ops]);
      expect((await reopened.latest('r-2', 10)).map((message) => message.id)).toEqual([
        again.message.id,
      ]);
      await reopened.close();
    });

    it('hands out ids in commit order: a reader catching up "after N" never misses one', async () => {
      const name = `store-${++stores}`;
      const first = await options.open(name);
      const others = options.openShared
        ? await Promise.all([options.openShared(name), options.openShared(name)])
        : [];
      const writers = [first, ...others];
      const perWriter = 40;
      const total = perWriter * writers.length;
      const authors = writers.map((_, index) => ({ id: `w${index}`, nickname: `w${index}` }));
      const writing = Promise.all(
        writers.map(async (store, index) => {
          // Waves of concurrent appends, so that transactions overlap.
          for (let wave = 0; wave < perWriter; wave += 8) {
            const clientIds = Array.from({ length: 8 }, (_, n) => `c${wave + n}`);
            await Promise.all(clientIds.map((id) => send(store, 'lobby', authors[index]!, id)));
          }
        }),
      );
      // A client catching up: always "after the newest id I have", as after a reconnect.
      const seen: number[] = [];
      let writersDone = false;
      void writing.then(() => (writersDone = true));
      for (;;) {
        const done = writersDone;
        const { messages } = await first.page('lobby', { after: seen.at(-1) ?? 0 }, 7);
        seen.push(...messages.map((message) => message.id));
        if (done && messages.length === 0) break;
        // Lets the writers' I/O complete between reads (an in-memory store never waits).
        if (messages.length === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await writing;
      const all = (await first.page('lobby', { after: 0 }, total + 1)).messages;
      expect(all).toHaveLength(total);
      const ids = all.map((message) => message.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(total);
      // Nothing appeared behind the reader: it saw every message, in order.
      expect(seen).toEqual(ids);
      await Promise.all(writers.map((store) => store.close()));
    });

    it('a resend racing its original (another handle when shared) gets the original', () =>
      withPair(async (store, other) => {
        const results = await Promise.all([
          send(store, 'lobby', alice, 'race'),
          send(other, 'lobby', alice, 'race'),
          send(other, 'lobby', alice, 'race'),
        ]);
        expect(results.filter((result) => result.created)).toHaveLength(1);
        const [original] = results.filter((result) => result.created);
        for (const result of results) expect(result.message).toEqual(original!.message);
        expect(await store.latest('lobby', 10)).toEqual([original!.message]);
      }));

    it('takes an admin token once, on any server sharing the store; a dropped one not at all', () =>
      withPair(async (store, other) => {
        const [token, dropped, never] = ['t1', 't2', 't3'].map((text) => Buffer.from(text));
        await store.adminTokens.put(token!);
        await store.adminTokens.put(dropped!);
        await store.adminTokens.drop(dropped!);
        // Taken at once on two servers (or twice on one): one of them gets it.
        const taken = await Promise.all([
          other.adminTokens.take(token!),
          store.adminTokens.take(token!),
        ]);
        expect(taken.filter(Boolean)).toHaveLength(1);
        expect(await store.adminTokens.take(token!)).toBe(false);
        expect(await other.adminTokens.take(dropped!)).toBe(false);
        expect(await store.adminTokens.take(never!)).toBe(false);
      }));

    it('keeps link codes until used once (on any server sharing the store) or expired', () =>
      withPair(async (store, other) => {
        const codes = store.linkCodes;
        expect(await codes.put('CODE1', 'p-a', 2_000, 1_000)).toBe(true);
        // Another person's code cannot be issued again; the person's next code replaces theirs.
        expect(await other.linkCodes.put('CODE1', 'p-b', 2_000, 1_000)).toBe(false);
        expect(await other.linkCodes.personOf('CODE1', 1_500)).toBe('p-a');
        expect(await codes.put('CODE2', 'p-a', 3_000, 1_500)).toBe(true);
        expect(await codes.personOf('CODE1', 1_500)).toBeUndefined();
        // Expired: not anyone's, and not taken.
        expect(await other.linkCodes.personOf('CODE2', 3_000)).toBeUndefined();
        expect(await codes.take('CODE2', 3_000)).toBe(false);
        // Taken at once on two servers (or twice on one): one of them gets it.
        expect(await codes.put('CODE3', 'p-b', 5_000, 4_000)).toBe(true);
        const taken = await Promise.all([
          codes.take('CODE3', 4_500),
          other.linkCodes.take('CODE3', 4_500),
        ]);
        expect(taken.filter(Boolean)).toHaveLength(1);
        expect(await other.linkCodes.personOf('CODE3', 4_500)).toBeUndefined();
      }));

    it('keeps read positions per person and room, moving only forward, also after closing', async () => {
      const name = `store-${++stores}`;
      const store = await options.open(name);
      expect(await store.readPositions.positions('a', ['lobby'])).toEqual({});
      expect(await store.readPositions.advance('a', 'lobby', 7)).toBe(7);
      // Two devices at once, the older report last: the position stays at the newer.
      const [newer, older] = await Promise.all([
        store.readPositions.advance('a', 'lobby', 12),
        store.readPositions.advance('a', 'lobby', 9),
      ]);
      expect([newer, older]).toEqual([12, 12]);
      expect(await store.readPositions.advance('a', 'd-x', 3)).toBe(3);
      expect(await store.readPositions.advance('b', 'lobby', 2)).toBe(2);
      expect(await store.readPositions.positions('a', ['lobby', 'd-x', 'r-none'])).toEqual({
        lobby: 12,
        'd-x': 3,
      });
      expect(await store.readPositions.positions('b', ['d-x', 'lobby'])).toEqual({ lobby: 2 });
      await store.close();
      if (!options.reopens) return;
      const reopened = await options.open(name);
      expect(await reopened.readPositions.positions('a', ['lobby', 'd-x'])).toEqual({
        lobby: 12,
        'd-x': 3,
      });
      expect(await reopened.readPositions.advance('a', 'lobby', 5)).toBe(12);
      await reopened.close();
    });

    it('applies a change entry to its target in place, once, and keeps the entry in the log', async () => {
      const store = await fresh();
      const { message: target } = await send(store, 'lobby', alice, 'c1');
      const edit = { kind: 'edit', target: target.id, text: 'edited' } as const;
      const first = await store.append({
        room: 'lobby',
        author: alice,
        clientId: 'e1',
        text: '',
        change: edit,
      });
      const again = await store.append({
        room: 'lobby',
        author: alice,
        clientId: 'e1',
        text: '',
        change: edit,
      });
      expect(first.created).toBe(true);
      expect(again).toEqual({ message: first.message, created: false });
      const current = await store.find('lobby', target.id);
      expect(current).toMatchObject({ text: 'edited', revision: first.message.id });
      expect(current?.edits).toEqual([
        { text: target.text, replacedAt: first.message.sentAt, entry: first.message.id },
      ]);
      expect(await store.find('lobby', first.message.id)).toEqual(first.message);
      expect((await store.page('lobby', { after: 0 }, 10)).messages).toEqual([
        current,
        first.message,
      ]);
      expect(await store.find('r-other', target.id)).toBeNull();
      await store.close();
    });

    it('refuses a reply or change to what is not a message of the room, storing nothing', async () => {
      const store = await fresh();
      const { message: target } = await send(store, 'lobby', alice, 'c1');
      const refused = (request: Partial<AppendRequest>) =>
        store.append({ room: 'lobby', author: bob, clientId: 'x', text: 'x', ...request });
      await expect(refused({ replyTo: 999 })).rejects.toBeInstanceOf(MessageRefused);
      await expect(
        refused({ room: 'r-other', change: { kind: 'delete', target: target.id } }),
      ).rejects.toBeInstanceOf(MessageRefused);
      const deleted = await store.append({
        room: 'lobby',
        author: alice,
        clientId: 'd1',
        text: '',
        change: { kind: 'delete', target: target.id },
      });
      await expect(refused({ replyTo: target.id })).rejects.toBeInstanceOf(MessageRefused);
      await expect(
        refused({ change: { kind: 'edit', target: deleted.message.id, text: 'y' } }),
      ).rejects.toBeInstanceOf(MessageRefused);
      expect((await store.latest('lobby', 10)).map((message) => message.id)).toEqual([
        target.id,
        deleted.message.id,
      ]);
      await store.close();
    });

    it("erases a deleted message, its edit entries and its replies' quotes; lists pins", async () => {
      const store = await fresh();
      const { message: target } = await send(store, 'lobby', alice, 'c1');
      const change = (clientId: string, author: User, what: AppendRequest['change']) =>
        store.append({ room: 'lobby', author, clientId, text: '', change: what });
      const edit = await change('e1', alice, { kind: 'edit', target: target.id, text: 'v2' });
      const reply = await store.append({
        room: 'lobby',
        author: bob,
        clientId: 'r1',
        text: 'answer',
        replyTo: target.id,
      });
      expect(reply.message.reply).toEqual({ id: target.id, author: alice, text: 'v2' });
      await change('p1', bob, { kind: 'pin', target: target.id, pinned: true });
      await change('p2', bob, { kind: 'pin', target: reply.message.id, pinned: true });
      expect((await store.pinned('lobby')).map((message) => message.id)).toEqual([
        target.id,
        reply.message.id,
      ]);
      await change('d1', alice, { kind: 'delete', target: target.id });
      expect(await store.find('lobby', target.id)).toMatchObject({ text: '', deleted: true });
      expect((await store.find('lobby', edit.message.id))?.change).toEqual({
        kind: 'edit',
        target: target.id,
        text: '',
      });
      expect((await store.find('lobby', reply.message.id))?.reply).toEqual({
        id: target.id,
        author: alice,
        text: '',
        deleted: true,
      });
      expect((await store.pinned('lobby')).map((message) => message.id)).toEqual([
        reply.message.id,
      ]);
      await store.close();
    });

    // A store that lives only in memory has no "again": the test is not registered for it.
    if (!options.reopens) return;
    it('finds everything again after closing: ids go on, resends are still recognised', async () => {
      const name = `store-${++stores}`;
      const store = await options.open(name);
      const first = await send(store, 'lobby', alice, 'c1');
      await store.fileReferences.record('f'.repeat(64), 'lobby');
      await store.close();
      const reopened = await options.open(name);
      expect(await reopened.latest('lobby', 10)).toEqual([first.message]);
      expect(await send(reopened, 'lobby', alice, 'c1')).toEqual({
        message: first.message,
        created: false,
      });
      const next = await send(reopened, 'lobby', alice, 'c2');
      expect(next.message.id).toBeGreaterThan(first.message.id);
      expect(await reopened.fileReferences.allowed('f'.repeat(64), ['lobby'])).toBe(true);
      await reopened.close();
    });
  });
}
