/** Messages and what goes with them: `message:send`, `typing:set`, `history:fetch`. */
import { LIMITS, LOBBY } from '../../shared/limits';
import { fail, ok } from '../../shared/result';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function messageEvents(
  connection: Connection,
): Pick<EventHandlers, 'message:send' | 'typing:set' | 'history:fetch'> {
  const { socket, parts } = connection;
  const { limiters } = parts;
  return {
    'message:send': {
      limits: [
        connection.perConnection(limiters.message),
        connection.perAddress(limiters.messagePerAddress),
      ],
      handle: async (payload, { session }) => {
        const roomId = payload.room ?? LOBBY;
        const refused = connection.cannotPost(roomId);
        if (refused) return refused;
        return connection.publish(session.user, roomId, payload.clientId, payload.text);
      },
    },

    'typing:set': {
      limits: [connection.perConnection(limiters.typing)],
      handle: (payload, { session }) => {
        const room = payload.room ?? LOBBY;
        if (!socket.rooms.has(room)) return fail('not_in_room', 'Join the room first.');
        connection.setTyping(session.user, room, payload.typing);
        return ok({});
      },
    },

    'history:fetch': {
      limits: [connection.perConnection(limiters.history)],
      handle: async (payload) => {
        const room = payload.room ?? LOBBY;
        if (!parts.rooms.get(room)) return fail('unknown_room', `There is no room "${room}".`);
        if (!socket.rooms.has(room)) return fail('not_in_room', 'Join the room first.');
        const limit = payload.limit ?? LIMITS.historyPageLength;
        const query =
          payload.before === undefined ? { after: payload.after ?? 0 } : { before: payload.before };
        return ok(await parts.history.page(room, query, limit));
      },
    },
  };
}
