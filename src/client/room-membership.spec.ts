/**
 * RoomMembership against a bare Socket.IO server that answers joins as the test says: what a join
 * and a rejoin ask for, getting back into every room after a reconnect (and dropping one that is
 * gone), and when a join counts as complete.
 */
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../shared/api';
import { LOBBY } from '../shared/limits';
import type { ChatMessage, JoinedRoom, JoinedSession, RoomInfo } from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import type { JoinPayload, RoomJoinPayload } from '../shared/schemas';
import { timedRequest } from './acked-request';
import { joinProof, memoryDeviceKey } from './device-key';
import type { ParleyClientSocket } from './connection';
import { bareServer, chatMessage } from '../../tests/support/bare-server';
import { RoomCursors } from './room-cursors';
import { RoomMembership } from './room-membership';

/** Ed25519 signatures are deterministic: the test can make the proof it expects. */
const deviceKey = memoryDeviceKey();

const message = (id: number, room: string): ChatMessage => chatMessage(id, { room });

const roomInfo = (id: string): RoomInfo => ({ id, kind: 'room', name: id, members: 2 });

function session(messages: ChatMessage[]): Result<JoinedSession> {
  return ok({
    self: { id: 'u1', nickname: 'alice' },
    room: LOBBY,
    users: [],
    userCount: 0,
    presence: {},
    messages,
    hasMore: false,
    hasOlder: false,
    rooms: [],
    roomCount: 1,
    directs: [],
    readPositions: {},
    host: false,
    serverName: 'test',
    protocolVersion: 2,
  });
}

function room(id: string, messages: ChatMessage[]): Result<JoinedRoom> {
  return ok({
    room: roomInfo(id),
    users: [],
    userCount: 0,
    messages,
    hasMore: false,
    hasOlder: false,
  });
}

/** What the server answers: `session:join` and `room:join`, by the test's functions. */
interface Answers {
  join: (payload: JoinPayload) => Result<JoinedSession>;
  room: (payload: RoomJoinPayload) => Result<JoinedRoom>;
}

async function setUp(answers: Answers) {
  const asked: Array<JoinPayload | RoomJoinPayload> = [];
  const { connect } = await bareServer((peer) => {
    let challenges = 0;
    peer.on('session:challenge', (_payload, ack) => ack(ok({ challenge: `c${++challenges}` })));
    peer.on('session:join', (payload, ack) => {
      asked.push(payload);
      ack(answers.join(payload));
    });
    peer.on('room:join', (payload, ack) => {
      asked.push(payload);
      ack(answers.room(payload));
    });
  });

  const state: { current: ParleyClientSocket | null } = { current: await connect() };
  const events: ChatEvent[] = [];
  const completed: boolean[] = [];
  const request = timedRequest(5_000);
  const emit = (event: ChatEvent) => void events.push(event);
  const currentSocket = () => state.current;
  const membership: RoomMembership = new RoomMembership({
    request,
    emit,
    currentSocket,
    cursors: new RoomCursors({
      request,
      emit,
      currentSocket,
      joinedSocket: () => membership.joinedSocket(),
    }),
    joined: (rejoining) => void completed.push(rejoining),
    deviceKey,
    // This bare server gives no challenge unasked (as an older Parley): each join asks for one.
    takeChallenge: () => null,
  });
  return { membership, state, connect, asked, events, completed };
}

describe('RoomMembership', () => {
  it('asks for a new challenge and signs again, once, when its proof does not match', async () => {
    let joins = 0;
    const { membership, state, asked } = await setUp({
      // The first proof was made for a connection that dropped meanwhile (see #requestSession).
      join: () =>
        ++joins === 1
          ? fail('identity_unproven', 'The device key proof does not match: join again.')
          : session([]),
      room: (payload) => room(payload.room, []),
    });
    membership.start('alice', undefined, 'chat.example:4000');
    expect(await membership.join(state.current!)).toMatchObject({ ok: true });
    const proof = async (challenge: string) => joinProof(deviceKey, challenge, 'chat.example:4000');
    expect(asked).toEqual([
      { nickname: 'alice', key: await proof('c1') },
      { nickname: 'alice', key: await proof('c2') },
    ]);
  });

  it('gives up after a second proof that does not match', async () => {
    const { membership, state, asked } = await setUp({
      join: () => fail('identity_unproven', 'The device key proof does not match: join again.'),
      room: (payload) => room(payload.room, []),
    });
    membership.start('alice', undefined, 'chat.example:4000');
    expect(await membership.join(state.current!)).toMatchObject({
      ok: false,
      error: { code: 'identity_unproven' },
    });
    expect(asked).toHaveLength(2);
  });

  it('joins, then rejoins with a new proof and the newest ids held, room by room', async () => {
    const { membership, state, connect, asked, events, completed } = await setUp({
      join: (payload) => session(payload.since ? [message(3, LOBBY)] : [message(1, LOBBY)]),
      room: (payload) => room(payload.room, payload.since ? [] : [message(2, payload.room)]),
    });
    membership.start('alice', 'open sesame', 'chat.example:4000');
    const joined = await membership.join(state.current!);
    expect(joined).toMatchObject({ ok: true, session: { self: { id: 'u1' } } });
    expect(completed).toEqual([false]);
    expect(await membership.joinRoom('r-design')).toMatchObject({ ok: true });
    expect(membership.rooms.map((info) => info.id)).toEqual(['r-design']);

    // A reconnection: a new socket, and the same person.
    state.current = await connect();
    expect((await membership.join(state.current)).ok).toBe(true);
    expect(completed).toEqual([false, true]);
    // Each join signs that connection's challenge, for the host the client connected to.
    const proof = async (challenge: string) => joinProof(deviceKey, challenge, 'chat.example:4000');
    expect(asked).toEqual([
      { nickname: 'alice', passphrase: 'open sesame', key: await proof('c1') },
      { room: 'r-design' },
      { nickname: 'alice', passphrase: 'open sesame', since: 1, key: await proof('c1') },
      { room: 'r-design', since: 2 },
    ]);
    const delivered = events.flatMap((event) =>
      event.type === 'session'
        ? event.session.messages.map((seen) => seen.id)
        : event.type === 'room-joined'
          ? event.joined.messages.map((seen) => seen.id)
          : [],
    );
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('drops a room that is gone when rejoining, and says so', async () => {
    const gone = new Set<string>();
    const { membership, state, connect, events } = await setUp({
      join: () => session([]),
      room: (payload) =>
        gone.has(payload.room)
          ? fail('unknown_room', 'There is no such room.')
          : room(payload.room, []),
    });
    membership.start('alice', undefined, 'chat.example');
    await membership.join(state.current!);
    await membership.joinRoom('r-kept');
    await membership.joinRoom('r-gone');
    gone.add('r-gone');
    state.current = await connect();
    expect((await membership.join(state.current)).ok).toBe(true);
    expect(membership.rooms.map((info) => info.id)).toEqual(['r-kept']);
    expect(events.filter((event) => event.type === 'room-left')).toEqual([
      { type: 'room-left', room: 'r-gone' },
    ]);
  });

  it('does not count a join on a socket that was replaced meanwhile', async () => {
    const { membership, state, completed } = await setUp({
      join: () => session([]),
      room: (payload) => room(payload.room, []),
    });
    membership.start('alice', undefined, 'chat.example');
    const socket = state.current!;
    const joining = membership.join(socket);
    state.current = null;
    expect(await joining).toMatchObject({ ok: false, error: { code: 'not_connected' } });
    expect(completed).toEqual([]);
  });

  it('passes a refused join on, and is not joined', async () => {
    const { membership, state, completed } = await setUp({
      join: () => fail('nickname_taken', 'Someone online is called alice.'),
      room: (payload) => room(payload.room, []),
    });
    membership.start('alice', undefined, 'chat.example');
    expect(await membership.join(state.current!)).toMatchObject({
      ok: false,
      error: { code: 'nickname_taken' },
    });
    expect(membership.session).toBeNull();
    expect(membership.joinedSocket()).toBeNull();
    expect(await membership.joinRoom('r-design')).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
    expect(completed).toEqual([]);
  });
});
