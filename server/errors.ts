import type { ErrorCode, ErrorDetails } from '../protocol/errors';

/**
 * The server's one error family: a stable `code` the API maps to a status, a message
 * that is safe to show a client, optional `details` that are part of the contract (e.g. the current
 * version after a lost compare-and-set), and the underlying `cause` for the server log only.
 * A leaf module: store, domain, http and routes all throw it, so it imports nothing of theirs.
 */
export class KeyholdError extends Error {
  override readonly name = 'KeyholdError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
