/**
 * `parley migrate`: moves what a data folder's embedded store holds (LevelDB,
 * level-message-store.ts) into an empty PostgreSQL database, so that `parley serve --data DIR
 * --database URL` carries on where `parley serve --data DIR` stopped: the same history with the
 * same ids, the same rooms, the same people. Sent files stay where they are (DIR/files): both
 * stores keep them there.
 *
 * What goes where:
 * - every message and change entry (`msg!`) as it stands now — a change entry's target was
 *   already updated in place when the change was stored, so rows are copied, never replayed —
 *   into `messages`, with its id, author, client id (a resend after the move is still the
 *   original), time, reply, file, mentions and changes (postgres-history.ts's `toRow`);
 * - rooms (`room!`), identities with their device keys, names and roles (`person!`), read
 *   positions (`read!`) and which rooms each file was posted to (`file!`) into their tables;
 * - the highest id ever handed out (`meta!lastId`) into the id counter: the next message gets
 *   the next id, as it would have on the embedded store.
 * The embedded store's indexes (`fileref!`, `reply!`, `pin!`) are not copied: PostgreSQL finds
 * the same from the rows. A record of any other kind stops the move: it would be lost.
 *
 * All of it, the schema's creation included, is one transaction: a failure (or a refusal found
 * on the way) leaves the database as it was. The data folder is only read; LevelDB's lock, held
 * throughout, keeps a server from starting on it meanwhile.
 */
import pg from 'pg';
import type { ChatMessage } from '../../shared/protocol';
import { ChatServerError } from '../errors';
import { historyOf, isMessage, MESSAGE_KEY } from './data-check';
import type { StoredIdentity, StoredRoom } from './history-store';
import { inspectBeforeOpen } from './history-damage';
import { readIdMarks } from './id-watermark';
import { LevelMessageStore } from './level-message-store';
import {
  CONNECT_TIMEOUT_MS,
  describeError,
  describeUrl,
  MESSAGE_COLUMNS,
  MESSAGE_RECORDS,
  numberTypes,
  toRow,
  writeIdentities,
} from './postgres-history';
import { migrateInTransaction, SchemaTooNewError } from './postgres-schema';

export interface MigrationSummary {
  /** Messages and change entries. */
  messages: number;
  /** Named rooms and direct conversations (the lobby included when it holds messages). */
  rooms: number;
  people: number;
  readPositions: number;
  /** (file, room) pairs: who may read which file. */
  fileReferences: number;
  /** New messages are numbered after this id. */
  lastId: number;
}

/** Rows go to PostgreSQL in statements of this many. */
const ROWS_PER_STATEMENT = 1000;
/** Every table a Parley server writes: a database with a row in one already holds Parley data. */
const TABLES = ['message_ids', 'messages', 'rooms', 'identities', 'read_positions', 'file_rooms'];
/** The embedded store's indexes, found again from the rows in PostgreSQL (see the header). */
const DERIVED_KEY = /^(fileref|reply|pin)!/;

/** Moves the embedded store of `dataDir` into the empty database at `url`; see the header. */
export async function migrateToPostgres(dataDir: string, url: string): Promise<MigrationSummary> {
  const directory = await historyOf(
    dataDir,
    'Stop it first: what it stores after the move would be left behind.',
  );
  if ((await inspectBeforeOpen(directory)).fresh) {
    throw new ChatServerError(
      'data_unavailable',
      `${dataDir} holds no Parley data (its history folder is empty): nothing to migrate.`,
    );
  }
  // Refuses a folder a server holds (its lock), and damage (see history-damage.ts).
  const store = await LevelMessageStore.open(directory, { onWarning: () => {} });
  try {
    await refuseMissingMessages(directory, await store.lastId());
    const client = await connect(url);
    try {
      await client.query('BEGIN');
      try {
        const summary = await copyInto(client, url, store);
        await client.query('COMMIT');
        return summary;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      await client.end().catch(() => {});
    }
  } finally {
    await store.close();
  }
}

/** Refuses a history that ends below the ids it acknowledged (`parley check` says more). */
async function refuseMissingMessages(directory: string, lastId: number): Promise<void> {
  const marks = await readIdMarks(directory).catch(() => null);
  if (marks !== null && marks.acknowledged > lastId) {
    throw new ChatServerError(
      'data_damaged',
      `The history in ${directory} ends at id ${lastId} but acknowledged messages up to id ` +
        `${marks.acknowledged}: run \`parley check\` on it before migrating.`,
    );
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: numberTypes(),
  });
  // A connection that breaks fails the query in progress; its 'error' event must not go unheard.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new ChatServerError(
      'data_unavailable',
      `Cannot reach the database ${describeUrl(url)}: ${describeError(error)}`,
    );
  }
  return client;
}

/** Inside the caller's transaction: the schema, the refusal of a used database, every record. */
async function copyInto(
  client: pg.Client,
  url: string,
  store: LevelMessageStore,
): Promise<MigrationSummary> {
  try {
    await migrateInTransaction(client);
  } catch (error) {
    if (!(error instanceof SchemaTooNewError)) throw error;
    throw new ChatServerError(
      'data_unavailable',
      `The database ${describeUrl(url)} already holds Parley data (${error.message}); ` +
        'parley migrate fills only an empty database.',
    );
  }
  // No server on the database may write while it is checked and filled (reads may go on).
  await client.query(`LOCK TABLE ${TABLES.join(', ')} IN EXCLUSIVE MODE`);
  const { rows } = await client.query<{ used: boolean }>(
    `SELECT (SELECT last_id FROM message_ids) > 0
       ${TABLES.slice(1)
         .map((table) => `OR EXISTS (SELECT 1 FROM ${table})`)
         .join(' ')} AS used`,
  );
  if (rows[0]!.used) {
    throw new ChatServerError(
      'data_unavailable',
      `The database ${describeUrl(url)} already holds Parley data; parley migrate fills only ` +
        'an empty database (create a new one, or drop its tables first).',
    );
  }
  return store.read((db) => copyRecords(client, db));
}

/** Copies every record of one snapshot of the LevelDB database `db`. */
async function copyRecords(
  client: pg.Client,
  db: LevelMessageStore['db'],
): Promise<MigrationSummary> {
  const rooms = new Set<string>();
  const storedRooms: StoredRoom[] = [];
  const identities: StoredIdentity[] = [];
  const positions: Array<{ person: string; room: string; message_id: number }> = [];
  const fileRooms: Array<{ file_id: string; room: string }> = [];
  let messages: ChatMessage[] = [];
  let messageCount = 0;
  let lastId = 0;
  for await (const [key, value] of db.iterator()) {
    const [kind = '', first = '', second = ''] = key.split('!');
    const message = MESSAGE_KEY.exec(key);
    if (message) {
      if (!isMessage(value) || value.room !== message[1] || value.id !== Number(message[2])) {
        throw unusable(key, 'not a message of that room and id');
      }
      messages.push(value);
      messageCount++;
      rooms.add(value.room);
      lastId = Math.max(lastId, value.id);
      if (messages.length === ROWS_PER_STATEMENT) {
        await insertMessages(client, messages);
        messages = [];
      }
    } else if (kind === 'room') {
      storedRooms.push(value as StoredRoom);
      rooms.add(first);
    } else if (kind === 'person') {
      identities.push(value as StoredIdentity);
    } else if (kind === 'read' && Number.isSafeInteger(value)) {
      positions.push({ person: first, room: second, message_id: value as number });
    } else if (kind === 'file' && second !== '') {
      fileRooms.push({ file_id: first, room: second });
    } else if (key === 'meta!lastId' && Number.isSafeInteger(value)) {
      lastId = Math.max(lastId, value as number);
    } else if (!DERIVED_KEY.test(key)) {
      throw unusable(key, 'not a record this Parley knows');
    }
  }
  await insertMessages(client, messages);
  await insertRooms(client, storedRooms);
  for (let at = 0; at < identities.length; at += ROWS_PER_STATEMENT) {
    await writeIdentities(client, identities.slice(at, at + ROWS_PER_STATEMENT));
  }
  await insertRecords(client, 'read_positions (person, room, message_id)', positions, {
    person: 'text',
    room: 'text',
    message_id: 'bigint',
  });
  await insertRecords(client, 'file_rooms (file_id, room)', fileRooms, {
    file_id: 'text',
    room: 'text',
  });
  await client.query('UPDATE message_ids SET last_id = $1', [lastId]);
  return {
    messages: messageCount,
    rooms: rooms.size,
    people: identities.length,
    readPositions: positions.length,
    fileReferences: fileRooms.length,
    lastId,
  };
}

function unusable(key: string, reason: string): ChatServerError {
  return new ChatServerError(
    'data_damaged',
    `The history's record ${key} cannot be moved (${reason}): run \`parley check\` on the ` +
      'data folder first. Nothing was written.',
  );
}

async function insertMessages(client: pg.Client, messages: ChatMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `INSERT INTO messages (${MESSAGE_COLUMNS})
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS ${MESSAGE_RECORDS}`,
    [JSON.stringify(messages.map(toRow))],
  );
}

async function insertRooms(client: pg.Client, rooms: StoredRoom[]): Promise<void> {
  const rows = rooms.map((room) => ({
    id: room.id,
    kind: room.kind,
    name: room.name,
    members: room.members,
    people: room.people ?? null,
    created_at: room.createdAt,
    created_by: room.createdBy ?? null,
    creator: room.creator ?? null,
  }));
  await insertRecords(
    client,
    'rooms (id, kind, name, members, people, created_at, created_by, creator)',
    rows,
    {
      id: 'text',
      kind: 'text',
      name: 'text',
      members: 'jsonb',
      people: 'jsonb',
      created_at: 'bigint',
      created_by: 'text',
      creator: 'text',
    },
  );
}

/** Inserts `rows` into `table` (its name and columns), `columns` giving each one's type. */
async function insertRecords(
  client: pg.Client,
  table: string,
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: Record<string, string>,
): Promise<void> {
  const record = Object.entries(columns)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ');
  for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
    await client.query(
      `INSERT INTO ${table} SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${record})`,
      [JSON.stringify(rows.slice(at, at + ROWS_PER_STATEMENT))],
    );
  }
}

/** The summary as one line, for the command's output. */
export function describeMigration(summary: MigrationSummary): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return (
    `${count(summary.messages, 'message')} (changes included) in ` +
    `${count(summary.rooms, 'room or conversation', 'rooms and conversations')}, ` +
    `${count(summary.people, 'person', 'people')}, ${count(summary.readPositions, 'read position')} ` +
    `and ${count(summary.fileReferences, 'file reference')}; new messages are numbered after ` +
    `${summary.lastId}.`
  );
}
