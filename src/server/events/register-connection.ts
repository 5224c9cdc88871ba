/**
 * Everything a new connection gets: its handlers from each domain (session, messages, rooms and
 * direct conversations, who is in them, files, moderation), bound through the one door of
 * bind-events.ts, and the clean-up when it closes (its limits forgotten, the others told it left).
 */
import type { ParleySocket } from '../socket-types';
import type { ClientEventName } from '../../shared/client-events';
import {
  eventListener,
  type BindHooks,
  type EventHandler,
  type EventHandlers,
} from './bind-events';
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

/** What every connection of a server is given: made once per server, not once per connection. */
interface ServerListeners {
  /** Each connection's own state, by its socket. */
  connections: WeakMap<ParleySocket, Connection>;
  onEvent: (this: ParleySocket, event: string, ...args: unknown[]) => void;
  onDisconnecting: (this: ParleySocket) => void;
  onDisconnect: (this: ParleySocket) => void;
}

const LISTENERS = new WeakMap<ServerParts, ServerListeners>();

/**
 * The listeners of `parts`' connections: the same three functions for every connection, which
 * Socket.IO calls with its socket as `this` (a closure per connection and per listener, each with
 * its scope, was about a tenth of what an idle connection kept: issue 17).
 */
function listenersOf(parts: ServerParts): ServerListeners {
  const known = LISTENERS.get(parts);
  if (known) return known;
  const { roster, containment, onError } = parts;
  const connections = new WeakMap<ParleySocket, Connection>();
  const hooks: BindHooks = {
    onError,
    session: (socket) => roster.get(socket.id) ?? null,
    silenced: (socket) => containment.isSilenced(socket.id),
    onRefused: (socket, answer) => void containment.refused(socket, answer).catch(onError),
  };
  const listeners: ServerListeners = {
    connections,
    onEvent: eventListener(hooks, (socket, event) => handlerFor(connections.get(socket)!, event)),
    onDisconnecting(this: ParleySocket) {
      const connection = connections.get(this);
      if (connection) {
        connection.roomsAtDisconnect = [...this.rooms].filter((room) => room !== this.id);
      }
    },
    onDisconnect(this: ParleySocket) {
      const connection = connections.get(this);
      connections.delete(this);
      parts.connectionLimits.disconnected(this);
      for (const name of PER_CONNECTION_LIMITERS) void parts.limiters[name].delete(this.id);
      containment.forget(this.id);
      const rooms = connection?.roomsAtDisconnect ?? [];
      for (const room of rooms) parts.countChanged(room);
      // A session taken over by a resume was already removed: no "left" notice for it. The
      // person's other devices stay: announceLeft tells only the rooms none of them is in.
      const session = roster.remove(this.id);
      if (!session) return;
      const typingIn = connection?.typingIn ?? null;
      if (typingIn !== null) connection!.setTyping(session.user, typingIn, false);
      announceLeft(parts, session, rooms);
    },
  };
  LISTENERS.set(parts, listeners);
  return listeners;
}

/** `connection`'s handler of `event`, its domain's handlers made at its first event of it. */
function handlerFor<E extends ClientEventName>(connection: Connection, event: E): EventHandler<E> {
  const domain = DOMAIN_OF[event];
  let handlers = connection.handlersByDomain?.get(domain);
  if (!handlers) {
    handlers = domain(connection);
    if (domain !== sessionEvents) {
      (connection.handlersByDomain ??= new Map()).set(domain, handlers);
    }
  }
  return handlers[event] as EventHandler<E>;
}

export function registerConnection(socket: ParleySocket, parts: ServerParts): void {
  const listeners = listenersOf(parts);
  listeners.connections.set(socket, new Connection(socket, parts));
  socket.onAny(listeners.onEvent);
  socket.on('disconnecting', listeners.onDisconnecting);
  socket.on('disconnect', listeners.onDisconnect);
}
