/**
 * The users the roster keeps: frozen copies that share V8's hidden classes. A class of each copy's
 * own cost every person online about 270 bytes (issue 17); V8's own check (%HaveSameMap, a
 * natives-syntax call turned on for this file) tells.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { User } from '../shared/protocol';
import { frozenUser, Roster } from './roster';

setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

describe('the users a roster keeps', () => {
  it('are frozen copies, the role kept only when there is one', () => {
    const given: User = { id: 'p-1', nickname: 'ann', role: 'moderator' };
    const copy = frozenUser(given);
    expect(copy).not.toBe(given);
    expect(copy).toStrictEqual(given);
    expect(Object.isFrozen(copy)).toBe(true);
    expect(Object.keys(frozenUser({ id: 'p-2', nickname: 'bob' }))).toEqual(['id', 'nickname']);
  });

  it('share one hidden class, however many people come online', () => {
    const roster = new Roster();
    const users = Array.from({ length: 2_000 }, (_, n) => {
      const session = roster.add(`s${n}`, { id: `p-${n}`, nickname: `user${n}` }, `key${n}`);
      return session.user;
    });
    const last = users.at(-1)!;
    // Past V8's warm-up (the first copies are made by slower paths that do share).
    expect(users.slice(1_000).filter((user) => !haveSameMap(user, last))).toEqual([]);
  });
});
