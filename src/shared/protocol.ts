/**
 * The wire protocol: Socket.IO event maps shared by the server, ChatClient and any typed
 * third-party client. docs/PROTOCOL.md describes the same events for other languages.
 */
import type { ErrorInfo } from './result';

// The client → server half of the protocol is a table (client-events.ts); its types are here too,
// so that one import gives a typed client everything.
export {
  CLIENT_EVENTS,
  type Ack,
  type ClientEventName,
  type ClientToServerEvents,
} from './client-events';

export interface User {
  /**
   * The person's identity (`p-…`): the same on every join and every linked device, never reused
   * by someone else. What conversations belong to; the nickname is only what they are called.
   */
  id: string;
  nickname: string;
}

/**
 * How a person shows to others: `online`; `away` (their app saw no activity for a while, or they
 * said so); `busy` (they get no notifications, mentions included). Server-wide, per session.
 */
export interface Presence {
  status: 'online' | 'away' | 'busy';
  /** Their status line; absent when they set none. */
  text?: string;
  /** When this presence was set (or the person joined), server time in ms since the epoch. */
  since: number;
}

export interface ChatMessage {
  /** Server-assigned, strictly increasing across the server: the one order all clients share. */
  id: number;
  /** The sender's own id for this message; resending it never creates a second message. */
  clientId: string;
  room: string;
  author: User;
  /** Empty only when `file` is there (a file sent without words). */
  text: string;
  /** A file sent with the message (see `file:begin`); absent for plain text. */
  file?: FileAttachment;
  /** Server time when the message was accepted, in ms since the Unix epoch. */
  sentAt: number;
}

/**
 * A stored file as messages carry it. `id` is the SHA-256 of its bytes (hex): the same bytes sent
 * twice are stored once. `name` is sanitized by the server; `type` is the sender's claim, a label
 * only — nothing received is ever opened or rendered as HTML.
 */
export interface FileAttachment {
  id: string;
  name: string;
  /** In bytes. */
  size: number;
  /** A MIME type such as `image/png`; `application/octet-stream` when the sender gave none. */
  type: string;
}

/** A room as clients see it. */
export interface RoomInfo {
  /** Opaque and stable: `lobby`, `r-…` for created rooms, `d-…` for direct conversations. */
  id: string;
  kind: 'room' | 'direct';
  /** The room's name; for a direct conversation, the other person's nickname. */
  name: string;
  /** A direct conversation's other person (their identity id). */
  peer?: string;
  /** People in the room right now. */
  members: number;
  /**
   * The nickname that created the room (it may delete it); absent for the lobby, direct
   * conversations and rooms made before servers kept it.
   */
  createdBy?: string;
}

/** The acknowledgement of `room:join` and `dm:open`. */
export interface JoinedRoom {
  room: RoomInfo;
  /** Everyone in the room now, the joiner included. */
  users: User[];
  /** Like JoinedSession.messages: the latest, or the first after `since`. */
  messages: ChatMessage[];
  hasMore: boolean;
  hasOlder: boolean;
}

export interface JoinedSession {
  self: User;
  room: string;
  /** Everyone online in the room, the joiner included, in join order. */
  users: User[];
  /** The presence of everyone online on the server (the joiner included), by user id. */
  presence: Record<string, Presence>;
  /**
   * Oldest first: without `since`, the latest messages; with `since`, the first messages after
   * it (catch-up).
   */
  messages: ChatMessage[];
  /** With `since`: more messages followed than fit; fetch them with `history:fetch` `after`. */
  hasMore: boolean;
  /** Older messages than the first of `messages` exist: `history:fetch` `before` pages back. */
  hasOlder: boolean;
  /**
   * The first page of the server's rooms: the lobby, then the busiest (most people, then newest),
   * at most LIMITS.joinRoomListLength in all. `room:list` pages through every room.
   */
  rooms: RoomInfo[];
  /** How many named rooms the server has (the lobby included). */
  roomCount: number;
  /**
   * This person's direct conversations (their other person online or not), the most recently
   * active first, at most LIMITS.joinDirectListLength. Open one with `room:join`.
   */
  directs: RoomInfo[];
  /** True when this connection is the host's (the server's own machine): it may delete any room. */
  host: boolean;
  serverName: string;
  protocolVersion: number;
}

/** The acknowledgement of `room:list`. */
export interface RoomPage {
  /** In name order (ignoring case), the lobby first. */
  rooms: RoomInfo[];
  /** How many rooms match the search (all rooms without one). */
  total: number;
  /** More rooms follow this page. */
  hasMore: boolean;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: ChatMessage[];
  /** More messages lie beyond this page in the direction asked for. */
  hasMore: boolean;
}

/** A stretch of a search result's snippet: `start` (inclusive) to `end` (exclusive), in UTF-16 units. */
export interface TextRange {
  start: number;
  end: number;
}

/** One message `search:query` found. */
export interface SearchResult {
  message: ChatMessage;
  /** Its room as the asker sees it (a direct conversation is named after the other person). */
  room: RoomInfo;
  /**
   * The part of the message text around the first match (the whole text when short), with `…`
   * where it was cut, and the matched words in it as ranges: plain text, never HTML.
   */
  snippet: { text: string; matches: TextRange[] };
}

/** The acknowledgement of `search:query`. */
export interface SearchPage {
  /** Newest first. */
  results: SearchResult[];
  /** Older matches follow: ask again with `before` set to the last result's message id. */
  hasMore: boolean;
}

export interface ServerToClientEvents {
  'message:created': (message: ChatMessage) => void;
  'presence:joined': (event: { room: string; user: User }) => void;
  'presence:left': (event: { room: string; user: User }) => void;
  /** Someone's presence changed (sent to everyone joined, the person included). */
  'presence:changed': (event: { user: User; presence: Presence }) => void;
  'typing:updated': (event: { room: string; user: User; typing: boolean }) => void;
  /** Someone created a room (sent to everyone). */
  'room:created': (event: { room: RoomInfo }) => void;
  /**
   * A room was deleted (sent to everyone joined): its members are out of it, and its messages are
   * gone. A room made later with the same name is a new room, with a new id. `roomCount`: how
   * many rooms are left, the lobby included.
   */
  'room:deleted': (event: { room: string; roomCount: number }) => void;
  /** How many people are in each room, for the rooms whose count changed (every few seconds). */
  'room:counts': (event: { counts: Record<string, number> }) => void;
  /** Someone opened a direct conversation with you; you are in it now. */
  'dm:opened': (event: JoinedRoom) => void;
  /** The server is shutting down; clients may reconnect when it is back. */
  'server:closing': (event: { reason: string }) => void;
  /** Sent just before the server disconnects this socket on purpose. */
  'session:ended': (event: ErrorInfo) => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  user?: User;
  room?: string;
}
