/**
 * `people:page`: the people in a room one is in, a page at a time, in the order they came online,
 * optionally only those whose nickname contains a text (what @mention suggestions ask when the
 * list they hold is not everyone). Join acknowledgements carry the first page only, so that they
 * do not grow with the room; this lists the rest.
 */
import { LIMITS, LOBBY } from '../../shared/limits';
import { fail, ok } from '../../shared/result';
import { isMember } from '../rooms';
import type { EventHandlers } from './bind-events';
import { noteListed, type Connection } from './connection';

export function peopleEvents(connection: Connection): Pick<EventHandlers, 'people:page'> {
  const { socket, parts } = connection;
  return {
    'people:page': {
      // Counted with history pages: both page through what a join did not send.
      limits: [connection.perConnection(parts.limiters.history)],
      handle: (payload, { session }) => {
        const id = payload.room ?? LOBBY;
        const room = parts.rooms.get(id);
        // A direct conversation of others is answered as if it did not exist.
        if (!room || (room.kind === 'direct' && !isMember(room, session.user.id))) {
          return fail('unknown_room', `There is no room "${id}".`);
        }
        if (!socket.rooms.has(room.id)) {
          return fail('not_in_room', 'Join the room first: only its people see who is in it.');
        }
        const page = connection.peoplePage(room.id, {
          after: payload.after,
          query: payload.query,
          limit: payload.limit ?? LIMITS.peoplePageLength,
        });
        // The next page of the list this connection holds: it hears of these people now too.
        const listed = socket.data.listed?.[room.id];
        if (!payload.query && listed !== undefined && (payload.after ?? 0) === listed) {
          noteListed(socket, room.id, page.next);
        }
        return ok(page);
      },
    },
  };
}
