import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '../../protocol/errors';
import { KeyholdError } from '../errors';
import { isDatabaseUnavailable } from '../store/database';
import type { Logger } from './logger';

/** What a request that found the database away is told: try again after this many seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** One map from stable code to HTTP status: the only place a status for an error is chosen. */
export const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  malformed_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  bad_origin: 403,
  not_found: 404,
  method_not_allowed: 405,
  unauthenticated: 401,
  session_expired: 401,
  forbidden_scope: 403,
  reauth_required: 401,
  username_taken: 409,
  challenge_invalid: 400,
  challenge_expired: 400,
  webauthn_failed: 401,
  counter_regression: 401,
  signin_failed: 401,
  device_revoked: 401,
  last_passkey: 409,
  stale_version: 409,
  rate_limited: 429,
  pin_recovery_failed: 401,
  pin_recovery_locked: 423,
  totp_invalid: 401,
  totp_replayed: 401,
  totp_throttled: 429,
  totp_locked: 423,
  recovery_not_set_up: 404,
  record_too_large: 413,
  record_quota_exceeded: 403,
  recovery_routes_changed: 409,
  kit_invalid: 401,
  approval_expired: 410,
  credential_unbound: 401,
  account_log_invalid: 401,
  log_stale: 409,
  log_entry_invalid: 400,
  log_entry_required: 400,
  log_full: 409,
  app_mismatch: 400,
  internal_error: 500,
  unavailable: 503,
  overloaded: 503,
  database_unavailable: 503,
};

export function errorResponse(c: Context, error: KeyholdError): Response {
  const body: ErrorBody = { error: { code: error.code, message: error.message, ...error.details } };
  if (error.details.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.details.retryAfterSeconds));
  return c.json(body, STATUS_OF[error.code]);
}

/**
 * `app.onError`: known errors become their JSON body; Hono's own 4xx (malformed JSON, body limit)
 * get a stable code; anything else is logged server-side and answered with a bare 500 — a client
 * never sees an exception message or a stack.
 */
export function handleError(log: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof KeyholdError) return errorResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      const code: ErrorCode =
        error.status === 413 ? 'payload_too_large' : /json/i.test(error.message) ? 'malformed_json' : error.status === 415 ? 'unsupported_media_type' : 'invalid_request';
      return errorResponse(c, new KeyholdError(code, code === 'malformed_json' ? 'The request body is not valid JSON.' : 'The request was refused.'));
    }
    if (isDatabaseUnavailable(error)) {
      // Nothing was acknowledged: the transaction did not commit (or its reply would have gone out).
      log.warn('database_unavailable', { path: c.req.path, method: c.req.method, error: (error as { code?: string }).code ?? error.name });
      return errorResponse(c, new KeyholdError('database_unavailable', 'The database is not answering. Try again in a moment.', { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS }));
    }
    log.error('unhandled_error', { path: c.req.path, method: c.req.method, error: error.name, stack: error.stack ?? '' });
    return errorResponse(c, new KeyholdError('internal_error', 'Something went wrong on the server.'));
  };
}
