import type { Kysely } from 'kysely';

/** Times are milliseconds since the epoch; booleans are 0/1 so one schema fits both dialects. */
export interface UsersTable {
  id: string;
  username: string;
  created_at: number;
}

export interface CredentialsTable {
  /** WebAuthn credential id, base64url. */
  id: string;
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  transports: string; // JSON array
  device_type: string;
  backed_up: number;
  /** Per-credential PRF salt (base64url) the browser evaluates the PRF with. */
  prf_salt: string;
  prf_enabled: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  /** The app whose request registered the device key (migration 011): it signs in to that app only. */
  app_id: string;
  name: string;
  /** ECDSA P-256 public key as a JSON Web Key string. */
  public_key_jwk: string;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
}

/** `pin_register`, `pin_recover` and `totp_enroll` carry recovery state between two requests (domain/pin-recovery.ts, totp.ts). */
export type ChallengePurpose = 'register' | 'authenticate' | 'add_passkey' | 'device' | 'pin_register' | 'pin_recover' | 'totp_enroll';

export interface ChallengesTable {
  /** The challenge itself (base64url); single use, deleted when consumed. */
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  /** Purpose-specific JSON: the pending username and user id of a registration, a device id. */
  data: string;
  expires_at: number;
}

/** `recovery`: opened by a PIN or TOTP recovery; short-lived, may only set the new device up. */
export type SessionScope = 'passkey' | 'device' | 'recovery';

export interface SessionsTable {
  /** SHA-256 of the cookie token: a stolen database holds no usable session. */
  id_hash: string;
  user_id: string;
  /** The app whose request opened the session (migration 011): valid only on that app's requests. */
  app_id: string;
  scope: SessionScope;
  device_id: string | null;
  /** The passkey whose sign-in opened a `passkey` session (null for other scopes and for sessions older than migration 007). */
  credential_id: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export type SecretKind = 'key_bundle' | 'wrap_prf';

export interface SecretBlobsTable {
  user_id: string;
  kind: SecretKind;
  /** '' for the key bundle, the credential id for a wrap_prf. */
  ref: string;
  blob: string;
  version: number;
  updated_at: number;
}

export interface AuditLogTable {
  user_id: string;
  seq: number;
  at: number;
  type: string;
  data: string; // canonical JSON
  prev_hash: string; // hex
  hash: string; // hex
}

/**
 * Where a purged audit chain now starts (migrations/004_audit_anchors.ts): the seq and hash of
 * the last entry `npm run purge` deleted, which the first remaining entry must link to.
 */
export interface AuditAnchorsTable {
  user_id: string;
  seq: number;
  hash: string; // hex
  purged_at: number;
}

/** Repeated refusals counted outside the chain (migrations/009_audit_repeats.ts): the window opened by chain entry `seq`. */
export interface AuditRepeatsTable {
  user_id: string;
  kind: string;
  seq: number;
  window_start: number;
  count: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

/** See migrations/002_recovery.ts for what each column holds; `subject` is a user id or a decoy key. */
export interface PinRecoveryTable {
  subject: string;
  sealed_key: string;
  salt: string;
  argon2_memory_kib: number;
  argon2_iterations: number;
  argon2_parallelism: number;
  tag_digest: string;
  wrap: string;
  guesses_left: number;
  allowance: number;
  version: number;
  updated_at: number;
}

export interface TotpRecoveryTable {
  subject: string;
  sealed_secret: string;
  sealed_r: string;
  wrap: string;
  last_used_step: number;
  window_start: number;
  window_failures: number;
  consecutive_failures: number;
  locked: number;
  enrolled_at: number;
  updated_at: number;
}

/** See migrations/005_recovery_kit.ts: one kit per account, nothing in it the server can open. */
export interface RecoveryKitsTable {
  user_id: string;
  wrap: string;
  auth_hash: string;
  created_at: number;
}

export type DeviceApprovalState = 'pending' | 'approved' | 'denied' | 'collected';

/** See migrations/006_device_approvals.ts: a new device's request to join, relayed, never readable here. */
export interface DeviceApprovalsTable {
  id: string;
  user_id: string | null;
  subject: string;
  public_key: string;
  device_name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  state: DeviceApprovalState;
  sealed: string | null;
  approver_public_key: string | null;
  approver_device_id: string | null;
  /** The new device's signing key (DevicePublicKey JWK as JSON) it will register, or null (older clients). */
  device_key: string | null;
  /** The app of the request that asked (migration 012): the app the new device's key is logged and registered for. */
  app_id: string;
}

/**
 * One encrypted record, as opaque as the backup blobs: the server never sees a
 * plaintext field. `version` is the record's compare-and-set counter; `seq` its place in the
 * account's change feed. A tombstone (`deleted` 1) keeps its id, version and seq but no ciphertext.
 */
export interface RecordsTable {
  user_id: string;
  /** The app whose namespace holds the record (migration 011): each (user, app) has its own records and feed. */
  app_id: string;
  /** Chosen by the client (base64url); unique per (account, app) only. */
  id: string;
  version: number;
  seq: number;
  deleted: number;
  /** The plaintext format version the client binds into the AAD. */
  v: number;
  wrapped_dek: string | null;
  ciphertext: string | null;
  /** Characters of ciphertext plus wrapped DEK: what the record costs to keep (0 for a tombstone). */
  size: number;
  updated_at: number;
}

/** Per-(account, app) counters of the change feed; created by the namespace's first record write. */
export interface RecordCountersTable {
  user_id: string;
  app_id: string;
  /** The last seq handed out: every write takes the next one. */
  seq: number;
  /** Records that are not tombstones, for the quota and the feed's `total`. */
  live: number;
  /** Highest seq of a purged tombstone: a feed cursor below it may have missed a deletion. */
  purged_seq: number;
}

/** See migrations/007_account_log.ts: one row per entry of an account's signed log. */
export interface AccountLogTable {
  user_id: string;
  seq: number;
  /** The entry as canonical JSON (server/domain/account-log.ts `canonicalEntryJson`). */
  entry: string;
  /** `logEntryHash` of the entry, base64url: the next entry's `prev`. */
  hash: string;
  created_at: number;
}

export type AccountLogStatus = 'unlogged' | 'logged';

/** See migrations/007_account_log.ts: each account's verified log head, sealed with a MAC under the pepper. */
export interface AccountLogHeadsTable {
  user_id: string;
  status: AccountLogStatus;
  seq: number;
  hash: string;
  /** `serializeLogState` of the verified state at `seq`. */
  state: string;
  /** `<pepper key id>.<HMAC-SHA-256>`, server/domain/account-log-head.ts. */
  mac: string;
  updated_at: number;
}

/** Rows a per-subject lock takes when the subject has no account row (store/locks.ts). */
export interface LockSlotsTable {
  slot: number;
}

/** A registered app of the ecosystem (migration 010). */
export interface AppsTable {
  id: string;
  name: string;
  created_at: number;
}

/** One origin an app's pages run on; an origin belongs to at most one app (primary key). */
export interface AppOriginsTable {
  origin: string;
  app_id: string;
}

export interface KeyholdDatabase {
  users: UsersTable;
  credentials: CredentialsTable;
  devices: DevicesTable;
  challenges: ChallengesTable;
  sessions: SessionsTable;
  secret_blobs: SecretBlobsTable;
  audit_log: AuditLogTable;
  audit_anchors: AuditAnchorsTable;
  audit_repeats: AuditRepeatsTable;
  rate_limits: RateLimitsTable;
  pin_recovery: PinRecoveryTable;
  totp_recovery: TotpRecoveryTable;
  recovery_kits: RecoveryKitsTable;
  device_approvals: DeviceApprovalsTable;
  records: RecordsTable;
  record_counters: RecordCountersTable;
  account_log: AccountLogTable;
  account_log_heads: AccountLogHeadsTable;
  lock_slots: LockSlotsTable;
  apps: AppsTable;
  app_origins: AppOriginsTable;
}

export type Db = Kysely<KeyholdDatabase>;
