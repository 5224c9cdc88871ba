/**
 * HostingService: "Host a room" for the desktop app. Starts and stops one chat server (on every
 * network interface, since hosting is for the LAN), reports its status to listeners, and turns
 * start failures into Result errors the UI offers a choice for (a taken port → "any free port").
 * It does not import electron, so Vitest tests it in plain Node.
 */
import type { HostingStatus, HostOptions, Unsubscribe } from '../shared/api';
import { fail, ok, type Result } from '../shared/result';
import {
  ChatServerError,
  createChatServer,
  type ChatServer,
  type ChatServerOptions,
} from '../server/chat-server';

export interface HostingServiceOptions {
  /** Address to bind; default every interface (`0.0.0.0`). Tests use `127.0.0.1`. */
  host?: string;
  /** Where the hosted room keeps its history (the app's data folder); none: memory only. */
  dataDir?: string | null;
  /** Starts the server; tests may inject options such as `webRoot`. Default createChatServer. */
  createServer?: (options: ChatServerOptions) => Promise<ChatServer>;
  /** Where unexpected errors are reported; default console.error. */
  onError?: (error: unknown) => void;
}

export class HostingService {
  readonly #host: string;
  readonly #dataDir: string | null;
  readonly #createServer: (options: ChatServerOptions) => Promise<ChatServer>;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<(status: HostingStatus) => void>();
  #server: ChatServer | null = null;
  /** Start and stop run one at a time, in the order they were asked for. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: HostingServiceOptions = {}) {
    this.#host = options.host ?? '0.0.0.0';
    this.#dataDir = options.dataDir ?? null;
    this.#createServer = options.createServer ?? createChatServer;
    this.#onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));
  }

  status(): HostingStatus {
    const server = this.#server;
    if (!server) return { running: false, port: null, urls: [] };
    return { running: true, port: server.port, urls: [...server.urls] };
  }

  onStatus(listener: (status: HostingStatus) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts hosting on `port` (0 = any free port). Already hosting: reports where. */
  start(options: HostOptions): Promise<Result<{ status: HostingStatus }>> {
    return this.#serialize(async () => {
      const running = this.#server;
      if (running) {
        if (options.port === 0 || options.port === running.port) {
          return ok({ status: this.status() });
        }
        return fail(
          'port_unavailable',
          `Already hosting on port ${running.port}. Stop hosting first to use another port.`,
        );
      }
      try {
        this.#server = await this.#createServer({
          host: this.#host,
          port: options.port,
          dataDir: this.#dataDir,
          onError: this.#onError,
        });
      } catch (error) {
        if (error instanceof ChatServerError) return fail(error.code, error.message);
        this.#onError(error);
        return fail('internal', `Could not start hosting: ${messageOf(error)}`);
      }
      this.#notify();
      return ok({ status: this.status() });
    });
  }

  /** Stops hosting: clients are told the server is closing, then disconnected. */
  stop(): Promise<Result<{ status: HostingStatus }>> {
    return this.#serialize(async () => {
      const server = this.#server;
      if (!server) return ok({ status: this.status() });
      this.#server = null;
      try {
        await server.close();
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#notify();
      }
      return ok({ status: this.status() });
    });
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #notify(): void {
    const status = this.status();
    for (const listener of this.#listeners) {
      try {
        listener(status);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
