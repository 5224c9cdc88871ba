/**
 * Everything a new connection gets: its handlers from each domain (session, messages, rooms and
 * direct conversations, who is in them, files, moderation), bound through the one door of bind-events.ts, and the clean-up
 * when it closes (its limits forgotten, the others told it left).
 */
import type { ParleySocket } from '../socket-types';
import { bindEvents, type EventHandlers } from './bind-events';
import {
  announceLeft,
  createConnection,
  PER_CONNECTION_LIMITERS,
  type ServerParts,
} from './connection';
import { deviceEvents } from './device-events';
import { fileEvents } from './file-events';
import { messageEvents } from './message-events';
import { moderationEvents } from './moderation-events';
import { peopleEvents } from './people-events';
import { presenceEvents } from './presence-events';
import { roomEvents } from './room-events';
import { searchEvents } from './search-events';
import { sessionEvents } from './session-events';

export function registerConnection(socket: ParleySocket, parts: ServerParts): void {
  const { roster, containment, onError } = parts;
  const connection = createConnection(socket, parts);
  const handlers: EventHandlers = {
    ...sessionEvents(connection),
    ...messageEvents(connection),
    ...presenceEvents(connection),
    ...roomEvents(connection),
    ...peopleEvents(connection),
    ...fileEvents(connection),
    ...moderationEvents(connection),
    ...deviceEvents(connection),
    ...searchEvents(connection),
  };
  bindEvents(socket, handlers, {
    onError,
    session: () => roster.get(socket.id) ?? null,
    silenced: () => containment.isSilenced(socket.id),
    onRefused: (answer) => void containment.refused(socket, answer).catch(onError),
  });

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
    announceLeft(parts, session.user, roomsAtDisconnect);
  });
}
