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
  /**
   * Who may moderate: `admin` (the desktop host, whoever opened the admin link of `parley
   * serve`; makes moderators, removes, renames, releases names) or `moderator` (removes people);
   * absent for everyone else.
   */
  role?: Role;
}

/**
 * One entry of `presence:changes`: the person who came into the room, or (with `left`) went. A
 * user, not a wrapper: in a crowded room these are most of what the server sends.
 */
export type PresenceChange = User & { left?: true };

/**
 * The handshake query (`?presence=changes`) by which a client asks for `presence:changes`.
 * A query, not a join field: servers that do not know it ignore it (payloads are strict).
 */
export const PRESENCE_CHANGES_QUERY = { presence: 'changes' } as const;

/**
 * The handshake query (`?presence=listed`) by which a client asks for `presence:changes` of only
 * the people it has listed (the join's first page and the pages it went on to): in a crowded
 * room, newcomers past its list are counted by `room:counts`, not announced one by one to it.
 */
export const PRESENCE_LISTED_QUERY = { presence: 'listed' } as const;

/** A person's role on a server (docs/PROTOCOL.md, "Roles"). */
export type Role = 'admin' | 'moderator';

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
  /**
   * Present on a change entry: this log entry changes an earlier message of the room (its `text`
   * is empty). Clients apply it to the message they hold (see message-changes.ts) and do not show
   * the entry itself; the stored target already reflects it in later reads.
   */
  change?: MessageChange;
  /** A reply: the message it answers, quoted as it was when the reply was sent. */
  reply?: ReplyQuote;
  /**
   * The people its @mentions name, as the server resolved them when it was sent (or last
   * edited): identities, so a mention keeps naming the same person after a rename, and nobody
   * who takes a name later is mentioned by older messages. Absent: it mentions nobody.
   */
  mentions?: User[];
  /** The id of the last change entry applied to this message; absent: never changed. */
  revision?: number;
  /** Set once edited: when it was last edited. */
  editedAt?: number;
  /** The texts it had before its edits, oldest first (absent: never edited). */
  edits?: MessageEdit[];
  /** True once deleted: its text, file, edits, reply, reactions and pin are gone. */
  deleted?: true;
  /** Reactions, in the order each emoji was first used; an emoji nobody uses any more is gone. */
  reactions?: Reaction[];
  /** Present while the message is pinned to its room. */
  pinned?: { by: User; at: number };
}

/** A change to an earlier message of the same room (`target` is its id). */
export type MessageChange =
  /** `mentions` is set by the server (what a client sends there is replaced). */
  | { kind: 'edit'; target: number; text: string; mentions?: User[] }
  | { kind: 'delete'; target: number }
  | { kind: 'reaction'; target: number; emoji: string; add: boolean }
  | { kind: 'pin'; target: number; pinned: boolean };

/** An earlier text of an edited message. */
export interface MessageEdit {
  text: string;
  /** When it stopped being the text: the time of the edit that replaced it. */
  replacedAt: number;
  /** The id of the edit entry that replaced it. */
  entry: number;
}

export interface Reaction {
  emoji: string;
  /** Who reacted with it, in the order they did. */
  users: User[];
}

/** What a reply shows of the message it answers. */
export interface ReplyQuote {
  id: number;
  author: User;
  /** The start of its text (at most LIMITS.replyQuoteLength characters); empty once deleted. */
  text: string;
  /** True once the quoted message was deleted. */
  deleted?: true;
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
  /**
   * A direct conversation's other person is online (on any device) as this is sent; afterwards
   * `presence:joined` / `presence:left` in the lobby tell. (The join lists only the first page of
   * the lobby's people: this is how a client knows about the others it talks to.)
   */
  peerOnline?: boolean;
  /** People in the room right now. */
  members: number;
  /**
   * The nickname of who created the room, as it was then; absent for the lobby, direct
   * conversations and rooms made before servers kept it.
   */
  createdBy?: string;
  /** The identity that created the room: it may delete it (absent as for createdBy). */
  creator?: string;
}

/** The acknowledgement of `room:join` and `dm:open`. */
export interface JoinedRoom {
  room: RoomInfo;
  /**
   * The people in the room now, in the order they came online: everyone when they are few, else
   * the first page (LIMITS.joinPeoplePage or fewer, as the server sets it), the joiner included.
   */
  users: User[];
  /** How many people are in the room (`users` holds all of them unless `usersNext` is set). */
  userCount: number;
  /** Set when more people follow `users`: `people:page` with `after` set to it lists them. */
  usersNext?: number;
  /** Like JoinedSession.messages: the latest, or the first after `since`. */
  messages: ChatMessage[];
  hasMore: boolean;
  hasOlder: boolean;
}

export interface JoinedSession {
  self: User;
  room: string;
  /**
   * The people online in the room in join order: everyone when they are few, else the first page
   * (see JoinedRoom.users), the joiner included.
   */
  users: User[];
  /** How many people are online in the room. */
  userCount: number;
  /** Set when more people follow `users`: `people:page` with `after` set to it lists them. */
  usersNext?: number;
  /**
   * The presence of everyone online on the server (the joiner included) who is not plain online
   * (away, busy, or a status line), by user id: anyone left out is online.
   */
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
  /**
   * This person's read positions (the newest message they have seen, on any of their devices) in
   * the rooms and direct conversations listed above, by room id; a room they never read is absent.
   */
  readPositions: Record<string, number>;
  /** True when this connection is the host's (the server's own machine): it may delete any room. */
  host: boolean;
  serverName: string;
  protocolVersion: number;
}

/** A person's read position in a room: the newest message of it they have seen. */
export interface ReadPosition {
  room: string;
  id: number;
}

/** The acknowledgement of `device:link-code`. */
export interface LinkCode {
  /** LIMITS.linkCodeLength characters of LINK_CODE_ALPHABET; works once. */
  code: string;
  /** When it stops working, server time in ms since the epoch. */
  expiresAt: number;
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

/** The acknowledgement of `people:page`. */
export interface PeoplePage {
  /** In the order they came online (the order of the join acknowledgement's `users`). */
  users: User[];
  /** How many people in the room match the query (everyone in it without one). */
  total: number;
  /** Set when more follow: ask again with `after` set to it. */
  next?: number;
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
  /**
   * The challenge the first join signs, given to every connection before its Socket.IO connect
   * completes (so a client has it when `connect` fires): a join is one round trip, not two.
   */
  'session:hello': (event: { challenge: string }) => void;
  'message:created': (message: ChatMessage) => void;
  'presence:joined': (event: { room: string; user: User }) => void;
  'presence:left': (event: { room: string; user: User }) => void;
  /**
   * Joins and leaves of one room that the server sent together, in order: instead of
   * `presence:joined` / `presence:left`, to a client that asked for them in its handshake
   * (PRESENCE_CHANGES_QUERY). In a crowded room that is one event a batch instead of one a person.
   */
  'presence:changes': (event: { room: string; changes: PresenceChange[] }) => void;
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
  /**
   * Another device of yours read `room` up to message `id` (sent to your other sessions): your
   * read position there, which only moves forward.
   */
  'room:read': (event: ReadPosition) => void;
  /** Someone opened a direct conversation with you; you are in it now. */
  'dm:opened': (event: JoinedRoom) => void;
  /**
   * Someone's nickname or role changed (an admin renamed them, made them a moderator or no
   * longer one): sent to everyone joined, the person included. `user` is how they show now.
   */
  'person:updated': (event: { user: User }) => void;
  /** The server is shutting down; clients may reconnect when it is back. */
  'server:closing': (event: { reason: string }) => void;
  /** Sent just before the server disconnects this socket on purpose. */
  'session:ended': (event: ErrorInfo) => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  user?: User;
  room?: string;
  /** The challenge the next join must sign: one per connection, used once (join-proof.ts). */
  challenge?: string;
  /**
   * For a connection that asked for PRESENCE_LISTED_QUERY: by room, the place in the join order
   * up to which it lists the room's people (its pages so far). A room left out: it lists everyone.
   */
  listed?: Record<string, number>;
}
