/**
 * `session:join`: the door (removed-by-the-host cooldown, passphrase), the nickname (unique, or
 * taken back with a resume token after a reconnect), then the lobby with its history and the
 * server's rooms (the first page of them).
 */
import { LIMITS, LOBBY, PROTOCOL_VERSION } from '../../shared/limits';
import type { Presence, User } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import { nicknameKey } from '../../shared/schemas';
import type { Session } from '../roster';
import type { EventHandlers } from './bind-events';
import type { Connection, ServerParts } from './connection';

export function sessionEvents(connection: Connection): Pick<EventHandlers, 'session:join'> {
  const { socket, parts } = connection;
  const { io, roster } = parts;
  const lobby = parts.broadcasterFor(LOBBY);
  return {
    'session:join': {
      limits: [connection.perAddress(parts.limiters.join)],
      handle: async (payload) => {
        if (roster.get(socket.id)) {
          return fail('already_joined', 'This connection has already joined.');
        }
        const refused = await parts.moderation.admit(connection.address, payload.passphrase);
        if (refused) return refused;
        // The checks above wait: the connection may have closed, or joined, meanwhile.
        if (!socket.connected) return fail('internal', 'The connection closed while joining.');
        if (roster.get(socket.id)) {
          return fail('already_joined', 'This connection has already joined.');
        }
        const holder = roster.holderOf(payload.nickname);
        let previous: Session | undefined;
        if (holder) {
          if (!roster.canResume(payload.nickname, payload.resumeToken)) {
            const shown = holder.user.nickname;
            return fail(
              'nickname_taken',
              nicknameKey(shown) === nicknameKey(payload.nickname)
                ? `The nickname "${payload.nickname}" is taken. Choose another one.`
                : `The nickname "${payload.nickname}" looks the same as "${shown}", which is taken. Choose another one.`,
            );
          }
          // The same person reconnecting before the server noticed the old connection drop.
          previous = roster.remove(holder.socketId);
          const stale = io.sockets.sockets.get(holder.socketId);
          stale?.emit('session:ended', {
            code: 'session_replaced',
            message: 'You joined again from another connection.',
          });
          stale?.disconnect(true);
        }
        const session = roster.add(socket.id, payload.nickname, previous);
        socket.data.user = session.user;
        parts.presence.enter(session.user.id);
        socket.data.room = LOBBY;
        void socket.join(LOBBY);
        if (previous) {
          lobby.entered(socket.id);
        } else {
          void lobby.queue(
            'presence:joined',
            { room: LOBBY, user: session.user },
            { joiner: socket.id },
          );
        }
        // Read after joining the room, so nothing falls between the page and the broadcasts; a
        // message broadcast while the page is read may be in both (clients de-duplicate by id).
        parts.countChanged(LOBBY);
        const { messages, hasMore, hasOlder } = await connection.historyFor(LOBBY, payload.since);
        return ok({
          self: session.user,
          room: LOBBY,
          // The roster's shared, frozen list: a join storm copies nothing (it is sent as JSON).
          users: roster.users() as User[],
          presence: parts.presence.all() as Record<string, Presence>,
          messages,
          hasMore,
          hasOlder,
          // The first page only: thousands of rooms would make every join slow (room:list).
          rooms: parts.rooms
            .firstPage(LIMITS.joinRoomListLength, occupiedRooms(io))
            .map((room) => connection.info(room, session.user.nickname)),
          roomCount: parts.rooms.count,
          host: parts.isHost(connection.address),
          resumeToken: session.resumeToken,
          serverName: parts.serverName,
          protocolVersion: PROTOCOL_VERSION,
        });
      },
    },
  };
}

/** Socket.IO's rooms with people in them, with how many (socket ids too: the directory skips them). */
function* occupiedRooms(io: ServerParts['io']): Iterable<[string, number]> {
  for (const [id, sockets] of io.sockets.adapter.rooms) yield [id, sockets.size];
}
