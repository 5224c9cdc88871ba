/**
 * The runner's handles on its child processes: a server under test (bench-server.js, pinned to the
 * server core) and a pool of load-generator workers (load-worker.js, pinned to the generator
 * cores). Requests go over IPC and every one of them has a deadline.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerReady } from './bench-server';
import type { ConnectReply, WorkerCommand } from './load-worker';
import { readCpuSeconds, readMemory, spawnNode, type MemoryFigures } from './processes';
import type { ServerKind } from './wire';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Sends `command` (if any) and resolves with the next IPC message of type `type`. */
function request<T>(
  child: ChildProcess,
  command: object | null,
  type: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      cleanup();
      resolve(message as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`process ${child.pid} exited (${code}) while waiting for "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from process ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (command) child.send(command);
  });
}

async function stopProcess(child: ChildProcess, command: object | null): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    if (command && child.connected) child.send(command);
  } catch {
    // already gone
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface ServerOptions {
  cores: string | null;
  dataDir?: string;
  webRoot?: string;
  /** Directory for a V8 CPU profile of this server (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Extra environment for the server process (bench-server.ts reads PARLEY_BENCH_EXEMPT). */
  env?: NodeJS.ProcessEnv;
}

export class ServerProcess {
  private constructor(
    readonly kind: ServerKind,
    readonly child: ChildProcess,
    readonly port: number,
    readonly startupMs: number,
  ) {}

  static async start(kind: ServerKind, options: ServerOptions): Promise<ServerProcess> {
    const nodeArgs = ['--expose-gc'];
    if (options.cpuProfileDir)
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    const child = spawnNode(
      here('./bench-server.js'),
      [kind, options.dataDir ?? '', options.webRoot ?? ''],
      { cores: options.cores, nodeArgs, env: options.env },
    );
    try {
      const ready = await request<ServerReady>(child, null, 'ready', 120_000);
      return new ServerProcess(kind, child, ready.port, ready.startupMs);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  cpuSeconds(): number {
    return readCpuSeconds(this.pid);
  }

  /** Memory after a full GC in the server. */
  async memory(): Promise<MemoryFigures> {
    return (await this.#ask<{ memory: MemoryFigures }>('memory')).memory;
  }

  /** Connections the server holds now. */
  async connections(): Promise<number> {
    return (await this.#ask<{ count: number }>('connections')).count;
  }

  /** Room-event batches Parley has written so far, one per recipient (0 for the baselines). */
  async batchWrites(): Promise<number> {
    return (await this.#ask<{ writes: number }>('batchWrites')).writes;
  }

  /** Asks the server `type` over IPC (bench-server.ts answers with a message of that type). */
  #ask<T>(type: 'memory' | 'connections' | 'batchWrites'): Promise<T> {
    return request<T>(this.child, { type }, type, 30_000);
  }

  /** Peak RSS so far, without disturbing the server. */
  peakRssMb(): number {
    return readMemory(this.pid).peakRssMb;
  }

  stop(): Promise<void> {
    return stopProcess(this.child, { type: 'stop' });
  }
}

export class WorkerPool {
  private constructor(readonly workers: ChildProcess[]) {}

  /** `cpuProfileDir`: a V8 CPU profile of each worker goes there (node --cpu-prof). */
  static start(count: number, cores: string | null, cpuProfileDir?: string): WorkerPool {
    const nodeArgs = ['--max-old-space-size=4096'];
    if (cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
    return new WorkerPool(
      Array.from({ length: count }, () =>
        spawnNode(here('./load-worker.js'), [], { cores, nodeArgs }),
      ),
    );
  }

  /** Sends each worker its own command and collects the replies of type `type`. */
  all<T>(commands: WorkerCommand[], type: string, timeoutMs: number): Promise<T[]> {
    return Promise.all(
      this.workers.map((worker, index) => request<T>(worker, commands[index]!, type, timeoutMs)),
    );
  }

  /**
   * Connects each worker's clients (`commands`: one `connect` each), every worker at once: their
   * device keys are made first, by all of them, so that no worker's storm shares the generator's
   * core with another still making keys.
   */
  async connect(
    commands: Array<Extract<WorkerCommand, { type: 'connect' }>>,
    timeoutMs: number,
  ): Promise<ConnectReply[]> {
    await this.all(
      commands.map(({ kind, count }) => ({ type: 'keys', kind, count })),
      'keys',
      timeoutMs,
    );
    return this.all<ConnectReply>(commands, 'connected', timeoutMs);
  }

  one<T>(command: WorkerCommand, type: string, timeoutMs: number): Promise<T> {
    return request<T>(this.workers[0]!, command, type, timeoutMs);
  }

  cpuSeconds(): number {
    return this.workers.reduce((sum, worker) => sum + readCpuSeconds(worker.pid!), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => stopProcess(worker, { type: 'close' })));
  }
}
