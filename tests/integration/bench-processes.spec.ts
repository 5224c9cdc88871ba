/**
 * The benchmark's reading of a multi-process server's CPU time (bench/processes.ts), against a
 * real throwaway PostgreSQL: the cluster scenario reports PostgreSQL's CPU per delivered message
 * from it, and a reading that missed the backends (children of the postmaster) would say the
 * database costs nothing. Linux only (/proc), like the benchmark's figures.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readCpuSeconds, readTreeCpuSeconds } from '../../bench/processes';
import { postgresPerFile } from '../support/postgres-per-file';

const postgres = postgresPerFile('bench-processes');

describe.runIf(process.platform === 'linux')('readTreeCpuSeconds', () => {
  it('counts the work of a backend, which the postmaster alone does not', async () => {
    const pid = postgres.server.pid;
    const client = new pg.Client({ connectionString: await postgres.freshUrl() });
    await client.connect();
    try {
      const treeBefore = readTreeCpuSeconds(pid);
      const ownBefore = readCpuSeconds(pid);
      // A second or so of CPU in this connection's backend.
      await client.query('SELECT count(*) FROM generate_series(1, 8000000)');
      const tree = readTreeCpuSeconds(pid) - treeBefore;
      const own = readCpuSeconds(pid) - ownBefore;
      expect(tree).toBeGreaterThan(0.05);
      expect(tree).toBeGreaterThan(own + 0.05);
    } finally {
      await client.end();
    }
  });
});
