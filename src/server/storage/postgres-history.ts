/**
 * The PostgreSQL store: a HistoryStore on a database several Parley servers can share
 * (`parley serve --database postgres://…`). Messages, rooms, identities and file references are
 * tables (postgres-schema.ts migrates them at open); nothing is cached in memory, so every server
 * on the database reads the same history.
 *
 * Appends wait in a queue and go in batches: one transaction per batch (one commit, one fsync,
 * however many messages waited). The transaction first locks the one-row id counter, so writers
 * on every server take turns and ids become visible in commit order; under that lock it finds
 * the resends (the unique key: room, author identity, client id) and numbers the rest.
 * Over 450 lines, one job: the whole HistoryStore interface on PostgreSQL (messages, rooms,
 * identities, file references, read positions, and the admin tokens and link codes that every
 * server of a cluster must share), as embedded-history.ts is on LevelDB; one batch's transaction
 * touches several tables, so they are not split by table.
 */
import pg from 'pg';
import type { ChatMessage, FileAttachment, Role } from '../../shared/protocol';
import { ChatServerError, describeForLog } from '../errors';
import type {
  AdminTokenStore,
  LinkCodeStore,
  AppendRequest,
  FileReferences,
  HistoryPage,
  HistoryStore,
  IdentityStore,
  PageQuery,
  ReadPositionStore,
  RoomStore,
  StoredIdentity,
  StoredRoom,
} from './history-store';
import { MessageRefused, StorageError } from './history-store';
import {
  applyChange,
  quoteOf,
  withEditErased,
  withQuoteErased,
} from '../../shared/message-changes';
import { migrate, MIGRATIONS, SchemaTooNewError, type Migration } from './postgres-schema';

export interface PostgresHistoryOptions {
  /** `postgres://user:password@host:port/database` (libpq's URL form). */
  url: string;
  clock?: () => number;
  /** The most messages a room keeps; older ones are deleted. Default no limit. */
  retention?: number | null;
  /** Files that deleted messages carried and no message kept carries (ids): free to go. */
  onFilesUnreferenced?: (fileIds: string[]) => void;
  /** Where trouble off the path of a request is reported (a connection lost while idle). */
  onError?: (error: unknown) => void;
  /** Connections to the database at most; default 10. */
  maxConnections?: number;
  /** Tests open older schemas with a shorter list; default all of them. */
  migrations?: readonly Migration[];
}

type AppendResult = { message: ChatMessage; created: boolean };

/** A batch's outcomes, in its order, and the files no message carries any more. */
interface WrittenBatch {
  outcomes: BatchOutcome[];
  unreferenced: string[];
}

/** What one request of a batch came to: stored (or found), or refused with nothing stored. */
type BatchOutcome = AppendResult | MessageRefused;

interface QueuedAppend {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** The most messages one transaction stores. */
const MAX_BATCH = 500;
export const CONNECT_TIMEOUT_MS = 10_000;
/** Columns of a message row, in the order `toMessage` reads them. */
export const MESSAGE_COLUMNS =
  'id, room, author_id, author_nickname, client_id, text, file, sent_at, extra';
/** Rows of `messages` (as `toRow` makes them) from a jsonb array: jsonb_to_recordset's `AS`. */
export const MESSAGE_RECORDS = `m(id bigint, room text, author_id text, author_nickname text,
  client_id text, text text, file jsonb, sent_at bigint, extra jsonb)`;

/**
 * bigint columns (ids, times in ms) as numbers: they stay below 2^53. For this pool only; pg's
 * default (strings) stays for everyone else.
 */
export function numberTypes(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, Number);
  return types;
}

interface MessageRow {
  id: number;
  room: string;
  author_id: string;
  author_nickname: string;
  client_id: string;
  text: string;
  file: FileAttachment | null;
  sent_at: number;
  extra: Partial<ChatMessage> | null;
}

export class PostgresHistory implements HistoryStore {
  readonly rooms: RoomStore;
  readonly identities: IdentityStore;
  readonly readPositions: ReadPositionStore;
  readonly fileReferences: FileReferences;
  readonly adminTokens: AdminTokenStore;
  readonly linkCodes: LinkCodeStore;
  readonly #pool: pg.Pool;
  readonly #clock: () => number;
  readonly #retention: number | null;
  readonly #onFilesUnreferenced: (fileIds: string[]) => void;
  readonly #onError: (error: unknown) => void;
  #queue: QueuedAppend[] = [];
  /** The batch writer while it runs (until the queue is empty). */
  #writing: Promise<void> | null = null;
  /** Messages stored per room since its old ones were last deleted (see #trimSoon). */
  readonly #writtenSinceTrim = new Map<string, number>();
  #trimming: Promise<void> = Promise.resolve();
  #closed: Promise<void> | null = null;

  private constructor(pool: pg.Pool, options: PostgresHistoryOptions) {
    this.#pool = pool;
    this.#clock = options.clock ?? Date.now;
    this.#retention = options.retention ?? null;
    this.#onFilesUnreferenced = options.onFilesUnreferenced ?? (() => {});
    this.#onError =
      options.onError ?? ((error) => console.error('[parley]', describeForLog(error)));
    this.rooms = {
      rooms: () => this.#roomList(),
      saveRoom: (room) => this.#saveRoom(room),
      deleteRoom: (id) => this.#deleteRoom(id),
    };
    this.identities = {
      identities: () => this.#identityList(),
      saveIdentities: (identities) => this.#saveIdentities(identities),
    };
    this.readPositions = {
      positions: (person, rooms) => this.#positions(person, rooms),
      advance: (person, room, id) => this.#advance(person, room, id),
    };
    this.fileReferences = {
      record: (fileId, room) => this.#recordFile(fileId, room),
      allowed: (fileId, rooms) => this.#fileAllowed(fileId, rooms),
    };
    this.adminTokens = {
      put: async (digest) => {
        await this.#write(() =>
          pool.query('INSERT INTO admin_tokens (digest) VALUES ($1) ON CONFLICT DO NOTHING', [
            digest,
          ]),
        );
      },
      // One DELETE: of two servers taking the same token at once, one gets the row.
      take: async (digest) => {
        const { rowCount } = await this.#write(() =>
          pool.query('DELETE FROM admin_tokens WHERE digest = $1', [digest]),
        );
        return rowCount === 1;
      },
      drop: async (digest) => {
        await this.#write(() => pool.query('DELETE FROM admin_tokens WHERE digest = $1', [digest]));
      },
    };
    this.linkCodes = {
      put: async (code, person, expiresAt, now) => {
        const { rowCount } = await this.#write(() =>
          pool.query(
            `WITH gone AS (DELETE FROM link_codes WHERE person = $2 OR expires_at <= $4)
             INSERT INTO link_codes (code, person, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO NOTHING`,
            [code, person, expiresAt, now],
          ),
        );
        return rowCount === 1;
      },
      personOf: async (code, now) => {
        const { rows } = await this.#readQuery<{ person: string }>(
          'SELECT person FROM link_codes WHERE code = $1 AND expires_at > $2',
          [code, now],
        );
        return rows[0]?.person;
      },
      // One DELETE: of two servers taking the same code at once, one gets the row.
      take: async (code, now) => {
        const { rowCount } = await this.#write(() =>
          pool.query('DELETE FROM link_codes WHERE code = $1 AND expires_at > $2', [code, now]),
        );
        return rowCount === 1;
      },
    };
  }

  /**
   * Connects and brings the schema up to date. Refuses with a ChatServerError
   * (`data_unavailable`) naming the database (never its password) when it cannot be reached, or
   * its schema is newer than this server's.
   */
  static async open(options: PostgresHistoryOptions): Promise<PostgresHistory> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types: numberTypes(),
    });
    const history = new PostgresHistory(pool, options);
    // An idle connection that breaks (the database restarted) is reported, not thrown: the
    // pool makes a new one for the next query.
    pool.on('error', (error) => history.#onError(error));
    try {
      await migrate(pool, options.migrations ?? MIGRATIONS);
    } catch (error) {
      await pool.end().catch(() => {});
      throw new ChatServerError(
        'data_unavailable',
        error instanceof SchemaTooNewError
          ? `Cannot use the database ${describeUrl(options.url)}: ${error.message}`
          : `Cannot open the database ${describeUrl(options.url)}: ${describeError(error)}`,
      );
    }
    return history;
  }

  /** The last id handed out (0: none yet). */
  async lastId(): Promise<number> {
    const { rows } = await this.#pool.query<{ last_id: number }>('SELECT last_id FROM message_ids');
    return rows[0]?.last_id ?? 0;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.#closed) {
      return Promise.reject(StorageError.fromWriteFailure(new Error('The store is closed.')));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#writing ??= this.#writeQueue();
    });
  }

  /** Writes batches until the queue is empty; each batch's requests get its outcome. */
  async #writeQueue(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      let written: WrittenBatch;
      try {
        written = await this.#transaction((client) => this.#storeBatch(client, batch));
      } catch (error) {
        const stored =
          error instanceof CommitInDoubt
            ? await this.#committed(error.result as WrittenBatch)
            : null;
        if (stored === null) {
          const failure = StorageError.fromWriteFailure(error);
          for (const queued of batch) queued.reject(failure);
          continue;
        }
        written = stored;
      }
      batch.forEach((queued, index) => {
        const outcome = written.outcomes[index]!;
        if (outcome instanceof MessageRefused) queued.reject(outcome);
        else queued.resolve(outcome);
      });
      if (written.unreferenced.length > 0) this.#onFilesUnreferenced(written.unreferenced);
      this.#trimSoon(
        written.outcomes.filter(
          (outcome): outcome is AppendResult => !(outcome instanceof MessageRefused),
        ),
      );
    }
    this.#writing = null;
  }

  /**
   * After a COMMIT whose answer was lost (the connection broke): whether it happened, asked on
   * another connection. The batch's results when its new messages are there (they were
   * committed: answering them as failed would leave messages nobody was shown), else null (it
   * was not committed, or the database cannot say now: then the requests fail, and a resend
   * finds the original if it was).
   */
  async #committed(written: WrittenBatch): Promise<WrittenBatch | null> {
    const created = written.outcomes
      .filter((outcome) => !(outcome instanceof MessageRefused) && outcome.created)
      .map((outcome) => (outcome as AppendResult).message);
    if (created.length === 0) return written;
    try {
      // By id and resend key: when the commit did not happen, another writer may have stored
      // other messages under these ids since.
      const ours = created.map((message) => ({
        id: message.id,
        room: message.room,
        author_id: message.author.id,
        client_id: message.clientId,
      }));
      const { rows } = await this.#pool.query<{ found: number }>(
        `SELECT count(*)::int AS found FROM messages
           JOIN jsonb_to_recordset($1::jsonb)
             AS ours(id bigint, room text, author_id text, client_id text)
           USING (id, room, author_id, client_id)`,
        [JSON.stringify(ours)],
      );
      return rows[0]!.found === created.length ? written : null;
    } catch {
      return null;
    }
  }

  /**
   * Stores a batch under the id counter's lock, in the order asked: each new message gets the
   * next id; a reply quotes its target and a change entry updates its target in place (a delete
   * also erases its edit entries' texts and its replies' quotes), all in this one transaction.
   * A reply or change whose target is missing is refused alone (MessageRefused).
   */
  async #storeBatch(client: pg.PoolClient, batch: QueuedAppend[]): Promise<WrittenBatch> {
    const counter = await client.query<{ last_id: number }>(
      'SELECT last_id FROM message_ids FOR UPDATE',
    );
    let lastId = counter.rows[0]!.last_id;
    const keys = batch.map(({ request }) => ({
      room: request.room,
      author_id: request.author.id,
      client_id: request.clientId,
    }));
    const originals = await client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
         JOIN jsonb_to_recordset($1::jsonb) AS wanted(room text, author_id text, client_id text)
         USING (room, author_id, client_id)`,
      [JSON.stringify(keys)],
    );
    const byKey = new Map<string, ChatMessage>();
    for (const row of originals.rows) {
      byKey.set(resendKey(row.room, row.author_id, row.client_id), toMessage(row));
    }
    const sentAt = this.#clock();
    /** Every row this batch writes, as it ends up: new ones (`fresh`) and changed ones. */
    const touched = new Map<number, ChatMessage>();
    const fresh = new Set<number>();
    const deletedFiles = new Map<string, string>();
    const outcomes: BatchOutcome[] = [];
    for (const { request } of batch) {
      const key = resendKey(request.room, request.author.id, request.clientId);
      const original = byKey.get(key);
      if (original) {
        outcomes.push({ message: touched.get(original.id) ?? original, created: false });
        continue;
      }
      const targetId = request.change?.target ?? request.replyTo;
      let target: ChatMessage | undefined;
      if (targetId !== undefined) {
        target = touched.get(targetId) ?? (await this.#find(client, request.room, targetId));
        const refusal =
          !target || target.room !== request.room || target.change
            ? `There is no message ${targetId} in this room.`
            : target.deleted
              ? `Message ${targetId} was deleted.`
              : null;
        if (refusal !== null) {
          outcomes.push(new MessageRefused(refusal));
          continue;
        }
      }
      const message: ChatMessage = {
        id: ++lastId,
        clientId: request.clientId,
        room: request.room,
        author: { id: request.author.id, nickname: request.author.nickname },
        text: request.change ? '' : request.text,
        ...(request.file && !request.change ? { file: { ...request.file } } : {}),
        sentAt,
        ...(request.change ? { change: request.change } : {}),
        ...(target && !request.change ? { reply: quoteOf(target) } : {}),
        ...(request.mentions?.length && !request.change ? { mentions: request.mentions } : {}),
      };
      byKey.set(key, message);
      touched.set(message.id, message);
      fresh.add(message.id);
      outcomes.push({ message, created: true });
      if (!target || !request.change) continue;
      touched.set(target.id, applyChange(target, message));
      if (request.change.kind !== 'delete') continue;
      if (target.file) deletedFiles.set(target.file.id, target.room);
      for (const related of await this.#related(client, target.room, target.id, touched)) {
        touched.set(related.id, withQuoteErased(withEditErased(related)));
      }
    }
    if (touched.size === 0) return { outcomes, unreferenced: [] };
    const inserts = [...touched.values()].filter((message) => fresh.has(message.id));
    const updates = [...touched.values()].filter((message) => !fresh.has(message.id));
    if (inserts.length > 0) {
      // Under the counter's lock nobody else can store one of these keys; the constraint is
      // the guarantee all the same. Should it ever refuse a row, the transaction is undone (no
      // id used) and the requests fail: a resend then finds the original.
      const inserted = await client.query(
        `INSERT INTO messages (${MESSAGE_COLUMNS})
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS ${MESSAGE_RECORDS}
           ON CONFLICT ON CONSTRAINT messages_once DO NOTHING`,
        [JSON.stringify(inserts.map(toRow))],
      );
      if (inserted.rowCount !== inserts.length) {
        throw new Error('Another writer stored one of these messages first.');
      }
      await client.query('UPDATE message_ids SET last_id = $1', [lastId]);
    }
    if (updates.length > 0) {
      await client.query(
        `UPDATE messages SET text = u.text, file = u.file, extra = u.extra
           FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, text text, file jsonb, extra jsonb)
           WHERE messages.id = u.id`,
        [JSON.stringify(updates.map(toRow))],
      );
    }
    return { outcomes, unreferenced: await this.#dropFileRooms(client, deletedFiles) };
  }

  /** Message `id` of `room` as stored, or undefined. */
  async #find(client: pg.PoolClient | pg.Pool, room: string, id: number) {
    const { rows } = await client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room = $1 AND id = $2`,
      [room, id],
    );
    return rows[0] && toMessage(rows[0]);
  }

  /** The edit entries of message `id` and the replies to it, stored or written by this batch. */
  async #related(
    client: pg.PoolClient,
    room: string,
    id: number,
    touched: ReadonlyMap<number, ChatMessage>,
  ): Promise<ChatMessage[]> {
    const { rows } = await client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room = $1 AND (
         (extra -> 'change' ->> 'kind' = 'edit'
           AND (extra -> 'change' ->> 'target')::bigint = $2)
         OR (extra ? 'reply' AND (extra -> 'reply' ->> 'id')::bigint = $2))`,
      [room, id],
    );
    const found = new Map<number, ChatMessage>();
    for (const row of rows) found.set(row.id, touched.get(row.id) ?? toMessage(row));
    for (const message of touched.values()) {
      const edits = message.change?.kind === 'edit' && message.change.target === id;
      if (edits || message.reply?.id === id) found.set(message.id, message);
    }
    return [...found.values()];
  }

  /**
   * Files of deleted messages: a room no message of which carries one any more loses its
   * reference (it may not be read there), and the ids no message carries at all are returned.
   */
  async #dropFileRooms(
    client: pg.PoolClient,
    files: ReadonlyMap<string, string>,
  ): Promise<string[]> {
    const unreferenced: string[] = [];
    for (const [fileId, room] of files) {
      const { rows } = await client.query<{ here: boolean; anywhere: boolean }>(
        `SELECT bool_or(room = $2) AS here, count(*) > 0 AS anywhere FROM messages
           WHERE file ->> 'id' = $1`,
        [fileId, room],
      );
      if (!rows[0]?.here) {
        await client.query('DELETE FROM file_rooms WHERE file_id = $1 AND room = $2', [
          fileId,
          room,
        ]);
      }
      if (!rows[0]?.anywhere) unreferenced.push(fileId);
    }
    return unreferenced;
  }

  async find(room: string, id: number): Promise<ChatMessage | null> {
    return (await this.#read(() => this.#find(this.#pool, room, id))) ?? null;
  }

  async pinned(room: string): Promise<ChatMessage[]> {
    const { rows } = await this.#readQuery<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room = $1 AND extra ? 'pinned' ORDER BY id`,
      [room],
    );
    return rows.map(toMessage);
  }

  async latest(room: string, limit: number): Promise<ChatMessage[]> {
    const { rows } = await this.#readQuery<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room = $1 ORDER BY id DESC LIMIT $2`,
      [room, limit],
    );
    return rows.map(toMessage).reverse();
  }

  async page(room: string, query: PageQuery, limit: number): Promise<HistoryPage> {
    // One more than asked for: whether there are more beyond the page.
    const { rows } =
      query.before === undefined
        ? await this.#readQuery<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room = $1 AND id > $2
               ORDER BY id ASC LIMIT $3`,
            [room, query.after, limit + 1],
          )
        : await this.#readQuery<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room = $1 AND id < $2
               ORDER BY id DESC LIMIT $3`,
            [room, query.before, limit + 1],
          );
    const messages = rows.slice(0, limit).map(toMessage);
    if (query.before !== undefined) messages.reverse();
    return { messages, hasMore: rows.length > limit };
  }

  async hasBefore(room: string, id: number): Promise<boolean> {
    const { rows } = await this.#readQuery<{ found: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM messages WHERE room = $1 AND id < $2) AS found',
      [room, id],
    );
    return rows[0]!.found;
  }

  async #roomList(): Promise<StoredRoom[]> {
    const { rows } = await this.#pool.query<RoomRow>(
      'SELECT id, kind, name, members, people, created_at, created_by, creator FROM rooms ORDER BY id COLLATE "C"',
    );
    return rows.map(toRoom);
  }

  async #saveRoom(room: StoredRoom): Promise<void> {
    await this.#write(() =>
      this.#pool.query(
        `INSERT INTO rooms (id, kind, name, members, people, created_at, created_by, creator)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
             members = excluded.members, people = excluded.people,
             created_at = excluded.created_at, created_by = excluded.created_by,
             creator = excluded.creator`,
        [
          room.id,
          room.kind,
          room.name,
          JSON.stringify(room.members),
          room.people === undefined ? null : JSON.stringify(room.people),
          room.createdAt,
          room.createdBy ?? null,
          room.creator ?? null,
        ],
      ),
    );
  }

  /** The room and its messages go in one transaction; ids stay used (the counter is untouched). */
  async #deleteRoom(room: string): Promise<void> {
    await this.flush();
    const unreferenced = await this.#write(() =>
      this.#transaction(async (client) => {
        await client.query('DELETE FROM rooms WHERE id = $1', [room]);
        return this.#deleteMessages(client, room, null);
      }),
    );
    if (unreferenced.length > 0) this.#onFilesUnreferenced(unreferenced);
  }

  /**
   * Deletes `room`'s messages up to id `upTo` (null: all of them); returns the ids of files
   * they carried that no message carries any more.
   */
  async #deleteMessages(
    client: pg.PoolClient,
    room: string,
    upTo: number | null,
  ): Promise<string[]> {
    const { rows } = await client.query<{ file_id: string }>(
      `WITH gone AS (
         DELETE FROM messages WHERE room = $1 AND ($2::bigint IS NULL OR id <= $2)
           RETURNING file ->> 'id' AS file_id
       )
       SELECT DISTINCT file_id FROM gone WHERE file_id IS NOT NULL`,
      [room, upTo],
    );
    if (rows.length === 0) return [];
    // The statement above cannot see its own deletions; this one, after it, can.
    const left = await client.query<{ file_id: string }>(
      `SELECT DISTINCT file ->> 'id' AS file_id FROM messages
         WHERE file IS NOT NULL AND file ->> 'id' = ANY ($1::text[])`,
      [rows.map((row) => row.file_id)],
    );
    const kept = new Set(left.rows.map((row) => row.file_id));
    return rows.map((row) => row.file_id).filter((id) => !kept.has(id));
  }

  /**
   * Deletes a room's oldest messages beyond the retention limit now and then (every tenth of
   * the limit, at most every 1000 messages), off the path of delivery: nothing waits for it.
   */
  #trimSoon(results: AppendResult[]): void {
    const retention = this.#retention;
    if (retention === null) return;
    const every = Math.min(1000, Math.max(1, Math.ceil(retention / 10)));
    for (const { message, created } of results) {
      if (!created) continue;
      const written = (this.#writtenSinceTrim.get(message.room) ?? 0) + 1;
      this.#writtenSinceTrim.set(message.room, written < every ? written : 0);
      if (written < every) continue;
      this.#trimming = this.#trimming.then(() => this.#trim(message.room, retention));
    }
  }

  async #trim(room: string, keep: number): Promise<void> {
    try {
      const unreferenced = await this.#transaction(async (client) => {
        const { rows } = await client.query<{ id: number }>(
          'SELECT id FROM messages WHERE room = $1 ORDER BY id DESC OFFSET $2 LIMIT 1',
          [room, keep],
        );
        const newestToDelete = rows[0];
        if (newestToDelete === undefined) return [];
        return this.#deleteMessages(client, room, newestToDelete.id);
      });
      if (unreferenced.length > 0) this.#onFilesUnreferenced(unreferenced);
    } catch (error) {
      this.#onError(error);
    }
  }

  async #identityList(): Promise<StoredIdentity[]> {
    const { rows } = await this.#pool.query<IdentityRow>(
      'SELECT id, nickname, keys, created_at, role FROM identities ORDER BY id COLLATE "C"',
    );
    return rows.map((row) => ({
      id: row.id,
      nickname: row.nickname,
      keys: row.keys,
      createdAt: row.created_at,
      ...(row.role !== null && { role: row.role }),
    }));
  }

  /** All or none, in one statement (a storm of newcomers is one commit, not thousands). */
  async #saveIdentities(identities: readonly StoredIdentity[]): Promise<void> {
    await this.#write(() => writeIdentities(this.#pool, identities));
  }

  async #positions(person: string, rooms: readonly string[]): Promise<Record<string, number>> {
    if (rooms.length === 0) return {};
    const { rows } = await this.#readQuery<{ room: string; message_id: number }>(
      'SELECT room, message_id FROM read_positions WHERE person = $1 AND room = ANY($2)',
      [person, rooms],
    );
    return Object.fromEntries(rows.map((row) => [row.room, row.message_id]));
  }

  /** Only forward: GREATEST keeps the newer of two devices' reports, whichever commits last. */
  async #advance(person: string, room: string, id: number): Promise<number> {
    const { rows } = await this.#write(() =>
      this.#pool.query<{ message_id: number }>(
        `INSERT INTO read_positions (person, room, message_id) VALUES ($1, $2, $3)
           ON CONFLICT (person, room)
           DO UPDATE SET message_id = GREATEST(read_positions.message_id, excluded.message_id)
           RETURNING message_id`,
        [person, room, id],
      ),
    );
    return rows[0]!.message_id;
  }

  async #recordFile(fileId: string, room: string): Promise<void> {
    await this.#write(() =>
      this.#pool.query(
        'INSERT INTO file_rooms (file_id, room) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [fileId, room],
      ),
    );
  }

  async #fileAllowed(fileId: string, rooms: Iterable<string>): Promise<boolean> {
    const { rows } = await this.#readQuery<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM file_rooms WHERE file_id = $1 AND room = ANY ($2::text[]))
         AS found`,
      [fileId, [...rooms]],
    );
    return rows[0]!.found;
  }

  /** Runs `work` in a transaction on one connection: committed when it resolves, else undone. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    // A connection that breaks mid-transaction fails its query (handled below) and also emits
    // 'error', which the pool listens for only while the connection is idle.
    const onBroken = () => (broken = true);
    client.on('error', onBroken);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT').catch((error: unknown) => {
        throw new CommitInDoubt(result, error);
      });
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      // A connection that broke or could not even roll back is not handed out again.
      client.off('error', onBroken);
      client.release(broken);
    }
  }

  /**
   * A query of a read whose failure becomes a StorageError (`storage_unavailable`, pg's error its
   * cause): a join or a page asked for while the database is away is told so, and the operator's
   * log says it in a line (pg-pool rejects a query with an error that names nothing else).
   */
  #readQuery<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
    return this.#read(() => this.#pool.query<R>(text, values));
  }

  async #read<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw StorageError.fromReadFailure(error);
    }
  }

  /** A write whose failure becomes a StorageError (see history-store.ts). */
  async #write<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw StorageError.fromWriteFailure(error);
    }
  }

  /** Resolves once every message appended so far is stored (or has failed). */
  async flush(): Promise<void> {
    await this.#writing;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.flush();
      await this.#trimming;
      await this.#pool.end();
    })();
    return this.#closed;
  }
}

/** A COMMIT that failed: done or not, the database may have committed before the failure. */
class CommitInDoubt extends Error {
  constructor(
    readonly result: unknown,
    cause: unknown,
  ) {
    super(`The commit's outcome is unknown: ${(cause as Error).message ?? String(cause)}`, {
      cause,
    });
    this.name = 'CommitInDoubt';
  }
}

function resendKey(room: string, authorId: string, clientId: string): string {
  return `${room}\u0000${authorId}\u0000${clientId}`;
}

function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    clientId: row.client_id,
    room: row.room,
    author: { id: row.author_id, nickname: row.author_nickname },
    text: row.text,
    ...(row.file ? { file: row.file } : {}),
    sentAt: row.sent_at,
    ...row.extra,
  };
}

/** A message as a row of `messages` (what has no column of its own goes into `extra`). */
export function toRow(message: ChatMessage) {
  const { id, room, author, clientId, text, file, sentAt, ...extra } = message;
  return {
    id,
    room,
    author_id: author.id,
    author_nickname: author.nickname,
    client_id: clientId,
    text,
    file: file ?? null,
    sent_at: sentAt,
    extra: Object.keys(extra).length === 0 ? null : extra,
  };
}

interface RoomRow {
  id: string;
  kind: 'room' | 'direct';
  name: string;
  members: string[];
  people: string[] | null;
  created_at: number;
  created_by: string | null;
  creator: string | null;
}

function toRoom(row: RoomRow): StoredRoom {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    members: row.members,
    ...(row.people !== null ? { people: row.people } : {}),
    createdAt: row.created_at,
    ...(row.created_by !== null ? { createdBy: row.created_by } : {}),
    ...(row.creator !== null ? { creator: row.creator } : {}),
  };
}

/** Stores (or replaces) identities in one statement, on `database` (a pool, or a transaction's). */
export async function writeIdentities(
  database: pg.Pool | pg.ClientBase,
  identities: readonly StoredIdentity[],
): Promise<void> {
  if (identities.length === 0) return;
  const rows = identities.map((identity) => ({
    id: identity.id,
    nickname: identity.nickname,
    keys: identity.keys,
    created_at: identity.createdAt,
    role: identity.role ?? null,
  }));
  await database.query(
    `INSERT INTO identities (id, nickname, keys, created_at, role)
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS i(id text, nickname text, keys jsonb, created_at bigint, role text)
       ON CONFLICT (id) DO UPDATE SET nickname = excluded.nickname, keys = excluded.keys,
         created_at = excluded.created_at, role = excluded.role`,
    [JSON.stringify(rows)],
  );
}

interface IdentityRow {
  id: string;
  nickname: string | null;
  keys: string[];
  created_at: number;
  role: Role | null;
}

/** The URL without its password, for messages: `postgres://user@host:port/database`. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}

/** A connection error in words: pg's own message, or the system's code when it has none. */
export function describeError(error: unknown): string {
  const { message, code } = error as { message?: string; code?: string };
  const errors = (error as { errors?: unknown[] }).errors;
  // Node's AggregateError (every address refused) has an empty message and the reasons inside.
  if (!message && Array.isArray(errors) && errors.length > 0) return describeError(errors[0]);
  return message || code || String(error);
}
