/**
 * Quieter presence: the wording of a run of joins and leaves, a quick return taken back (by the
 * time of each change, no waiting), and runs collapsed into one notice of the timeline.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from './chat-state.svelte';
import {
  addPresenceNotice,
  collapsePresence,
  describePresence,
  QUICK_RETURN_MS,
  type PresenceChange,
} from './presence-notices';

const person = (nickname: string, id = `u-${nickname}`) => ({ id, nickname });
const joined = (nickname: string, at = 0): PresenceChange => ({
  user: person(nickname),
  change: 'joined',
  at,
});
const left = (nickname: string, at = 0): PresenceChange => ({
  user: person(nickname),
  change: 'left',
  at,
});
const names = (count: number) => Array.from({ length: count }, (_, index) => `p${index + 1}`);

describe('describePresence', () => {
  it('names one, two or three people, and counts the rest after two', () => {
    expect(describePresence([joined('alice')])).toBe('alice joined');
    expect(describePresence([joined('alice'), joined('bob')])).toBe('alice and bob joined');
    expect(describePresence(['alice', 'bob', 'carol'].map((name) => left(name)))).toBe(
      'alice, bob and carol left',
    );
    expect(describePresence(['alice', 'bob', ...names(10)].map((name) => joined(name)))).toBe(
      'alice, bob and 10 others joined',
    );
    expect(describePresence(names(4).map((name) => joined(name)))).toBe(
      'p1, p2 and 2 others joined',
    );
  });

  it('says joins and leaves in one clause each, in the order each kind first happened', () => {
    expect(describePresence([joined('alice'), left('bob')])).toBe('alice joined, bob left');
    expect(describePresence([left('bob'), joined('alice'), joined('carol'), left('dave')])).toBe(
      'bob and dave left, alice and carol joined',
    );
    // Someone who joined and (not quickly) left again is in both, once each.
    expect(describePresence([joined('alice'), joined('bob'), left('alice'), joined('alice')])).toBe(
      'alice and bob joined, alice left',
    );
  });
});

describe('addPresenceNotice', () => {
  interface Notice {
    text: string;
    presence?: PresenceChange;
  }
  const notice = (presence: PresenceChange) => ({ text: presence.change, presence });
  const other: Notice = { text: 'The server is restarting' };

  it('takes back a leave when the same person returns within the quick-return time', () => {
    const start: Notice[] = [notice(joined('alice', 0)), notice(left('bob', 1_000)), other];
    const back = addPresenceNotice(start, notice(joined('bob', 1_000 + QUICK_RETURN_MS)));
    expect(back).toEqual([start[0], other]);
    // The same return a moment later is news: both are shown.
    const late = addPresenceNotice(start, notice(joined('bob', 1_001 + QUICK_RETURN_MS)));
    expect(late).toEqual([...start, notice(joined('bob', 1_001 + QUICK_RETURN_MS))]);
  });

  it('keeps a return under another name, a join with no leave before it, and leaves', () => {
    const start: Notice[] = [notice(left('bob', 0))];
    const renamed = notice({ user: person('robert', 'u-bob'), change: 'joined', at: 10 });
    expect(addPresenceNotice(start, renamed)).toEqual([...start, renamed]);
    // Another person's leave is not taken back.
    expect(addPresenceNotice(start, notice(joined('carol', 10)))).toHaveLength(2);
    // Only the person's latest change counts: bob came back (not quickly) and joins again.
    const returned: Notice[] = [notice(left('bob', 0)), notice(joined('bob', QUICK_RETURN_MS + 1))];
    expect(addPresenceNotice(returned, notice(joined('bob', QUICK_RETURN_MS + 2)))).toHaveLength(3);
    expect(addPresenceNotice<Notice>([], notice(left('bob', 0)))).toEqual([notice(left('bob', 0))]);
  });
});

describe('collapsePresence', () => {
  const line = (key: string, ...presence: PresenceChange[]): TimelineEntry => ({
    kind: 'notice',
    key,
    text: describePresence(presence),
    tone: 'info',
    at: presence.at(-1)!.at,
    presence,
  });
  const warning: TimelineEntry = { kind: 'notice', key: 'w', text: 'Oops', tone: 'warning', at: 5 };
  const shape = (entries: TimelineEntry[]) =>
    entries.map((entry) => (entry.kind === 'notice' ? `${entry.key}: ${entry.text}` : entry.key));

  it('makes a run of joins and leaves one line, keyed by its first and dated by its last', () => {
    const run = ['alice', 'bob', ...names(10)].map((name, index) =>
      line(`n${index}`, joined(name, index)),
    );
    const collapsed = collapsePresence(run);
    expect(shape(collapsed)).toEqual(['n0: alice, bob and 10 others joined']);
    expect(collapsed[0]).toMatchObject({ at: 11 });
  });

  it('starts a new line after anything else: a message or another notice', () => {
    const message = { kind: 'message', key: 'm1' } as TimelineEntry;
    const entries = [
      line('n1', joined('alice', 1)),
      line('n2', left('bob', 2)),
      message,
      line('n3', joined('carol', 3)),
      warning,
      line('n4', joined('dave', 4)),
      line('n5', joined('erin', 5)),
    ];
    expect(shape(collapsePresence(entries))).toEqual([
      'n1: alice joined, bob left',
      'm1',
      'n3: carol joined',
      'w: Oops',
      'n4: dave and erin joined',
    ]);
  });
});
