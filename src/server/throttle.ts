/**
 * Back-pressure for a connection that keeps sending what the server refuses (over its rate
 * limits, malformed, unknown events): past a budget of refusals, the server stops reading from it
 * until the budget's window ends. What the connection keeps sending then waits in its own and the
 * kernel's buffers instead of costing the server CPU and event-loop turns, so that everyone
 * else's chat goes on at its usual speed. A connection that uses up its budget again after such
 * a pause is closed (with `session:ended`): reading its backlog would cost the others again.
 */
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import type { ParleySocket } from './handlers';

interface PausableWebSocket {
  pause(): void;
  resume(): void;
}

export class Throttle {
  readonly #limiter: RateLimiterMemory;
  readonly #paused = new Set<string>();
  /** Connections paused before: the next time they run out, they are closed. */
  readonly #warned = new Set<string>();

  /** `limiter`: the refusals one connection may have per window. */
  constructor(limiter: RateLimiterMemory) {
    this.#limiter = limiter;
  }

  /** Counts one refusal of `socket`'s; past the budget, stops reading from it for a while. */
  async refused(socket: ParleySocket): Promise<void> {
    try {
      await this.#limiter.consume(socket.id);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      if (this.#paused.has(socket.id)) return;
      if (this.#warned.has(socket.id)) {
        this.#close(socket);
        return;
      }
      this.#warned.add(socket.id);
      const { msBeforeNext } = rejection as { msBeforeNext: number };
      this.#pause(socket, msBeforeNext);
    }
  }

  /** True while reading from `socketId` is paused (for tests and diagnostics). */
  isPaused(socketId: string): boolean {
    return this.#paused.has(socketId);
  }

  forget(socketId: string): void {
    void this.#limiter.delete(socketId);
    this.#warned.delete(socketId);
  }

  #close(socket: ParleySocket): void {
    socket.emit('session:ended', {
      code: 'rate_limited',
      message: 'Too many requests were refused, so the server closed this connection.',
    });
    socket.disconnect(true);
  }

  #pause(socket: ParleySocket, ms: number): void {
    if (this.#paused.has(socket.id)) return;
    const transport = socket.conn.transport as unknown as { name?: string; socket?: unknown };
    const webSocket = transport.socket as Partial<PausableWebSocket> | undefined;
    // Long-polling has no stream to pause; its requests are small and rate limited anyway.
    if (transport.name !== 'websocket' || typeof webSocket?.pause !== 'function') return;
    this.#paused.add(socket.id);
    webSocket.pause();
    const resume = () => {
      clearTimeout(timer);
      if (!this.#paused.delete(socket.id)) return;
      webSocket.resume?.();
    };
    const timer = setTimeout(resume, ms);
    timer.unref();
    // Closing needs the close handshake read: a connection that goes away is read again.
    socket.once('disconnect', resume);
  }
}
