import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageLog } from './message-log';
import { LevelMessageStore } from './message-store';

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

  it('returns the original for a repeated client id of the same author (any case)', () => {
    const log = new MessageLog({ capacity: 10 });
    const first = log.append('lobby', alice, 'same', 'hello');
    const again = log.append(
      'lobby',
      { id: 'other-session', nickname: 'ALICE' },
      'same',
      'changed',
    );
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ message: first.message, created: false });
    expect(log.append('lobby', bob, 'same', 'mine').created).toBe(true);
  });

  it('keeps the newest messages up to its capacity', () => {
    const log = new MessageLog({ capacity: 3 });
    for (let n = 1; n <= 5; n++) log.append('lobby', alice, `c${n}`, `m${n}`);
    expect(log.latest(10).map((message) => message.text)).toEqual(['m3', 'm4', 'm5']);
    expect(log.latest(2).map((message) => message.text)).toEqual(['m4', 'm5']);
    expect(log.since(3, 10).map((message) => message.id)).toEqual([4, 5]);
    expect(log.since(0, 2).map((message) => message.id)).toEqual([4, 5]);
    expect(log.since(5, 10)).toEqual([]);
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
  const directory = () => mkdtempSync(join(tmpdir(), 'parley-history-'));

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
      expect(second.latest(10).map((message) => message.text)).toEqual(['m2', 'm3', 'm4']);
      const resent = second.append('lobby', alice, 'c1', 'm1');
      expect(resent).toMatchObject({ created: false, message: appended[0]!.message });
      const next = second.append('lobby', bob, 'c9', 'after restart');
      expect(next.message.id).toBe(5);
      await next.durable;
    } finally {
      await second.close();
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
