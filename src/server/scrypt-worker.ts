/**
 * scrypt on a thread of its own, at the lowest CPU priority the system gives without privileges.
 * A passphrase check is tens of milliseconds of CPU. On libuv's thread pool it competed with the
 * event loop as an equal: on a busy core the scheduler split the time between them, and joined
 * people's messages waited out the hash's time slices (a guessing burst tripled their p99). Here
 * the thread asks the kernel for nice 19 (Linux: a thread's priority is its own, named by its
 * thread id), so the event loop takes the core whenever it has work and the hash runs in what is
 * left. Elsewhere the thread keeps the normal priority, and still leaves the pool to storage.
 *
 * One thread, started on first use and restarted if it ever stops; it does not keep the process
 * alive when no check is waiting.
 */
import type { ScryptOptions } from 'node:crypto';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The thread's program: CommonJS, run by `eval` (nothing for a bundler to find or split). */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
let threadId = null;
if (process.platform === 'linux') {
  try {
    threadId = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    require('node:os').setPriority(threadId, 19);
  } catch {
    threadId = null;
  }
}
parentPort.postMessage({ threadId });
parentPort.on('message', ({ id, secret, salt, keyLength, options }) => {
  try {
    parentPort.postMessage({ id, key: scryptSync(secret, salt, keyLength, options) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

type Reply =
  { threadId: number | null } | { id: number; key: Uint8Array } | { id: number; error: string };

interface Pending {
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

export class ScryptWorker {
  #worker: Worker | null = null;
  /** The running thread's id (Linux), once it has said it; null: not Linux, or not lowered. */
  #threadId: Promise<number | null> = Promise.resolve(null);
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  /** scrypt of `secret` with `salt`, as `crypto.scrypt` gives it, computed on the thread. */
  derive(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
    const worker = this.#running();
    const id = ++this.#nextId;
    return new Promise<Buffer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, secret, salt, keyLength, options });
    });
  }

  /**
   * The thread's id and its priority (nice) as the kernel has it; null when the thread could not
   * lower it (not Linux). Starts the thread if it is not running.
   */
  async thread(): Promise<{ threadId: number; nice: number } | null> {
    this.#running();
    const threadId = await this.#threadId;
    if (threadId === null) return null;
    return { threadId, nice: getPriority(threadId) };
  }

  /** Stops the thread; checks still waiting fail. The next `derive` starts a new one. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#stopped(worker, 'it was stopped');
    await worker.terminate();
  }

  #running(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.unref();
    this.#worker = worker;
    let saidId: (threadId: number | null) => void = () => {};
    this.#threadId = new Promise((resolve) => (saidId = resolve));
    worker.on('message', (reply: Reply) => {
      if ('threadId' in reply) return saidId(reply.threadId);
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if ('key' in reply) pending.resolve(Buffer.from(reply.key));
      else pending.reject(new Error(`The passphrase could not be checked: ${reply.error}`));
    });
    worker.on('error', (error) => this.#stopped(worker, error.message));
    worker.on('exit', (code) => {
      saidId(null);
      this.#stopped(worker, `its thread exited (code ${code})`);
    });
    return worker;
  }

  /** The thread `worker` is gone: whatever waited for it fails, and the next check starts anew. */
  #stopped(worker: Worker, why: string): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) {
      reject(new Error(`The passphrase check stopped: ${why}. Try again.`));
    }
  }
}

/** The process's one scrypt thread (passphrase.ts). */
export const scryptWorker = new ScryptWorker();
