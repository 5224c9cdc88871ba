/**
 * ChatClient in a crowd larger than a join lists: the session says how many people there are
 * and where the rest start, and listPeople pages through them (and searches them) on a real
 * server that lists 3 people per join.
 */
import { describe, expect, it } from 'vitest';
import { client, joinRaw, startServer, urlOf } from '../../tests/support/chat';
import { LOBBY } from '../shared/limits';

const NAMES = ['ann', 'bob', 'cat', 'dan', 'eve'];

describe('ChatClient and the people of a crowded room', () => {
  it('joins with the first page and the count, pages through the rest, searches, and checks its input', async () => {
    const server = await startServer({ joinPeoplePage: 3 });
    for (const name of NAMES) await joinRaw(server, name);
    const chat = client();
    const joined = await chat.connect(urlOf(server), 'zed');
    if (!joined.ok) throw new Error(joined.error.message);
    const { session } = joined;
    expect(session.users.map((user) => user.nickname)).toEqual(['ann', 'bob', 'zed']);
    expect(session.userCount).toBe(6);
    expect(session.usersNext).toBeTypeOf('number');

    const rest = await chat.listPeople({ room: LOBBY, after: session.usersNext });
    if (!rest.ok) throw new Error(rest.error.message);
    expect(rest.users.map((user) => user.nickname)).toEqual(['cat', 'dan', 'eve', 'zed']);
    expect(rest.next).toBeUndefined();

    const found = await chat.listPeople({ query: 'EV' });
    expect(found).toMatchObject({ ok: true, total: 1, users: [{ nickname: 'eve' }] });

    // Checked here as the server would, before anything is sent.
    expect(await chat.listPeople({ after: -5 })).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: expect.stringMatching(/after cannot be negative/),
      },
    });
    // The server's refusal comes back as it is.
    expect(await chat.listPeople({ room: 'r-nowhere' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    await chat.disconnect();
    expect(await chat.listPeople({})).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
  });
});
