/**
 * The client event table (src/shared/client-events.ts) is what the server binds: these tests try
 * it from the outside (every event that needs a session refuses a connection without one, with a
 * payload its schema accepts) and from the compiler's side (a handler with the wrong reply, or a
 * missing handler, is a type error: `@ts-expect-error` fails the type check when it is not).
 */
import { describe, expect, it } from 'vitest';
import { emitRaw, joinRaw, rawSocket, startServer } from '../../../tests/support/chat';
import {
  CLIENT_EVENT_TABLE,
  CLIENT_EVENTS,
  type ClientPayload,
  type JoinedEventName,
} from '../../shared/client-events';
import { ok } from '../../shared/result';
import type { EventHandler, EventHandlers } from './bind-events';

/** A payload each event's schema accepts; the mapped type makes the list complete. */
const VALID: { [E in JoinedEventName]: ClientPayload<E> } = {
  'message:send': { clientId: 'c-1', text: 'hello' },
  'message:change': {
    clientId: 'c-2',
    change: { kind: 'reaction', target: 1, emoji: '👍', add: true },
  },
  'room:pins': {},
  'typing:set': { typing: true },
  'presence:set': { status: 'busy', text: 'In a meeting' },
  'history:fetch': { after: 0 },
  'search:query': { text: 'hello' },
  'room:create': { name: 'Design' },
  'room:join': { room: 'lobby' },
  'room:leave': { room: 'r-abc' },
  'room:delete': { room: 'r-abc' },
  'room:list': { search: 'des' },
  'people:page': { room: 'lobby', after: 0, query: 'al' },
  'room:read': { room: 'lobby', id: 1 },
  'device:link-code': {},
  'dm:open': { nickname: 'bob' },
  'name:release': { nickname: 'bob' },
  'role:set': { userId: `p-${'a'.repeat(22)}`, role: 'moderator' },
  'person:remove': { userId: `p-${'a'.repeat(22)}`, minutes: 60 },
  'name:set': { userId: `p-${'a'.repeat(22)}`, nickname: 'robert' },
  'file:begin': { name: 'a.txt', type: 'text/plain', size: 3 },
  'file:read': { id: 'a'.repeat(64), offset: 0, length: 1 },
};

describe('the client event table', () => {
  it('names every event once, each with a schema', () => {
    expect(new Set(CLIENT_EVENTS).size).toBe(CLIENT_EVENTS.length);
    for (const event of CLIENT_EVENTS) {
      expect(typeof CLIENT_EVENT_TABLE[event].schema.safeParse, event).toBe('function');
    }
  });

  it('gives the example payloads that its schemas accept', () => {
    for (const [event, payload] of Object.entries(VALID)) {
      const parsed = CLIENT_EVENT_TABLE[event as JoinedEventName].schema.safeParse(payload);
      expect(parsed.success, event).toBe(true);
    }
  });

  it('refuses every event that needs a session with not_joined until the connection joins', async () => {
    const server = await startServer();
    const stranger = await rawSocket(server);
    const joined = Object.entries(CLIENT_EVENT_TABLE).filter(([, row]) => row.joined);
    expect(joined.map(([event]) => event).sort()).toEqual(Object.keys(VALID).sort());
    for (const [event, payload] of Object.entries(VALID)) {
      const reply = await emitRaw(stranger, event, payload);
      expect(reply, event).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    }
    // …and the same request goes through once joined.
    const member = await joinRaw(server, 'alice');
    expect(await emitRaw(member, 'message:send', VALID['message:send'])).toMatchObject({
      ok: true,
    });
  });

  it('does not compile a handler that replies with the wrong shape, or a missing handler', () => {
    const wrongReply: EventHandler<'room:create'> = {
      limits: [],
      // @ts-expect-error: room:create acknowledges with { room: RoomInfo }
      handle: () => ok({ bogus: 1 }),
    };
    // @ts-expect-error: session:join and the other events have no handler here
    const missing: EventHandlers = { 'room:create': wrongReply };
    expect(missing).toBeDefined();
  });
});
