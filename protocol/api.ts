import { z } from 'zod';
import { isBase64Url } from './base64url';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, KEY_BUNDLE_MAX_CHARS, NAME_MAX_CHARS, USERNAME_PATTERN, WRAP_MAX_CHARS } from './constants';
import { ERROR_CODES } from './errors';

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

export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    currentVersion: z.number().int().optional(),
    retryAfterSeconds: z.number().int().optional(),
  }),
});

// ——— WebAuthn ———
// The PRF output must never reach the server (DESIGN: recovery routes): `prf` accepts only
// `enabled`, so a response still carrying `prf.results` is refused instead of being processed.
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
export const SignInVerifyRequest = z.object({ response: AuthenticationResponse });
export const AddPasskeyVerifyRequest = z.object({ response: RegistrationResponse, passkeyName: DisplayName.optional() });

export const SessionInfo = z.object({
  userId: z.string(),
  username: z.string(),
  scope: z.enum(['passkey', 'device']),
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
});

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
export const DeviceSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
  current: z.boolean(),
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
export const AuditEvent = z.object({ seq: z.number().int(), at: z.number().int(), type: z.string(), data: z.record(z.string(), z.unknown()), hash: z.string() });
export const AuditPage = z.object({ events: z.array(AuditEvent), nextBefore: z.number().int().nullable() });

export const Health = z.object({ status: z.enum(['ok', 'degraded']), version: z.string(), database: z.enum(['ok', 'unreachable']), dialect: z.enum(['sqlite', 'postgres']) });
export const Ok = z.object({ ok: z.literal(true) });

export type ApiErrorBody = z.infer<typeof ErrorResponse>;
export type SessionInfoT = z.infer<typeof SessionInfo>;
export type PasskeySummaryT = z.infer<typeof PasskeySummary>;
export type DeviceSummaryT = z.infer<typeof DeviceSummary>;
export type BackupSnapshotT = z.infer<typeof BackupSnapshot>;
export type AuditPageT = z.infer<typeof AuditPage>;
export type DevicePublicKeyT = z.infer<typeof DevicePublicKey>;
