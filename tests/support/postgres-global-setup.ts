/**
 * Vitest global setup for `npm run test:postgres`: one throwaway PostgreSQL for the whole run
 * (tests/support/postgres.ts), whose URL the tests get with `inject('postgresUrl')`. Every test
 * server started without a data folder (tests/support/chat.ts `startServer`) then keeps its
 * history there, in a schema of its own: the server's tests run against the PostgreSQL store.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set only in `npm run test:postgres`. */
    postgresUrl: string | undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres();
  project.provide('postgresUrl', await postgres.database('parley-tests'));
  return () => postgres.stop();
}
