import { describe, expect, it } from 'vitest';
import { MessageLog } from './message-log';

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
    expect(again).toEqual({ message: first.message, created: false });
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
