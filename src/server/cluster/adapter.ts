/**
 * Socket.IO's PostgreSQL adapter for a cluster of `parley serve` nodes on one database: a
 * broadcast to a room (or to a socket of another node, or `serverSideEmit`) goes to every node
 * by NOTIFY, each node LISTENing on one connection of its own small pool.
 *
 * Chosen over the Redis streams adapter because PostgreSQL is already the one shared store (one
 * component fewer to run), and what goes through it is small and rare: messages are not
 * forwarded (each node reads them from the database, room-tail.ts), only presence, typing and
 * room and person changes. NOTIFY carries at most 8,000 bytes; a larger event goes into the
 * adapter's table and the notification names its row — created here, under an advisory lock so
 * that nodes starting together do not race to create it.
 */
import { createHash } from 'node:crypto';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import { ChatServerError } from '../errors';
import type { ParleyServer } from '../socket-types';
import { describeError } from '../storage/postgres-history';

export const ATTACHMENTS_TABLE = 'parley_adapter_attachments';
/** Any number, the same on every node: the lock that serialises creating the table. */
const SETUP_LOCK = 7_349_211;

/**
 * Makes `io` broadcast through the database at `url`. Resolves with a function that closes the
 * adapter's connections (after io.close()).
 */
export async function usePostgresAdapter(
  io: ParleyServer,
  url: string,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  // One connection LISTENs; the other publishes, one NOTIFY after the other, so that what one
  // node says reaches the others in the order it was said.
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // A connection that breaks (the database restarted) emits 'error': the pool reports its idle
  // ones, but the adapter's LISTEN connection is checked out and has no listener of its own, so
  // without this one the process would crash. The adapter then connects again by itself.
  // And the adapter never gives that connection back when it ends: it would hold one of the
  // pool's two places for good, and after one restart nothing could be published. Given back
  // here, broken (a connection a query still holds was given back by that query already).
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', (error) =>
      onError(
        new ChatServerError(
          'data_unavailable',
          `The cluster's database connection broke (${describeError(error)}); it connects again by itself.`,
        ),
      ),
    );
    client.on('end', () =>
      setImmediate(() => {
        try {
          client.release(true);
        } catch {
          // Given back already.
        }
      }),
    );
  });
  let channelPrefix: string;
  try {
    channelPrefix = await prepare(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  io.adapter(
    createAdapter(pool, {
      tableName: ATTACHMENTS_TABLE,
      channelPrefix,
      errorHandler: (error) => onError(error),
    }),
  );
  return () => pool.end();
}

/**
 * Creates the attachments table if needed, and names the notification channel after the
 * database and schema: NOTIFY is heard database-wide, and servers in other schemas of the same
 * database (the test suite's, one per server) are other clusters.
 */
async function prepare(pool: pg.Pool): Promise<string> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ place: string }>(
      "SELECT current_database() || '/' || current_schema() AS place",
    );
    const place = createHash('sha256').update(rows[0]!.place).digest('hex').slice(0, 16);
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${ATTACHMENTS_TABLE} (
         id bigserial UNIQUE,
         created_at timestamptz DEFAULT now(),
         payload bytea
       )`,
    );
    await client.query('COMMIT');
    return `parley_${place}`;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
