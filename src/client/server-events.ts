/**
 * What the server pushes to a joined client, turned into ChatEvents. Messages and opened direct
 * conversations go through their owners (RoomCursors, RoomMembership) so that ids stay in order;
 * the rest is passed on as it is.
 */
import type { ChatEvent } from '../shared/api';
import type { ChatMessage, JoinedRoom } from '../shared/protocol';
import type { ParleyClientSocket } from './connection';

export interface ServerEventTargets {
  emit: (event: ChatEvent) => void;
  deliver: (message: ChatMessage) => void;
  roomJoined: (joined: JoinedRoom) => void;
  roomDeleted: (room: string, roomCount: number) => void;
}

export function forwardServerEvents(socket: ParleyClientSocket, to: ServerEventTargets): void {
  socket.on('message:created', (message) => to.deliver(message));
  socket.on('room:created', ({ room }) => to.emit({ type: 'room-created', room }));
  socket.on('room:deleted', ({ room, roomCount }) => to.roomDeleted(room, roomCount));
  socket.on('room:counts', ({ counts }) => to.emit({ type: 'room-counts', counts }));
  socket.on('dm:opened', (joined) => void to.roomJoined(joined));
  socket.on('presence:joined', ({ room, user }) => to.emit({ type: 'user-joined', room, user }));
  socket.on('presence:left', ({ room, user }) => to.emit({ type: 'user-left', room, user }));
  socket.on('presence:changes', ({ room, changes }) => {
    for (const { left, ...user } of changes) {
      to.emit({ type: left ? 'user-left' : 'user-joined', room, user });
    }
  });
  socket.on('presence:changed', ({ user, presence }) =>
    to.emit({ type: 'presence', user, presence }),
  );
  socket.on('person:updated', ({ user }) => to.emit({ type: 'person-updated', user }));
  socket.on('room:read', ({ room, id }) => to.emit({ type: 'read', room, id }));
  socket.on('typing:updated', ({ room, user, typing }) =>
    to.emit({ type: 'typing', room, user, typing }),
  );
}
