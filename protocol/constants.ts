/**
 * The one home of every number both sides agree on (STYLE habit 8).
 * Server-side defaults that an operator may override live in server/config.ts and start from these.
 */

/** WebAuthn challenges are single-use and die after five minutes. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** Session expiry defaults: idle 30 minutes, absolute 12 hours. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

/** Largest request body the API accepts by default (bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Largest opaque blobs the backup store keeps, in base64url characters. */
export const KEY_BUNDLE_MAX_CHARS = 48 * 1024;
export const WRAP_MAX_CHARS = 2 * 1024;

/** Sign-in attempts allowed per window, per account and per client address. */
export const SIGNIN_WINDOW_MS = 60 * 1000;
export const SIGNIN_LIMIT_PER_ACCOUNT = 30;
export const SIGNIN_LIMIT_PER_ADDRESS = 120;

/** Usernames: what a person types on a phone keyboard, nothing that needs escaping. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;

/** Device and passkey display names. */
export const NAME_MAX_CHARS = 64;

/** Audit log page size. */
export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

/**
 * Domain separation for the device sign-in signature: the device signs this prefix, the server's
 * origin and the challenge, so a signature made for one purpose or one server is useless for another.
 */
export const DEVICE_SIGNIN_CONTEXT = 'keyhold/device-signin/v1';

/** Length in bytes of the per-credential PRF salt the server issues. */
export const PRF_SALT_BYTES = 32;
