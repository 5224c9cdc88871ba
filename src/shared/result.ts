/**
 * The success-or-error envelope used across every boundary (Socket.IO acks and IPC replies):
 * callers narrow on `ok` instead of catching thrown errors.
 */
export type ErrorCode =
  /** The payload did not match the event's schema. */
  | 'invalid_payload'
  /** The event name is not part of the protocol. */
  | 'unknown_event'
  /**
   * The nickname (or one that looks like it) belongs to someone else on this server, or is in use
   * by another connection.
   */
  | 'nickname_taken'
  /**
   * The join's device key proof is missing, does not match the connection's challenge, or was
   * made for another server.
   */
  | 'identity_unproven'
  /**
   * The device link code given with `session:join` is wrong, expired or used already (or asked
   * for again since, which replaces it).
   */
  | 'link_invalid'
  /** This device's key belongs to another person on this server already: it cannot be linked. */
  | 'key_in_use'
  /** Nobody with this nickname has joined this server. */
  | 'unknown_user'
  /** The event needs a joined session; send `session:join` first. */
  | 'not_joined'
  /** This connection has already joined. */
  | 'already_joined'
  /** Too many events of this kind in a short time. */
  | 'rate_limited'
  /** (`session:ended`) The same person joined again from another connection. */
  | 'session_replaced'
  /** The server needs a passphrase to join, and none was given. */
  | 'passphrase_required'
  /** The passphrase given is not the room's. */
  | 'wrong_passphrase'
  /** (`session:ended`) The host removed this person from the room. */
  | 'kicked'
  /** The admin token (the admin link of `parley serve`) is wrong or was used already. */
  | 'wrong_admin_token'
  /** A room with this name exists already (names are unique ignoring case). */
  | 'room_exists'
  /** The server holds as many rooms as it may (`--max-rooms`): delete one first. */
  | 'too_many_rooms'
  /**
   * Only the room's creator or the host may do this (delete a room); only a message's author may
   * edit it, and only its author, the host or a moderator may delete it.
   */
  | 'not_allowed'
  /** No message with that id is in that room (or it was deleted, or it is not a message). */
  | 'unknown_message'
  /** The request needs to be in that room first (`room:join`). */
  | 'not_in_room'
  /** Retired: not sent since protocol 2 (direct messages to someone away are stored). */
  | 'user_offline'
  /** The room named in the request does not exist. */
  | 'unknown_room'
  /** The file is larger than the server accepts (or than the upload said it would be). */
  | 'file_too_large'
  /** Empty files are not sent. */
  | 'file_empty'
  /** No upload with this id is open on this connection (finished, cancelled, timed out). */
  | 'unknown_upload'
  /** A chunk's offset is not the next byte the upload expects. */
  | 'wrong_offset'
  /** A chunk holds more than LIMITS.fileChunkBytes. */
  | 'chunk_too_large'
  /** `file:end` came before every byte the upload announced. */
  | 'upload_incomplete'
  /** Too many uploads are open already: on this connection, from this address, or on the server. */
  | 'too_many_uploads'
  /** This address sent as many bytes of files as the server accepts per hour. */
  | 'quota_exceeded'
  /** An upload brought too little in too long (LIMITS.uploadMinBytesPerSecond) and was dropped. */
  | 'upload_stalled'
  /** (`session:ended`) The connection did not join within LIMITS.joinTimeoutMs. */
  | 'join_timeout'
  /** (connect_error) The server holds as many connections as it allows, in all or from this address. */
  | 'server_full'
  /** No file with this id is stored in a room you are in. */
  | 'unknown_file'
  /**
   * The server's disk is full (or, for files, the space for files is used up or the disk is
   * nearly full): nothing was stored; try again later.
   */
  | 'storage_full'
  /** The server could not store the message (a storage error): nothing happened; try again. */
  | 'storage_unavailable'
  /** The server failed; the request had no effect. */
  | 'internal'
  // Client-side codes: never sent by the server.
  /** The text typed as a server address is not one. */
  | 'invalid_url'
  /** The server could not be reached. */
  | 'unreachable'
  /** The server speaks another version of the protocol (docs/PROTOCOL.md). */
  | 'protocol_mismatch'
  /** No acknowledgement arrived in time. */
  | 'timeout'
  /** The request needs a connection and there is none. */
  | 'not_connected'
  /** The person cancelled the transfer. */
  | 'cancelled'
  /**
   * The server's TLS certificate is not the one pinned for it (remembered from the first visit,
   * or given by the join link): someone may be intercepting the connection.
   */
  | 'certificate_changed'
  /** The message asked for is no longer in its conversation (deleted, or beyond retention). */
  | 'message_gone'
  // Hosting codes (desktop).
  /** The chosen port is used by another program. */
  | 'port_in_use'
  /** The port cannot be used (out of range, or needs privileges). */
  | 'port_unavailable'
  /** This runtime cannot host (the browser client). */
  | 'unsupported'
  /** (IPC) The request did not come from the app's own page. */
  | 'forbidden'
  /** Another Parley server uses this data directory. */
  | 'data_in_use'
  /** The data directory cannot be opened. */
  | 'data_unavailable'
  /** The data directory is damaged: the message says what, and how to repair or restore it. */
  | 'data_damaged';

/** `C`: the codes it may carry (the server's handlers are held to their event's list). */
export interface ErrorInfo<C extends ErrorCode = ErrorCode> {
  code: C;
  message: string;
}

/** A refusal: what `fail` makes, and the error half of every Result. */
export interface Failure<C extends ErrorCode = ErrorCode> {
  ok: false;
  error: ErrorInfo<C>;
}

export type Result<T extends object = object, C extends ErrorCode = ErrorCode> =
  ({ ok: true } & T) | Failure<C>;

export function ok<T extends object>(value: T): { ok: true } & T {
  return { ok: true, ...value };
}

export function fail<const C extends ErrorCode>(code: C, message: string): Failure<C> {
  return { ok: false, error: { code, message } };
}
