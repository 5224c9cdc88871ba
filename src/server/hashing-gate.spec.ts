/** The gate that keeps passphrase checks to one at a time, with a bounded wait. */
import { describe, expect, it } from 'vitest';
import { HashingGate } from './hashing-gate';

/** A check that finishes when the test says so, and records that it started. */
function heldCheck(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('HashingGate', () => {
  it('runs one check at a time, the waiting ones in order', async () => {
    const log: string[] = [];
    const gate = new HashingGate({ maxWaiting: 2, spacingMs: 0 });
    const [a, b, c] = [heldCheck(log, 'a'), heldCheck(log, 'b'), heldCheck(log, 'c')];
    const results = [gate.run(a.run), gate.run(b.run), gate.run(c.run)];
    await settle();
    expect(log).toEqual(['start a']);
    expect(gate.waiting).toBe(2);
    expect(gate.full).toBe(true); // the next would be refused
    a.finish();
    await settle();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    expect(gate.full).toBe(false); // one waits of the two that may
    b.finish();
    await settle();
    c.finish();
    expect(await Promise.all(results)).toEqual([{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('refuses a check when too many wait, without running it', async () => {
    const log: string[] = [];
    const gate = new HashingGate({ maxWaiting: 1, spacingMs: 0 });
    const [a, b, c] = [heldCheck(log, 'a'), heldCheck(log, 'b'), heldCheck(log, 'c')];
    const first = gate.run(a.run);
    const second = gate.run(b.run);
    expect(await gate.run(c.run)).toBeNull();
    a.finish();
    b.finish();
    expect(await first).toEqual({ value: 'a' });
    expect(await second).toEqual({ value: 'b' });
    expect(log).not.toContain('start c');
    // Free again: the next check runs at once.
    const d = heldCheck(log, 'd');
    const fourth = gate.run(d.run);
    await settle();
    expect(log.at(-1)).toBe('start d');
    d.finish();
    expect(await fourth).toEqual({ value: 'd' });
  });

  it('passes the turn on when a check fails', async () => {
    const gate = new HashingGate({ maxWaiting: 1, spacingMs: 0 });
    const failing = gate.run(() => Promise.reject(new Error('scrypt failed')));
    const next = gate.run(() => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('scrypt failed');
    expect(await next).toEqual({ value: 'next' });
  });

  it('starts checks no closer together than the spacing', async () => {
    let now = 1_000;
    const waits: number[] = [];
    const gate = new HashingGate({
      maxWaiting: 4,
      spacingMs: 250,
      now: () => now,
      // The test's clock: waiting moves it on by exactly what was asked.
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const starts: number[] = [];
    const check = (cost: number) => async () => {
      starts.push(now);
      now += cost;
    };
    // The first runs at once; the second started 100 ms after the first would be too soon.
    await Promise.all([gate.run(check(100)), gate.run(check(100)), gate.run(check(300))]);
    expect(starts).toEqual([1_000, 1_250, 1_500]);
    expect(waits).toEqual([150, 150]);
    // A check after a long quiet spell does not wait.
    now += 10_000;
    await gate.run(check(10));
    expect(waits).toEqual([150, 150]);
    expect(starts.at(-1)).toBe(11_800);
  });
});
