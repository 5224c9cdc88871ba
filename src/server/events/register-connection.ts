/**
 * Everything a new connection gets: its handlers from each domain (session, messages, rooms and
 * direct conversations, who is in them, files, moderation), bound through the one door of
 * bind-events.ts, and the clean-up when it closes (its limits forgotten, the others told it left).
 */
import type { ParleySocket } from '../socket-types';
import type { ClientEventName } from '../../shared/client-events';
import { bindEvents, type BindHooks, type EventHandler, type EventHandlers } from './bind-events';
import { announceLeft, Connection, PER_CONNECTION_LIMITERS, type ServerParts } from './connection';
import { deviceEvents } from './device-events';
import { fileEvents } from './file-events';
import { messageEvents } from './message-events';
import { moderationEvents } from './moderation-events';
import { peopleEvents } from './people-events';
import { presenceEvents } from './presence-events';
import { roomEvents } from './room-events';
import { searchEvents } from './search-events';
import { sessionEvents } from './session-events';

/**
 * The domain that handles each client event. A connection's handlers of a domain are made at its
 * first event of that domain: most people in a large room only read, and an idle connection then
 * keeps none of the closures of the nine domains (issue 17's memory per connection). The session's
 * are not kept at all: a connection joins once, and they hold no state of their own (the join's
 * challenge is in socket.data). An event missing here, or given to a domain that does not handle
 * it, does not compile.
 */
const DOMAIN_OF = {
  'session:challenge': sessionEvents,
  'session:join': sessionEvents,
  'name:release': sessionEvents,
  'message:send': messageEvents,
  'message:change': messageEvents,
  'typing:set': messageEvents,
  'history:fetch': messageEvents,
  'room:pins': messageEvents,
  'presence:set': presenceEvents,
  'room:create': roomEvents,
  'room:join': roomEvents,
  'room:leave': roomEvents,
  'room:delete': roomEvents,
  'room:list': roomEvents,
  'dm:open': roomEvents,
  'people:page': peopleEvents,
  'file:begin': fileEvents,
  'file:chunk': fileEvents,
  'file:end': fileEvents,
  'file:cancel': fileEvents,
  'file:read': fileEvents,
  'role:set': moderationEvents,
  'person:remove': moderationEvents,
  'name:set': moderationEvents,
  'device:link-code': deviceEvents,
  'room:read': deviceEvents,
  'search:query': searchEvents,
} satisfies { [E in ClientEventName]: (connection: Connection) => Pick<EventHandlers, E> };

type Domain = (typeof DOMAIN_OF)[ClientEventName];

/** The hooks bindEvents needs, made once per server (not once per connection). */
const HOOKS = new WeakMap<ServerParts, BindHooks>();
function hooksOf(parts: ServerParts): BindHooks {
  let hooks = HOOKS.get(parts);
  if (!hooks) {
    const { roster, containment, onError } = parts;
    hooks = {
      onError,
      session: (socket) => roster.get(socket.id) ?? null,
      silenced: (socket) => containment.isSilenced(socket.id),
      onRefused: (socket, answer) => void containment.refused(socket, answer).catch(onError),
    };
    HOOKS.set(parts, hooks);
  }
  return hooks;
}

export function registerConnection(socket: ParleySocket, parts: ServerParts): void {
  const { roster, containment } = parts;
  const connection = new Connection(socket, parts);
  let domains: Map<Domain, Partial<EventHandlers>> | null = null; // made at the first event
  const handlerFor = <E extends ClientEventName>(event: E): EventHandler<E> => {
    const domain = DOMAIN_OF[event];
    let handlers = domains?.get(domain);
    if (!handlers) {
      handlers = domain(connection);
      if (domain !== sessionEvents) (domains ??= new Map()).set(domain, handlers);
    }
    return handlers[event] as EventHandler<E>;
  };
  bindEvents(socket, handlerFor, hooksOf(parts));

  /** Rooms this connection is in, captured before Socket.IO forgets them on disconnect. */
  let roomsAtDisconnect: string[] = [];
  socket.on('disconnecting', () => {
    roomsAtDisconnect = [...socket.rooms].filter((room) => room !== socket.id);
  });
  socket.on('disconnect', () => {
    for (const name of PER_CONNECTION_LIMITERS) void parts.limiters[name].delete(socket.id);
    containment.forget(socket.id);
    for (const room of roomsAtDisconnect) parts.countChanged(room);
    // A session taken over by a resume was already removed: no "left" notice for it. The person's
    // other devices stay: announceLeft tells only the rooms none of them is in.
    const session = roster.remove(socket.id);
    if (!session) return;
    const typingIn = connection.typingIn;
    if (typingIn !== null) connection.setTyping(session.user, typingIn, false);
    announceLeft(parts, session, roomsAtDisconnect);
  });
}
