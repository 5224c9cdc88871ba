/** Rooms and direct conversations: `room:create`, `room:join`, `room:leave`, `dm:open`. */
import { LOBBY } from '../../shared/limits';
import type { JoinedRoom } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import { nicknameKey } from '../../shared/schemas';
import { isMember } from '../rooms';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function roomEvents(
  connection: Connection,
): Pick<EventHandlers, 'room:create' | 'room:join' | 'room:leave' | 'dm:open'> {
  const { socket, parts } = connection;
  const { roster } = parts;
  const limits = [connection.perConnection(parts.limiters.rooms)];
  return {
    'room:create': {
      limits,
      handle: async (payload, { session }) => {
        const room = await parts.rooms.create(payload.name, Date.now());
        if (!room) {
          return fail('room_exists', `A room named "${payload.name}" exists already.`);
        }
        const created = connection.info(room, session.user.nickname);
        void parts.broadcasterFor(LOBBY).emit('room:created', { room: created });
        return ok({ room: created });
      },
    },

    'room:join': {
      limits,
      handle: async (payload, { session }) => {
        const room = parts.rooms.get(payload.room);
        // A direct conversation of others is answered as if it did not exist.
        if (!room || (room.kind === 'direct' && !isMember(room, session.user.nickname))) {
          return fail('unknown_room', 'There is no such room.');
        }
        connection.enter(socket, room, session.user);
        const history = await connection.historyFor(room.id, payload.since);
        const joined: JoinedRoom = {
          room: connection.info(room, session.user.nickname),
          users: connection.usersIn(room.id),
          ...history,
        };
        return ok(joined);
      },
    },

    'room:leave': {
      limits,
      handle: (payload, { session }) => {
        const room = parts.rooms.get(payload.room);
        if (!room || !socket.rooms.has(room.id)) return fail('not_in_room', 'You are not in it.');
        if (connection.typingIn === room.id) connection.setTyping(session.user, room.id, false);
        void socket.leave(room.id);
        parts.countChanged(room.id);
        if (room.kind === 'room') {
          void parts
            .broadcasterFor(room.id)
            .queue('presence:left', { room: room.id, user: session.user });
        }
        return ok({});
      },
    },

    'dm:open': {
      limits,
      handle: async (payload, { session }) => {
        if (nicknameKey(payload.nickname) === nicknameKey(session.user.nickname)) {
          return fail('invalid_payload', 'You cannot write to yourself.');
        }
        const peer = roster.holderOf(payload.nickname);
        if (!peer) return fail('user_offline', `${payload.nickname} is not online.`);
        const room = await parts.rooms.direct(
          session.user.nickname,
          peer.user.nickname,
          Date.now(),
        );
        const history = await connection.historyFor(room.id, undefined);
        connection.enter(socket, room, session.user);
        await connection.bringPeerIn(room.id, session.user);
        return ok({
          room: connection.info(room, session.user.nickname),
          users: connection.usersIn(room.id),
          ...history,
        });
      },
    },
  };
}
