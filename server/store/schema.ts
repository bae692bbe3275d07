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
  name: string;
  /** ECDSA P-256 public key as a JSON Web Key string. */
  public_key_jwk: string;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
}

export type ChallengePurpose = 'register' | 'authenticate' | 'add_passkey' | 'device';

export interface ChallengesTable {
  /** The challenge itself (base64url); single use, deleted when consumed. */
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  /** Purpose-specific JSON: the pending username and user id of a registration, a device id. */
  data: string;
  expires_at: number;
}

export type SessionScope = 'passkey' | 'device';

export interface SessionsTable {
  /** SHA-256 of the cookie token: a stolen database holds no usable session. */
  id_hash: string;
  user_id: string;
  scope: SessionScope;
  device_id: string | null;
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

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface KeyholdDatabase {
  users: UsersTable;
  credentials: CredentialsTable;
  devices: DevicesTable;
  challenges: ChallengesTable;
  sessions: SessionsTable;
  secret_blobs: SecretBlobsTable;
  audit_log: AuditLogTable;
  rate_limits: RateLimitsTable;
}

export type Db = Kysely<KeyholdDatabase>;
