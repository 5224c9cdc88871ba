/**
 * The server's rate limiters, built from the rates (LIMITS.rate over createChatServer's options).
 * On the embedded store every limiter counts in memory. On PostgreSQL (several servers on one
 * database, issue 16) every limit that a hostile client could get around by spreading its
 * requests over the servers is counted in that database instead, with rate-limiter-flexible's
 * own RateLimiterPostgres: the per-address limits (new connections, messages, rooms made, uploads
 * started, file chunks, joins), the guess limits (wrong passphrases, admin tokens, link codes),
 * the hourly upload volume per address and the time a removed person is kept out. What counts
 * per connection stays in memory: a connection lives on one server. So do the uploads open at
 * once per address (upload-quotas.ts): each holds a file descriptor on its own server, which that
 * server's cap protects, and a shared count would need giving back when a server dies.
 *
 * A database outage must not stop the server: each shared limiter has an in-memory insurance
 * limiter with the same rates, which counts (per server) while the database cannot answer. Its
 * table is made by a schema migration (postgres-schema.ts), not by the library at start, where
 * servers starting together would race to create it; rows whose window ended are deleted now
 * and then by whichever server gets there.
 */
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';
import { LIMITS } from '../shared/limits';
import type { RateLimit, RateLimits } from './chat-server';
import type { Limiters } from './events/connection';
import type { Limiter } from './rate-limits';

export interface LimiterOptions {
  rates: RateLimits;
  /** Bytes of files one address may send per hour (upload-quotas.ts). */
  uploadBytesPerHour: number;
  /**
   * The PostgreSQL URL of the store (already migrated: PostgresHistory.open did it), or null:
   * everything counts in memory.
   */
  database: string | null;
  /** Where a broken idle database connection is reported. */
  onError: (error: unknown) => void;
}

export interface ServerLimiters {
  /** The client events' limiters (events/connection.ts). */
  events: Limiters;
  /** New connections (handshakes) per address. */
  connect: Limiter;
  wrongPassphrase: Limiter;
  wrongAdminToken: Limiter;
  /** Refused requests per connection (flood-containment.ts). */
  refused: Limiter;
  /** Bytes of files sent per address per hour (upload-quotas.ts). */
  uploadVolume: Limiter;
  /**
   * Removed people and their addresses, kept out for a while: shared with the other servers on
   * the database; null on the embedded store (moderation.ts keeps this server's own).
   */
  removals: Limiter | null;
  /** Stops the cleanup and closes the database connections (the limiters then count in memory). */
  close(): Promise<void>;
}

/** rate-limiter-flexible's table (made by migration 6 in postgres-schema.ts). */
export const RATE_LIMIT_TABLE = 'parley_rate_limits';
/** How often rows whose window ended are deleted. */
const CLEANUP_INTERVAL_MS = 5 * 60_000;
/**
 * A limit check waits this long for the database at most, then the insurance limiter decides:
 * a message or a handshake must not hang on a database that does not answer.
 */
const DATABASE_TIMEOUT_MS = 2_000;
/** Connections per server for limit checks (one short statement each), apart from the store's. */
const MAX_CONNECTIONS = 4;

export function createLimiters(options: LimiterOptions): ServerLimiters {
  const { rates } = options;
  const local = (rate: RateLimit) =>
    new RateLimiterMemory({ points: rate.points, duration: rate.durationSeconds });
  const database = options.database === null ? null : openDatabase(options.database, options);
  // Named: each limiter's keys carry its name, in the one table every limiter shares.
  const shared = (name: string, rate: RateLimit, blockInMemory = true): Limiter =>
    database ? database.limiter(name, rate, blockInMemory) : local(rate);

  return {
    events: {
      message: local(rates.message),
      messagePerAddress: shared('messagePerAddress', rates.messagePerAddress),
      typing: local(rates.typing),
      presence: local(rates.presence),
      history: local(rates.history),
      search: local(rates.search),
      rooms: local(rates.rooms),
      roomCreatePerAddress: shared('roomCreatePerAddress', rates.roomCreatePerAddress),
      join: shared('join', rates.join),
      challenge: local(rates.challenge),
      linkCode: local(rates.linkCode),
      wrongLinkCode: shared('wrongLinkCode', rates.wrongLinkCode),
      read: local(rates.read),
      fileBegin: local(rates.fileBegin),
      fileBeginPerAddress: shared('fileBeginPerAddress', rates.fileBeginPerAddress),
      fileChunk: local(rates.fileChunk),
      fileChunkPerAddress: shared('fileChunkPerAddress', rates.fileChunkPerAddress),
      moderation: local(rates.moderation),
    },
    connect: shared('connect', rates.connect),
    wrongPassphrase: shared('wrongPassphrase', rates.wrongPassphrase),
    wrongAdminToken: shared('wrongAdminToken', rates.wrongAdminToken),
    refused: local(rates.refused),
    // upload-quotas.ts gives back what a refused upload counted: a smaller one may still fit.
    uploadVolume: shared(
      'uploadVolume',
      { points: options.uploadBytesPerHour, durationSeconds: 3600 },
      false,
    ),
    removals: database && database.limiter('removals', removalRate, false),
    close: () => database?.close() ?? Promise.resolve(),
  };
}

/** Removals block keys for their own seconds; the rate only sets the window a plain count would use. */
const removalRate: RateLimit = { points: 1, durationSeconds: LIMITS.kickCooldownSeconds };

/** A pool of its own for the limit checks, the cleanup timer, and the limiters on them. */
function openDatabase(url: string, options: LimiterOptions) {
  const types = new pg.TypeOverrides();
  // points and expire are bigint (bytes per hour, times in ms), below 2^53: numbers, as the
  // library compares them.
  types.setTypeParser(pg.types.builtins.INT8, Number);
  const pool = new pg.Pool({
    connectionString: url,
    max: MAX_CONNECTIONS,
    connectionTimeoutMillis: DATABASE_TIMEOUT_MS,
    query_timeout: DATABASE_TIMEOUT_MS,
    types,
  });
  // An idle connection that breaks (the database restarted) is reported, not thrown.
  pool.on('error', options.onError);
  const cleanup = setInterval(() => {
    pool.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE expire < $1`, [Date.now()]).catch(() => {}); // not critical: the next round tries again
  }, CLEANUP_INTERVAL_MS);
  cleanup.unref();
  let closed: Promise<void> | null = null;
  return {
    limiter: (name: string, rate: RateLimit, blockInMemory: boolean): Limiter =>
      new InCallOrder({
        storeClient: pool,
        storeType: 'pool',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: name,
        points: rate.points,
        duration: rate.durationSeconds,
        // Once a key is over its limit, this server refuses it without asking the database until
        // the window ends (a flood costs one query, not one per request). Above the points, so a
        // point given back (a right passphrase) is never refused from memory.
        inMemoryBlockOnConsumed: blockInMemory ? rate.points + 1 : 0,
        insuranceLimiter: new RateLimiterMemory({
          keyPrefix: name,
          points: rate.points,
          duration: rate.durationSeconds,
        }),
      }),
    close() {
      closed ??= (async () => {
        clearInterval(cleanup);
        await pool.end();
      })();
      return closed;
    },
  };
}

/**
 * A RateLimiterPostgres whose consume verdicts come back in the order they were asked for, per
 * key. bind-events.ts handles a connection's requests in the order they arrived because its
 * limits' verdicts come back in that order; in memory they do, but two database queries may
 * overtake each other, and a file's chunks or someone's messages would then be handled out of
 * order. The queries still run together: only their answers wait their turn.
 */
class InCallOrder extends RateLimiterPostgres {
  /** Per key: the last verdict asked for, settled or not. */
  readonly #last = new Map<string, Promise<unknown>>();

  override consume(
    key: string | number,
    points?: number,
    options?: { [key: string]: unknown },
  ): Promise<RateLimiterRes> {
    const verdict = super.consume(key, points, options);
    // A refusal is a rejection. While an earlier verdict for the key is pending, nothing waits
    // on this one yet: without a handler now, Node would report it unhandled (and by default
    // end the process) before the chain below gets to it. It is still returned as a refusal.
    verdict.catch(() => {});
    const name = String(key);
    const previous = this.#last.get(name);
    const inOrder = previous ? previous.then(() => verdict) : verdict;
    const settled = inOrder.then(
      () => {},
      () => {},
    );
    this.#last.set(name, settled);
    void settled.then(() => {
      if (this.#last.get(name) === settled) this.#last.delete(name);
    });
    return inOrder;
  }
}
