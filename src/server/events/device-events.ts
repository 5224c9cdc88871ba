/**
 * A person's devices and what follows them from one to another: `device:link-code` (a one-time
 * code another device joins with, to be this person: see link-codes.ts and `session:join`) and
 * `room:read` (how far the person has read a room, kept by the server and sent to their other
 * devices, so that unread counts agree everywhere).
 */
import { ok, fail } from '../../shared/result';
import { isMember } from '../rooms';
import { StorageError } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function deviceEvents(
  connection: Connection,
): Pick<EventHandlers, 'device:link-code' | 'room:read'> {
  const { socket, parts } = connection;
  return {
    'device:link-code': {
      limits: [connection.perConnection(parts.limiters.linkCode)],
      handle: async (_payload, { session }) => ok(await parts.linkCodes.issue(session.user.id)),
    },

    'room:read': {
      limits: [connection.perConnection(parts.limiters.read)],
      handle: async ({ room: roomId, id }, { session }) => {
        const room = parts.rooms.get(roomId);
        // A direct conversation of others is answered as if it did not exist.
        if (!room || (room.kind === 'direct' && !isMember(room, session.user.id))) {
          return fail('unknown_room', 'There is no such room.');
        }
        const [newest] = await parts.history.latest(room.id, 1);
        if (newest === undefined || id > newest.id) {
          return fail('invalid_payload', `The room has no message ${id} (yet): nothing was read.`);
        }
        const before = (await parts.history.readPositions.positions(session.user.id, [room.id]))[
          room.id
        ];
        let position: number;
        try {
          position = await parts.history.readPositions.advance(session.user.id, room.id, id);
        } catch (error) {
          if (!(error instanceof StorageError)) throw error;
          parts.onError(error);
          return fail(error.code, 'The server could not store how far you read. Try again.');
        }
        if (position !== before) {
          // The person's other devices: the same position there.
          for (const other of parts.roster.sessionsOf(session.user.id)) {
            if (other.socketId === socket.id) continue;
            parts.io.sockets.sockets.get(other.socketId)?.emit('room:read', {
              room: room.id,
              id: position,
            });
          }
        }
        return ok({ room: room.id, id: position });
      },
    },
  };
}
