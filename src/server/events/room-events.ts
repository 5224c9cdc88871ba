/**
 * Rooms and direct conversations: `room:create` (at most `maxRooms`, and a few per address),
 * `room:join`, `room:leave`, `room:delete` (the creator or the host), `room:list` (a page of
 * the rooms, searched by name) and `dm:open` (with a person online, or away: what is written
 * waits for them).
 */
import { LIMITS, LOBBY } from '../../shared/limits';
import type { JoinedRoom, User } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import { nameSkeleton } from '../../shared/name-skeleton';
import type { People } from '../people';
import { blockedFor, consume } from '../rate-limits';
import { isCreator, isMember } from '../rooms';
import { StorageError } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import { hasDeviceIn, noteListed, type Connection } from './connection';

export function roomEvents(
  connection: Connection,
): Pick<
  EventHandlers,
  'room:create' | 'room:join' | 'room:leave' | 'room:delete' | 'room:list' | 'dm:open'
> {
  const { socket, parts } = connection;
  const { roster } = parts;
  const limits = [connection.perConnection(parts.limiters.rooms)];
  const perAddress = connection.perAddress(parts.limiters.roomCreatePerAddress);
  return {
    'room:create': {
      limits,
      handle: async (payload, { session }) => {
        if (parts.rooms.count >= parts.maxRooms) {
          return fail(
            'too_many_rooms',
            `This server has as many rooms as it allows (${parts.maxRooms}). Ask the host, or delete a room you made.`,
          );
        }
        // Counted only for a room that would be made: a name taken costs nothing.
        if (perAddress && !parts.rooms.nameTaken(payload.name)) {
          if (!(await consume(perAddress.limiter, perAddress.key))) {
            const wait = await blockedFor(perAddress.limiter, perAddress.key);
            return fail(
              'rate_limited',
              `Too many rooms were made from your address. Try again in ${Math.ceil(wait / 60)} min.`,
            );
          }
        }
        const room = await parts.rooms.create(payload.name, Date.now(), session.user);
        if (!room) {
          return fail('room_exists', `A room named "${payload.name}" exists already.`);
        }
        const created = connection.info(room, session.user.id);
        void parts.broadcasterFor(LOBBY).emit('room:created', { room: created });
        return ok({ room: created });
      },
    },

    'room:join': {
      limits,
      handle: async (payload, { session }) => {
        const room = parts.rooms.get(payload.room);
        // A direct conversation of others is answered as if it did not exist.
        if (!room || (room.kind === 'direct' && !isMember(room, session.user.id))) {
          return fail('unknown_room', 'There is no such room.');
        }
        connection.enter(socket, room, session.user);
        const history = await connection.historyFor(room.id, payload.since);
        const joined: JoinedRoom = {
          room: connection.info(room, session.user.id),
          ...connection.firstPeople(socket, room.id, session.user),
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
        noteListed(socket, room.id, undefined);
        parts.countChanged(room.id);
        // Still there on another device: not gone for the others.
        if (room.kind === 'room' && !hasDeviceIn(parts, session.user.id, room.id)) {
          void parts
            .broadcasterFor(room.id)
            .queue(
              'presence:left',
              { room: room.id, user: session.user },
              { order: session.order },
            );
        }
        return ok({});
      },
    },

    'room:delete': {
      limits,
      handle: async (payload, { session }) => {
        const room = parts.rooms.get(payload.room);
        if (!room || (room.kind === 'direct' && !isMember(room, session.user.id))) {
          return fail('unknown_room', 'There is no such room.');
        }
        if (room.kind === 'direct') {
          return fail('not_allowed', 'A direct conversation cannot be deleted; close it instead.');
        }
        if (
          !parts.isHost(connection.address) &&
          !parts.moderation.isAdmin(session.user.id, connection.address) &&
          !isCreator(room, session.user.id)
        ) {
          return fail(
            'not_allowed',
            'Only the person who made this room, the host or an admin can delete it.',
          );
        }
        try {
          await parts.rooms.delete(room);
        } catch (error) {
          if (!(error instanceof StorageError)) throw error;
          parts.onError(error);
          return fail(
            error.code,
            error.code === 'storage_full'
              ? "The server's disk is full, so the room could not be deleted. It is still there; try again later."
              : 'The server could not delete the room (a storage error). It is still there; try again.',
          );
        }
        // Everyone in it is out of it, and everyone joined drops it from the list.
        parts.io.in(room.id).socketsLeave(room.id);
        parts.roomDeleted(room.id);
        void parts.broadcasterFor(LOBBY).emit('room:deleted', {
          room: room.id,
          roomCount: parts.rooms.count,
        });
        return ok({});
      },
    },

    'room:list': {
      limits,
      handle: (payload, { session }) => {
        const offset = payload.offset ?? 0;
        const limit = payload.limit ?? LIMITS.roomListPageLength;
        const { rooms, total } = parts.rooms.list(payload.search ?? '', offset, limit);
        return ok({
          rooms: rooms.map((room) => connection.info(room, session.user.id)),
          total,
          hasMore: offset + rooms.length < total,
        });
      },
    },

    'dm:open': {
      limits,
      handle: async (payload, { session }) => {
        if (nameSkeleton(payload.nickname) === nameSkeleton(session.user.nickname)) {
          return fail('invalid_payload', 'You cannot write to yourself.');
        }
        // The person called that now: online, or away with the name bound to them.
        const peer =
          roster.holderOf(payload.nickname)?.user ?? boundUser(parts.people, payload.nickname);
        if (!peer) {
          return fail(
            'unknown_user',
            `Nobody called "${payload.nickname}" has joined this server.`,
          );
        }
        const room = await parts.rooms.direct(
          [session.user.id, peer.id],
          [session.user.nickname, peer.nickname],
          Date.now(),
        );
        const history = await connection.historyFor(room.id, undefined);
        connection.enter(socket, room, session.user);
        await connection.bringPeerIn(room.id, session.user);
        return ok({
          room: connection.info(room, session.user.id),
          ...connection.firstPeople(socket, room.id, session.user),
          ...history,
        });
      },
    },
  };
}

/** The person a nickname is bound to, as a User; undefined when nobody holds it. */
function boundUser(people: People, nickname: string): User | undefined {
  const identity = people.holderOf(nickname);
  return identity?.nickname ? { id: identity.id, nickname: identity.nickname } : undefined;
}
