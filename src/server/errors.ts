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
