/**
 * Containment for a connection that keeps sending what the server refuses (over its rate limits,
 * malformed, unknown events): past a budget of refusals it is told why (`session:ended`) and
 * dropped, and nothing more it sent is read or handled. A flooding client's queued backlog can
 * be megabytes; reading it would cost everyone else event-loop time, so the server stops reading
 * at once and closes the TCP connection unread. Reconnecting is bounded by the per-address
 * connection and join limits.
 */
import type { Limiter } from './rate-limits';
import type { ParleySocket } from './socket-types';

interface RawWebSocket {
  pause(): void;
  terminate(): void;
}

export class FloodContainment {
  readonly #limiter: Limiter;
  /** Connections being dropped: whatever else they sent is ignored. */
  readonly #silenced = new Set<string>();

  /** `limiter`: the refusals one connection may have per window. */
  constructor(limiter: Limiter) {
    this.#limiter = limiter;
  }

  /** True once `socketId` is being dropped: its packets are not handled any more. */
  isSilenced(socketId: string): boolean {
    return this.#silenced.has(socketId);
  }

  /**
   * Counts one refusal of `socket`'s and calls `answer` (which sends it) while within the
   * budget; past it, drops the connection instead. A burst read in one go (hundreds of requests
   * in one TCP read, all refused in the same tick) thus gets its budget of answers and no more:
   * the limiter's verdicts come back in the order the refusals were counted, and each answer is
   * sent in its verdict's turn, before a later one can drop the connection.
   */
  async refused(socket: ParleySocket, answer: () => void = () => {}): Promise<void> {
    if (this.#silenced.has(socket.id)) return;
    try {
      await this.#limiter.consume(socket.id);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      this.#drop(socket);
      return;
    }
    if (!this.#silenced.has(socket.id)) answer();
  }

  forget(socketId: string): void {
    void this.#limiter.delete(socketId);
    this.#silenced.delete(socketId);
  }

  #drop(socket: ParleySocket): void {
    if (this.#silenced.has(socket.id)) return;
    this.#silenced.add(socket.id);
    const transport = socket.conn.transport as unknown as { name?: string; socket?: unknown };
    const webSocket =
      transport.name === 'websocket' ? (transport.socket as Partial<RawWebSocket>) : undefined;
    webSocket?.pause?.();
    socket.emit('session:ended', {
      code: 'rate_limited',
      message: 'Too many requests were refused, so the server closed this connection.',
    });
    socket.disconnect(true);
    // A moment for the goodbye to be written, then the TCP connection goes, unread.
    setTimeout(() => webSocket?.terminate?.(), 100).unref();
  }
}
