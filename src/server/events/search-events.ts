/**
 * `search:query`: the messages one may read that hold the words asked for — named rooms (the
 * lobby among them) and one's own direct conversations (by identity), newest first, each with
 * its room as the asker sees it and a snippet with the matches as ranges.
 */
import { LIMITS } from '../../shared/limits';
import type { SearchResult } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import { isMember } from '../rooms';
import { snippetOf } from '../search/snippet';
import type { StoredRoom } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function searchEvents(connection: Connection): Pick<EventHandlers, 'search:query'> {
  const { parts } = connection;
  return {
    'search:query': {
      limits: [connection.perConnection(parts.limiters.search)],
      handle: async (payload, { session }) => {
        const viewer = session.user.id;
        const readable = (room: StoredRoom | undefined): room is StoredRoom =>
          room !== undefined && (room.kind === 'room' || isMember(room, viewer));
        // A direct conversation of others is answered like a room that does not exist.
        if (payload.room !== undefined && !readable(parts.rooms.get(payload.room))) {
          return fail('unknown_room', `There is no room "${payload.room}" you can read.`);
        }
        const hits = await parts.search.search({
          text: payload.text,
          room: payload.room,
          author: payload.author,
          before: payload.before,
          limit: payload.limit ?? LIMITS.searchDefaultLength,
          readable: (room) => readable(parts.rooms.get(room)),
        });
        const results: SearchResult[] = [];
        for (const message of hits.messages) {
          // Readable a moment ago (checked by the filter); a room deleted since is skipped.
          const room = parts.rooms.get(message.room);
          if (!readable(room)) continue;
          results.push({
            message,
            room: connection.info(room, viewer),
            snippet: snippetOf(message.text, hits.terms),
          });
        }
        return ok({ results, hasMore: hits.hasMore });
      },
    },
  };
}
