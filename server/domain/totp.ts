import { randomBytes } from 'node:crypto';
import type { TotpEnrollFinishRequestT, TotpEnrollStartedT } from '../../protocol/api';
import { totpLogId } from '../../protocol/account-log';
import { decodeBase32 } from '../../protocol/base32';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { TOTP_ENROLL_TTL_MS } from '../../protocol/constants';
import type { TotpPolicy } from '../config';
import { KeyholdError } from '../errors';
import { appendAuditEvent } from '../store/audit';
import { consumeChallenge, peekChallenge, saveChallenge } from '../store/challenges';
import type { Store } from '../store/store';
import {
  acceptTimeStep,
  clearTotpFailures,
  ensureTotpRecoveryDecoy,
  findTotpRecovery,
  recordTotpFailure,
  replaceTotpEscrow,
  replaceTotpRecovery,
  type TotpRecoveryRow,
} from '../store/totp-recovery';
import { appendInTransaction, checkSetUpEntry, type AppendContext } from './account-log';
import { bindingRefusal } from './account-log-head';
import type { Pepper } from './pepper';
import { inSubjectTransaction, resolveRecoverySubject } from './recovery-subject';
import { matchTotpStep, newTotpSecret, totpUri } from './totp-codes';
import { inUserTransaction } from './user-transaction';

/*
 * TOTP fallback, server-escrowed (docs/architecture.md "TOTP escrow"): the client wraps S under a
 * random R; the server keeps R (and the TOTP secret) sealed under the pepper and releases R only
 * for a valid code (RFC 6238, ±window steps) of a time step never accepted before. Failures count
 * in the database: `throttleFailures` within `throttleWindowMs` throttle (429), `lockFailures` in a
 * row lock the route (423) until a passkey sign-in. Unknown usernames get decoy records.
 */

/** The contexts a TOTP secret and R are sealed with: bind each to its record's subject (pending enrolments: the user id). */
export const totpSecretContext = (subject: string) => `totp-secret:${subject}`;
export const totpEscrowKeyContext = (subject: string) => `totp-escrow-key:${subject}`;
const utf8 = { encode: (s: string) => new TextEncoder().encode(s), decode: (b: Uint8Array) => new TextDecoder().decode(b) };

/** Step 1 of enrolment: a new secret, held sealed in a pending enrolment until a code proves the app has it. */
export async function startTotpEnrollment(
  store: Store,
  pepper: Pepper,
  policy: TotpPolicy,
  who: { userId: string; username: string; issuer: string },
  now: number,
): Promise<TotpEnrollStartedT> {
  const secret = newTotpSecret();
  const enrollmentId = encodeBase64Url(randomBytes(32));
  const expiresAt = now + TOTP_ENROLL_TTL_MS;
  const data = JSON.stringify({ sealedSecret: pepper.seal(utf8.encode(secret), totpSecretContext(who.userId)) });
  await saveChallenge(store, { challenge: enrollmentId, purpose: 'totp_enroll', userId: who.userId, data, expiresAt });
  return {
    enrollmentId,
    otpauthUri: totpUri(policy, who.issuer, who.username, secret),
    secret,
    period: policy.periodSeconds,
    digits: policy.digits,
    expiresAt,
  };
}

/**
 * Step 2: a valid code completes the enrolment (a wrong one leaves it pending, so a typo does not
 * mean a new QR code); R is sealed and stored with the client's wrap, replacing any older enrolment.
 * The code's time step counts as used, so it cannot be replayed for a recovery. On an account that
 * keeps a signed log the request carries the entry naming the secret (`totp.add` of its
 * totpLogId, nothing else), appended in the same transaction: a refused entry stores nothing and
 * leaves the enrolment pending, and the server never holds an enrolment its log does not name.
 * Throws `totp_invalid`, `challenge_invalid`, `log_entry_required`, `log_entry_invalid`, `log_stale`.
 */
export async function finishTotpEnrollment(
  store: Store,
  pepper: Pepper,
  policy: TotpPolicy,
  userId: string,
  req: TotpEnrollFinishRequestT,
  ctx: AppendContext,
): Promise<{ enrolledAt: number }> {
  const { now } = ctx;
  const pending = await peekChallenge(store, req.enrollmentId, 'totp_enroll', now);
  if (!pending || pending.userId !== userId) throw new KeyholdError('challenge_invalid', 'The enrolment is unknown, finished or expired; start again.');
  const { sealedSecret } = JSON.parse(pending.data) as { sealedSecret: string };
  const secret = utf8.decode(pepper.open(sealedSecret, totpSecretContext(userId)));
  const step = await matchTotpStep(policy, secret, req.code, now);
  if (step === null) throw new KeyholdError('totp_invalid', 'That code is not right; check the authenticator app and try the current code.');
  const { logEntry } = req;
  await inUserTransaction(store, userId, async (tx) => {
    await checkSetUpEntry(tx, ctx.pepper, userId, logEntry, { op: 'totp.add', id: totpLogId(userId, decodeBase32(secret)) }, 'not_this_enrolment');
    // Single use, inside the transaction: a concurrent finish loses here, and a refused entry leaves the enrolment pending.
    await consumeChallenge(tx, req.enrollmentId, 'totp_enroll', now);
    const replaced = (await findTotpRecovery(tx, userId)) !== undefined;
    await replaceTotpRecovery(tx, {
      subject: userId,
      sealed_secret: sealedSecret,
      sealed_r: pepper.seal(decodeBase64Url(req.r), totpEscrowKeyContext(userId)),
      wrap: req.escrowedWrap,
      last_used_step: step,
      window_start: 0,
      window_failures: 0,
      consecutive_failures: 0,
      locked: 0,
      enrolled_at: now,
      updated_at: now,
    });
    await appendAuditEvent(tx, userId, 'recovery.totp.enrolled', { replaced }, now);
    if (logEntry) await appendInTransaction(tx, userId, [logEntry], ctx);
  });
  return { enrolledAt: now };
}

/**
 * Lock everywhere, in the caller's user transaction: the enrolment keeps its TOTP secret (the
 * authenticator app keeps working) but escrows the new S under a new R. False if not enrolled.
 */
export function rotateTotpEscrow(tx: Store, pepper: Pepper, userId: string, escrow: { r: string; escrowedWrap: string }, now: number): Promise<boolean> {
  const sealedR = pepper.seal(decodeBase64Url(escrow.r), totpEscrowKeyContext(userId));
  return replaceTotpEscrow(tx, userId, { sealed_r: sealedR, wrap: escrow.escrowedWrap }, now);
}

function decoyRecord(pepper: Pepper, subject: string, now: number): TotpRecoveryRow {
  return {
    subject,
    sealed_secret: pepper.seal(utf8.encode(newTotpSecret()), totpSecretContext(subject)),
    sealed_r: '',
    wrap: '',
    last_used_step: 0,
    window_start: 0,
    window_failures: 0,
    consecutive_failures: 0,
    locked: 0,
    enrolled_at: now,
    updated_at: now,
  };
}

type Outcome<T> =
  | { kind: 'success'; result: T; r: Uint8Array; wrap: string }
  | { kind: 'locked' | 'invalid' | 'replayed' }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'unbound'; refusal: KeyholdError };

/**
 * Checks the lock and the throttle, then the code, all under the subject's lock; on success moves
 * the last used step forward (compare-and-set) and runs `onSuccess` (which opens the recovery
 * session) in the same transaction. Returns R (raw: hand it to the client only) and the wrap.
 * Failures are counted and committed before they are reported.
 */
export async function recoverWithTotp<T>(
  store: Store,
  pepper: Pepper,
  policy: TotpPolicy,
  req: { username: string; code: string },
  ctx: { now: number; address: string },
  onSuccess: (tx: Store, userId: string) => Promise<T>,
): Promise<{ result: T; r: Uint8Array; wrap: string }> {
  const { now } = ctx;
  const who = await resolveRecoverySubject(store, pepper, 'totp', req.username);
  if (who.userId === null) await ensureTotpRecoveryDecoy(store, decoyRecord(pepper, who.subject, now));
  const outcome = await inSubjectTransaction(store, who, async (tx): Promise<Outcome<T>> => {
    const audit = (type: 'recovery.totp.success' | 'recovery.totp.failure' | 'recovery.totp.locked', data: Record<string, string | number>) =>
      who.userId === null ? Promise.resolve() : appendAuditEvent(tx, who.userId, type, { ...data, address: ctx.address }, now);
    const row = await findTotpRecovery(tx, who.subject);
    if (!row || row.locked === 1) {
      await audit('recovery.totp.failure', { reason: 'locked', failuresLeft: 0 });
      return { kind: 'locked' };
    }
    const windowOpen = row.window_start + policy.throttleWindowMs > now;
    if (windowOpen && row.window_failures >= policy.throttleFailures) {
      await audit('recovery.totp.failure', { reason: 'throttled', failuresLeft: policy.lockFailures - row.consecutive_failures });
      return { kind: 'throttled', retryAfterSeconds: Math.ceil((row.window_start + policy.throttleWindowMs - now) / 1000) };
    }
    const secret = utf8.decode(pepper.open(row.sealed_secret, totpSecretContext(who.subject)));
    const step = await matchTotpStep(policy, secret, req.code, now);
    const genuine = step !== null && who.userId !== null;
    if (genuine && step > row.last_used_step) {
      // A right code for a secret the account's signed log does not hold: a row someone wrote in. Audited there.
      const refusal = await bindingRefusal(tx, pepper, who.userId!, { kind: 'totp', id: totpLogId(who.userId!, decodeBase32(secret)) }, { now, address: ctx.address });
      if (refusal) return { kind: 'unbound', refusal };
    }
    if (genuine && step > row.last_used_step && (await acceptTimeStep(tx, who.subject, row.last_used_step, step, now))) {
      await audit('recovery.totp.success', {});
      const result = await onSuccess(tx, who.userId!);
      return { kind: 'success', result, r: pepper.open(row.sealed_r, totpEscrowKeyContext(who.subject)), wrap: row.wrap };
    }
    const consecutiveFailures = row.consecutive_failures + 1;
    const locked = consecutiveFailures >= policy.lockFailures;
    const windowFailures = (windowOpen ? row.window_failures : 0) + 1;
    await recordTotpFailure(tx, who.subject, { windowStart: windowOpen ? row.window_start : now, windowFailures, consecutiveFailures, locked }, now);
    const reason = genuine ? 'replayed' : 'invalid';
    await audit('recovery.totp.failure', { reason, failuresLeft: Math.max(0, policy.lockFailures - consecutiveFailures) });
    if (locked) await audit('recovery.totp.locked', { consecutiveFailures });
    return { kind: locked ? 'locked' : reason };
  });
  switch (outcome.kind) {
    case 'success':
      return outcome;
    case 'locked':
      throw new KeyholdError('totp_locked', 'TOTP recovery is locked after too many wrong codes; a passkey sign-in unlocks it.');
    case 'throttled':
      throw new KeyholdError('totp_throttled', 'Too many wrong codes; wait before trying again.', { retryAfterSeconds: outcome.retryAfterSeconds });
    case 'replayed':
      throw new KeyholdError('totp_replayed', 'That code was already used; wait for the next one.');
    case 'invalid':
      throw new KeyholdError('totp_invalid', 'That code is not right.');
    case 'unbound':
      throw outcome.refusal;
  }
}

/** After a passkey sign-in (in its transaction): clears TOTP failures and lifts a lock, on record. */
export async function releaseTotpLock(tx: Store, userId: string, now: number): Promise<void> {
  if (await clearTotpFailures(tx, userId, now)) await appendAuditEvent(tx, userId, 'recovery.totp.unlocked', { by: 'passkey' }, now);
}
