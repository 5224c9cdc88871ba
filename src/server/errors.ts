/** Errors of the chat server that carry a code the UI and the CLI turn into a clear choice. */
import type { ErrorCode } from '../shared/result';

export class ChatServerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChatServerError';
  }
}

/** Throws a ChatServerError unless `value` is a whole number of at least `least`. */
export function checkWholeNumber(name: string, value: number, least: number): void {
  if (Number.isSafeInteger(value) && value >= least) return;
  throw new ChatServerError(
    'invalid_payload',
    `${name} must be a whole number, at least ${least} (not ${value}).`,
  );
}

/**
 * An error the server carries on after, as one log entry: its message, and its stack only when it
 * is a fault in the code (an error with no code of its own). Never its other fields: pg hangs its
 * whole client (connection settings, socket, timers: hundreds of lines) on every error of a
 * connection that breaks, and a database restart made five of those.
 */
export function describeForLog(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as { code?: unknown };
  // What it was a failure of, in its own words (a StorageError's cause: the disk's, the database's).
  const cause = error.cause === undefined ? '' : ` (${describeForLog(error.cause).split('\n')[0]})`;
  // pg: a connection that broke (`client` attached) or the database's own refusal (`severity`).
  if ('client' in error || 'severity' in error) {
    return `The database: ${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  // Parley's own (ChatServerError, StorageError) and the system's (ECONNRESET, ENOSPC, …, which
  // name their code in their message) have a code: known failures, not faults.
  if (typeof code === 'string') return error.message + cause;
  return error.stack ?? error.message;
}
