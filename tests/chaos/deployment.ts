/**
 * What the chaos test runs against: a deployment of `parley serve`, one node or several, that
 * the fault loop (chaos.ts) can kill node by node and whose stored history it can read. The
 * clients, the faults and the judge are the same for every deployment; only starting, killing
 * and reading differ. This module holds the interface and the single server on its data
 * directory (with its optional small disk); cluster-deployment.ts holds the cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage } from '../../src/shared/protocol';
import { freePort, ServerProcess } from '../support/server-process';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk';
import { readStoredHistory } from './stored-history';

export interface Deployment {
  /** How its lines begin: `chaos`, `cluster chaos`. */
  readonly name: string;
  /** How many nodes it runs (a node restart names one of them). */
  readonly nodes: number;
  /** The disk the data directory sits on, to fill (null: no disk-full windows possible). */
  readonly disk: SmallDisk | null;
  /** Why there is no disk although disk-full windows were asked for; else null. */
  readonly diskFullUnavailable: string | null;
  /** Whether its database can be restarted (a cluster's PostgreSQL). */
  readonly hasDatabase: boolean;
  /** Starts everything; resolves with the ports the clients' proxy forwards to, one per node. */
  start(): Promise<number[]>;
  /** SIGKILLs node `node`, waits `downMs`, starts it again on the same port. */
  restartNode(node: number, downMs: number): Promise<void>;
  /** Stops the database at once and starts it again (only where `hasDatabase`). */
  restartDatabase(): Promise<void>;
  /** The whole stored history of the lobby, oldest first, read past every client: a yardstick. */
  readStored(): Promise<ChatMessage[]>;
  /** The same after the run, counting only what is durable (a single server is killed first). */
  readFinal(): Promise<ChatMessage[]>;
  /** How often a node exited without being killed (a crash). */
  readonly unexpectedExits: number;
  /** What the nodes wrote to stderr, less what the faults done make expected. */
  errors(faults: { diskFullWindows: number; databaseRestarts: number }): string;
  /** Everything every node printed, for a failure's report. */
  readonly output: string;
  /** Stops everything and removes what it made. */
  stop(): Promise<void>;
}

/** The data directory's tmpfs: far more than a full run stores, so only the filler fills it. */
const DISK_MB = 64;
/** What the server prints when writes start failing on a full disk and when they work again. */
const DISK_FULL_REPORT =
  /Cannot write to the history in .*no space left on device.*free some space|Writing to the history in .* works again/i;
/** `parley serve`'s arguments for a chaos run: the default rate would refuse its messages. */
export const CHAOS_SERVE_ARGS = ['--message-rate', '100000/1'];

/**
 * One `parley serve` on a data directory (LevelDB), on a small tmpfs when `diskFull` and one can
 * be mounted. Its final reading kills it once more and starts it, so that only what is on disk
 * counts, and reads it over the protocol.
 */
export function singleServer(options: { diskFull: boolean }): Deployment {
  let disk: SmallDisk | null = null;
  let diskFullUnavailable: string | null = null;
  if (options.diskFull) {
    const mounted = mountSmallDisk(DISK_MB);
    if ('unavailable' in mounted) diskFullUnavailable = mounted.unavailable;
    else disk = mounted;
  }
  const dataDir = mkdtempSync(join(disk?.path ?? tmpdir(), 'parley-chaos-'));
  let server: ServerProcess | null = null;
  const running = () => {
    if (!server) throw new Error('The server was not started.');
    return server;
  };
  return {
    name: 'chaos',
    nodes: 1,
    disk,
    diskFullUnavailable,
    hasDatabase: false,
    async start() {
      server = new ServerProcess({ port: await freePort(), dataDir, args: CHAOS_SERVE_ARGS });
      await server.start();
      return [server.port];
    },
    async restartNode(_node, downMs) {
      await running().kill();
      await sleep(downMs);
      await running().start();
    },
    restartDatabase() {
      return Promise.reject(new Error('A single server on its data directory has no database.'));
    },
    // Read directly from the server, not through the proxy: this is the yardstick, not a client.
    readStored: () => readStoredHistory(running().url, 'chaos-yardstick'),
    async readFinal() {
      await running().kill();
      await running().start();
      return readStoredHistory(running().url, 'chaos-auditor');
    },
    get unexpectedExits() {
      return server?.unexpectedExits ?? 0;
    },
    errors({ diskFullWindows }) {
      // A full disk is reported, once as it starts and once as it ends: expected, not a problem.
      return (server?.errorOutput ?? '')
        .split('\n')
        .filter((line) => diskFullWindows === 0 || !DISK_FULL_REPORT.test(line))
        .join('\n')
        .trim();
    },
    get output() {
      return server?.output ?? '';
    },
    async stop() {
      await server?.kill();
      rmSync(dataDir, { recursive: true, force: true });
      disk?.unmount();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
