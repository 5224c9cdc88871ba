import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresPerFile } from '../../../tests/support/postgres-per-file';
import { startCommitCutter } from '../../../tests/support/commit-cutter';
import { freePort } from '../../../tests/support/server-process';
import { startTcpProxy } from '../../../tests/support/tcp-proxy';
import { ChatServerError, describeForLog } from '../errors';
import { describeHistoryStore } from './history-store.contract';
import { StorageError } from './history-store';
import { PostgresHistory } from './postgres-history';
import { MIGRATIONS, migrate } from './postgres-schema';

const postgres = postgresPerFile('spec');
const freshUrl = () => postgres.freshUrl();

describeHistoryStore('PostgreSQL', {
  open: async (name) => PostgresHistory.open({ url: await postgres.server.database(name) }),
  openShared: async (name) => PostgresHistory.open({ url: await postgres.server.database(name) }),
  reopens: true,
});

const alice = { id: 'p-alice', nickname: 'Alice' };

describe('PostgreSQL store: schema migrations', () => {
  it('applies every migration once: a second open changes nothing', async () => {
    const url = await freshUrl();
    const pool = new pg.Pool({ connectionString: url });
    try {
      expect(await migrate(pool)).toEqual(MIGRATIONS.map((migration) => migration.version));
      const before = await pool.query('SELECT version, applied_at FROM schema_migrations');
      expect(await migrate(pool)).toEqual([]);
      const store = await PostgresHistory.open({ url });
      await store.close();
      const after = await pool.query('SELECT version, applied_at FROM schema_migrations');
      expect(after.rows).toEqual(before.rows);
    } finally {
      await pool.end();
    }
  });

  it('migrates an older schema, keeping its messages', async () => {
    const url = await freshUrl();
    await (await PostgresHistory.open({ url, migrations: MIGRATIONS.slice(0, 1) })).close();
    // A message as the first schema's server stored it (this server's writes need the newest).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      `INSERT INTO messages (id, room, author_id, author_nickname, client_id, text, file, sent_at)
         VALUES (1, 'lobby', $1, $2, 'c1', 'hi', NULL, 5)`,
      [alice.id, alice.nickname],
    );
    await client.query('UPDATE message_ids SET last_id = 1');
    await client.end();
    const kept = {
      message: { id: 1, clientId: 'c1', room: 'lobby', author: alice, text: 'hi', sentAt: 5 },
    };

    const store = await PostgresHistory.open({ url });
    const room = { id: 'r-1', kind: 'room' as const, name: 'Ops', members: [], createdAt: 1 };
    await store.rooms.saveRoom(room);
    expect(await store.rooms.rooms()).toEqual([room]);
    expect(await store.latest('lobby', 10)).toEqual([kept.message]);
    const next = await store.append({ room: 'lobby', author: alice, clientId: 'c2', text: 'x' });
    expect(next.message.id).toBe(kept.message.id + 1);
    await store.close();
  });

  it('refuses a schema from a newer Parley, and says so', async () => {
    const url = await freshUrl();
    await (await PostgresHistory.open({ url })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
    await client.end();
    const opening = PostgresHistory.open({ url });
    await expect(opening).rejects.toBeInstanceOf(ChatServerError);
    await expect(opening).rejects.toMatchObject({
      code: 'data_unavailable',
      message: expect.stringMatching(/version 999, newer than this Parley knows/),
    });
  });
});

describe('PostgreSQL store: failures', () => {
  it('refuses an unreachable database with its address in words, never the password', async () => {
    const port = await freePort(); // nobody listens there
    const url = `postgres://parley:secret-word@127.0.0.1:${port}/parley`;
    const opening = PostgresHistory.open({ url });
    await expect(opening).rejects.toMatchObject({
      code: 'data_unavailable',
      message: expect.stringContaining(`Cannot open the database postgres://parley@127.0.0.1:`),
    });
    await expect(opening).rejects.toSatisfy(
      (error: Error) =>
        !error.message.includes('secret-word') && /ECONNREFUSED/.test(error.message),
    );
  });

  it('a failed write rejects with a StorageError and leaves nothing behind', async () => {
    const url = await freshUrl();
    const store = await PostgresHistory.open({ url });
    const before = await store.append({ room: 'lobby', author: alice, clientId: 'c0', text: 'a' });
    // The database refuses one text: the write of that message fails inside its transaction.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("ALTER TABLE messages ADD CONSTRAINT refuse CHECK (text <> 'refused')");
    const failed = store.append({ room: 'lobby', author: alice, clientId: 'c1', text: 'refused' });
    await expect(failed).rejects.toBeInstanceOf(StorageError);
    await expect(failed).rejects.toMatchObject({ code: 'storage_unavailable' });
    expect(await store.latest('lobby', 10)).toEqual([before.message]);
    await client.query('ALTER TABLE messages DROP CONSTRAINT refuse');
    await client.end();
    // Not in the de-duplication, and its id was not used.
    const again = await store.append({ room: 'lobby', author: alice, clientId: 'c1', text: 'b' });
    expect(again.created).toBe(true);
    expect(again.message.id).toBe(before.message.id + 1);
    await store.close();
  });

  it('a read while the database is out of reach fails as storage_unavailable, its cause kept', async () => {
    const url = new URL(await freshUrl());
    const proxy = await startTcpProxy({ targetPort: Number(url.port) });
    url.port = String(proxy.port);
    const errors: unknown[] = [];
    const store = await PostgresHistory.open({ url: url.href, onError: (e) => errors.push(e) });
    await store.append({ room: 'lobby', author: alice, clientId: 'c1', text: 'kept' });
    await proxy.close();
    for (const read of [
      () => store.latest('lobby', 10),
      () => store.page('lobby', { after: 0 }, 10),
      () => store.find('lobby', 1),
      () => store.pinned('lobby'),
      () => store.hasBefore('lobby', 2),
      // Reads a join or a request makes besides the history's.
      () => store.readPositions.positions('p-alice', ['lobby']),
      () => store.linkCodes.personOf('CODE1', Date.now()),
      () => store.fileReferences.allowed('f'.repeat(64), ['lobby']),
    ]) {
      const failure = await read().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StorageError);
      expect(failure).toMatchObject({ code: 'storage_unavailable' });
      expect(describeForLog(failure)).toMatch(/^The server cannot read its history[^\n]*\(/);
    }
    await store.close();
  });

  it(
    'goes on after PostgreSQL restarts: what was acknowledged is there, new writes work',
    { timeout: 120_000 },
    async () => {
      const errors: unknown[] = [];
      const url = await freshUrl();
      const store = await PostgresHistory.open({ url, onError: (error) => errors.push(error) });
      const send = (clientId: string) =>
        store.append({ room: 'lobby', author: alice, clientId, text: clientId });
      const before = await send('c1');
      // Cut like a crash: the pool's idle connections break (reported, not thrown).
      await postgres.server.restart();
      expect(errors).not.toEqual([]);
      // Reported in a line each, as the database's (pg attaches its whole client to them).
      for (const error of errors) expect(describeForLog(error)).toMatch(/^The database: [^\n]+$/);
      // A write on a connection that broke is refused; a retry gets a fresh connection.
      let after = await send('c2').catch((error: unknown) => {
        expect(error).toBeInstanceOf(StorageError);
        return null;
      });
      after ??= await send('c2');
      expect(after.created).toBe(true);
      expect(after.message.id).toBeGreaterThan(before.message.id);
      expect(await store.latest('lobby', 10)).toEqual([before.message, after.message]);
      expect(await send('c1')).toEqual({ message: before.message, created: false });
      await store.close();
    },
  );

  it('a commit whose answer was lost is found on another connection: the message is stored', async () => {
    const url = await freshUrl();
    const cutter = await startCommitCutter(postgres.server.port);
    const proxied = url.replace(`:${postgres.server.port}/`, `:${cutter.port}/`);
    const store = await PostgresHistory.open({ url: proxied, onError: () => {} });
    const send = (clientId: string) =>
      store.append({ room: 'lobby', author: alice, clientId, text: clientId });
    const before = await send('c1');
    cutter.arm();
    const committed = await send('c2');
    await cutter.cut;
    expect(committed.created).toBe(true);
    expect(await store.latest('lobby', 10)).toEqual([before.message, committed.message]);
    expect((await send('c3')).message.id).toBe(committed.message.id + 1);
    await store.close();
    await cutter.close();
  });

  it('a commit the database refuses leaves nothing behind', async () => {
    const url = await freshUrl();
    const store = await PostgresHistory.open({ url });
    const send = (clientId: string, text = clientId) =>
      store.append({ room: 'lobby', author: alice, clientId, text });
    const before = await send('c1');
    // A check the database makes only at COMMIT (a deferred constraint trigger).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.text = 'refused' THEN RAISE EXCEPTION 'refused at commit'; END IF;
          RETURN NULL;
        END $$;
      CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON messages
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse();`);
    await client.end();
    await expect(send('c2', 'refused')).rejects.toMatchObject({ code: 'storage_unavailable' });
    expect(await store.latest('lobby', 10)).toEqual([before.message]);
    const again = await send('c2');
    expect(again.created).toBe(true);
    expect(again.message.id).toBe(before.message.id + 1);
    await store.close();
  });

  it('a write after close is refused as a StorageError', async () => {
    const store = await PostgresHistory.open({ url: await freshUrl() });
    await store.close();
    await expect(
      store.append({ room: 'lobby', author: alice, clientId: 'c1', text: 'late' }),
    ).rejects.toBeInstanceOf(StorageError);
  });
});

describe('PostgreSQL store: deleting old messages and rooms frees their files', () => {
  const file = (id: string) => ({ id: id.repeat(64), name: 'a.png', size: 3, type: 'image/png' });

  it('keeps the newest `retention` messages of a room; files nobody carries any more go', async () => {
    const url = await freshUrl();
    const freed: string[] = [];
    const store = await PostgresHistory.open({
      url,
      retention: 2,
      onFilesUnreferenced: (ids) => freed.push(...ids),
    });
    const send = (clientId: string, attached?: string) =>
      store.append({
        room: 'lobby',
        author: alice,
        clientId,
        text: clientId,
        ...(attached && { file: file(attached) }),
      });
    await send('c1', 'a');
    await send('c2', 'b');
    await send('c3', 'b');
    const kept = [await send('c4'), await send('c5')];
    await store.close(); // waits for the deletions under way
    expect(freed.sort()).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    const reopened = await PostgresHistory.open({ url });
    expect(await reopened.latest('lobby', 10)).toEqual(kept.map((result) => result.message));
    await reopened.close();
  });

  it('deleting a room frees the files only its messages carried', async () => {
    const freed: string[] = [];
    const store = await PostgresHistory.open({
      url: await freshUrl(),
      onFilesUnreferenced: (ids) => freed.push(...ids),
    });
    const post = (room: string, clientId: string, attached: string) =>
      store.append({ room, author: alice, clientId, text: '', file: file(attached) });
    await post('r-1', 'c1', 'a');
    await post('r-1', 'c2', 'b');
    await post('r-2', 'c1', 'b');
    await store.rooms.deleteRoom('r-1');
    expect(freed).toEqual(['a'.repeat(64)]);
    expect(await store.latest('r-1', 10)).toEqual([]);
    expect(await store.latest('r-2', 10)).toHaveLength(1);
    await store.close();
  });
});
