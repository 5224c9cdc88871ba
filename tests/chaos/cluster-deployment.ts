/**
 * The chaos test's cluster (issue 16): `nodes` `parley serve --database URL` processes on one
 * throwaway PostgreSQL (tests/support/postgres.ts), on loopback. A node restart SIGKILLs one node
 * and starts it again on its port; a database restart stops PostgreSQL at once, as a crash would,
 * and starts it on the same port and data (every node's connections break meanwhile).
 *
 * The judge reads the lobby straight from the `messages` table with `pg`: the database is what
 * every node serves from, and the test's own reader (not the product's store) is the yardstick,
 * as stored-history.ts is for a single server. It turns each row into the ChatMessage a client
 * is given (the columns, then `extra`'s fields), so that the final states can be compared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LOBBY } from '../../src/shared/limits';
import type { ChatMessage, FileAttachment } from '../../src/shared/protocol';
import { startPostgres, type Postgres } from '../support/postgres';
import { freePort, ServerProcess } from '../support/server-process';
import { CHAOS_SERVE_ARGS, sleep, type Deployment } from './deployment';

/** A row of `messages` (src/server/storage/postgres-schema.ts). */
interface MessageRow {
  id: string;
  room: string;
  author_id: string;
  author_nickname: string;
  client_id: string;
  text: string;
  file: FileAttachment | null;
  sent_at: string;
  extra: Partial<ChatMessage> | null;
}

/**
 * How a node reports its database going away and coming back (pg's and PostgreSQL's words, as
 * describeForLog puts them): after "The database: ", in the cluster connection's own line, as a
 * read that failed with them as its cause, or as the first line of a stack (a query's error that
 * pg-pool gives without its client).
 */
const DATABASE_RESTART_REPORT = new RegExp(
  String.raw`^\[parley\] (The database: |The cluster's database connection broke \(|Error: |` +
    String.raw`The server cannot read its history right now\. Try again in a moment\. \((Error: |The database: )?)?` +
    String.raw`(Connection terminated unexpectedly|connect ECONNREFUSED|(read|write|connect) ECONNRESET|` +
    String.raw`write EPIPE|the database system is (starting up|not yet accepting connections|shutting down)|` +
    String.raw`terminating connection due to administrator command)`,
);

export function cluster(options: { nodes: number }): Deployment {
  const folder = mkdtempSync(join(tmpdir(), 'parley-cluster-chaos-'));
  let postgres: Postgres | null = null;
  let database = '';
  const nodes: ServerProcess[] = [];
  const node = (index: number) => {
    const found = nodes[index];
    if (!found) throw new Error(`There is no node ${index + 1}.`);
    return found;
  };
  const readLobby = () => readMessages(database, LOBBY);
  return {
    name: 'cluster chaos',
    nodes: options.nodes,
    disk: null,
    diskFullUnavailable: 'a cluster keeps its history in PostgreSQL',
    hasDatabase: true,
    async start() {
      postgres = await startPostgres();
      database = await postgres.database('parley-chaos');
      for (let index = 0; index < options.nodes; index++) {
        const server = new ServerProcess({
          port: await freePort(),
          // Each node's own folder (its files and search index); the history is the database.
          dataDir: mkdtempSync(join(folder, `node-${index + 1}-`)),
          args: ['--database', database, ...CHAOS_SERVE_ARGS],
        });
        nodes.push(server);
        await server.start();
      }
      return nodes.map((server) => server.port);
    },
    async restartNode(index, downMs) {
      await node(index).kill();
      await sleep(downMs);
      await node(index).start();
    },
    async restartDatabase() {
      if (!postgres) throw new Error('PostgreSQL was not started.');
      await postgres.restart();
    },
    readStored: readLobby,
    readFinal: readLobby,
    get unexpectedExits() {
      return nodes.reduce((sum, server) => sum + server.unexpectedExits, 0);
    },
    errors({ databaseRestarts }) {
      return nodes
        .map((server, index) => {
          const reports = unexplained(server.errorOutput, databaseRestarts > 0);
          return reports === '' ? '' : `node ${index + 1}:\n${reports}\n`;
        })
        .join('')
        .trim();
    },
    get output() {
      return nodes.map((server, index) => `=== node ${index + 1} ===\n${server.output}`).join('');
    },
    async stop() {
      for (const server of nodes) await server.kill();
      await postgres?.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * A node's stderr less the reports a database restart explains (only when there was one): each
 * report begins with `[parley] ` (a fault's stack follows on lines of its own), and one whose
 * first line says the database went away or is not back yet is expected then.
 */
function unexplained(errorOutput: string, databaseRestarted: boolean): string {
  const reports = errorOutput.split(/^(?=\[parley\] )/m);
  return reports
    .filter(
      (report) => !(databaseRestarted && DATABASE_RESTART_REPORT.test(report.split('\n')[0]!)),
    )
    .join('')
    .trim();
}

/** Every entry of `room`'s log, oldest first, as the ChatMessages the server hands out. */
async function readMessages(url: string, room: string): Promise<ChatMessage[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<MessageRow>(
      `SELECT id, room, author_id, author_nickname, client_id, text, file, sent_at, extra
         FROM messages WHERE room = $1 ORDER BY id`,
      [room],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      clientId: row.client_id,
      room: row.room,
      author: { id: row.author_id, nickname: row.author_nickname },
      text: row.text,
      ...(row.file ? { file: row.file } : {}),
      sentAt: Number(row.sent_at),
      ...row.extra,
    }));
  } finally {
    await client.end();
  }
}
