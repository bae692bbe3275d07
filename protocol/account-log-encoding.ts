import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64Url, encodeBase64Url } from './base64url';
import {
  APP_ID_PATTERN,
  ACCOUNT_LOG_COSE_KEY_MAX_BYTES,
  ACCOUNT_LOG_CREDENTIAL_ID_MAX_CHARS,
  ACCOUNT_LOG_HASH_CONTEXT,
  ACCOUNT_LOG_MAX_CHANGES,
  ACCOUNT_LOG_SIGNING_CONTEXT,
  ACCOUNT_LOG_TOTP_ID_CONTEXT,
} from './constants';

/**
 * The signed account log's wire format (re-exported by protocol/account-log.ts, which callers import):
 * the entry types, the exact bytes signed and hashed, and the shape checks.
 *
 * The signed account log (docs/architecture.md "Signed account log"): every change of who may act
 * for an account is an entry signed by the account's Ed25519 identity key (RFC 8032) and chained to
 * the one before by its hash. Shared by the key server (which verifies before storing and seals the
 * verified state) and the vault (which verifies again and warns). Pure and synchronous.
 *
 * Signatures are made with WebCrypto on the client and verified here with noble in strict RFC 8032
 * mode (`zip215: false`: canonical encodings, s < L), so both sides accept exactly the same ones.
 */

export type LogChange =
  /** Ed25519 public key, 32 bytes, base64url: the genesis's first change, later a rotation. */
  | { op: 'identity'; key: string }
  /** WebAuthn credential id (base64url) and its COSE public key bytes (base64url), as `credentials.public_key` stores them. */
  | { op: 'passkey.add'; id: string; key: string }
  | { op: 'passkey.remove'; id: string }
  /** A device signing key as the raw uncompressed P-256 point 0x04‖x‖y (65 bytes, base64url) and the app it belongs to. */
  | { op: 'device.add'; key: string; app: string }
  | { op: 'device.remove'; key: string }
  /** `totpLogId(userId, secret)`: replaces any earlier TOTP. */
  | { op: 'totp.add'; id: string }
  | { op: 'totp.remove' }
  /** SHA-256(kitAuth), base64url (the digest the server stores): replaces any earlier kit. */
  | { op: 'kit.set'; id: string }
  | { op: 'kit.remove' }
  /** SHA-256(tag), base64url (the digest the server stores at registration finish). */
  | { op: 'pin-recovery.set'; id: string }
  | { op: 'pin-recovery.remove' };

export type LogOp = LogChange['op'];

export interface LogEntry {
  /** 1 for the genesis, then +1. */
  seq: number;
  /** base64url hash of entry seq − 1; the genesis has LOG_GENESIS_PREV. */
  prev: string;
  /** The signer's clock, ms: informational, shown to users, never trusted for ordering. */
  at: number;
  /** 1..ACCOUNT_LOG_MAX_CHANGES changes, applied in order. */
  changes: LogChange[];
  /** Ed25519 signature (64 bytes) by the identity key in force before this entry; the genesis's by the key it introduces. */
  sig: string;
  /** Present iff a non-genesis entry rotates the identity key: the new key's signature over the same bytes. */
  newKeySig?: string;
}
export type UnsignedLogEntry = Omit<LogEntry, 'sig' | 'newKeySig'>;

export type AccountLogErrorReason =
  | 'bad_seq'
  | 'bad_link'
  | 'bad_signature'
  | 'bad_new_key_signature'
  | 'bad_genesis'
  | 'bad_change'
  | 'duplicate'
  | 'not_active'
  | 'too_many'
  | 'malformed';

/** Why a log (or a sealed state) was refused; `index` is the entry's position in the batch, when one entry is to blame. */
export class AccountLogError extends Error {
  override readonly name = 'AccountLogError';
  constructor(
    readonly reason: AccountLogErrorReason,
    message: string,
    readonly index?: number,
  ) {
    super(message);
  }
}

/** 32 zero bytes, base64url: the `prev` of the genesis and the head of an empty log. */
export const LOG_GENESIS_PREV: string = encodeBase64Url(new Uint8Array(32));

const utf8 = new TextEncoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** lp(x) = u32be(len(x)) ‖ x: every variable-length field is length-prefixed, so no two encodings collide. */
function lp(bytes: Uint8Array | string): Uint8Array {
  const raw = typeof bytes === 'string' ? utf8.encode(bytes) : bytes;
  return concat([u32be(raw.length), raw]);
}

const EMPTY = new Uint8Array(0);

function changeFields(change: LogChange): { id: string; key: Uint8Array; app: string } {
  const c = change as { id?: string; key?: string; app?: string };
  return { id: c.id ?? '', key: c.key === undefined ? EMPTY : decodeBase64Url(c.key), app: c.app ?? '' };
}

/**
 * The bytes an entry's signatures cover:
 * lp("keyhold/account-log/v1") ‖ lp(utf8 userId) ‖ u64be(seq) ‖ prev (32 bytes) ‖ u64be(at) ‖ u32be(n) ‖
 * n × (lp(op) ‖ lp(utf8 id or empty) ‖ lp(key bytes or empty) ‖ lp(utf8 app or empty)).
 * The user id is inside, so an entry signed for one account means nothing for another.
 */
export function logEntrySigningBytes(userId: string, entry: UnsignedLogEntry): Uint8Array {
  const parts: Uint8Array[] = [lp(ACCOUNT_LOG_SIGNING_CONTEXT), lp(userId), u64be(entry.seq), decodeBase64Url(entry.prev), u64be(entry.at), u32be(entry.changes.length)];
  for (const change of entry.changes) {
    const { id, key, app } = changeFields(change);
    parts.push(lp(change.op), lp(id), lp(key), lp(app));
  }
  return concat(parts);
}

/** SHA-256(lp("keyhold/account-log-hash/v1") ‖ signingBytes ‖ lp(sig) ‖ lp(newKeySig or empty)), base64url: the next entry's `prev`. */
export function logEntryHash(userId: string, entry: LogEntry): string {
  const newKeySig = entry.newKeySig === undefined ? EMPTY : decodeBase64Url(entry.newKeySig);
  return encodeBase64Url(sha256(concat([lp(ACCOUNT_LOG_HASH_CONTEXT), logEntrySigningBytes(userId, entry), lp(decodeBase64Url(entry.sig)), lp(newKeySig)])));
}

/** Strict RFC 8032 verification (no ZIP-215 leniency); false on any malformed input. */
export function verifyLogSignature(signature: string, message: Uint8Array, publicKey: string): boolean {
  try {
    return ed25519.verify(decodeBase64Url(signature), message, decodeBase64Url(publicKey), { zip215: false });
  } catch {
    return false;
  }
}

/**
 * The TOTP secret's identifier in the log: base64url SHA-256(lp("keyhold/totp-id/v1") ‖ lp(userId) ‖ secret).
 * Salted by the user id so the same secret in two accounts gives two ids; it reveals nothing a
 * 160-bit secret's hash would not. Must never be logged together with the secret.
 */
export function totpLogId(userId: string, secret: Uint8Array): string {
  return encodeBase64Url(sha256(concat([lp(ACCOUNT_LOG_TOTP_ID_CONTEXT), lp(userId), secret])));
}

/** The first 8 bytes of SHA-256(key bytes) as lower hex in four groups: "1a2b 3c4d 5e6f 7081". What both devices show for a key. */
export function logKeyFingerprint(keyB64url: string): string {
  const hex = Array.from(sha256(decodeBase64Url(keyB64url)).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{4}/g)!.join(' ');
}

/** A device's P-256 JWK as the log names it: the uncompressed point 0x04‖x‖y, base64url. Throws `malformed` unless x and y are 32 bytes each. */
export function deviceKeyToLogKey(jwk: { x: string; y: string }): string {
  let x: Uint8Array;
  let y: Uint8Array;
  try {
    x = decodeBase64Url(jwk.x);
    y = decodeBase64Url(jwk.y);
  } catch {
    throw new AccountLogError('malformed', 'device key coordinates are not base64url');
  }
  if (x.length !== 32 || y.length !== 32) throw new AccountLogError('malformed', 'device key coordinates must be 32 bytes each');
  return encodeBase64Url(concat([Uint8Array.of(4), x, y]));
}

// ——— Shape checks: an entry is refused as `malformed` before anything is verified ———

/** base64url in its one canonical spelling (unused trailing bits zero), so no two strings name the same bytes. */
export function isCanonicalBase64Url(value: unknown, minBytes: number, maxBytes: number): value is string {
  if (typeof value !== 'string') return false;
  try {
    const bytes = decodeBase64Url(value);
    return bytes.length >= minBytes && bytes.length <= maxBytes && encodeBase64Url(bytes) === value;
  } catch {
    return false;
  }
}

const APP_ID = APP_ID_PATTERN;
const isDigest = (v: unknown) => isCanonicalBase64Url(v, 32, 32);
const isDeviceKey = (v: unknown) => isCanonicalBase64Url(v, 65, 65) && decodeBase64Url(v)[0] === 4;
const isCredentialId = (v: unknown) => typeof v === 'string' && v.length <= ACCOUNT_LOG_CREDENTIAL_ID_MAX_CHARS && isCanonicalBase64Url(v, 1, ACCOUNT_LOG_CREDENTIAL_ID_MAX_CHARS);

/** Each op's fields and their checks: a change with a missing, extra or ill-formed field is malformed. */
const CHANGE_FIELDS: Record<LogOp, Record<string, (v: unknown) => boolean>> = {
  identity: { key: (v) => isCanonicalBase64Url(v, 32, 32) },
  'passkey.add': { id: isCredentialId, key: (v) => isCanonicalBase64Url(v, 1, ACCOUNT_LOG_COSE_KEY_MAX_BYTES) },
  'passkey.remove': { id: isCredentialId },
  'device.add': { key: isDeviceKey, app: (v) => typeof v === 'string' && APP_ID.test(v) },
  'device.remove': { key: isDeviceKey },
  'totp.add': { id: isDigest },
  'totp.remove': {},
  'kit.set': { id: isDigest },
  'kit.remove': {},
  'pin-recovery.set': { id: isDigest },
  'pin-recovery.remove': {},
};

export const LOG_OPS = Object.keys(CHANGE_FIELDS) as LogOp[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWellFormedChange(value: unknown): value is LogChange {
  if (!isPlainObject(value) || typeof value.op !== 'string' || !Object.hasOwn(CHANGE_FIELDS, value.op)) return false;
  const fields = CHANGE_FIELDS[value.op as LogOp];
  const keys = Object.keys(value).filter((k) => k !== 'op');
  return keys.length === Object.keys(fields).length && keys.every((k) => Object.hasOwn(fields, k) && fields[k]!(value[k]));
}

const ENTRY_KEYS = new Set(['seq', 'prev', 'at', 'changes', 'sig', 'newKeySig']);

/** Throws `malformed` (or `too_many`) unless `value` has exactly the shape of a LogEntry. */
export function assertWellFormedLogEntry(value: unknown, index?: number): asserts value is LogEntry {
  const bad = (what: string) => new AccountLogError('malformed', `entry ${what}`, index);
  if (!isPlainObject(value) || !Object.keys(value).every((k) => ENTRY_KEYS.has(k))) throw bad('has unknown fields');
  if (!Number.isSafeInteger(value.seq) || (value.seq as number) < 1) throw bad('seq must be a positive integer');
  if (!isDigest(value.prev)) throw bad('prev must be 32 bytes');
  if (!Number.isSafeInteger(value.at) || (value.at as number) < 0) throw bad('at must be a non-negative integer');
  if (!isCanonicalBase64Url(value.sig, 64, 64)) throw bad('sig must be 64 bytes');
  if (value.newKeySig !== undefined && !isCanonicalBase64Url(value.newKeySig, 64, 64)) throw bad('newKeySig must be 64 bytes');
  if (!Array.isArray(value.changes) || value.changes.length === 0) throw bad('needs at least one change');
  if (value.changes.length > ACCOUNT_LOG_MAX_CHANGES) throw new AccountLogError('too_many', `an entry carries at most ${ACCOUNT_LOG_MAX_CHANGES} changes`, index);
  if (!value.changes.every(isWellFormedChange)) throw bad('has an ill-formed change');
}
