/**
 * Stable error codes of the key server API. A client branches on `code`, never on `message`.
 * Every failure body is `{ "error": { "code": ErrorCode, "message": string } }`.
 */
export const ERROR_CODES = [
  'invalid_request', // body, query or path failed its schema
  'malformed_json', // body is not JSON
  'payload_too_large',
  'unsupported_media_type',
  'bad_origin', // state-changing request without the Origin of a registered app
  'not_found',
  'method_not_allowed',
  'unauthenticated', // no valid session
  'session_expired',
  'forbidden_scope', // session exists but is not allowed to do this (e.g. device session erasing the account)
  'reauth_required', // needs a passkey sign-in made in the last FRESH_PASSKEY_SECONDS (removing a device or passkey)
  'username_taken',
  'challenge_invalid', // unknown, already used or for another purpose
  'challenge_expired',
  'webauthn_failed', // the ceremony did not verify (origin, RP ID, signature, UV…)
  'counter_regression', // authenticator's sign counter went backwards: possible cloned key
  'signin_failed', // generic: unknown user, credential or device, bad signature
  'device_revoked',
  'last_passkey',
  'stale_version', // compare-and-set lost: body carries the current version
  'rate_limited',
  'pin_recovery_failed', // the PIN recovery tag did not match: body carries guessesLeft
  'pin_recovery_locked', // PIN recovery allowance spent: another route and a new PIN registration restore it
  'totp_invalid', // wrong TOTP code (or no such enrolment: indistinguishable on purpose)
  'totp_replayed', // a code of a time step already used
  'totp_throttled', // too many TOTP failures recently: body carries retryAfterSeconds
  'totp_locked', // too many TOTP failures in a row: a passkey sign-in unlocks the route
  'recovery_not_set_up', // turning off a recovery route the account does not have
  'record_too_large', // a record's ciphertext is over the server's limit
  'record_quota_exceeded', // the account holds the most live records the server allows
  'recovery_routes_changed', // lock everywhere: TOTP was enrolled or turned off since the client read the routes
  'kit_invalid', // recovery kit: wrong code, unknown username or no kit (indistinguishable on purpose)
  'approval_expired', // a device approval request older than DEVICE_APPROVAL_TTL_MS (or already collected)
  'credential_unbound', // the account's signed log does not hold this credential (passkey, device key, TOTP, kit, PIN recovery): refused as if wrong
  'account_log_invalid', // the account's sealed log head is missing, fails its MAC or disagrees with the log: every sign-in and recovery is refused
  'log_stale', // an append that does not continue the head: body carries the server's seq and head
  'log_entry_invalid', // an entry that does not verify, or a recovery route set-up's that names something else: body carries reason and index
  'log_entry_required', // lock everywhere or a recovery route's set-up (PIN, kit, TOTP) on a logged account without its log entry
  'log_full', // the account log holds ACCOUNT_LOG_MAX_ENTRIES entries
  'app_mismatch', // a device key named for one app used by a request of another (its device.add, its registration)
  'internal_error',
  'unavailable',
  'overloaded', // 503: the server is shedding load and did not start this request; Retry-After says when to try again
  'database_unavailable', // 503: the database did not answer; nothing was written; Retry-After says when to try again
] as const;

/** A record as the server stores it (protocol/api.ts `RecordEnvelope`), repeated here so this file imports nothing. */
export interface RecordEnvelopeWire {
  id: string;
  version: number;
  seq: number;
  deleted: boolean;
  v: number;
  wrappedDek: string | null;
  ciphertext: string | null;
  updatedAt: number;
}

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a failure body may carry besides its code and message, by the codes that set each field. */
export interface ErrorDetails {
  currentVersion?: number;
  retryAfterSeconds?: number;
  guessesLeft?: number;
  current?: RecordEnvelopeWire | null;
  /** `log_stale`: the server's log head. */
  seq?: number;
  head?: string;
  /** `log_entry_invalid`: why (an AccountLogError reason, `not_this_registration`, `not_this_kit`, `not_this_enrolment` at a recovery route's set-up) and which entry of the request. */
  reason?: string;
  index?: number;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string } & ErrorDetails;
}
