import { z } from 'zod';
import { decodeBase64Url, isBase64Url } from './base64url';
import {
  ARGON2_MAX_ITERATIONS,
  ARGON2_MAX_MEMORY_KIB,
  ARGON2_MAX_PARALLELISM,
  ARGON2_MIN_ITERATIONS,
  ARGON2_MIN_MEMORY_KIB,
  ARGON2_MIN_PARALLELISM,
  ARGON2_HASH_LENGTH,
  ARGON2_SALT_BYTES,
  AUDIT_PAGE_DEFAULT,
  AUDIT_PAGE_MAX,
  DEVICE_APPROVAL_PUBLIC_KEY_BYTES,
  DEVICE_APPROVAL_SECRET_BYTES,
  KEY_BUNDLE_MAX_CHARS,
  LOCK_EVERYWHERE_MAX_PRF_WRAPS,
  RECORD_CHANGES_PAGE_DEFAULT,
  RECORD_CHANGES_PAGE_MAX,
  RECORD_WRAPPED_DEK_MAX_CHARS,
  NAME_MAX_CHARS,
  OPRF_ELEMENT_BYTES,
  PIN_RECOVERY_TAG_BYTES,
  RECOVERY_KIT_AUTH_BYTES,
  TOTP_ESCROW_KEY_BYTES,
  USERNAME_PATTERN,
  WRAP_MAX_CHARS,
} from './constants';
import { ERROR_CODES } from './errors';
import { LogEntry } from './api-account-log';

export { AccountLogAppended, AccountLogPage, AccountLogQuery, AppendAccountLogRequest, LogChange, LogEntry } from './api-account-log';
export type { AccountLogAppendedT, AccountLogPageT, LogEntryT } from './api-account-log';

/**
 * The key server's wire contract: every request is parsed by one of these schemas at the boundary,
 * and the same schemas generate the OpenAPI document. The app imports only the inferred types.
 */

export const base64url = (max: number) =>
  z.string().min(1).max(max).refine(isBase64Url, { message: 'must be base64url without padding' });

export const Username = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().regex(USERNAME_PATTERN, 'must be 3–32 characters: a–z, 0–9, dot, dash, underscore; starting with a letter or digit'));

/**
 * A name the user gives a passkey or device. Control characters are refused (PostgreSQL text
 * cannot hold NUL at all) and so are lone surrogates (stored as U+FFFD, they would not read back
 * as sent).
 */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(NAME_MAX_CHARS)
  .refine((s) => !/[\p{Cc}\p{Cs}]/u.test(s), { message: 'must not contain control characters or unpaired surrogates' });

export const Id = base64url(128);

// ——— Encrypted records (docs/architecture.md "Records and sync") ———
/**
 * A record as the server keeps it: opaque ciphertext and the DEK wrapped under the vault key
 * (both null for a tombstone), the plaintext format version `v` the client binds into the AAD,
 * the server-assigned `version` (1 on creation, +1 on every write, compare-and-set) and `seq`,
 * the account-wide change counter the change feed pages by.
 */
export const RecordEnvelope = z.object({
  id: z.string(),
  version: z.number().int(),
  seq: z.number().int(),
  deleted: z.boolean(),
  v: z.number().int(),
  wrappedDek: z.string().nullable(),
  ciphertext: z.string().nullable(),
  updatedAt: z.number().int(),
});

/**
 * `PUT /api/records/{id}`: create (expectedVersion 0), replace, or delete (deleted: true, no
 * ciphertext) the record if it is still at expectedVersion; otherwise 409 `stale_version` with
 * the current record in `error.current` (null when it does not exist). A deletion at
 * expectedVersion 0 of a record the server never had stores a tombstone at version 1.
 */
export const RecordWriteRequest = z
  .object({
    expectedVersion: z.number().int().min(0).max(2 ** 52),
    deleted: z.boolean(),
    v: z.number().int().min(1).max(1000),
    wrappedDek: base64url(RECORD_WRAPPED_DEK_MAX_CHARS).nullable(),
    ciphertext: z.string().min(1).refine(isBase64Url, { message: 'must be base64url without padding' }).nullable(),
  })
  .refine((w) => (w.deleted ? w.wrappedDek === null && w.ciphertext === null : w.wrappedDek !== null && w.ciphertext !== null), {
    message: 'a deletion carries no wrappedDek or ciphertext; any other write carries both',
  });
/** Where a write landed: the new version and its place in the change feed. */
export const RecordWritten = z.object({ version: z.number().int(), seq: z.number().int(), updatedAt: z.number().int() });

/** `GET /api/records/changes?after=<seq>&limit=<n>`: the account's changes after a cursor, oldest first. */
export const RecordChangesQuery = z.object({
  after: z.coerce.number().int().min(0).max(2 ** 52).default(0),
  limit: z.coerce.number().int().min(1).max(RECORD_CHANGES_PAGE_MAX).default(RECORD_CHANGES_PAGE_DEFAULT),
});
/**
 * One page of changes. `cursor` is the seq to ask after next (`after` itself when nothing is new);
 * `more` says another page is waiting.
 * `reset` means tombstones after the caller's cursor were purged (or the cursor is ahead of every
 * seq the account has, e.g. after a database restore): the client must pull again from 0 and then
 * drop every synced local record that pull did not mention. A reset page has no changes, cursor 0
 * and `more: true`.
 */
export const RecordChanges = z.object({
  changes: z.array(RecordEnvelope),
  cursor: z.number().int(),
  more: z.boolean(),
  reset: z.boolean(),
  /** Live records of the account, for progress on a first download. */
  total: z.number().int(),
});

export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    currentVersion: z.number().int().optional(),
    retryAfterSeconds: z.number().int().optional(),
    guessesLeft: z.number().int().optional(),
    /** `stale_version` on a record write: the record as the server has it (null: it does not exist). */
    current: RecordEnvelope.nullable().optional(),
    /** `log_stale`: the account log's head as the server has it. */
    seq: z.number().int().optional(),
    head: z.string().optional(),
    /** `log_entry_invalid`: the AccountLogError reason (protocol/account-log.ts) and the entry's index in the request. */
    reason: z.string().optional(),
    index: z.number().int().optional(),
  }),
});

// ——— WebAuthn ———
// The PRF output is key material (KEK_prf is derived from it) and must never reach the server:
// `prf` accepts only `enabled`, so a response still carrying `prf.results` is refused instead of
// being processed.
const ClientExtensionResults = z.looseObject({
  prf: z.strictObject({ enabled: z.boolean().optional() }).optional(),
});

const AuthenticatorTransport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

export const RegistrationResponse = z.object({
  id: Id,
  rawId: Id,
  type: z.literal('public-key'),
  response: z.looseObject({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16384),
    transports: z.array(AuthenticatorTransport).max(8).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ClientExtensionResults,
});

export const AuthenticationResponse = z.object({
  id: Id,
  rawId: Id,
  type: z.literal('public-key'),
  response: z.looseObject({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(1024),
    userHandle: base64url(256).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ClientExtensionResults,
});

/** Options are produced by @simplewebauthn/server and passed to the browser unchanged. */
export const WebAuthnOptions = z.record(z.string(), z.unknown());

export const RegisterOptionsRequest = z.object({ username: Username });
export const RegisterVerifyRequest = z.object({ response: RegistrationResponse, passkeyName: DisplayName.optional() });
export const SignInOptionsRequest = z.object({ username: Username });
/**
 * `deviceId`: the device this sign-in happens on, when it has joined the account. The session is
 * then bound to that device (it ends when the device is removed, and the device counts as seen);
 * a removed device is refused with `device_revoked`.
 */
export const SignInVerifyRequest = z.object({ response: AuthenticationResponse, deviceId: Id.optional() });
export const AddPasskeyVerifyRequest = z.object({ response: RegistrationResponse, passkeyName: DisplayName.optional() });

export const SessionInfo = z.object({
  userId: z.string(),
  username: z.string(),
  scope: z.enum(['passkey', 'device', 'recovery']),
  deviceId: z.string().nullable(),
  expiresAt: z.number().int(),
});

export const PasskeySummary = z.object({
  id: z.string(),
  name: z.string(),
  prfSalt: z.string(),
  prfEnabled: z.boolean(),
  backedUp: z.boolean(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
  /** The server keeps a wrap_prf(S) for this passkey: it can open the vault (PRF unlock and recovery). */
  canUnlock: z.boolean(),
  /** The COSE public key the server holds for it (base64url): what its `passkey.add` in the account log must name. */
  publicKey: z.string(),
});

/** `PATCH /api/devices/{id}` and `PATCH /api/passkeys/{id}`: the user's own label for it. */
export const RenameRequest = z.object({ name: DisplayName });

export const SignedIn = z.object({ session: SessionInfo, passkey: PasskeySummary.optional() });

// ——— Devices ———
export const DevicePublicKey = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url(64),
  y: base64url(64),
  ext: z.boolean().optional(),
  key_ops: z.array(z.literal('verify')).max(1).optional(),
  alg: z.literal('ES256').optional(),
});

export const RegisterDeviceRequest = z.object({ name: DisplayName, publicKey: DevicePublicKey });
/** An app of the ecosystem as an account's devices and activity name it: `name` is null once the app is no longer registered. */
export const AppRef = z.object({ id: z.string(), name: z.string().nullable() });
export const DeviceSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
  current: z.boolean(),
  /** The device's signing key as the account log names it (raw P-256 point 0x04‖x‖y, base64url): what its `device.add` must name. */
  publicKey: z.string(),
  /** The app the device key belongs to (the app whose request registered it). */
  app: AppRef,
});
export const DeviceChallengeRequest = z.object({ deviceId: Id });
export const DeviceChallenge = z.object({ challenge: z.string(), expiresAt: z.number().int() });
/** `signature`: ECDSA P-256 SHA-256, IEEE P1363 (r||s, 64 bytes), over `deviceSignInMessage`. */
export const DeviceSignInRequest = z.object({ deviceId: Id, challenge: base64url(128), signature: base64url(128) });

// ——— Secret backup ———
export const VersionedBlob = z.object({ blob: z.string(), version: z.number().int(), updatedAt: z.number().int() });
export const BackupSnapshot = z.object({
  keyBundle: VersionedBlob.nullable(),
  wrapPrf: z.array(VersionedBlob.extend({ credentialId: z.string() })),
});
export const PutKeyBundleRequest = z.object({ blob: base64url(KEY_BUNDLE_MAX_CHARS), expectedVersion: z.number().int().min(0).max(2 ** 52) });
export const PutWrapPrfRequest = z.object({ blob: base64url(WRAP_MAX_CHARS), expectedVersion: z.number().int().min(0).max(2 ** 52) });
export const WriteResult = z.object({ version: z.number().int() });

// ——— Audit ———
export const AuditQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
});
export const AuditEvent = z.object({
  seq: z.number().int(), at: z.number().int(), type: z.string(), data: z.record(z.string(), z.unknown()), hash: z.string(),
  /** How many times the event happened when repeats were coalesced into this entry (refusals an attacker can repeat); absent: once. Not part of the hashed entry. */
  count: z.number().int().min(1).optional(),
  /** The app the event came from (device registration, device or passkey sign-in, device removal); null for events that name none. Not part of the hashed entry. */
  app: AppRef.nullable(),
});
export const AuditPage = z.object({ events: z.array(AuditEvent), nextBefore: z.number().int().nullable() });

// ——— Recovery (docs/architecture.md "Recovery routes") ———
/** base64url of exactly `bytes` bytes. */
export const base64urlBytes = (bytes: number) =>
  base64url(Math.ceil((bytes * 4) / 3)).refine((s) => isBase64Url(s) && decodeBase64Url(s).length === bytes, { message: `must encode ${bytes} bytes` });

/** A serialized ristretto255 element (RFC 9497 §4.1); whether it is a valid point is the server's check. */
export const OprfElement = base64urlBytes(OPRF_ELEMENT_BYTES);
/** Single-use ids the server issues for a registration, an attempt or an enrolment. */
export const RecoveryTicket = base64url(64);
/** Argon2id costs of the PIN recovery input, at or above the floor every client enforces. */
export const Argon2Settings = z.object({
  memoryKiB: z.number().int().min(ARGON2_MIN_MEMORY_KIB).max(ARGON2_MAX_MEMORY_KIB),
  iterations: z.number().int().min(ARGON2_MIN_ITERATIONS).max(ARGON2_MAX_ITERATIONS),
  parallelism: z.number().int().min(ARGON2_MIN_PARALLELISM).max(ARGON2_MAX_PARALLELISM),
  hashLength: z.literal(ARGON2_HASH_LENGTH),
});

export const PinRegisterStartRequest = z.object({ blindedElement: OprfElement });
export const PinRegisterStarted = z.object({ registrationId: z.string(), evaluatedElement: z.string(), expiresAt: z.number().int() });
export const PinRegisterFinishRequest = z.object({
  registrationId: RecoveryTicket,
  salt: base64urlBytes(ARGON2_SALT_BYTES),
  argon2: Argon2Settings,
  tag: base64urlBytes(PIN_RECOVERY_TAG_BYTES),
  wrap: base64url(WRAP_MAX_CHARS),
  /**
   * Required on an account that keeps a signed log (else 400 `log_entry_required`): the entry on
   * the log's head naming this registration, `pin-recovery.set` of SHA-256(tag) and nothing else
   * (else 400 `log_entry_invalid`), appended with the registration in one transaction.
   */
  logEntry: LogEntry.optional(),
});
export const PinRegistered = z.object({ version: z.number().int(), guessesLeft: z.number().int() });

export const PinRecoveryParamsRequest = z.object({ username: Username });
export const PinRecoveryParams = z.object({ salt: z.string(), argon2: Argon2Settings, guessesLeft: z.number().int() });
export const PinRecoveryStartRequest = z.object({ username: Username, blindedElement: OprfElement });
export const PinRecoveryStarted = z.object({ attemptId: z.string(), evaluatedElement: z.string(), guessesLeft: z.number().int(), expiresAt: z.number().int() });
export const PinRecoveryFinishRequest = z.object({ attemptId: RecoveryTicket, tag: base64urlBytes(PIN_RECOVERY_TAG_BYTES) });

/** What every successful recovery returns: a short recovery session and the key bundle ciphertext. */
export const Recovered = z.object({ session: SessionInfo, keyBundle: VersionedBlob.nullable() });
export const PinRecovered = Recovered.extend({ wrap: z.string(), salt: z.string(), guessesLeft: z.number().int() });

export const TotpCode = z.string().regex(/^[0-9]{6,8}$/, 'must be 6 to 8 digits');
export const TotpEnrollStarted = z.object({
  enrollmentId: z.string(),
  otpauthUri: z.string(),
  secret: z.string(),
  period: z.number().int(),
  digits: z.number().int(),
  expiresAt: z.number().int(),
});
export const TotpEnrollFinishRequest = z.object({
  enrollmentId: RecoveryTicket,
  code: TotpCode,
  escrowedWrap: base64url(WRAP_MAX_CHARS),
  r: base64urlBytes(TOTP_ESCROW_KEY_BYTES),
  /**
   * Required on an account that keeps a signed log (else 400 `log_entry_required`): the entry on
   * the log's head naming this enrolment's secret, `totp.add` of its totpLogId and nothing else
   * (else 400 `log_entry_invalid`), appended with the enrolment in one transaction.
   */
  logEntry: LogEntry.optional(),
});
export const TotpEnrolled = z.object({ enrolledAt: z.number().int() });
export const TotpRecoverRequest = z.object({ username: Username, code: TotpCode });
export const TotpRecovered = Recovered.extend({ r: z.string(), escrowedWrap: z.string() });

/**
 * The recovery kit (docs/architecture.md "Recovery kit"): `wrap` is S under KEK_kit (a GCM blob
 * like the other wraps), `authHash` SHA-256(kitAuth); recovery sends kitAuth itself. Both derive
 * from the user's 128-bit code on the client; the server never sees the code or KEK_kit.
 */
export const RecoveryKitPutRequest = z.object({
  wrap: base64url(WRAP_MAX_CHARS),
  authHash: base64urlBytes(32),
  /**
   * Required on an account that keeps a signed log (else 400 `log_entry_required`): the entry on
   * the log's head naming this kit, `kit.set` of `authHash` and nothing else (else 400
   * `log_entry_invalid`), appended with the kit in one transaction.
   */
  logEntry: LogEntry.optional(),
});
export const RecoveryKitPut = z.object({ createdAt: z.number().int(), replaced: z.boolean() });
export const RecoveryKitRecoverRequest = z.object({ username: Username, kitAuth: base64urlBytes(RECOVERY_KIT_AUTH_BYTES) });
export const RecoveryKitRecovered = Recovered.extend({ userId: z.string(), username: z.string(), wrap: z.string(), createdAt: z.number().int() });

/**
 * `logIds`: each route's identifier in the account log (SHA-256 of the PIN recovery tag, totpLogId of
 * the TOTP secret, SHA-256(kitAuth) of the kit, base64url; null when the route is off): what a
 * migration's genesis vouches for once the user confirmed the routes (docs/architecture.md "Signed
 * account log"). Digests the log itself carries, never a secret.
 */
export const RecoveryStatus = z.object({
  pin: z.object({ active: z.boolean(), guessesLeft: z.number().int().nullable(), allowance: z.number().int().nullable(), updatedAt: z.number().int().nullable() }),
  totp: z.object({ enrolled: z.boolean(), locked: z.boolean(), enrolledAt: z.number().int().nullable() }),
  kit: z.object({ active: z.boolean(), createdAt: z.number().int().nullable() }),
  logIds: z.object({ pin: z.string().nullable(), totp: z.string().nullable(), kit: z.string().nullable() }),
});

// ——— Lock everywhere (docs/architecture.md "Lock everywhere") ———
/**
 * `POST /api/account/lock-everywhere` (a fresh passkey session): in one transaction, revokes every
 * device but `keepDeviceId`, ends every session but the calling one, and swaps in the rotated key
 * hierarchy — the key bundle (compare-and-set), the wrap_prf set (a passkey not listed loses its
 * wrap), the TOTP escrow (required exactly when TOTP is enrolled) and PIN recovery (registered from
 * a pending registration, or turned off when `pin` is null: its wrap would open the old S).
 * `deviceProof` is the kept device's signature over a device challenge (`lockEverywhereMessage`).
 */
export const LockEverywhereRequest = z.object({
  keepDeviceId: Id,
  deviceProof: z.object({ challenge: base64url(128), signature: base64url(128) }),
  keyBundle: PutKeyBundleRequest,
  wrapPrf: z
    .array(z.object({ credentialId: Id, blob: base64url(WRAP_MAX_CHARS) }))
    .max(LOCK_EVERYWHERE_MAX_PRF_WRAPS)
    .refine((wraps) => new Set(wraps.map((w) => w.credentialId)).size === wraps.length, { message: 'one wrap per credential' }),
  totp: z.object({ r: base64urlBytes(TOTP_ESCROW_KEY_BYTES), escrowedWrap: base64url(WRAP_MAX_CHARS) }).nullable(),
  pin: PinRegisterFinishRequest.nullable(),
  /**
   * The account log entry signing this lock (device.remove for each other device, kit.remove,
   * pin-recovery.set, the identity rotation): required when the account's log is `logged`
   * (else `log_entry_required`), appended in the same transaction.
   */
  logEntry: LogEntry.optional(),
});
/** What changed: counts, the new versions, and what the user may need to set up again. */
export const LockEverywhereResult = z.object({
  devicesRevoked: z.number().int(),
  sessionsEnded: z.number().int(),
  keyBundleVersion: z.number().int(),
  wrapPrf: z.array(z.object({ credentialId: z.string(), version: z.number().int() })),
  /** Passkeys whose wrap_prf was dropped (it opened the old S): they sign in, but unlock again only once re-enabled. */
  prfWrapsDropped: z.array(z.object({ credentialId: z.string(), name: z.string() })),
  pinRecovery: z.enum(['registered', 'removed', 'off']),
  totp: z.enum(['rotated', 'off']),
  /** The recovery kit wrapped the old S: lock everywhere deletes it, and the user makes a new one. */
  kitRemoved: z.boolean(),
});

// ——— Approving a new device from another (docs/architecture.md "Approval from another device") ———
/** An ephemeral ECDH P-256 public key, uncompressed (0x04 || x || y); whether it is on the curve is the clients' check. */
export const ApprovalPublicKey = base64urlBytes(DEVICE_APPROVAL_PUBLIC_KEY_BYTES).refine((s) => isBase64Url(s) && decodeBase64Url(s)[0] === 4, { message: 'must be an uncompressed point' });
/** What the approving device sends the new one through the server: its ephemeral public key and S sealed to the requester's. */
export const SealedApproval = z.object({ publicKey: ApprovalPublicKey, ciphertext: base64url(WRAP_MAX_CHARS) });
/**
 * `deviceKey`: the signing key the new device will register, so the approver can sign its `device.add`
 * in the account log (optional while older clients ask without it).
 */
export const DeviceApprovalRequest = z.object({ username: Username, publicKey: ApprovalPublicKey, deviceName: DisplayName, deviceKey: DevicePublicKey.optional() });
export const DeviceApprovalRequested = z.object({ id: z.string(), secret: z.string(), expiresAt: z.number().int() });
export const PendingApproval = z.object({
  id: z.string(),
  publicKey: z.string(),
  deviceName: z.string(),
  /** The new device's signing key as it sent it (null: an older client that sent none). */
  deviceKey: DevicePublicKey.nullable(),
  /** The app the request came from: the app its device key is signed into the log for. */
  app: AppRef,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
});
export const PendingApprovals = z.object({ requests: z.array(PendingApproval) });
export const ApproveDeviceRequest = z.object({ sealed: SealedApproval });
export const PollApprovalRequest = z.object({ secret: base64urlBytes(DEVICE_APPROVAL_SECRET_BYTES) });
/**
 * `approved` comes once, with the sealed answer, a recovery session (cookie) and the key bundle;
 * the request is `collected` from then on. `pending` and `denied` carry nothing else.
 */
export const ApprovalPolled = z.object({
  state: z.enum(['pending', 'approved', 'denied', 'collected']),
  sealed: SealedApproval.optional(),
  session: SessionInfo.optional(),
  keyBundle: VersionedBlob.nullable().optional(),
});

export const Health = z.object({ status: z.enum(['ok', 'degraded']), version: z.string(), database: z.enum(['ok', 'unreachable']), dialect: z.enum(['sqlite', 'postgres']) });
export const Ok = z.object({ ok: z.literal(true) });

export type ApiErrorBody = z.infer<typeof ErrorResponse>;
export type SessionInfoT = z.infer<typeof SessionInfo>;
export type PasskeySummaryT = z.infer<typeof PasskeySummary>;
export type DeviceSummaryT = z.infer<typeof DeviceSummary>;
export type AppRefT = z.infer<typeof AppRef>;
export type BackupSnapshotT = z.infer<typeof BackupSnapshot>;
export type AuditPageT = z.infer<typeof AuditPage>;
export type DevicePublicKeyT = z.infer<typeof DevicePublicKey>;
export type PinRecoveryParamsT = z.infer<typeof PinRecoveryParams>;
export type PinRecoveryStartedT = z.infer<typeof PinRecoveryStarted>;
export type PinRecoveredT = z.infer<typeof PinRecovered>;
export type PinRegisterStartedT = z.infer<typeof PinRegisterStarted>;
export type PinRegisterFinishRequestT = z.infer<typeof PinRegisterFinishRequest>;
export type PinRegisteredT = z.infer<typeof PinRegistered>;
export type TotpEnrollStartedT = z.infer<typeof TotpEnrollStarted>;
export type TotpEnrollFinishRequestT = z.infer<typeof TotpEnrollFinishRequest>;
export type TotpRecoveredT = z.infer<typeof TotpRecovered>;
export type RecoveryStatusT = z.infer<typeof RecoveryStatus>;
export type RecoveryKitPutRequestT = z.infer<typeof RecoveryKitPutRequest>;
export type RecoveryKitPutT = z.infer<typeof RecoveryKitPut>;
export type RecoveryKitRecoveredT = z.infer<typeof RecoveryKitRecovered>;
export type RecordEnvelopeT = z.infer<typeof RecordEnvelope>;
export type RecordWriteRequestT = z.infer<typeof RecordWriteRequest>;
export type RecordWrittenT = z.infer<typeof RecordWritten>;
export type RecordChangesT = z.infer<typeof RecordChanges>;
export type LockEverywhereRequestT = z.infer<typeof LockEverywhereRequest>;
export type SealedApprovalT = z.infer<typeof SealedApproval>;
export type DeviceApprovalRequestedT = z.infer<typeof DeviceApprovalRequested>;
export type PendingApprovalT = z.infer<typeof PendingApproval>;
export type ApprovalPolledT = z.infer<typeof ApprovalPolled>;
export type LockEverywhereResultT = z.infer<typeof LockEverywhereResult>;
