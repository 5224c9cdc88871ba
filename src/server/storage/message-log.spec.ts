import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageLog } from './message-log';
import { LevelMessageStore, type MessageStore } from './level-message-store';

const directory = () => mkdtempSync(join(tmpdir(), 'parley-history-'));
const alice = { id: 'a', nickname: 'Alice' };
const bob = { id: 'b', nickname: 'bob' };

describe('MessageLog', () => {
  it('assigns increasing ids and the clock time', () => {
    let now = 1000;
    const log = new MessageLog({ capacity: 10, clock: () => now++ });
    const first = log.append('lobby', alice, 'c1', 'one').message;
    const second = log.append('lobby', bob, 'c2', 'two').message;
    expect([first.id, second.id]).toEqual([1, 2]);
    expect([first.sentAt, second.sentAt]).toEqual([1000, 1001]);
    expect(log.lastId).toBe(2);
  });

  it('returns the original for a repeated client id of the same person, whatever their name now', () => {
    const log = new MessageLog({ capacity: 10 });
    const first = log.append('lobby', alice, 'same', 'hello');
    const again = log.append('lobby', { id: 'a', nickname: 'Alicia' }, 'same', 'changed');
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ message: first.message, created: false });
    // Someone else, even under the same name: a message of their own.
    expect(log.append('lobby', bob, 'same', 'mine').created).toBe(true);
    expect(log.append('lobby', { id: 'c', nickname: 'Alice' }, 'same', 'theirs').created).toBe(
      true,
    );
  });

  it('keeps the newest messages up to its capacity', async () => {
    const log = new MessageLog({ capacity: 3 });
    for (let n = 1; n <= 5; n++) log.append('lobby', alice, `c${n}`, `m${n}`);
    expect(log.latest('lobby', 10).map((message) => message.text)).toEqual(['m3', 'm4', 'm5']);
    expect(log.latest('lobby', 2).map((message) => message.text)).toEqual(['m4', 'm5']);
    const ids = async (query: { after: number } | { before: number }, limit: number) => {
      const page = await log.page('lobby', query, limit);
      return [page.messages.map((message) => message.id), page.hasMore];
    };
    expect(await ids({ after: 3 }, 10)).toEqual([[4, 5], false]);
    expect(await ids({ after: 1 }, 2)).toEqual([[2, 3], true]);
    expect(await ids({ after: 5 }, 10)).toEqual([[], false]);
    expect(await ids({ before: 5 }, 2)).toEqual([[3, 4], true]);
    expect(await ids({ before: 3 }, 5)).toEqual([[1, 2], false]);
  });

  it('forgets the oldest client ids beyond its de-duplication window', () => {
    const log = new MessageLog({ capacity: 10, dedupeWindow: 2 });
    log.append('lobby', alice, 'c1', 'one');
    log.append('lobby', alice, 'c2', 'two');
    log.append('lobby', alice, 'c3', 'three');
    expect(log.append('lobby', alice, 'c3', 'three').created).toBe(false);
    expect(log.append('lobby', alice, 'c1', 'one again').created).toBe(true);
  });
});

describe('MessageLog with a LevelDB store', () => {
  it('continues after a restart: same history, ids go on, resends still recognized', async () => {
    const dir = directory();
    const first = await MessageLog.open('lobby', {
      capacity: 3,
      store: await LevelMessageStore.open(dir),
    });
    const appended = [1, 2, 3, 4].map((n) => first.append('lobby', alice, `c${n}`, `m${n}`));
    await Promise.all(appended.map((result) => result.durable));
    await first.close();

    const second = await MessageLog.open('lobby', {
      capacity: 3,
      store: await LevelMessageStore.open(dir),
    });
    try {
      expect(second.lastId).toBe(4);
      expect(second.latest('lobby', 10).map((message) => message.text)).toEqual(['m2', 'm3', 'm4']);
      const resent = second.append('lobby', alice, 'c1', 'm1');
      expect(resent).toMatchObject({ created: false, message: appended[0]!.message });
      const next = second.append('lobby', bob, 'c9', 'after restart');
      expect(next.message.id).toBe(5);
      await next.durable;
    } finally {
      await second.close();
    }
  });

  it('pages through history older than memory holds, from the store, with no gaps', async () => {
    const dir = directory();
    const first = await MessageLog.open('lobby', {
      capacity: 5,
      dedupeWindow: 5,
      store: await LevelMessageStore.open(dir),
    });
    const appended = Array.from({ length: 40 }, (_, n) =>
      first.append('lobby', alice, `c${n}`, `m${n}`),
    );
    await Promise.all(appended.map((result) => result.durable));
    await first.close();

    const log = await MessageLog.open('lobby', {
      capacity: 5,
      dedupeWindow: 5,
      store: await LevelMessageStore.open(dir),
    });
    try {
      // Forwards from the start, as a client back from a long outage catches up.
      const forwards: number[] = [];
      for (let after = 0, more = true; more;) {
        const page = await log.page('lobby', { after }, 7);
        forwards.push(...page.messages.map((message) => message.id));
        after = page.messages.at(-1)?.id ?? after;
        more = page.hasMore;
      }
      // A message still on its way to disk is not history yet; once stored, it is.
      const fresh = log.append('lobby', bob, 'fresh', 'not yet durable');
      const tail = await log.page('lobby', { after: 38 }, 7);
      expect(tail.messages.map((message) => message.id)).toEqual([39, 40]);
      expect(log.latest('lobby', 2).map((message) => message.id)).toEqual([39, 40]);
      await fresh.durable;
      const stored = await log.page('lobby', { after: 38 }, 7);
      expect(stored.messages.map((message) => message.id)).toEqual([39, 40, 41]);
      // Backwards from the newest, as someone scrolling up.
      const backwards: number[] = [];
      for (let before = 42, more = true; more;) {
        const page = await log.page('lobby', { before }, 6);
        backwards.unshift(...page.messages.map((message) => message.id));
        before = page.messages[0]?.id ?? before;
        more = page.hasMore;
      }
      const all = Array.from({ length: 41 }, (_, n) => n + 1);
      expect(forwards).toEqual(all.slice(0, 40));
      expect(backwards).toEqual(all);
    } finally {
      await log.close();
    }
  });

  it('keeps at most the retention limit of messages on disk, deleting the oldest', async () => {
    const dir = directory();
    const open = async () =>
      MessageLog.open('lobby', {
        capacity: 5,
        retention: 10,
        store: await LevelMessageStore.open(dir),
      });
    const first = await open();
    for (let n = 1; n <= 35; n++) await first.append('lobby', alice, `c${n}`, `m${n}`).durable;
    await first.close();

    const store = await LevelMessageStore.open(dir);
    const { messages, lastId } = await store.load('lobby', 1000);
    await store.close();
    expect(messages.map((message) => message.id)).toEqual(
      Array.from({ length: 10 }, (_, n) => 26 + n),
    );
    expect(lastId).toBe(35); // ids go on: none is ever handed out again

    const reopened = await open();
    try {
      const older = await reopened.page('lobby', { before: 26 }, 50);
      expect(older).toEqual({ messages: [], hasMore: false });
      expect(reopened.append('lobby', bob, 'next', 'after').message.id).toBe(36);
    } finally {
      await reopened.close();
    }
  });

  it('writes messages that arrive during a write in one batch, in order', async () => {
    const dir = directory();
    const store = await LevelMessageStore.open(dir);
    const batches: number[][] = [];
    const write = store.write.bind(store);
    store.write = (messages) => {
      batches.push(messages.map((message) => message.id));
      return write(messages);
    };
    const log = await MessageLog.open('lobby', { capacity: 100, store });
    const results = Array.from({ length: 50 }, (_, n) =>
      log.append('lobby', alice, `c${n}`, `m${n}`),
    );
    const settled: number[] = [];
    await Promise.all(
      results.map((result) => result.durable.then(() => settled.push(result.message.id))),
    );
    await log.close();

    expect(batches.flat()).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
    expect(batches.length).toBeLessThan(50);
    expect(settled).toEqual([...settled].sort((a, b) => a - b));
    const reopened = await LevelMessageStore.open(dir);
    try {
      expect((await reopened.load('lobby', 1000)).messages).toHaveLength(50);
    } finally {
      await reopened.close();
    }
  });

  it('refuses a data directory another server has open, with a clear error', async () => {
    const dir = directory();
    const store = await LevelMessageStore.open(dir);
    try {
      await expect(LevelMessageStore.open(dir)).rejects.toMatchObject({
        code: 'data_in_use',
        message: `The data directory ${dir} is in use by another Parley server.`,
      });
    } finally {
      await store.close();
    }
  });
});

/** A store whose writes fail while `failing` is set, as a full disk or an I/O error makes them. */
class FaultyStore implements MessageStore {
  failing: NodeJS.ErrnoException | null = null;
  constructor(private readonly inner: MessageStore) {}
  load: MessageStore['load'] = (...args) => this.inner.load(...args);
  lastId: MessageStore['lastId'] = () => this.inner.lastId();
  page: MessageStore['page'] = (...args) => this.inner.page(...args);
  trim: MessageStore['trim'] = (...args) => this.inner.trim(...args);
  deleteRoom: MessageStore['deleteRoom'] = (room) => this.inner.deleteRoom(room);
  close: MessageStore['close'] = () => this.inner.close();
  get: MessageStore['get'] = (...args) => this.inner.get(...args);
  replies: MessageStore['replies'] = (...args) => this.inner.replies(...args);
  pins: MessageStore['pins'] = (room) => this.inner.pins(room);
  unreferenced: MessageStore['unreferenced'] = (ids) => this.inner.unreferenced(ids);
  write: MessageStore['write'] = (messages, related) =>
    this.failing ? Promise.reject(this.failing) : this.inner.write(messages, related);
}

describe('MessageLog when a write fails', () => {
  const diskFull = () => Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });

  it('leaves no trace of the failed messages, and never hands their ids out again', async () => {
    const dir = directory();
    const store = new FaultyStore(await LevelMessageStore.open(dir));
    const log = await MessageLog.open('lobby', { capacity: 10, store });
    const kept = log.append('lobby', alice, 'c1', 'kept');
    await kept.durable;

    store.failing = diskFull();
    const lost = [log.append('lobby', alice, 'c2', 'two'), log.append('lobby', bob, 'c3', 'three')];
    for (const attempt of lost) await expect(attempt.durable).rejects.toThrow('No space left');
    // Not in memory, not in a page, not remembered for de-duplication.
    expect(log.latest('lobby', 10)).toEqual([kept.message]);
    expect((await log.page('lobby', { after: 0 }, 10)).messages).toEqual([kept.message]);

    store.failing = null;
    const again = log.append('lobby', alice, 'c2', 'two');
    expect(again.created).toBe(true);
    await again.durable;
    // A fresh id, above every id handed out before, failed or not.
    expect(again.message.id).toBeGreaterThan(Math.max(...lost.map((a) => a.message.id)));
    expect(log.latest('lobby', 10).map((message) => message.text)).toEqual(['kept', 'two']);
    // A resend of a stored message is answered with it, durable at once.
    const resend = log.append('lobby', alice, 'c1', 'kept');
    expect(resend).toMatchObject({ created: false, message: kept.message });
    await resend.durable;
    await log.close();

    // After a restart: what was acknowledged, and ids go on from there.
    const reopened = await MessageLog.open('lobby', {
      capacity: 10,
      store: await LevelMessageStore.open(dir),
    });
    expect(reopened.latest('lobby', 10).map((message) => message.text)).toEqual(['kept', 'two']);
    const next = reopened.append('lobby', bob, 'c4', 'four');
    expect(next.message.id).toBeGreaterThan(again.message.id);
    await next.durable;
    await reopened.close();
  });

  it('makes a resend of a message whose write is failing wait for that write and fail too', async () => {
    const store = new FaultyStore(await LevelMessageStore.open(directory()));
    const log = await MessageLog.open('lobby', { capacity: 10, store });
    store.failing = diskFull();
    const first = log.append('lobby', alice, 'c1', 'one');
    const resend = log.append('lobby', alice, 'c1', 'one');
    expect(resend.created).toBe(false);
    await expect(first.durable).rejects.toThrow();
    await expect(resend.durable).rejects.toThrow();
    store.failing = null;
    await log.close();
  });
});
