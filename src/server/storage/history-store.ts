/**
 * The storage interface behind the handlers: a room log that appends with de-duplication by
 * client id and reads pages, the rooms, and which rooms a stored file was posted to. The embedded
 * LevelDB store (embedded-history.ts) is the default; another backend implements this interface
 * and the handlers do not change.
 */
import type { ChatMessage, FileAttachment, MessageChange, Role, User } from '../../shared/protocol';

/** Exactly one of the two: messages after this id, or messages before it. */
export type PageQuery =
  { after: number; before?: undefined } | { before: number; after?: undefined };

/** A room as kept in storage: a named room, or a direct conversation between two people. */
export interface StoredRoom {
  id: string;
  kind: 'room' | 'direct';
  /** The room's name; empty for a direct conversation. */
  name: string;
  /** A direct conversation's two nicknames when it was made; empty for a named room. */
  members: string[];
  /**
   * A direct conversation's two people (identity ids, sorted). Absent for conversations stored
   * by protocol 1 servers, which belonged to nicknames: nobody can prove they were that nickname,
   * so those are kept but never opened again.
   */
  people?: string[];
  createdAt: number;
  /** The nickname of who created a named room, as it was then (shown); absent for the others. */
  createdBy?: string;
  /**
   * The identity that created a named room: it may delete it. Absent for the others, and for
   * rooms made before servers kept it (only the host or an admin may delete those).
   */
  creator?: string;
}

/**
 * A write the store could not make durable (disk full, I/O error): nothing of it was kept. The
 * request is answered with its code and words; the server goes on serving.
 */
export class StorageError extends Error {
  constructor(
    readonly code: 'storage_full' | 'storage_unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }

  /** The error a failed read becomes: the store cannot be reached (a database restarting). */
  static fromReadFailure(cause: unknown): StorageError {
    return new StorageError(
      'storage_unavailable',
      'The server cannot read its history right now. Try again in a moment.',
      { cause },
    );
  }

  /** The error a failed write becomes: `storage_full` when the disk is full. */
  static fromWriteFailure(cause: unknown): StorageError {
    // LevelDB's words may sit in a cause (an error reopening the database wraps the one inside).
    let text = '';
    for (let error = cause, depth = 0; error && depth < 4; depth++) {
      text += ` ${(error as { code?: string }).code ?? ''} ${String((error as Error).message ?? error)}`;
      error = (error as { cause?: unknown }).cause;
    }
    return /ENOSPC|no space/i.test(text)
      ? new StorageError(
          'storage_full',
          "The server's disk is full, so your message was not stored. It was not sent; try again later.",
          { cause },
        )
      : new StorageError(
          'storage_unavailable',
          'The server could not store your message, so it was not sent. Try again.',
          { cause },
        );
  }
}

export interface AppendRequest {
  room: string;
  author: User;
  /** The sender's id for this message: the same author and id again returns the original. */
  clientId: string;
  /** Empty only when `file` is there, and for a change entry. */
  text: string;
  file?: FileAttachment | undefined;
  /** A reply: the id of the message of `room` it answers (the entry carries its quote). */
  replyTo?: number | undefined;
  /** The people the text's @mentions name (resolved by the server; see mentions.ts). */
  mentions?: User[] | undefined;
  /**
   * A change entry: changes the message `change.target` of `room`, which is updated in place in
   * the same durable write (message-changes.ts says how). A delete erases the message's text,
   * file reference and edit history, the texts of its edit entries and the quotes of its replies.
   */
  change?: MessageChange | undefined;
}

/**
 * A reply or change refused by the store, nothing stored: the message it names is not in the room
 * (or is a change entry, or was deleted).
 */
export class MessageRefused extends Error {
  readonly code = 'unknown_message' as const;
  constructor(message: string) {
    super(message);
    this.name = 'MessageRefused';
  }
}

export interface HistoryPage {
  /** Oldest first. */
  messages: ChatMessage[];
  /** More messages lie beyond the page in the direction asked for. */
  hasMore: boolean;
}

/** Where named rooms and direct conversations are kept. */
export interface RoomStore {
  rooms(): Promise<StoredRoom[]>;
  saveRoom(room: StoredRoom): Promise<void>;
  /**
   * Deletes a room and every message in it (its files lose those references): afterwards it is
   * not among `rooms()` and reads of it find nothing, also after a restart. Message ids stay
   * used: the sequence goes on from where it was. Resolves once that is durable.
   */
  deleteRoom(id: string): Promise<void>;
}

/**
 * A person on this server: the device keys that prove it is them, and the nickname bound to them
 * (trust on first use: the first key that claims a name keeps it).
 */
export interface StoredIdentity {
  /** `p-` and 22 base64url characters (the hash of the first key). */
  id: string;
  /** The nickname bound to this person; null once it was released. */
  nickname: string | null;
  /** Their devices' public keys (raw Ed25519, base64url). */
  keys: string[];
  createdAt: number;
  /**
   * `admin` or `moderator` (see Role in protocol.ts); absent for everyone else, and in every
   * identity stored before roles existed (read as no role).
   */
  role?: Role;
}

/** Where identities and their name bindings are kept. */
export interface IdentityStore {
  identities(): Promise<StoredIdentity[]>;
  /** Stores (or replaces) identities, all or none; resolves once that is durable. */
  saveIdentities(identities: readonly StoredIdentity[]): Promise<void>;
}

/**
 * How far each person has read each room: the id of the newest message they have seen there, on
 * any of their devices. A position only moves forward.
 */
export interface ReadPositionStore {
  /** The person's positions in those of `rooms` they have one in, by room id. */
  positions(person: string, rooms: readonly string[]): Promise<Record<string, number>>;
  /**
   * Moves the person's position in `room` to `id` unless it is there or further already;
   * resolves with the position now, once it is durable. A write that fails rejects with a
   * StorageError and leaves the position as it was.
   */
  advance(person: string, room: string, id: number): Promise<number>;
}

/** Which rooms each stored file was posted to (who may read it). */
export interface FileReferences {
  /** Notes that file `fileId` was posted in `room`; resolves once that is stored. */
  record(fileId: string, room: string): Promise<void>;
  /** True when file `fileId` was posted in one of `rooms`. */
  allowed(fileId: string, rooms: Iterable<string>): Promise<boolean>;
}

/**
 * The admin links' tokens waiting for their one use, as SHA-256 digests (admin-token.ts). In
 * PostgreSQL they are a table, so that a link printed by one server of a cluster works on every
 * one of them, once; the embedded store keeps them in memory (a restart ends them).
 */
export interface AdminTokenStore {
  /** Makes `digest` wait for its use; resolves once every server can take it. */
  put(digest: Buffer): Promise<void>;
  /** True when `digest` was waiting: it is used up now, on every server. */
  take(digest: Buffer): Promise<boolean>;
  /** `digest` no longer waits (a server's earlier token, or one of a server that stops). */
  drop(digest: Buffer): Promise<void>;
}

/** The admin tokens of a server on its own: in this process's memory. */
export class MemoryAdminTokens implements AdminTokenStore {
  // By the digest's hex: a lookup's timing could tell a guesser about a SHA-256 digest, which
  // tells nothing about a token.
  readonly #waiting = new Set<string>();

  async put(digest: Buffer): Promise<void> {
    this.#waiting.add(digest.toString('hex'));
  }

  async take(digest: Buffer): Promise<boolean> {
    return this.#waiting.delete(digest.toString('hex'));
  }

  async drop(digest: Buffer): Promise<void> {
    this.#waiting.delete(digest.toString('hex'));
  }
}

/**
 * The link codes waiting for their one use (link-codes.ts). In PostgreSQL they are a table, so
 * that a code one device shows, connected to one server of a cluster, works for a device that
 * reaches another; the embedded store keeps them in memory.
 */
export interface LinkCodeStore {
  /**
   * Keeps `code` for `person` until `expiresAt` (ms), and no earlier code of theirs (nor any
   * expired at `now`); false, and nothing changed, when `code` is someone's already.
   */
  put(code: string, person: string, expiresAt: number, now: number): Promise<boolean>;
  /** The person `code` is for, while it waits (unused, not expired at `now`). */
  personOf(code: string, now: number): Promise<string | undefined>;
  /** Uses `code` up, on every server: true when it was waiting. */
  take(code: string, now: number): Promise<boolean>;
}

/** The link codes of a server on its own: in this process's memory. */
export class MemoryLinkCodes implements LinkCodeStore {
  readonly #byCode = new Map<string, { person: string; expiresAt: number }>();

  async put(code: string, person: string, expiresAt: number, now: number): Promise<boolean> {
    if (this.#byCode.has(code)) return false;
    for (const [earlier, issued] of this.#byCode) {
      if (issued.person === person || issued.expiresAt <= now) this.#byCode.delete(earlier);
    }
    this.#byCode.set(code, { person, expiresAt });
    return true;
  }

  async personOf(code: string, now: number): Promise<string | undefined> {
    const issued = this.#byCode.get(code);
    return issued && issued.expiresAt > now ? issued.person : undefined;
  }

  async take(code: string, now: number): Promise<boolean> {
    // Looked up and deleted in one step: of two takes at once, one gets it.
    const issued = this.#byCode.get(code);
    this.#byCode.delete(code);
    return issued !== undefined && issued.expiresAt > now;
  }
}

export interface HistoryStore {
  /**
   * Stores a message with the next server id and time, unless its author already sent this
   * client id in this room: then the original comes back with `created: false`. Resolves once
   * the message is durable; a message is never shown before that. A write that fails rejects
   * with a StorageError and leaves nothing behind (not in reads, not in the de-duplication).
   * A reply or change whose target is missing rejects with MessageRefused (a resend of one
   * already stored still returns the original).
   */
  append(request: AppendRequest): Promise<{ message: ChatMessage; created: boolean }>;
  /**
   * Message `id` of `room` in its current state (a deleted one too, erased), or null when the
   * room holds no such message or entry.
   */
  find(room: string, id: number): Promise<ChatMessage | null>;
  /** The messages of `room` pinned now, oldest first. */
  pinned(room: string): Promise<ChatMessage[]>;
  /** The newest `limit` messages of `room`, oldest first. */
  latest(room: string, limit: number): Promise<ChatMessage[]>;
  /** Up to `limit` messages right after `after` or right before `before`, oldest first. */
  page(room: string, query: PageQuery, limit: number): Promise<HistoryPage>;
  /** True when `room` holds a message older than `id`. */
  hasBefore(room: string, id: number): Promise<boolean>;
  readonly rooms: RoomStore;
  readonly identities: IdentityStore;
  readonly readPositions: ReadPositionStore;
  readonly fileReferences: FileReferences;
  readonly adminTokens: AdminTokenStore;
  readonly linkCodes: LinkCodeStore;
  /** Resolves once every message appended so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
