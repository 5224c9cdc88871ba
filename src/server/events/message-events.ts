/**
 * Messages and what goes with them: `message:send` (replies too), `message:change` (edits,
 * deletes, reactions, pins: entries of the room's log), `typing:set`, `history:fetch`,
 * `room:pins`.
 */
import { LIMITS, LOBBY } from '../../shared/limits';
import { fail, ok } from '../../shared/result';
import { StorageError } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function messageEvents(
  connection: Connection,
): Pick<
  EventHandlers,
  'message:send' | 'message:change' | 'typing:set' | 'history:fetch' | 'room:pins'
> {
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
        const { clientId, text, replyTo } = payload;
        if (replyTo === undefined) return connection.publish(session.user, roomId, clientId, text);
        return connection.publishRelated(session.user, roomId, clientId, text, { replyTo });
      },
    },

    'message:change': {
      // Changes are entries of the room's log like messages, and share their limits.
      limits: [
        connection.perConnection(limiters.message),
        connection.perAddress(limiters.messagePerAddress),
      ],
      handle: async (payload, { session }) => {
        const roomId = payload.room ?? LOBBY;
        const refused = connection.cannotPost(roomId);
        if (refused) return refused;
        const { change, clientId } = payload;
        // Its target is read before it is written: when the store cannot be read (a cluster's
        // database restarting), the change is refused as its write would be, for the sender to
        // keep and try again, not as a server failure (`internal`), which a client drops.
        const target = await parts.history.find(roomId, change.target).catch((error: unknown) => {
          throw StorageError.fromWriteFailure(error);
        });
        if (!target || target.change) {
          return fail('unknown_message', `There is no message ${change.target} in this room.`);
        }
        const own = target.author.id === session.user.id;
        if (change.kind === 'edit' && !own) {
          return fail('not_allowed', 'Only its author may edit a message.');
        }
        if (
          change.kind === 'delete' &&
          !own &&
          !parts.mayModerate(session.user, connection.address, roomId)
        ) {
          return fail(
            'not_allowed',
            'Only its author, the host or a moderator may delete a message.',
          );
        }
        if (
          change.kind === 'reaction' &&
          change.add &&
          (target.reactions?.length ?? 0) >= LIMITS.reactionsPerMessage &&
          !target.reactions?.some((reaction) => reaction.emoji === change.emoji)
        ) {
          return fail(
            'invalid_payload',
            `A message can have at most ${LIMITS.reactionsPerMessage} different reactions.`,
          );
        }
        return connection.publishRelated(session.user, roomId, clientId, '', { change });
      },
    },

    'room:pins': {
      limits: [connection.perConnection(limiters.history)],
      handle: async (payload) => {
        const room = payload.room ?? LOBBY;
        if (!parts.rooms.get(room)) return fail('unknown_room', `There is no room "${room}".`);
        if (!socket.rooms.has(room)) return fail('not_in_room', 'Join the room first.');
        return ok({ messages: await parts.history.pinned(room) });
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
