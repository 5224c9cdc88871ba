/**
 * Limits shared by servers on one PostgreSQL database (limiters.ts), against a real PostgreSQL
 * (tests/support/postgres.ts) and two real servers on it: a budget spread over both is one
 * budget, not one per server; and with the database gone, each server still limits on its own.
 * Every test server counts loopback too (`isRateLimitExempt: () => false`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { joinRaw, joinWith, rawSocket, startServer } from '../../tests/support/chat';
import { begin, uploadRaw } from '../../tests/support/files';
import { memoryDeviceKey } from '../../tests/support/join-with';
import { postgresPerFile } from '../../tests/support/postgres-per-file';
import { LIMITS } from '../shared/limits';
import type { ChatServer, ChatServerOptions } from './chat-server';
import { createLimiters, RATE_LIMIT_TABLE } from './limiters';

const postgres = postgresPerFile('limits');

/** Two servers on one new database, started at once (as a cluster's nodes may be). */
async function twoNodes(
  database: string,
  options: ChatServerOptions = {},
): Promise<[ChatServer, ChatServer]> {
  const start = () =>
    startServer({ database, isRateLimitExempt: () => false, onError: () => {}, ...options });
  return Promise.all([start(), start()]);
}

/** The rate-limit rows of `database` whose key starts with `prefix` (a limiter's name). */
async function rowsOf(database: string, prefix: string) {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; points: string }>(
      `SELECT key, points FROM ${RATE_LIMIT_TABLE} WHERE starts_with(key, $1) ORDER BY key`,
      [prefix],
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('limits shared by servers on one PostgreSQL database', () => {
  it('refuses wrong passphrases spread over both servers after one budget, not one each', async () => {
    const database = await postgres.freshUrl();
    const nodes = await twoNodes(database, { passphrase: 'open sesame' });
    const { points } = LIMITS.rate.wrongPassphrase;
    for (let n = 0; n < points; n++) {
      const guesser = await rawSocket(nodes[n % 2]!);
      expect(await joinWith(guesser, { nickname: 'eve', passphrase: `guess ${n}` })).toMatchObject({
        ok: false,
        error: { code: 'wrong_passphrase' },
      });
    }
    // Each server has seen about half the guesses; together they have seen the budget.
    for (const node of nodes) {
      const guesser = await rawSocket(node);
      expect(await joinWith(guesser, { nickname: 'eve', passphrase: 'open sesame' })).toMatchObject(
        {
          ok: false,
          error: { code: 'rate_limited', message: /Too many wrong passphrases/ },
        },
      );
    }
    // Counted in the database, under the limiter's name; the refused joins were not checked.
    expect(await rowsOf(database, 'wrongPassphrase:')).toEqual([
      { key: 'wrongPassphrase:127.0.0.1', points: String(points) },
    ]);
  });

  it('counts messages from one address on both servers against one per-address limit', async () => {
    const nodes = await twoNodes(await postgres.freshUrl(), {
      rateLimits: { messagePerAddress: { points: 4, durationSeconds: 60 } },
    });
    const first = await joinRaw(nodes[0], 'first');
    const second = await joinRaw(nodes[1], 'second');
    const send = (socket: typeof first, clientId: string) =>
      socket.timeout(5000).emitWithAck('message:send', { clientId, text: clientId });
    const sent = [
      await send(first, 'a0'),
      await send(second, 'b0'),
      await send(first, 'a1'),
      await send(second, 'b1'),
    ];
    expect(sent.every((result) => result.ok)).toBe(true);
    // Neither connection nor server has reached 4 alone; the address has.
    expect(await send(second, 'b2')).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(await send(first, 'a2')).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it("handles one connection's messages in the order they were sent, though each waits for the database", async () => {
    const [node] = await twoNodes(await postgres.freshUrl());
    const socket = await joinRaw(node, 'quick');
    const clientIds = Array.from({ length: 15 }, (_, n) => `m${n}`);
    // All sent at once: their per-address verdicts are queries that could overtake each other.
    const acks = await Promise.all(
      clientIds.map((clientId) =>
        socket.timeout(5000).emitWithAck('message:send', { clientId, text: clientId }),
      ),
    );
    const ids = acks.map((ack) => {
      if (!ack.ok) throw new Error(ack.error.message);
      return ack.message.id;
    });
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('counts the hourly upload volume of one address on both servers together', async () => {
    const nodes = await twoNodes(await postgres.freshUrl(), { uploads: { bytesPerHour: 10_000 } });
    const first = await joinRaw(nodes[0], 'first');
    const second = await joinRaw(nodes[1], 'second');
    expect(await uploadRaw(first, randomBytes(6000))).toMatchObject({ ok: true });
    expect(await begin(second, { size: 5000 })).toMatchObject({
      ok: false,
      error: { code: 'quota_exceeded' },
    });
    // The refusal took nothing (its bytes were given back): the 4000 left still fit.
    expect(await begin(second, { size: 4000 })).toMatchObject({ ok: true });
  });

  it("keeps a removed person's address out of both servers", async () => {
    const database = await postgres.freshUrl();
    const nodes = await twoNodes(database);
    const key = memoryDeviceKey();
    const socket = await rawSocket(nodes[0]);
    const joined = await joinWith(socket, { nickname: 'mallory' }, key);
    if (!joined.ok) throw new Error(joined.error.message);
    expect(nodes[0].kick(joined.self.id)).toMatchObject({ ok: true });
    // The removal is written without being waited for: wait until the database has it.
    while ((await rowsOf(database, 'removals:127.0.0.1')).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const again = await rawSocket(nodes[1]);
    expect(await joinWith(again, { nickname: 'mallory' }, key)).toMatchObject({
      ok: false,
      error: { code: 'kicked' },
    });
  });
});

// Last in the file: it stops the file's PostgreSQL.
describe('limit verdicts from the database', () => {
  it('leaves no refusal unhandled when many checks of one key are in flight at once', async () => {
    const database = await postgres.freshUrl();
    // A server migrates the database (the limits' table); the limiters are then made alone.
    const server = await startServer({ database, onError: () => {} });
    const limiters = createLimiters({
      rates: LIMITS.rate,
      uploadBytesPerHour: 1_000_000,
      database,
      onError: () => {},
    });
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { points } = LIMITS.rate.wrongPassphrase;
      // Answers may overtake each other (several connections); refusals come from memory at
      // once once the key is blocked, while earlier checks still wait for the database.
      const verdicts = await Promise.allSettled(
        Array.from({ length: 40 }, () => limiters.wrongPassphrase.consume('203.0.113.9')),
      );
      // Node reports an unhandled rejection after the microtasks of the turn it happened in.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(verdicts.filter((verdict) => verdict.status === 'fulfilled')).toHaveLength(points);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await limiters.close();
      await server.close();
    }
  });
});

describe('limits while the database is down', () => {
  it('still refuses wrong passphrases past the budget (counted in memory), and closes cleanly', async () => {
    const errors: unknown[] = [];
    const server = await startServer({
      database: await postgres.freshUrl(),
      passphrase: 'open sesame',
      isRateLimitExempt: () => false,
      onError: (error) => errors.push(error),
    });
    // Connected before the outage: a new connection's handshake is limited too, and must still
    // be let in, but this test is about the guesses.
    const guessers = await Promise.all(
      Array.from({ length: LIMITS.rate.wrongPassphrase.points + 1 }, () => rawSocket(server)),
    );
    await postgres.server.stop();
    const codes = [];
    for (const [n, guesser] of guessers.entries()) {
      const answer = await joinWith(guesser, { nickname: 'eve', passphrase: `guess ${n}` });
      codes.push(answer.ok ? 'ok' : answer.error.code);
    }
    expect(codes).toEqual([
      ...Array<string>(LIMITS.rate.wrongPassphrase.points).fill('wrong_passphrase'),
      'rate_limited',
    ]);
    // A new connection still gets in (its handshake counted in memory).
    const late = await rawSocket(server);
    expect(late.connected).toBe(true);
    await server.close();
  });
});
