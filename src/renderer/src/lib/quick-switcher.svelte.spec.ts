/**
 * The quick switcher's state: what it offers (rooms, conversations, people, servers; never where
 * the person is already), how typing narrows and ranks it, the arrow keys, and what choosing does.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SavedServer } from '../../../shared/api';
import type { User } from '../../../shared/protocol';
import type { RoomEntry } from './conversations.svelte';
import { MAX_CHOICES, QuickSwitcher } from './quick-switcher.svelte';

function room(id: string, name: string, joined = true): RoomEntry {
  return { id, kind: 'room', name, members: 2, joined, deletable: false };
}

function direct(id: string, name: string, peer: string): RoomEntry {
  return { id, kind: 'direct', name, peer, members: 2, joined: true, deletable: false };
}

function server(url: string, name: string): SavedServer {
  return { url, name, serverName: name, renamed: false, nickname: 'alice', lastJoinedAt: 1 };
}

const alice: User = { id: 'u-alice', nickname: 'alice' };
const bob: User = { id: 'u-bob', nickname: 'bob' };
const erin: User = { id: 'u-erin', nickname: 'erin' };
const desmond: User = { id: 'u-desmond', nickname: 'desmond' };

function setup(findPeople?: (query: string) => Promise<readonly User[]>) {
  const state = $state({
    rooms: [
      room('lobby', 'Lobby'),
      room('r-design', 'Design'),
      room('r-dev', 'dev-ops', false),
      room('r-random', 'Random'),
    ],
    directs: [direct('d-bob', 'bob', bob.id)],
    people: [alice, bob, erin, desmond],
    current: 'lobby',
    servers: [server('http://here:4321', 'Here'), server('http://lab:4321', 'Lab')],
  });
  const actions = { onroom: vi.fn(), onperson: vi.fn(), onserver: vi.fn() };
  const switcher = new QuickSwitcher(
    {
      rooms: () => state.rooms,
      directs: () => state.directs,
      people: () => state.people,
      findPeople,
      selfId: () => alice.id,
      currentRoom: () => state.current,
      servers: () => state.servers,
      currentServer: () => 'http://here:4321',
    },
    actions,
  );
  return { state, actions, switcher };
}

/** After every answer already given has been taken in (they settle in microtasks). */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

const labels = (switcher: QuickSwitcher) => switcher.choices.map((choice) => choice.label);

describe('QuickSwitcher', () => {
  it('finds people past the lobby’s loaded pages by asking the server, for the latest query only', async () => {
    const carl: User = { id: 'u-carl', nickname: 'carl' };
    const carol: User = { id: 'u-carol', nickname: 'carol' };
    // The server's answers, held until the test lets them go, in any order.
    const answers: Array<{ query: string; give: (people: User[]) => void }> = [];
    const { switcher, actions } = setup(
      (query) => new Promise((resolve) => answers.push({ query, give: resolve })),
    );
    switcher.show();
    switcher.query = 'ca';
    switcher.input();
    switcher.query = 'car';
    switcher.input();
    expect(answers.map((answer) => answer.query)).toEqual(['ca', 'car']);
    // The answer to "car" comes first; the late one for "ca" is dropped.
    answers[1]!.give([carl, carol, erin]);
    await vi.waitFor(() => expect(labels(switcher)).toEqual(['carl', 'carol']));
    answers[0]!.give([carl]);
    await settled();
    expect(labels(switcher)).toEqual(['carl', 'carol']);
    // Someone loaded already is listed once.
    switcher.query = 'er';
    switcher.input();
    answers[2]!.give([erin]);
    await settled();
    expect(labels(switcher)).toEqual(['erin']);
    // Choosing someone found opens the conversation with them.
    switcher.query = 'carol';
    switcher.input();
    answers[3]!.give([carol]);
    await vi.waitFor(() => expect(labels(switcher)).toEqual(['carol']));
    expect(switcher.choose()).toBe(true);
    expect(actions.onperson).toHaveBeenCalledWith('carol');
  });

  it('offers rooms, conversations, people and other servers, not where the person is', () => {
    const { switcher, state } = setup();
    switcher.show();
    expect(switcher.open).toBe(true);
    // Not the lobby (on screen), not alice (herself), not bob (his conversation is listed), not
    // the server connected to.
    expect(labels(switcher)).toEqual([
      'Design',
      'dev-ops',
      'Random',
      'bob',
      'erin',
      'desmond',
      'Lab',
    ]);
    expect(switcher.choices.map((choice) => choice.kind)).toEqual([
      'room',
      'room',
      'room',
      'direct',
      'person',
      'person',
      'server',
    ]);
    expect(switcher.active).toBe(0);

    state.current = 'r-design';
    expect(labels(switcher)).toContain('Lobby');
    expect(labels(switcher)).not.toContain('Design');
  });

  it('narrows by what is typed: whole name first, then start, word start, anywhere, in order', () => {
    const { switcher } = setup();
    switcher.show();
    switcher.query = 'de';
    switcher.input();
    // Starts with "de" (in list order), then "de" inside a word: Random has none.
    expect(labels(switcher)).toEqual(['Design', 'dev-ops', 'desmond']);
    switcher.query = 'ops';
    expect(labels(switcher)).toEqual(['dev-ops']);
    switcher.query = 'ERIN';
    expect(labels(switcher)).toEqual(['erin']);
    // Letters in order, as typed fast: d…s…g.
    switcher.query = 'dsg';
    expect(labels(switcher)).toEqual(['Design']);
    switcher.query = 'zzz';
    expect(labels(switcher)).toEqual([]);
    expect(switcher.active).toBe(-1);
    expect(switcher.choose()).toBe(false);
    expect(switcher.open).toBe(true);
  });

  it('moves the active choice with the arrows, round at either end; typing starts over', () => {
    const { switcher } = setup();
    switcher.show();
    switcher.move(1);
    switcher.move(1);
    expect(switcher.active).toBe(2);
    switcher.move(-1);
    expect(switcher.active).toBe(1);
    switcher.moveTo('first');
    switcher.move(-1);
    expect(switcher.active).toBe(switcher.choices.length - 1);
    switcher.move(1);
    expect(switcher.active).toBe(0);
    switcher.moveTo('last');
    switcher.query = 'r';
    switcher.input();
    expect(switcher.active).toBe(0);
    // Showing again starts from nothing typed.
    switcher.close();
    switcher.show();
    expect(switcher.query).toBe('');
  });

  it('goes where the choice says and closes', () => {
    const { switcher, actions, state } = setup();
    switcher.show();
    switcher.query = 'random';
    expect(switcher.choose()).toBe(true);
    expect(actions.onroom).toHaveBeenCalledWith('r-random');
    expect(switcher.open).toBe(false);

    switcher.show();
    switcher.query = 'bob';
    switcher.choose();
    expect(actions.onroom).toHaveBeenLastCalledWith('d-bob');

    switcher.show();
    switcher.query = 'erin';
    switcher.choose();
    expect(actions.onperson).toHaveBeenCalledWith('erin');

    switcher.show();
    switcher.query = 'lab';
    switcher.choose();
    expect(actions.onserver).toHaveBeenCalledWith(state.servers[1]);

    // A choice by its index (a click), not the active one.
    switcher.show();
    switcher.choose(1);
    expect(actions.onroom).toHaveBeenLastCalledWith('r-dev');
  });

  it(`lists at most ${MAX_CHOICES} choices`, () => {
    const { switcher, state } = setup();
    state.rooms = Array.from({ length: MAX_CHOICES + 10 }, (_, n) => room(`r${n}`, `room ${n}`));
    switcher.show();
    expect(switcher.choices).toHaveLength(MAX_CHOICES);
  });
});
