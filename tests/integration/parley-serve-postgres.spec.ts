/**
 * `parley serve --database postgres://…`: the built CLI in its own process on a throwaway
 * PostgreSQL. What people send survives the server being killed (SIGKILL: no shutdown code
 * runs) and is found by a server started on another, empty data folder: history, rooms and
 * identities live in the database, not in --data.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, JoinedSession, RoomInfo } from '../../src/shared/protocol';
import type { Result } from '../../src/shared/result';
import { joinWith, memoryDeviceKey } from '../support/join-with';
import { startPostgres, type Postgres } from '../support/postgres';
import { freePort, ServerProcess } from '../support/server-process';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(() => postgres?.stop());

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

async function serve(port: number, database: string): Promise<ServerProcess> {
  const server = new ServerProcess({
    port,
    dataDir: mkdtempSync(join(tmpdir(), 'parley-pg-serve-')),
    args: ['--database', database],
  });
  servers.push(server);
  await server.start();
  return server;
}

async function ask<T extends object>(
  socket: Socket,
  event: string,
  payload: unknown,
): Promise<Result<T>> {
  return (await socket.timeout(10_000).emitWithAck(event, payload)) as Result<T>;
}

function open(server: ServerProcess): Socket {
  return connect(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
}

describe('parley serve --database', () => {
  it(
    'keeps messages, rooms and names in PostgreSQL across a kill and a fresh data folder',
    { timeout: 180_000 },
    async () => {
      const database = await postgres.database('serve');
      const port = await freePort();
      const key = memoryDeviceKey();
      const first = await serve(port, database);

      const socket = open(first);
      const sent: ChatMessage[] = [];
      let room: RoomInfo;
      try {
        expect((await joinWith(socket, { nickname: 'Alice' }, key)).ok).toBe(true);
        for (const clientId of ['m1', 'm2', 'm3']) {
          const result = await ask<{ message: ChatMessage }>(socket, 'message:send', {
            clientId,
            text: `hello ${clientId}`,
          });
          if (!result.ok) throw new Error(result.error.message);
          sent.push(result.message);
        }
        const created = await ask<{ room: RoomInfo }>(socket, 'room:create', { name: 'Ops' });
        if (!created.ok) throw new Error(created.error.message);
        room = created.room;
      } finally {
        socket.disconnect();
      }
      await first.kill();
      expect(first.output).toContain(
        `History: PostgreSQL, postgres://parley@127.0.0.1:${postgres.port}/serve`,
      );

      const second = await serve(port, database);
      const again = open(second);
      try {
        // Someone else cannot take the name: its binding to Alice's key is in the database.
        const impostor = open(second);
        const refused = await joinWith(impostor, { nickname: 'Alice' });
        impostor.disconnect();
        expect(refused).toMatchObject({ ok: false, error: { code: 'nickname_taken' } });

        const joined = await joinWith(again, { nickname: 'Alice' }, key);
        if (!joined.ok) throw new Error(joined.error.message);
        const session: JoinedSession = joined;
        expect(session.messages).toEqual(sent);
        expect(session.rooms.map((info) => info.id)).toContain(room.id);
        // A resend after the restart is recognised: the original, not a second message.
        const resent = await ask<{ message: ChatMessage }>(again, 'message:send', {
          clientId: 'm2',
          text: 'hello m2',
        });
        expect(resent).toMatchObject({ ok: true, message: sent[1] });
        const next = await ask<{ message: ChatMessage }>(again, 'message:send', {
          clientId: 'm4',
          text: 'after the restart',
        });
        if (!next.ok) throw new Error(next.error.message);
        expect(next.message.id).toBeGreaterThan(sent[2]!.id);
      } finally {
        again.disconnect();
      }
      expect(second.unexpectedExits + first.unexpectedExits).toBe(0);
    },
  );

  it('an unreachable database: one clear line, exit code 1', { timeout: 120_000 }, async () => {
    const nobody = await freePort();
    const server = new ServerProcess({
      port: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), 'parley-pg-serve-')),
      args: ['--database', `postgres://parley:hunter2@127.0.0.1:${nobody}/parley`],
    });
    servers.push(server);
    await expect(server.start()).rejects.toThrow(/exited \(code 1\) before it started/);
    expect(server.errorOutput.trim()).toMatch(
      new RegExp(
        `^Cannot open the database postgres://parley@127\\.0\\.0\\.1:${nobody}/parley: .*ECONNREFUSED`,
      ),
    );
    expect(server.errorOutput).not.toMatch(/hunter2|\n\s+at /);
  });
});
