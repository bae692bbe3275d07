import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { totpLogId } from '../../protocol/account-log';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { ARGON2_HASH_LENGTH, HKDF_INFO_PIN_RECOVERY_TAG } from '../../protocol/constants';
import { totpCodeAt } from '../../server/domain/totp-codes';
import type { LogSigner } from './account-log';
import type { ApiClient, ApiReply, TestServer } from './harness';

/**
 * The client half of the recovery protocols for API tests, without Argon2id: `input` stands for
 * the Argon2id output of a PIN (the server never sees either, so any 32 bytes do). The real client
 * is src/vault/recovery; these helpers only need to produce what it sends.
 */
const { oprf } = ristretto255_oprf;

export const ARGON2 = { memoryKiB: 65536, iterations: 3, parallelism: 1, hashLength: ARGON2_HASH_LENGTH };

/** A PIN stand-in: 32 bytes derived from a label, so tests can say "the right PIN" and "a wrong PIN". */
export const pinInput = (label: string) => new Uint8Array(hkdfSync('sha256', label, 'pin', 'test-pin-input', 32));

/** RFC 9497 §3.3.1 Blind, and later Finalize and the tag (HKDF as the client derives it). */
export function blindPin(input: Uint8Array) {
  const { blind, blinded } = oprf.blind(input);
  return {
    blindedElement: encodeBase64Url(blinded),
    tagFor(evaluatedElement: string): string {
      const output = oprf.finalize(input, blind, decodeBase64Url(evaluatedElement));
      return encodeBase64Url(new Uint8Array(hkdfSync('sha256', output, new Uint8Array(0), HKDF_INFO_PIN_RECOVERY_TAG, 32)));
    },
  };
}

/** The account log id of a PIN recovery registration: SHA-256(tag), base64url (`pin-recovery.set`). */
export const pinRecoveryLogId = (tag: string): string => encodeBase64Url(createHash('sha256').update(decodeBase64Url(tag)).digest());

/**
 * Registers PIN recovery through both steps under the client's session; throws unless both
 * succeed. On an account with a signed log pass its `signer`: the finish carries the entry naming
 * the registration, as the app sends it, and the signer moves on.
 */
export async function registerPinRecovery(client: ApiClient, input: Uint8Array, { wrap = encodeBase64Url(randomBytes(61)), signer }: { wrap?: string; signer?: LogSigner } = {}) {
  const blinded = blindPin(input);
  const start = await client.post('/api/recovery/pin/register/start', { blindedElement: blinded.blindedElement });
  if (start.status !== 200) throw new Error(`register/start ${start.status} ${JSON.stringify(start.body)}`);
  const salt = encodeBase64Url(randomBytes(16));
  const tag = blinded.tagFor(start.body.evaluatedElement);
  const logEntry = signer?.sign([{ op: 'pin-recovery.set', id: pinRecoveryLogId(tag) }]);
  const finish = await client.post('/api/recovery/pin/register/finish', { registrationId: start.body.registrationId, salt, argon2: ARGON2, tag, wrap, ...(logEntry && { logEntry }) });
  if (finish.status !== 200) throw new Error(`register/finish ${finish.status} ${JSON.stringify(finish.body)}`);
  if (logEntry) signer!.accept([logEntry]);
  return { salt, wrap, tag, version: finish.body.version as number };
}

/** Starts a recovery attempt (spending a guess) with the blinded `input`. */
export async function startPinRecovery(client: ApiClient, username: string, input: Uint8Array) {
  const blinded = blindPin(input);
  const start = await client.post('/api/recovery/pin/start', { username, blindedElement: blinded.blindedElement });
  return { start, blinded };
}

/** A whole recovery: start, then finish with the tag `input` gives. Returns both replies. */
export async function recoverPin(client: ApiClient, username: string, input: Uint8Array): Promise<{ start: ApiReply; finish: ApiReply | undefined }> {
  const { start, blinded } = await startPinRecovery(client, username, input);
  if (start.status !== 200) return { start, finish: undefined };
  const finish = await client.post('/api/recovery/pin/finish', { attemptId: start.body.attemptId, tag: blinded.tagFor(start.body.evaluatedElement) });
  return { start, finish };
}

/** The code the user's authenticator app shows now (server clock, server settings). */
export const currentCode = (server: TestServer, secret: string, offsetMs = 0) => totpCodeAt(server.config.totp, secret, server.clock.now + offsetMs);

/** Enrols TOTP under the client's session with a fresh R and wrap; returns what the test needs later. */
export async function enrollTotp(server: TestServer, client: ApiClient, { signer }: { signer?: LogSigner } = {}) {
  const start = await client.post('/api/recovery/totp/enroll/start');
  if (start.status !== 200) throw new Error(`enroll/start ${start.status} ${JSON.stringify(start.body)}`);
  const r = encodeBase64Url(randomBytes(32));
  const escrowedWrap = encodeBase64Url(randomBytes(61));
  const code = await currentCode(server, start.body.secret);
  // On an account with a signed log the finish carries the entry naming the secret, as the app sends it.
  const logEntry = signer?.sign([{ op: 'totp.add', id: totpLogId(signer.userId, decodeBase32(start.body.secret)) }]);
  const finish = await client.post('/api/recovery/totp/enroll/finish', { enrollmentId: start.body.enrollmentId, code, escrowedWrap, r, ...(logEntry && { logEntry }) });
  if (finish.status !== 200) throw new Error(`enroll/finish ${finish.status} ${JSON.stringify(finish.body)}`);
  if (logEntry) signer!.accept([logEntry]);
  return { secret: start.body.secret as string, r, escrowedWrap, usedCode: code };
}

const ALL_TABLES = ['users', 'credentials', 'devices', 'challenges', 'sessions', 'secret_blobs', 'audit_log', 'rate_limits', 'pin_recovery', 'totp_recovery', 'recovery_kits'] as const;

/** Every row of every table as one JSON text, for "this secret is nowhere in the database" checks. */
export async function dumpDatabase(server: TestServer): Promise<string> {
  const rows: unknown[] = [];
  for (const table of ALL_TABLES) rows.push(table, ...(await server.store.db.selectFrom(table).selectAll().execute()));
  return JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The spellings a leaked secret could have in the database. */
export function encodingsOf(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes);
  return [buffer.toString('hex'), buffer.toString('hex').toUpperCase(), encodeBase64Url(bytes), buffer.toString('base64')];
}

/** RFC 4648 §6 base32 (no padding), to look for a TOTP secret's raw bytes too. */
export function decodeBase32(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text.replace(/=+$/, '')) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new TypeError('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}
