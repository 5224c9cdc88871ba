/**
 * Every limit Parley enforces, in one place. The server enforces them; the UI uses the same
 * numbers (textarea maxlength, input maxlength) so people hit the limit before the server does.
 */
export const LIMITS = {
  /** Nickname length in characters, after trimming. */
  nicknameMinLength: 1,
  nicknameMaxLength: 32,
  /** Message length in characters (UTF-16 code units, as `String.length` and `maxlength` count). */
  messageMinLength: 1,
  messageMaxLength: 4000,
  /** A reaction's emoji: at most this many characters (UTF-16 code units)... */
  reactionMaxLength: 32,
  /** ...and at most this many graphemes (what a reader sees as one symbol each). */
  reactionMaxGraphemes: 3,
  /** Different emoji on one message at most. */
  reactionsPerMessage: 40,
  /** People one message's @mentions can name (more are left as plain text). */
  mentionsPerMessage: 20,
  /** How much of the answered message's text a reply quotes, in characters. */
  replyQuoteLength: 140,
  /** Client-made message ids: opaque strings of this many characters at most. */
  clientIdMaxLength: 64,
  /** Room names, in characters after trimming; unique ignoring case. */
  roomNameMinLength: 1,
  roomNameMaxLength: 48,
  /** A person's status line (`presence:set`), in characters after trimming; empty: none. */
  statusTextMaxLength: 80,
  /** Without input, pointer or key activity for this long, a person shows as away (the default). */
  awayAfterMs: 5 * 60_000,
  /** Room passphrases: what people may type, in characters. */
  passphraseMinLength: 1,
  passphraseMaxLength: 256,
  /** Client ids the server remembers per room to answer a resend with the original message. */
  dedupeWindow: 10_000,
  /** Largest Socket.IO packet the server accepts, in bytes (Engine.IO `maxHttpBufferSize`). */
  maxPayloadBytes: 64 * 1024,
  /** Largest file a server accepts by default, in bytes (25 MiB; `parley serve --max-file-size`). */
  maxFileBytes: 25 * 1024 * 1024,
  /** Most bytes in one `file:chunk` and one `file:read` (well under maxPayloadBytes). */
  fileChunkBytes: 48 * 1024,
  /** Chunks a client keeps in flight while uploading (each acknowledged). */
  fileChunkWindow: 6,
  /**
   * A stored file that no message refers to any more (retention deleted them) is deleted once
   * it is this old, ms: an upload of the same bytes may be on its way to a new message.
   */
  fileReleaseGraceMs: 10 * 60_000,
  /** Uploads one connection may have open at once. */
  uploadsPerConnection: 3,
  /** Uploads one network address may have open at once, all its connections together. */
  uploadsPerAddress: 6,
  /** Uploads the whole server has open at once (each holds a file descriptor). */
  uploadsPerServer: 64,
  /**
   * How often an upload's progress is checked, ms: one that brought less than
   * uploadMinBytesPerSecond over this time (and is not complete) is dropped.
   */
  uploadIdleTimeoutMs: 30_000,
  /** The slowest upload kept, in bytes per second, measured over each uploadIdleTimeoutMs. */
  uploadMinBytesPerSecond: 1024,
  /** MiB of files one network address may send per hour (loopback exempt; 2 GiB). */
  uploadMiBPerHour: 2048,
  /** The most space all stored files together may take by default, MiB (10 GiB; `--max-storage`). */
  maxStorageMiB: 10 * 1024,
  /** Uploads are refused while the disk holding the files has less free space than this, MiB. */
  minFreeDiskMiB: 256,
  /** A connection that has not joined this long after connecting is closed, ms. */
  joinTimeoutMs: 30_000,
  /** Connections the server holds at once; more are refused (`server_full`). */
  maxConnections: 500,
  /** Connections one network address may hold at once (loopback exempt). */
  connectionsPerAddress: 32,
  /** File names are cut to this many bytes of UTF-8 (after sanitizing). */
  fileNameMaxBytes: 255,
  /** Named rooms a server holds at most by default (`parley serve --max-rooms`); the lobby counts. */
  maxRooms: 1000,
  /** One-time device link codes (`device:link-code`): characters, and how long one lasts, ms. */
  linkCodeLength: 10,
  linkCodeTtlMs: 5 * 60_000,
  /** Rooms the join acknowledgement lists (the busiest); `room:list` pages through the rest. */
  joinRoomListLength: 50,
  /** Direct conversations the join acknowledgement lists (the most recently active). */
  joinDirectListLength: 100,
  /** Most rooms one `room:list` returns (and its default). */
  roomListPageLength: 100,
  /**
   * People a join acknowledgement lists (the first in join order, the joiner among them); servers
   * may set fewer. `people:page` gives the rest: a join storm's replies do not grow with the room.
   */
  joinPeoplePage: 100,
  /** Most people one `people:page` returns (and its default). */
  peoplePageLength: 100,
  /** Messages a room keeps on disk by default (older ones are deleted); servers may set another. */
  roomRetention: 50_000,
  /** Messages the server keeps in memory per room for catch-up after a (re)join. */
  historyLength: 200,
  /** Messages returned in the join acknowledgement. */
  joinHistoryLength: 100,
  /** Most messages one `history:fetch` returns (and its default). */
  historyPageLength: 200,
  /** Most results one `search:query` returns. */
  searchPageLength: 50,
  /** Results `search:query` returns when it names no limit. */
  searchDefaultLength: 20,
  /** The longest search text, in characters. */
  searchTextMaxLength: 200,
  /**
   * Rate limits: at most `points` events per `durationSeconds`, per connection for messages and
   * typing, per network address for joins (reconnecting does not reset it; the server's own
   * machine, on loopback, is exempt).
   */
  rate: {
    message: { points: 20, durationSeconds: 10 },
    /** Messages from one network address, all its connections together (loopback exempt). */
    messagePerAddress: { points: 60, durationSeconds: 10 },
    typing: { points: 30, durationSeconds: 10 },
    /** Presence changes (`presence:set`) per connection. */
    presence: { points: 10, durationSeconds: 10 },
    /** Creating, joining and leaving rooms and opening direct conversations, per connection. */
    rooms: { points: 30, durationSeconds: 10 },
    /** Rooms created from one network address, all its connections together (loopback exempt). */
    roomCreatePerAddress: { points: 10, durationSeconds: 600 },
    /** History pages per connection (catching up after a long outage, scrolling back). */
    history: { points: 60, durationSeconds: 10 },
    /** Searches (`search:query`) per connection: each one can walk the whole index. */
    search: { points: 20, durationSeconds: 10 },
    /** Uploads started (`file:begin`) per connection. */
    fileBegin: { points: 20, durationSeconds: 60 },
    /** Uploads started from one network address, all its connections together (loopback exempt). */
    fileBeginPerAddress: { points: 60, durationSeconds: 60 },
    /** File chunks sent and read (`file:chunk`, `file:read`) per connection: ~140 MB / 10 s. */
    fileChunk: { points: 3000, durationSeconds: 10 },
    /** File chunks from one network address, all its connections together (loopback exempt). */
    fileChunkPerAddress: { points: 9000, durationSeconds: 10 },
    join: { points: 30, durationSeconds: 60 },
    /** Device link codes asked for (`device:link-code`) per connection. */
    linkCode: { points: 5, durationSeconds: 60 },
    /**
     * Wrong device link codes per network address (the server's own machine included); once
     * used up, link joins from that address are refused without checking until the window ends.
     */
    wrongLinkCode: { points: 5, durationSeconds: 600 },
    /** Read positions stored (`room:read`) per connection. */
    read: { points: 60, durationSeconds: 10 },
    /** Join challenges (`session:challenge`) per connection: one per join attempt. */
    challenge: { points: 10, durationSeconds: 60 },
    /** New connections (handshakes) per network address (loopback is exempt). */
    connect: { points: 60, durationSeconds: 60 },
    /**
     * Wrong passphrases per network address (the server's own machine included); once used
     * up, joins from that address are refused without checking until the window ends.
     */
    wrongPassphrase: { points: 5, durationSeconds: 60 },
    /**
     * Wrong admin tokens (`session:join` `adminToken`) per network address (the server's own
     * machine included); once used up, tokens from that address are refused unchecked.
     */
    wrongAdminToken: { points: 5, durationSeconds: 600 },
    /** Moderation requests (`role:set`, `person:remove`, `name:set`) per connection. */
    moderation: { points: 20, durationSeconds: 60 },
    /**
     * Refused requests (malformed, unknown, over a rate limit) per connection; past them, the
     * server stops reading from that connection until the window ends (back-pressure).
     */
    refused: { points: 50, durationSeconds: 10 },
  },
  /** How long a client waits for an acknowledgement before it reports a timeout, in ms. */
  ackTimeoutMs: 10_000,
  /** How long a client waits for the first connection before it reports the server unreachable. */
  connectTimeoutMs: 8_000,
  /**
   * Passphrase checks, server-wide: one at a time and at most `perSecond` (scrypt must not take
   * the thread pool and CPU that storing messages needs; see hashing-gate.ts); `waiting` more may
   * wait their turn (4 s at most), and further joins are refused until then.
   */
  passphraseChecks: { perSecond: 4, waiting: 16 },
  /** After the host removes someone, joins from their address are refused this long (s). */
  kickCooldownSeconds: 300,
  /** The longest a moderator's removal (`person:remove` `minutes`) keeps someone out: a week. */
  maxRemoveMinutes: 7 * 24 * 60,
  /** How often the server sends the member counts of rooms that changed (`room:counts`), ms. */
  roomCountsIntervalMs: 2_000,
  /** A typing indicator that is not refreshed expires after this many ms. */
  typingExpiryMs: 6_000,
} as const;

/** The port "Host a room" and `parley serve` use unless told otherwise. */
export const DEFAULT_PORT = 4321;

/** The room everyone is in from joining until leaving the server; it cannot be left. */
export const LOBBY = 'lobby';

/**
 * The characters of device link codes: capitals and digits without look-alikes (no 0/O, 1/I/L).
 * Codes are compared in capitals, so people may type them in either case.
 */
export const LINK_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** Version of the wire protocol described in docs/PROTOCOL.md. */
export const PROTOCOL_VERSION = 2;

/** The highest TCP port number (0 asks the system for any free port). */
export const MAX_TCP_PORT = 65_535;

/**
 * Caps on text the window hands the desktop app's main process (the IPC table in api.ts checks
 * them before any handler runs). They only refuse absurd input: what is kept is cleaned and cut
 * further by the code that keeps it. Not part of the wire protocol (docs/PROTOCOL.md).
 */
export const API_INPUT_LIMITS = {
  /** A server address, in characters. */
  serverUrlMaxLength: 2048,
  /** A name given to a saved server, in characters (kept: SERVER_NAME_MAX_LENGTH). */
  serverNameMaxLength: 1000,
  /** A hosted room's name, in characters (announced: ROOM_NAME_MAX_LENGTH). */
  hostedRoomNameMaxLength: 200,
  /** The host's nickname given with a hosted room (announced: LIMITS.nicknameMaxLength). */
  hostNicknameMaxLength: 4 * LIMITS.nicknameMaxLength,
} as const;
