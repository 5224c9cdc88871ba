/**
 * Test support: a throwaway PostgreSQL server of its own for a test file (the benchmark's cluster
 * scenario, bench/cluster.ts, starts one the same way). `initdb` makes a
 * cluster in a temporary folder, `postgres` serves it on a free loopback port (its unix socket
 * in the same folder, fsync on, as in production), and `stop` shuts it down and removes the
 * folder. Debian's `postgresql` package provides the programs (`.ci/run` installs it); they are
 * found on PATH or in /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root, so
 * under root they run as the user `nobody`, in a folder that user owns.
 *
 *   const postgres = await startPostgres();   // in beforeAll
 *   const url = await postgres.database('store-1');
 *   await postgres.stop();                     // in afterAll
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from './server-process';

export interface Postgres {
  /** A connection URL for the `postgres` database (the superuser `parley`, no password). */
  readonly url: string;
  readonly port: number;
  /** The postmaster's process id (the benchmark reads its CPU time and pins it to cores). */
  readonly pid: number;
  /** The URL of database `name`, created when it does not exist yet. */
  database(name: string): Promise<string>;
  /**
   * Stops the server at once, as a crash would (open connections are cut; the next start
   * recovers from its log), and starts it again on the same port and data.
   */
  restart(): Promise<void>;
  /** Stops the server at once (open connections are cut) and removes its folder. */
  stop(): Promise<void>;
}

const SUPERUSER = 'parley';
/** initdb and the first start take a second or two; a busy machine may take much longer. */
const START_TIMEOUT_MS = 60_000;
const BIND_ATTEMPTS = 5;

export async function startPostgres(): Promise<Postgres> {
  const bin = findBinaries();
  const owner = unprivilegedOwner();
  const folder = mkdtempSync(join(owner ? '/tmp' : tmpdir(), 'parley-postgres-'));
  try {
    if (owner) chownSync(folder, owner.uid, owner.gid);
    const data = join(folder, 'data');
    await run(
      join(bin, 'initdb'),
      // --no-sync: a throwaway cluster need not be on disk before it starts; the server itself
      // runs with fsync on, as in production.
      [
        ...['-D', data, '-U', SUPERUSER, '--auth=trust', '--no-locale', '-E', 'UTF8'],
        ...['--no-instructions', '--no-sync'],
      ],
      owner,
    );
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const start = () => serve(join(bin, 'postgres'), data, folder, port, owner);
      const server = await start();
      if (server === 'port_taken' && attempt < BIND_ATTEMPTS) continue;
      if (server === 'port_taken') throw new Error('PostgreSQL found no free port.');
      return running(server, start, folder, port);
    }
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

function running(
  first: ChildProcess,
  start: () => Promise<ChildProcess | 'port_taken'>,
  folder: string,
  port: number,
): Postgres {
  const url = urlOf(port, 'postgres');
  let server = first;
  const killOnExit = () => server.kill('SIGKILL');
  // A test runner that dies must not leave a server behind (PostgreSQL does not notice).
  process.once('exit', killOnExit);
  /** Stops the server at once (SIGQUIT: PostgreSQL's immediate shutdown, no checkpoint). */
  const quit = async () => {
    const exited = new Promise<void>((resolve) => {
      if (server.exitCode !== null || server.signalCode !== null) resolve();
      else server.once('exit', () => resolve());
    });
    server.kill('SIGQUIT');
    await exited;
  };
  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    get pid() {
      return server.pid!;
    },
    async database(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${quoteName(name)}`);
      } finally {
        await client.end();
      }
      return urlOf(port, name);
    },
    async restart() {
      await quit();
      const again = await start();
      if (again === 'port_taken') throw new Error(`PostgreSQL's port ${port} was taken meanwhile.`);
      server = again;
    },
    stop() {
      stopping ??= (async () => {
        process.off('exit', killOnExit);
        await quit();
        rmSync(folder, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

function urlOf(port: number, database: string): string {
  return `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Starts `postgres` and resolves with it once it accepts connections (it says so in its log,
 * and one connection proves it), or with 'port_taken' when another program took the port first.
 */
async function serve(
  postgres: string,
  data: string,
  folder: string,
  port: number,
  owner: Owner | null,
): Promise<ChildProcess | 'port_taken'> {
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    folder,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=on',
    '-c',
    'shared_buffers=32MB',
    '-c',
    'max_connections=200',
  ];
  const server = spawn(postgres, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(owner && { uid: owner.uid, gid: owner.gid }),
  });
  let log = '';
  const ready = await new Promise<boolean | 'port_taken'>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    server.stderr!.on('data', (chunk: Buffer) => {
      log += chunk;
      if (/ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    server.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    server.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (/Address already in use/.test(log)) resolve('port_taken');
      else reject(new Error(`PostgreSQL exited (${signal ?? `code ${code}`}):\n${log}`));
    });
  });
  if (ready === 'port_taken') return ready;
  // Keep reading its log, or the pipe fills and the server blocks on writing to it.
  server.stderr!.resume();
  const client = new pg.Client({ connectionString: urlOf(port, 'postgres') });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    server.kill('SIGKILL');
    throw new Error(`PostgreSQL said it was ready but refused a connection:\n${log}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => {});
  }
  return server;
}

interface Owner {
  uid: number;
  gid: number;
}

/** Under root: the user `nobody`, whom PostgreSQL runs as; otherwise null (the current user). */
function unprivilegedOwner(): Owner | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error('Running as root, and there is no user "nobody" to run PostgreSQL as.');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** The folder holding `initdb` and `postgres`: on PATH, else Debian's newest version. */
function findBinaries(): string {
  const hasBoth = (folder: string) =>
    existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'postgres'));
  for (const folder of (process.env['PATH'] ?? '').split(delimiter)) {
    if (folder !== '' && hasBoth(folder)) return folder;
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((version) => /^\d+$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    if (hasBoth(join(debian, version, 'bin'))) return join(debian, version, 'bin');
  }
  throw new Error(
    'PostgreSQL is not installed (no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin). ' +
      'Install it: apt-get install postgresql',
  );
}

/** Runs a program to its end; rejects with what it printed when it fails. */
function run(file: string, args: string[], owner: Owner | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(owner && { uid: owner.uid, gid: owner.gid }),
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${file} failed (${signal ?? `code ${code}`}):\n${output}`));
    });
  });
}
