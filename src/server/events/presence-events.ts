/** `presence:set`: a person says they are online, away or busy, with a status line or none. */
import { LOBBY } from '../../shared/limits';
import { ok } from '../../shared/result';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function presenceEvents(connection: Connection): Pick<EventHandlers, 'presence:set'> {
  const { parts } = connection;
  return {
    'presence:set': {
      limits: [connection.perConnection(parts.limiters.presence)],
      handle: ({ status, text }, { session }) => {
        const presence = parts.presence.set(session.user.id, status, text);
        parts.cluster?.send({ t: 'presence', userId: session.user.id, presence });
        // Everyone joined is in the lobby: presence is shown in every room's people list.
        void parts.broadcasterFor(LOBBY).emit('presence:changed', { user: session.user, presence });
        return ok({ presence });
      },
    },
  };
}
