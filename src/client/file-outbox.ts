/**
 * ChatClient's files waiting to be sent: like the outbox's messages, a file chosen while the
 * connection is down — or cut off by a lost connection half-way — waits here and goes when the
 * connection is back, until it is sent, refused or cancelled. Each file has one clientId for all
 * its tries, so the server posts it once even when the acknowledgement of a finished upload was
 * lost with its connection (`file:begin`'s clientId). At most `uploadsPerConnection` go at a
 * time (the server refuses more), the rest in the order chosen.
 *
 * Kept in memory only, unlike the text outbox: a file's bytes do not belong in the stores that
 * keep it (localStorage holds a few MB); quitting or leaving the server ends what waits.
 */
import type { ChatMessage } from '../shared/protocol';
import { LIMITS } from '../shared/limits';
import { fail, type Result } from '../shared/result';
import type { ParleyClientSocket } from './connection';
import { uploadFile, type FileSource, type TransferOptions } from './file-transfer';

export interface FileOutboxOptions {
  createId: () => string;
  ackTimeoutMs: number;
  /** The socket when files may be sent now (joined, not catching up), else null. */
  sendingSocket: () => ParleyClientSocket | null;
  /** Takes in a file message the server acknowledged. */
  deliver: (message: ChatMessage) => void;
  /** Uploads at once; default the server's limit per connection. */
  concurrency?: number;
}

type Sent = Result<{ message: ChatMessage }>;

interface Job {
  clientId: string;
  source: FileSource;
  room: string;
  onProgress: TransferOptions['onProgress'];
  /** Aborted by the caller's signal, or when the person leaves the server. */
  controller: AbortController;
  sending: boolean;
  /** Uploads begun so far (a lost connection ends one; the next starts from the beginning). */
  tries: number;
  settle: (result: Sent) => void;
}

const CANCELLED = fail('cancelled', 'The transfer was cancelled.');

export class FileOutbox {
  readonly #options: FileOutboxOptions;
  readonly #concurrency: number;
  /** Waiting and sending, in the order chosen. */
  #jobs: Job[] = [];
  #open = false;

  constructor(options: FileOutboxOptions) {
    this.#options = options;
    this.#concurrency = options.concurrency ?? LIMITS.uploadsPerConnection;
  }

  /** Files chosen but not sent yet (waiting or under way). */
  get size(): number {
    return this.#jobs.length;
  }

  /** A server was joined (or is being joined): files may be chosen for it from now on. */
  open(): void {
    this.#open = true;
  }

  /** Leaves the server: every file still waiting or under way fails, and says why. */
  forget(): void {
    this.#open = false;
    const left = fail('not_connected', 'You left the server: the file was not sent.');
    for (const job of [...this.#jobs]) {
      job.settle(left);
      job.controller.abort();
    }
  }

  /**
   * Sends `source` to `room` when the connection allows: at once when connected, else once it is
   * back, again after every lost connection. Resolves with the message that carries it, or why it
   * was not sent: refused by the server, cancelled (`signal`), or the person left the server.
   */
  send(source: FileSource, room: string, options: TransferOptions = {}): Promise<Sent> {
    if (!this.#open) return Promise.resolve(fail('not_connected', 'Join a server first.'));
    if (options.signal?.aborted) return Promise.resolve(CANCELLED);
    return new Promise<Sent>((resolve) => {
      const controller = new AbortController();
      const onAbort = () => {
        controller.abort();
        // One under way ends by itself (uploadFile watches the same signal) and says so.
        if (!job.sending) job.settle(CANCELLED);
      };
      const job: Job = {
        clientId: this.#options.createId(),
        source,
        room,
        onProgress: options.onProgress,
        controller,
        sending: false,
        tries: 0,
        settle: (result) => {
          if (!this.#jobs.includes(job)) return;
          this.#jobs = this.#jobs.filter((other) => other !== job);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(result);
          this.resume();
        },
      };
      options.signal?.addEventListener('abort', onAbort);
      this.#jobs = [...this.#jobs, job];
      this.resume();
    });
  }

  /** Starts waiting files while the connection allows (after a join, and as uploads end). */
  resume(): void {
    if (!this.#open) return;
    const socket = this.#options.sendingSocket();
    if (!socket) return;
    let sending = this.#jobs.filter((job) => job.sending).length;
    for (const job of this.#jobs) {
      if (sending >= this.#concurrency) return;
      if (job.sending) continue;
      sending += 1;
      void this.#upload(job, socket);
    }
  }

  async #upload(job: Job, socket: ParleyClientSocket): Promise<void> {
    job.sending = true;
    // A try after a lost connection starts from the beginning (the server dropped the rest).
    if (job.tries++ > 0) job.onProgress?.(0, job.source.size);
    const result = await uploadFile(socket, job.source, job.room, {
      signal: job.controller.signal,
      ackTimeoutMs: this.#options.ackTimeoutMs,
      clientId: job.clientId,
      ...(job.onProgress ? { onProgress: job.onProgress } : {}),
    });
    job.sending = false;
    if (result.ok) {
      this.#options.deliver(result.message);
    } else if (result.error.code === 'not_connected' && !job.controller.signal.aborted) {
      // The connection went: it waits for the next one (resumed after the rejoin).
      return;
    }
    job.settle(result);
  }
}
