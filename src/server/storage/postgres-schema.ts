/**
 * The PostgreSQL store's schema, as versioned migrations: an ordered list in code, each applied
 * once, in order, and recorded in `schema_migrations`. Opening the store applies the ones a
 * database lacks, all in one transaction (a failure leaves the schema as it was) under an
 * advisory lock, so that several servers starting at once on one database migrate it once.
 * A new table or column is a new entry at the end; entries already released never change.
 */
import type { ClientBase, Pool } from 'pg';

export interface Migration {
  /** 1, 2, 3…: the list's order. */
  version: number;
  /** What it does, kept in `schema_migrations` for whoever looks at the database. */
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'messages, with ids allocated in commit order',
    sql: `
      -- One row: the highest message id ever handed out, in any room. Writers lock this row
      -- (SELECT … FOR UPDATE) for their whole transaction, so ids become visible in the order
      -- they were allocated: a reader that has seen id N never later finds a smaller new one.
      CREATE TABLE message_ids (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        last_id bigint NOT NULL
      );
      INSERT INTO message_ids (last_id) VALUES (0);

      CREATE TABLE messages (
        id bigint PRIMARY KEY,
        room text NOT NULL,
        author_id text NOT NULL,
        author_nickname text NOT NULL,
        client_id text NOT NULL,
        text text NOT NULL,
        -- The FileAttachment a message carries; null for plain text.
        file jsonb,
        sent_at bigint NOT NULL,
        -- A resend (the same person, room and client id) is the original: permanently.
        CONSTRAINT messages_once UNIQUE (room, author_id, client_id)
      );
      CREATE INDEX messages_by_room ON messages (room, id);
      CREATE INDEX messages_by_file ON messages ((file ->> 'id')) WHERE file IS NOT NULL;

      -- Which rooms each stored file was posted to (who may read it).
      CREATE TABLE file_rooms (
        file_id text NOT NULL,
        room text NOT NULL,
        PRIMARY KEY (file_id, room)
      );
    `,
  },
  {
    version: 2,
    name: 'rooms and identities',
    sql: `
      CREATE TABLE rooms (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('room', 'direct')),
        name text NOT NULL,
        members jsonb NOT NULL,
        people jsonb,
        created_at bigint NOT NULL,
        created_by text
      );

      CREATE TABLE identities (
        id text PRIMARY KEY,
        nickname text,
        keys jsonb NOT NULL,
        created_at bigint NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'roles and read positions',
    sql: `
      -- 'admin' or 'moderator'; null for everyone else.
      ALTER TABLE identities ADD COLUMN role text CHECK (role IN ('admin', 'moderator'));

      -- Each person's newest read message per room (it follows them across devices).
      CREATE TABLE read_positions (
        person text NOT NULL,
        room text NOT NULL,
        message_id bigint NOT NULL,
        PRIMARY KEY (person, room)
      );
    `,
  },
  {
    version: 4,
    name: 'message changes: edits, deletes, reactions, pins and replies',
    sql: `
      -- What a message carries beyond its columns (ChatMessage's change, reply, revision,
      -- editedAt, edits, deleted, reactions, pinned); null for a plain message.
      ALTER TABLE messages ADD COLUMN extra jsonb;
      CREATE INDEX messages_pinned ON messages (room, id) WHERE extra ? 'pinned';
      -- A deleted message's edit entries and replies, found to erase their texts.
      CREATE INDEX messages_edits ON messages (room, ((extra -> 'change' ->> 'target')::bigint))
        WHERE extra -> 'change' ->> 'kind' = 'edit';
      CREATE INDEX messages_replies ON messages (room, ((extra -> 'reply' ->> 'id')::bigint))
        WHERE extra ? 'reply';
    `,
  },
  {
    version: 5,
    name: "rooms' creators as people",
    sql: `
      -- The identity that made a room (it may delete it); null for rooms made before.
      ALTER TABLE rooms ADD COLUMN creator text;
    `,
  },
  {
    version: 6,
    name: 'rate limits shared by every server',
    sql: `
      -- rate-limiter-flexible's RateLimiterPostgres table (limiters.ts): one row per limiter and
      -- key (an address, a person). Made here, not by the library at start, where servers
      -- starting together would race to create it. points is bigint: the hourly upload volume
      -- counts bytes (2 GiB by default, past integer). expire: when the window ends, ms.
      CREATE TABLE parley_rate_limits (
        key text PRIMARY KEY,
        points bigint NOT NULL DEFAULT 0,
        expire bigint
      );
    `,
  },
  {
    version: 7,
    name: 'admin links that work on every server',
    sql: `
      -- The admin links' tokens waiting for their one use (admin-token.ts), as SHA-256 digests:
      -- any server takes one (DELETE), whichever server printed it.
      CREATE TABLE admin_tokens (
        digest bytea PRIMARY KEY,
        made_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 8,
    name: 'link codes that work on every server',
    sql: `
      -- The codes that link a new device to a person (link-codes.ts), each until it expires (ms,
      -- the server's clock) or is used: any server takes one (DELETE), whichever issued it.
      CREATE TABLE link_codes (
        code text PRIMARY KEY,
        person text NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX link_codes_person ON link_codes (person);
    `,
  },
];

/** Any number, the same in every Parley server: the advisory lock that migrations hold. */
const MIGRATION_LOCK = 0x7061726c; // "parl"

/**
 * Applies the migrations `database` lacks, in one transaction; returns the versions applied
 * (none when it was up to date). Refuses a database migrated by a newer Parley (a version this
 * list does not know): its data would be misread.
 */
export async function migrate(
  pool: Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  // A connection that breaks fails the query below; its 'error' event must not go unheard.
  const ignore = () => {};
  client.on('error', ignore);
  try {
    await client.query('BEGIN');
    const applied = await migrateInTransaction(client, migrations);
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', ignore);
    client.release();
  }
}

/**
 * What `migrate` does, inside a transaction the caller began and commits: `parley migrate`
 * (migrate-to-postgres.ts) creates the schema and fills it in one commit, so that a failure
 * leaves the database as it was, tables and all.
 */
export async function migrateInTransaction(
  client: ClientBase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const done = new Set(rows.map((row) => row.version));
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = [...done].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(Math.max(...unknown));
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    applied.push(migration.version);
  }
  return applied;
}

export class SchemaTooNewError extends Error {
  constructor(readonly version: number) {
    super(
      `The database's schema is version ${version}, newer than this Parley knows: ` +
        'it was used by a newer Parley. Upgrade this server.',
    );
    this.name = 'SchemaTooNewError';
  }
}
