/**
 * `parley migrate --data DIR --database URL`: the command line over migrate-to-postgres.ts. Like
 * the data folder's other commands (data-commands.ts) it prints what it did in words, and a
 * refusal is one line saying why (exit code 1) with nothing written.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from './cli';
import { databaseUrlFrom } from './database-url';
import { ChatServerError } from './errors';
import { describeMigration, migrateToPostgres } from './storage/migrate-to-postgres';
import { describeUrl } from './storage/postgres-history';

export const MIGRATE_USAGE = `Usage: parley migrate --data DIR --database URL

Moves the history, rooms and people that a server started with --data DIR keeps in DIR
into PostgreSQL, for \`parley serve --data DIR --database URL\` to carry on from: every
message with its id, its changes (edits, deletes, reactions, pins), the rooms and direct
conversations, everyone's device keys, names and roles, read positions and file
references. Sent files stay in DIR/files: keep giving the server --data DIR.

  --data DIR       the data folder (stop its server first)
  --database URL   an empty PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE
                   (or set PARLEY_DATABASE_URL, off the process list)

All or nothing: it refuses a database that already holds Parley data, and a failure
half-way leaves the database as it was. DIR is only read; it stays as it is.
`;

/** Runs `parley migrate`; resolves with the exit code. */
export async function runMigrate(
  args: string[],
  io: CliIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        database: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${MIGRATE_USAGE}`);
    return 1;
  }
  if (values.help) {
    io.out(MIGRATE_USAGE);
    return 0;
  }
  const database = databaseUrlFrom(values.database, env);
  if (values.data === undefined || database === undefined) {
    const absent = values.data === undefined ? '--data' : '--database (or PARLEY_DATABASE_URL)';
    io.err(`parley migrate needs ${absent}.\n\n${MIGRATE_USAGE}`);
    return 1;
  }
  if ('error' in database) {
    io.err(database.error);
    return 1;
  }
  const dataDir = resolve(values.data);
  try {
    const summary = await migrateToPostgres(dataDir, database.url);
    io.out(
      `Moved ${dataDir} to PostgreSQL, ${describeUrl(database.url)}: ${describeMigration(summary)}`,
    );
    io.out(
      `Start the server with --data ${dataDir} --database URL from now on (sent files stay in ${dataDir}).`,
    );
    return 0;
  } catch (error) {
    io.err(
      error instanceof ChatServerError
        ? error.message
        : `parley migrate failed, nothing was written: ${(error as Error).message}`,
    );
    return 1;
  }
}
