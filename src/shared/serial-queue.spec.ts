import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue';

/** A promise and the functions that settle it, to order events by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SerialQueue', () => {
  it('runs tasks one at a time, in the order given', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const first = deferred();
    const one = queue.run(async () => {
      log.push('one starts');
      await first.promise;
      log.push('one ends');
      return 1;
    });
    const two = queue.run(() => {
      log.push('two runs');
      return 2;
    });
    await Promise.resolve();
    expect(log).toEqual(['one starts']);
    first.resolve();
    expect(await Promise.all([one, two])).toEqual([1, 2]);
    expect(log).toEqual(['one starts', 'one ends', 'two runs']);
  });

  it('gives each caller its own failure and goes on with the next task', async () => {
    const queue = new SerialQueue();
    const failing = queue.run(async () => {
      throw new Error('disk full');
    });
    const throwing = queue.run(() => {
      throw new Error('at once');
    });
    const after = queue.run(async () => 'still runs');
    await expect(failing).rejects.toThrow('disk full');
    await expect(throwing).rejects.toThrow('at once');
    await expect(after).resolves.toBe('still runs');
  });

  it('says when everything given so far has settled, failures included', async () => {
    const queue = new SerialQueue();
    await expect(queue.idle()).resolves.toBeUndefined();
    const gate = deferred();
    let settled = false;
    void queue.run(() => gate.promise).catch(() => undefined);
    const idle = queue.idle().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    gate.reject(new Error('refused'));
    await idle;
    expect(settled).toBe(true);
  });
});
