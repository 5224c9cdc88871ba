/**
 * Test support: the real headless server (`node bin/parley.mjs serve`) as a child process on a
 * fixed port and data directory, so that a test can kill it with SIGKILL — no shutdown code
 * runs, as when a machine loses power — and start it again on the same port and data.
 * bin/parley.mjs builds out/cli when it is missing; `npm test` builds first anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const PARLEY_BIN = fileURLToPath(new URL('../../bin/parley.mjs', import.meta.url));
/** A first start may build Parley (bin/parley.mjs does when out/cli is missing). */
const FIRST_START_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 30_000;

export interface ServerProcessOptions {
  port: number;
  dataDir: string;
  /** More `parley serve` arguments, e.g. ['--message-rate', '100000/1']. */
  args?: string[];
  /** Runs the server under `ulimit -n` this many open files (through sh). */
  maxOpenFiles?: number;
}

/**
 * A free port for a server that will be restarted on it. On Linux it lies below the ephemeral
 * range, so that while the server is down no outgoing connection (which takes its local port
 * from that range) and no other test's port 0 can take it; elsewhere the OS picks one.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralRangeStart();
  if (low !== null && low > 12_000) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = 10_000 + Math.floor(Math.random() * (low - 11_000));
      if ((await probe(port)) !== null) return port;
    }
  }
  const port = await probe(0);
  if (port === null) throw new Error('No free port for the server.');
  return port;
}

function ephemeralRangeStart(): number | null {
  try {
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const low = Number(range.trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : null;
  } catch {
    return null;
  }
}

/** Binds `port` on loopback and lets it go: the port bound, or null when it is taken. */
async function probe(port: number): Promise<number | null> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!bound) return null;
  const actual = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return actual;
}

export class ServerProcess {
  readonly port: number;
  readonly dataDir: string;
  readonly #args: string[];
  readonly #maxOpenFiles: number | undefined;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #output = '';
  #errorOutput = '';
  #starts = 0;
  #killing = false;
  #unexpectedExits = 0;

  constructor(options: ServerProcessOptions) {
    this.port = options.port;
    this.dataDir = options.dataDir;
    this.#maxOpenFiles = options.maxOpenFiles;
    this.#args = [
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--data',
      options.dataDir,
      ...(options.args ?? []),
    ];
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** What every run of the server wrote to stderr: errors, which a fault test must not ignore. */
  get errorOutput(): string {
    return this.#errorOutput;
  }

  /** How often the server exited without being killed (a crash): a fault test must fail then. */
  get unexpectedExits(): number {
    return this.#unexpectedExits;
  }

  /** The running server's process id (null when it is not running). */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Everything every run of the server printed, for the report when something goes wrong. */
  get output(): string {
    return this.#output;
  }

  /** Starts the server and resolves once it prints its "Join at" line (it is listening then). */
  async start(): Promise<void> {
    if (this.#child) throw new Error('The server is already running.');
    const run = ++this.#starts;
    const command = [process.execPath, PARLEY_BIN, ...this.#args];
    const limit = this.#maxOpenFiles;
    // sh sets the limit and then becomes node (exec): the pid and signals stay the server's.
    const [file, ...args] =
      limit === undefined
        ? command
        : ['sh', '-c', `ulimit -n ${limit} && exec "$0" "$@"`, ...command];
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.#killing) {
          this.#unexpectedExits += 1;
          this.#output += `--- run ${run} exited by itself (${signal ?? `code ${code}`}) ---\n`;
        }
        resolve();
      }),
    );
    let printed = '';
    const record = (chunk: Buffer) => {
      printed += chunk;
      this.#output += chunk;
    };
    this.#output += `--- start ${run} ---\n`;
    child.stdout!.on('data', record);
    child.stderr!.on('data', (chunk: Buffer) => {
      record(chunk);
      this.#errorOutput += chunk;
    });

    const timeoutMs = run === 1 ? FIRST_START_TIMEOUT_MS : START_TIMEOUT_MS;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`parley serve did not start within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const onData = () => {
          if (!/Join at/.test(printed)) return;
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve();
        };
        child.stdout!.on('data', onData);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`parley serve exited (${signal ?? `code ${code}`}) before it started`));
        });
      });
    } catch (error) {
      await this.kill();
      throw new Error(`${(error as Error).message}; it printed:\n${printed}`, { cause: error });
    }
  }

  /** Kills the server with SIGKILL and resolves once the process is gone (port and data free). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#killing = true;
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await this.#exited;
    } finally {
      this.#killing = false;
      this.#child = null;
    }
  }
}
