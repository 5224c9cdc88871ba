/**
 * Protocol values for the renderer's unit specs (`*.svelte.spec.ts`): two people, messages with
 * fresh ids, and the acknowledgements of joining the server and a room. Not used by the app.
 */
import type {
  ChatMessage,
  JoinedRoom,
  JoinedSession,
  RoomInfo,
  User,
} from '../../../shared/protocol';

export const alice: User = { id: 'u-alice', nickname: 'alice' };
export const bob: User = { id: 'u-bob', nickname: 'bob' };

let nextId = 1;

/**
 * A message in `room` (by bob unless told), with an id higher than any before it; "@alice" and
 * "@bob" in `text` mention them, as the server would resolve it.
 */
export function message(room: string, text: string, author: User = bob): ChatMessage {
  const id = nextId++;
  const mentions = [alice, bob].filter((person) =>
    new RegExp(`(^|\\W)@${person.nickname}(\\W|$)`, 'i').test(text),
  );
  return {
    id,
    clientId: `c${id}`,
    room,
    author,
    text,
    sentAt: 1_767_225_600_000,
    ...(mentions.length > 0 ? { mentions } : {}),
  };
}

/** alice's join acknowledgement for the lobby of server "Lab", where bob is too. */
export function lobbySession(messages: ChatMessage[] = [], rooms: RoomInfo[] = []): JoinedSession {
  return {
    self: alice,
    room: 'lobby',
    users: [alice, bob],
    userCount: 2,
    presence: {
      [alice.id]: { status: 'online', since: 1_767_225_600_000 },
      [bob.id]: { status: 'online', since: 1_767_225_600_000 },
    },
    messages,
    hasMore: false,
    hasOlder: false,
    rooms,
    roomCount: rooms.length,
    host: false,
    directs: [],
    readPositions: {},
    serverName: 'Lab',
    protocolVersion: 1,
  };
}

/** The acknowledgement of joining `room`, where alice and bob are. */
export function joinedRoom(
  room: RoomInfo,
  messages: ChatMessage[] = [],
  hasOlder = false,
): JoinedRoom {
  return { room, users: [alice, bob], userCount: 2, messages, hasMore: false, hasOlder };
}
