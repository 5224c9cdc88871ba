/** Acknowledged Socket.IO requests, as Results. */
import { fail, type Result } from '../shared/result';

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
