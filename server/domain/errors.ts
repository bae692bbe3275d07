import type { ErrorCode, RecordEnvelopeWire } from '../../protocol/errors';

/**
 * The server's one error family (STYLE habit 2): a stable `code` the API maps to a status, a message
 * that is safe to show a client, optional `details` that are part of the contract (e.g. the current
 * version after a lost compare-and-set), and the underlying `cause` for the server log only.
 */
export class KeyholdError extends Error {
  override readonly name = 'KeyholdError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { currentVersion?: number; retryAfterSeconds?: number; guessesLeft?: number; current?: RecordEnvelopeWire | null } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
