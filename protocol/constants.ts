/**
 * The one home of every number both sides agree on.
 * Server-side defaults that an operator may override live in server/config.ts and start from these.
 */

/** WebAuthn challenges are single-use and die after five minutes. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** Session expiry defaults: idle 30 minutes, absolute 12 hours. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

/**
 * Removing a device or a passkey (and locking everywhere) needs a passkey sign-in at most this
 * old: an unlocked phone left on a table, or a session cookie copied hours ago, is not enough.
 */
export const FRESH_PASSKEY_SECONDS = 300;

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

// ——— Client key hierarchy (src/vault/crypto; docs/architecture.md "The key hierarchy") ———
// Appended section: the vault SDK's numbers and labels. Changing a label or a size makes every
// existing wrap and ciphertext unreadable: a changed label gets a new /vN and a migration.

/**
 * Argon2id cost floor the client enforces whatever a server offers (downgrade protection):
 * m = 64 MiB and t = 3 as in RFC 9106 §4's second recommended option. That option has p = 4;
 * p = 1 here because the app's WASM build runs one thread (docs/architecture.md, "Argon2id in the
 * browser"), where more lanes buy the user nothing and cost a parallel attacker no more. The tag is
 * one 256-bit HKDF input.
 */
export const ARGON2_MIN_MEMORY_KIB = 64 * 1024;
export const ARGON2_MIN_ITERATIONS = 3;
export const ARGON2_MIN_PARALLELISM = 1;
export const ARGON2_HASH_LENGTH = 32;
/** Defaults for new wraps: the floor itself, so that phones unlock in reasonable time. */
export const ARGON2_DEFAULT_MEMORY_KIB = ARGON2_MIN_MEMORY_KIB;
export const ARGON2_DEFAULT_ITERATIONS = ARGON2_MIN_ITERATIONS;
export const ARGON2_DEFAULT_PARALLELISM = ARGON2_MIN_PARALLELISM;
/** Ceilings: a server offering more would make the device hang or run out of memory. */
export const ARGON2_MAX_MEMORY_KIB = 1024 * 1024;
export const ARGON2_MAX_ITERATIONS = 64;
export const ARGON2_MAX_PARALLELISM = 16;
/** Argon2 salt: 128 bits, RFC 9106 §3.1's recommendation; fresh for every PIN wrap. */
export const ARGON2_SALT_BYTES = 16;

/** The root secret S: 32 random bytes per user. */
export const ROOT_SECRET_BYTES = 32;
/** AES-256-GCM: 96-bit IV (NIST SP 800-38D §8.2.2, random construction), 128-bit tag. */
export const AES_GCM_IV_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
/** The user encryption key pair (RSA-OAEP, SHA-256): 3072-bit modulus, e = 65537. */
export const RSA_MODULUS_BITS = 3072;

/** HKDF-SHA-256 `info` labels (RFC 5869 §3.2): one per derived key, so no two keys coincide. */
export const HKDF_INFO_KEK_LOCAL = 'keyhold/kek-local/v1';
export const HKDF_INFO_KEK_PRF = 'keyhold/kek-prf/v1';
export const HKDF_INFO_KEYS_KEY = 'keyhold/keys/v1';
/** Prefix of every AES-GCM additional data and RSA-OAEP label the vault computes. */
export const AAD_DOMAIN = 'keyhold/aad/v1';
/** Prefix of the additional data of a ciphertext bound to the server version it is stored as (records v2, key bundle v3). */
export const AAD_DOMAIN_VERSIONED = 'keyhold/aad/v2';

/** PIN policy: a numeric PIN of at least 6 digits, or a passphrase of at least 8 characters. */
export const PIN_MIN_DIGITS = 6;
export const PASSPHRASE_MIN_CHARS = 8;

// ——— The vault on the device (src/vault/) ———
// Appended section: local rules of the PWA's vault. None of these travel over the wire; they
// live here because a constant has one home.

/**
 * Local PIN unlock throttle (src/vault/unlock/unlock-throttle.ts). Consecutive wrong PINs on this
 * device, counted in IndexedDB so a reload does not reset them; a correct PIN or a PRF passkey
 * unlock resets the count. The first PIN_FREE_ATTEMPTS wrong PINs cost nothing (typos); from
 * then on each wrong PIN starts a wait before the next attempt is accepted:
 *
 *   wrong PINs so far   1–3   4      5      6      7      8       9       10 and more
 *   wait before next    0     30 s   1 min  2 min  5 min  15 min  30 min  1 h (the cap)
 *
 * This slows down a person holding the unlocked phone's UI; it cannot slow an attacker who
 * copied the IndexedDB files (SECURITY.md, device thief: each of their guesses costs one Argon2id).
 */
export const PIN_FREE_ATTEMPTS = 3;
export const PIN_THROTTLE_DELAYS_MS: readonly number[] = [30, 60, 2 * 60, 5 * 60, 15 * 60, 30 * 60, 60 * 60].map((s) => s * 1000);
/** The longest wait; a stored retry time further away (a clock set back) is clamped to this. */
export const PIN_THROTTLE_MAX_DELAY_MS = 60 * 60 * 1000;

/** Auto-lock after idle time and after a grace period hidden (docs/architecture.md "Unlocking on the device"). */
export const IDLE_LOCK_MINUTES_DEFAULT = 5;
export const IDLE_LOCK_MINUTES_MIN = 1;
export const IDLE_LOCK_MINUTES_MAX = 60;
export const HIDDEN_GRACE_SECONDS_DEFAULT = 30;
export const HIDDEN_GRACE_SECONDS_MIN = 0;
export const HIDDEN_GRACE_SECONDS_MAX = 10 * 60;
/**
 * Re-prompt before revealing (docs/architecture.md "Re-prompt before revealing"): the PIN or a PRF
 * passkey is asked for again when the vault was unlocked or last confirmed longer ago than this.
 */
export const REPROMPT_MINUTES_DEFAULT = 5;
export const REPROMPT_MINUTES_MIN = 1;
export const REPROMPT_MINUTES_MAX = 60;

/** Record limits, checked before encryption (characters, i.e. UTF-16 code units). */
export const RECORD_TITLE_MAX_CHARS = 200;
export const RECORD_FIELD_MAX_CHARS = 10_000;
/**
 * Plaintext format version of a record, bound into its AAD (src/vault/crypto/records.ts). 2: the
 * AAD also binds the server version the ciphertext is stored as; 1 (no such binding) stays readable.
 */
export const RECORD_FORMAT_VERSION = 2;

/** Length of a WebAuthn PRF output (HMAC-SHA-256 in the authenticator, WebAuthn L3 §10.1.4). */
export const PRF_OUTPUT_BYTES = 32;

/** Generated passwords (src/vault/records/password-generator.ts). */
export const GENERATED_PASSWORD_DEFAULT_LENGTH = 20;
export const GENERATED_PASSWORD_MAX_LENGTH = 128;

// ——— Recovery routes (docs/architecture.md; server/domain/pin-recovery.ts, totp.ts) ———
// Appended section. Server-side numbers here are defaults an operator may override (server/config.ts).

/** PIN recovery: consecutive wrong guesses allowed before the route locks until a new PIN is registered. */
export const PIN_RECOVERY_GUESSES = 10;
/** Serialized ristretto255 element (RFC 9497 §4.1: Ne = 32) and the tag the client derives (32 bytes). */
export const OPRF_ELEMENT_BYTES = 32;
export const PIN_RECOVERY_TAG_BYTES = 32;
/** A session opened by a recovery lives this long at most (absolute, from the recovery). */
export const RECOVERY_SESSION_MS = 15 * 60 * 1000;

/** TOTP (RFC 6238): time step, code length, accepted steps either side of now. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW_STEPS = 1;
/** TOTP secret length: 160 bits, RFC 4226 §4 R6's recommendation. */
export const TOTP_SECRET_BYTES = 20;
/** TOTP recovery limits: this many failures in the window throttle; this many in a row lock the route. */
export const TOTP_THROTTLE_FAILURES = 5;
export const TOTP_THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const TOTP_LOCK_FAILURES = 20;
/** Time to scan the QR code and type the first code before an enrolment must start again. */
export const TOTP_ENROLL_TTL_MS = 10 * 60 * 1000;
/** R, the random key the client wraps S under for TOTP escrow. */
export const TOTP_ESCROW_KEY_BYTES = 32;

/** HKDF-SHA-256 `info` labels of the recovery routes (same rules as the labels above). */
export const HKDF_INFO_KEK_PIN_RECOVERY = 'keyhold/kek-pin-recovery/v1';
export const HKDF_INFO_PIN_RECOVERY_TAG = 'keyhold/pin-recovery-tag/v1';
export const HKDF_INFO_KEK_TOTP = 'keyhold/kek-totp/v1';

/**
 * The recovery kit (docs/architecture.md "Recovery kit"): 12 BIP39 words carry 128 bits of entropy
 * (plus a 4-bit checksum). From those 16 bytes HKDF derives KEK_kit, which wraps S, and kitAuth,
 * which proves the code to the server (it keeps only SHA-256(kitAuth)).
 */
export const RECOVERY_KIT_WORD_COUNT = 12;
export const RECOVERY_KIT_ENTROPY_BYTES = 16;
export const RECOVERY_KIT_AUTH_BYTES = 32;
export const HKDF_INFO_KEK_KIT = 'keyhold/kek-kit/v1';
export const HKDF_INFO_KIT_AUTH = 'keyhold/kit-auth/v1';

// ——— Encrypted record sync (server/routes/records.ts, src/vault/sync/) ———
// Appended section. Server-side numbers are defaults an operator may override (server/config.ts).

/**
 * Largest record ciphertext the server stores, in base64url characters: it must fit, with its
 * wrapped DEK and the JSON around it, in the default 64 KiB request body.
 */
export const RECORD_CIPHERTEXT_MAX_CHARS = 60 * 1024;
/** A wrapped DEK (AES-256 key under VK, AES-GCM): far below this. */
export const RECORD_WRAPPED_DEK_MAX_CHARS = 512;
/** Live (not deleted) records per account. */
export const RECORDS_MAX_PER_USER = 25_000;
/** Change feed page size. */
export const RECORD_CHANGES_PAGE_DEFAULT = 500;
export const RECORD_CHANGES_PAGE_MAX = 1_000;
/** Tombstones older than this are purged by `npm run purge` (a device behind that is told to resync). */
export const TOMBSTONE_RETENTION_DAYS = 90;
/** While the vault is open, the app syncs at least this often (besides on edits and reconnects). */
export const SYNC_INTERVAL_MS = 60 * 1000;
/**
 * Audit entries older than this are purged by `npm run purge`, each chain keeping its newest entry
 * and an anchor it still verifies from (server/store/audit.ts `purgeAuditPrefix`).
 */
export const AUDIT_RETENTION_DAYS = 365;

// ——— Import and export (src/vault/transfer; docs/architecture.md "Import and export") ———
// Inserted section: local rules of the PWA; nothing here travels over the wire.

/** Largest file the importer reads (bytes), checked before decoding; 10,000 items fit many times over. */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** A Keyhold backup's passphrase: its own Argon2id cost protects it, but not a short one. */
export const BACKUP_PASSPHRASE_MIN_CHARS = 12;
/** HKDF `info` of the Keyhold backup file's AES-256-GCM key (src/vault/crypto/backup-key.ts). */
export const HKDF_INFO_BACKUP = 'keyhold/backup/v1';

// ——— Lock everywhere (server/domain/lock-everywhere.ts, src/vault/account/lock-everywhere.ts) ———
// Appended section.

/**
 * Domain separation for the signature by which the device asking to lock everywhere proves it is
 * the one to keep (protocol/device-signin.ts `lockEverywhereMessage`): a device sign-in signature
 * cannot stand in for it, nor the other way round.
 */
export const LOCK_EVERYWHERE_CONTEXT = 'keyhold/lock-everywhere/v1';
/** Most wrap_prf blobs one lock-everywhere request may store (one per passkey kept able to unlock). */
export const LOCK_EVERYWHERE_MAX_PRF_WRAPS = 16;

// ——— Approving a new device from one already signed in (docs/architecture.md "Approval from another device") ———
/** A request to join lives this long; after it, polling and approving answer `approval_expired`. */
export const DEVICE_APPROVAL_TTL_MS = 10 * 60 * 1000;
/** Unexpired requests one account (or one unknown username) may hold at once: more are refused as `rate_limited`. */
export const DEVICE_APPROVAL_MAX_PENDING = 3;
/** How often a waiting new device asks whether it was approved. */
export const DEVICE_APPROVAL_POLL_MS = 2000;
/** The requester's ephemeral ECDH P-256 public key, and the approver's: uncompressed SEC1 points (0x04 || x || y). */
export const DEVICE_APPROVAL_PUBLIC_KEY_BYTES = 65;
/** The random polling secret the server hands the requester (it keeps only its SHA-256). */
export const DEVICE_APPROVAL_SECRET_BYTES = 32;
/** HKDF-SHA-256 info of the key that seals S for the new device (salt: the request id). */
export const HKDF_INFO_DEVICE_APPROVAL = 'keyhold/device-approval/v1';
/** Words of the fingerprint phrase both devices show (BIP39 English, 11 bits each: 55 bits). */
export const DEVICE_APPROVAL_PHRASE_WORDS = 5;

// ——— Signed account log (protocol/account-log.ts; docs/architecture.md "Signed account log") ———
// Appended section. Changing a label makes every existing entry's signature or hash fail to verify.

/** Domain separation of the bytes an entry's Ed25519 signature covers. */
export const ACCOUNT_LOG_SIGNING_CONTEXT = 'keyhold/account-log/v1';
/** Domain separation of an entry's hash (the `prev` of the next entry). */
export const ACCOUNT_LOG_HASH_CONTEXT = 'keyhold/account-log-hash/v1';
/** Domain separation of a TOTP secret's log identifier (salted with the user id, so it links no two accounts). */
export const ACCOUNT_LOG_TOTP_ID_CONTEXT = 'keyhold/totp-id/v1';
/** HMAC subkey label of the server's sealed log head (server/domain/account-log-head.ts). */
export const ACCOUNT_LOG_HEAD_MAC_CONTEXT = 'keyhold/log-head/v1';
/** Changes one entry may carry: lock everywhere removes every other device in one entry. */
export const ACCOUNT_LOG_MAX_CHANGES = 64;
/** Entries one append request may carry (a migration's genesis, or an entry and the catch-up before it). */
export const ACCOUNT_LOG_APPEND_MAX_ENTRIES = 16;
/** Entries one page of `GET /api/account/log` returns at most. */
export const ACCOUNT_LOG_PAGE_MAX = 500;
/** Entries one account's log may hold: past this an append is `log_full`. */
export const ACCOUNT_LOG_MAX_ENTRIES = 10_000;
/** Largest COSE public key a `passkey.add` may carry (an RSA-4096 COSE key is ~550 bytes). */
export const ACCOUNT_LOG_COSE_KEY_MAX_BYTES = 1024;
/** Longest WebAuthn credential id in a `passkey.add`/`passkey.remove`, in base64url characters (the API's `Id`). */
export const ACCOUNT_LOG_CREDENTIAL_ID_MAX_CHARS = 128;
/** Appends one account may make per minute (a sync run appends at most a few). */
export const ACCOUNT_LOG_APPENDS_PER_MINUTE = 60;

/**
 * Repeated refusals an attacker can cause on someone else's account (a PIN recovery start on a
 * locked account) add one audit entry per this window, carrying how many times it happened.
 */
export const AUDIT_REPEAT_WINDOW_MS = 60 * 60_000;

/** An app id (issue 17): a short lowercase slug; also what the account log's `device.add` carries. */
export const APP_ID_PATTERN = /^[a-z0-9][a-z0-9.-]{0,63}$/;
/**
 * Keyhold's own app id: the default app (registered from ORIGIN when APPS is not set, and required
 * first in APPS), the SDK's default `appId`, and the app of every row that predates apps.
 */
export const DEFAULT_APP_ID = 'keyhold';
/** Longest display name of a registered app. */
export const APP_NAME_MAX_CHARS = 64;
/** How old a server's snapshot of the registered apps may get before a request reloads it. */
export const APPS_SNAPSHOT_MAX_AGE_MS = 30_000;
/** An Origin no app lists reloads the snapshot at most this often (a stream of foreign origins costs no queries). */
export const APPS_MISS_RELOAD_MS = 5_000;
