/**
 * Test support: one throwaway PostgreSQL (postgres.ts) for the calling test file, started before
 * its tests and stopped after them, with a new database for each `freshUrl()`. Kept apart from
 * postgres.ts, which the global setup of `npm run test:postgres` loads outside any test file.
 *
 *   const postgres = postgresPerFile('limits');
 *   const url = await postgres.freshUrl();     // in a test
 */
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type Postgres } from './postgres';

export interface PostgresPerFile {
  /** The running server (after beforeAll). */
  readonly server: Postgres;
  /** The URL of a new database, `<prefix>-<n>`. */
  freshUrl(): Promise<string>;
}

export function postgresPerFile(prefix: string): PostgresPerFile {
  let server: Postgres | undefined;
  let databases = 0;
  // initdb and a first start take long on a busy machine.
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.stop());
  const started = () => {
    if (!server) throw new Error('The test file has no PostgreSQL: it did not start.');
    return server;
  };
  return {
    get server() {
      return started();
    },
    freshUrl: () => started().database(`${prefix}-${++databases}`),
  };
}
