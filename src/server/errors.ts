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
