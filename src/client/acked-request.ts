/** Acknowledged Socket.IO requests, as Results. */
import type { ClientToServerEvents } from '../shared/protocol';
import { fail, type Result } from '../shared/result';
import type { ParleyClientSocket } from './connection';

/**
 * Runs an acknowledged request (`emitWithAck` under a timeout); a missing ack becomes a `timeout`
 * error instead of a rejection.
 */
export async function ackedRequest<T extends object>(
  send: () => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await send();
  } catch {
    return fail(
      'timeout',
      'The server did not answer in time. Check your connection and try again.',
    );
  }
}

type Events = ClientToServerEvents;
/** What the acknowledgement of `event` carries: a Result. */
type Reply<E extends keyof Events> = Parameters<NonNullable<Parameters<Events[E]>[1]>>[0];

/** Sends `event` with `payload` on `socket` and resolves with its acknowledgement. */
export type Request = <E extends keyof Events>(
  socket: ParleyClientSocket,
  event: E,
  payload: Parameters<Events[E]>[0],
) => Promise<Reply<E>>;

/** Requests that each wait `timeoutMs` for their acknowledgement (see ackedRequest). */
export function timedRequest(timeoutMs: number): Request {
  return (socket, event, payload) =>
    ackedRequest(() =>
      // The event map's generic signature cannot be called with a generic event name.
      (
        socket.timeout(timeoutMs) as unknown as {
          emitWithAck(event: string, payload: unknown): Promise<Result>;
        }
      ).emitWithAck(event, payload),
    ) as Promise<never>;
}
