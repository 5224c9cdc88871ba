/**
 * The users the roster keeps: frozen copies that share V8's hidden classes. A class of each copy's
 * own cost every person online about 270 bytes (issue 17); V8's own check (%HaveSameMap, a
 * natives-syntax call turned on for this file) tells. And a person's sessions, one or several
 * devices, as they come and go.
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

describe("a person's sessions", () => {
  const ann: User = { id: 'p-ann', nickname: 'ann' };

  it('are one, then several devices in the order they came, then one again, then none', () => {
    const roster = new Roster();
    const first = roster.add('s1', ann, 'k1');
    expect(roster.sessionsOf(ann.id)).toEqual([first]);
    expect(roster.hasSharedPeople).toBe(false);

    const second = roster.add('s2', ann, 'k2');
    const third = roster.add('s3', ann, 'k3');
    expect(roster.sessionsOf(ann.id)).toEqual([first, second, third]);
    expect([second.order, third.order]).toEqual([first.order, first.order]);
    expect(roster.byUserId(ann.id)).toBe(first);
    expect(roster.holderOf('ann')).toBe(first);
    expect(roster.hasSharedPeople).toBe(true);
    expect(roster.users()).toEqual([ann]);

    // The first leaves: the next session holds the person's place.
    roster.remove('s1');
    expect(roster.sessionsOf(ann.id)).toEqual([second, third]);
    expect(roster.byUserId(ann.id)).toBe(second);
    roster.remove('s3');
    expect(roster.sessionsOf(ann.id)).toEqual([second]);
    expect(roster.hasSharedPeople).toBe(false);
    expect(roster.users()).toEqual([ann]);

    const renamed = roster.update({ ...ann, nickname: 'anna' });
    expect(renamed).toEqual([second]);
    expect(second.user.nickname).toBe('anna');
    expect(roster.holderOf('anna')).toBe(second);
    expect(roster.holderOf('ann')).toBeUndefined();

    roster.remove('s2');
    expect(roster.sessionsOf(ann.id)).toEqual([]);
    expect(roster.byUserId(ann.id)).toBeUndefined();
    expect(roster.users()).toEqual([]);
    expect(roster.update(ann)).toEqual([]);
  });

  it('renamed on every device at once', () => {
    const roster = new Roster();
    const sessions = ['s1', 's2'].map((socket, n) => roster.add(socket, ann, `k${n}`));
    expect(roster.update({ ...ann, role: 'admin' })).toEqual(sessions);
    expect(sessions.map((session) => session.user.role)).toEqual(['admin', 'admin']);
  });
});
