import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PinRecoveryParamsT, PinRecoveryStartedT, PinRegisterFinishRequestT, PinRegisteredT, PinRegisterStartedT } from '../../protocol/api';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { ARGON2_HASH_LENGTH, AUDIT_REPEAT_WINDOW_MS, CHALLENGE_TTL_MS } from '../../protocol/constants';
import { KeyholdError } from '../errors';
import { appendAuditEvent, appendRepeatableAuditEvent } from '../store/audit';
import { consumeChallenge, saveChallenge } from '../store/challenges';
import { ensurePinRecoveryDecoy, findPinRecovery, replacePinRecovery, restoreAllowance, spendGuess, type PinRecoveryRow } from '../store/pin-recovery';
import { evaluationKey, lookUpPinRecovery, pinRecoveryKeyContext, sharedDecoyRecord } from './pin-recovery-lookup';
import type { Store } from '../store/store';
import { appendInTransaction, checkSetUpEntry, type AppendContext } from './account-log';
import { bindingRefusal } from './account-log-head';
import { newOprfKey, parseBlindedElement } from './oprf';
import type { OprfEvaluator } from './oprf-pool';
import type { Pepper } from './pepper';
import { inSubjectTransaction, type RecoverySubject } from './recovery-subject';
import { inUserTransaction } from './user-transaction';

/*
 * PIN recovery, guess-limited, in the Juicebox / Signal SVR style with one server (docs/architecture.md
 * "PIN recovery (OPRF, RFC 9497)").
 * OPRF = RFC 9497 OPRF(ristretto255, SHA-512) in base mode; the steps are §3.3.1's.
 *
 * Registration (passkey, device or recovery session), after onboarding and after every PIN change:
 *   client  salt ← 16 random bytes; x = Argon2id(PIN, salt) at or above the client's floor
 *           (blind, B) = Blind(x)
 *   start   → { blindedElement: B }
 *   server  k ← GenerateKeyPair(), a fresh k_u kept sealed in a pending registration (the active
 *           record is untouched until finish); Z = BlindEvaluate(k, B)
 *           ← { registrationId, evaluatedElement: Z }
 *   client  y = Finalize(x, blind, Z); KEK = HKDF(y, kek-pin-recovery); tag = HKDF(y, pin-recovery-tag)
 *           wrap = AES-GCM(KEK, S, AAD = userId, 'root-secret-pin-recovery', salt)
 *   finish  → { registrationId, salt, argon2, tag, wrap, logEntry }   (logEntry: on a logged account,
 *           its pin-recovery.set of SHA-256(tag), signed on the log's head)
 *   server  record = seal(k), salt, argon2, SHA-256(tag), wrap, guesses = allowance, version + 1,
 *           and the entry appended, in one transaction
 *
 * Recovery (no session):
 *   params  → { username }  ← { salt, argon2, guessesLeft }: nothing spent; 423 once none is left
 *   client  refuses costs below its floor (downgrade); x = Argon2id(PIN, salt); (blind, B) = Blind(x)
 *   start   → { username, blindedElement: B }
 *   server  spends one guess (one conditional UPDATE … RETURNING), stores a single-use attempt
 *           bound to the record's version, commits, and only then Z = BlindEvaluate(k, B) (in the
 *           OPRF pool, off the event loop: oprf-pool.ts)
 *           ← { attemptId, evaluatedElement: Z, guessesLeft } or 423 pin_recovery_locked
 *   client  y = Finalize(x, blind, Z); KEK and tag as above
 *   finish  → { attemptId, tag }
 *   server  takes the attempt (DELETE … RETURNING: once) and compares SHA-256(tag) in constant time;
 *           match: allowance restored, ← wrap, salt, key bundle and a recovery session;
 *           mismatch: 401 pin_recovery_failed { guessesLeft } (423 after the last guess)
 *
 * An evaluation is only ever released after its guess is spent, and an attempt allows one
 * comparison: at most `allowance` PIN candidates can be tested, online. An abandoned start keeps
 * its guess spent. An unknown username is answered from a decoy record (pin-recovery-lookup.ts).
 */

export { pinRecoveryKeyContext };
const newTicket = () => encodeBase64Url(randomBytes(32));
const digestOfTag = (tag: Uint8Array) => createHash('sha256').update(tag).digest();

/** Step 1 of registration: a fresh k_u, kept sealed with a pending registration, evaluates B. */
export async function startPinRegistration(store: Store, pepper: Pepper, oprf: OprfEvaluator, userId: string, blindedElement: string, now: number): Promise<PinRegisterStartedT> {
  const blinded = await parseBlindedElement(blindedElement);
  const key = newOprfKey();
  const registrationId = newTicket();
  const expiresAt = now + CHALLENGE_TTL_MS;
  const data = JSON.stringify({ sealedKey: pepper.seal(key, pinRecoveryKeyContext(userId)) });
  await saveChallenge(store, { challenge: registrationId, purpose: 'pin_register', userId, data, expiresAt });
  return { registrationId, evaluatedElement: await evaluateWith(oprf, key, blinded), expiresAt };
}

/** Evaluates B with k (k_u or a decoy key) and zeroes k, whatever happens. */
async function evaluateWith(oprf: OprfEvaluator, key: Uint8Array, blinded: Uint8Array): Promise<string> {
  try {
    return await oprf.blindEvaluate(key, blinded);
  } finally {
    key.fill(0);
  }
}

/** Takes a pending registration of `userId` (single use) and returns its sealed k_u. Throws `challenge_invalid`, `challenge_expired`. */
export async function takePinRegistration(store: Store, registrationId: string, userId: string, now: number): Promise<string> {
  const issued = await consumeChallenge(store, registrationId, 'pin_register', now);
  if (issued.userId !== userId) throw new KeyholdError('challenge_invalid', 'The registration belongs to another account.');
  return (JSON.parse(issued.data) as { sealedKey: string }).sealedKey;
}

/**
 * Step 2's write, in the caller's user transaction: the pending k_u becomes the record with the
 * client's tag and wrap, and a full allowance (lock everywhere commits it with the rest).
 */
export async function storePinRegistration(
  tx: Store,
  userId: string,
  req: PinRegisterFinishRequestT,
  sealedKey: string,
  ctx: { now: number; allowance: number },
): Promise<PinRegisteredT> {
  const version = await replacePinRecovery(tx, {
    subject: userId,
    sealed_key: sealedKey,
    salt: req.salt,
    argon2_memory_kib: req.argon2.memoryKiB,
    argon2_iterations: req.argon2.iterations,
    argon2_parallelism: req.argon2.parallelism,
    tag_digest: digestOfTag(decodeBase64Url(req.tag)).toString('hex'),
    wrap: req.wrap,
    guesses_left: ctx.allowance,
    allowance: ctx.allowance,
    updated_at: ctx.now,
  });
  await appendAuditEvent(tx, userId, 'recovery.pin.registered', { version, allowance: ctx.allowance }, ctx.now);
  return { version, guessesLeft: ctx.allowance };
}

/**
 * Step 2: the pending k_u becomes the record with the client's tag and wrap, and a full allowance.
 * On an account that keeps a signed log the request carries the entry naming the registration
 * (`pin-recovery.set` of SHA-256(tag), nothing else), appended in the same transaction: the server
 * never holds a registration its log does not name, which it would refuse (`credential_unbound`)
 * while saying PIN recovery is on. Throws `log_entry_required`, `log_entry_invalid`, `log_stale`
 * (the registration stays pending), `challenge_invalid`, `challenge_expired`.
 */
export async function finishPinRegistration(
  store: Store,
  userId: string,
  req: PinRegisterFinishRequestT,
  ctx: { now: number; allowance: number } & AppendContext,
): Promise<PinRegisteredT> {
  return inUserTransaction(store, userId, async (tx) => {
    const { logEntry } = req;
    await checkSetUpEntry(tx, ctx.pepper, userId, logEntry, { op: 'pin-recovery.set', id: encodeBase64Url(digestOfTag(decodeBase64Url(req.tag))) }, 'not_this_registration');
    // Taken inside the transaction: a refused entry (log_stale after another device appended) leaves the registration pending, to finish with an entry signed on the new head.
    const sealedKey = await takePinRegistration(tx, req.registrationId, userId, ctx.now);
    const registered = await storePinRegistration(tx, userId, req, sealedKey, ctx);
    if (logEntry) await appendInTransaction(tx, userId, [logEntry], ctx);
    return registered;
  });
}

const argon2Of = (row: PinRecoveryRow) => ({
  memoryKiB: row.argon2_memory_kib,
  iterations: row.argon2_iterations,
  parallelism: row.argon2_parallelism,
  hashLength: ARGON2_HASH_LENGTH as typeof ARGON2_HASH_LENGTH,
});

const locked = () => new KeyholdError('pin_recovery_locked', 'PIN recovery is locked: recover another way, then set a new PIN.', { guessesLeft: 0 });

/** What the client needs before its Argon2id run: salt, costs and the guesses left. Spends nothing. */
export async function pinRecoveryParams(store: Store, pepper: Pepper, username: string, ctx: { now: number; allowance: number }): Promise<PinRecoveryParamsT> {
  const { row } = await lookUpPinRecovery(store, pepper, username, ctx);
  if (row.guesses_left <= 0) throw locked();
  return { salt: row.salt, argon2: argon2Of(row), guessesLeft: row.guesses_left };
}

/**
 * Spends one guess and issues the single-use attempt for the tag; once that has committed,
 * evaluates B with k_u. Evaluating after the commit keeps the transaction (on SQLite, the whole
 * commit group) from waiting on the pool, and releases no evaluation whose guess is not durably spent.
 */
export async function startPinRecovery(
  store: Store,
  pepper: Pepper,
  oprf: OprfEvaluator,
  req: { username: string; blindedElement: string },
  ctx: { now: number; address: string; allowance: number },
): Promise<PinRecoveryStartedT> {
  const blinded = await parseBlindedElement(req.blindedElement);
  const view = await lookUpPinRecovery(store, pepper, req.username, ctx);
  const { who } = view;
  if (!view.stored) await ensurePinRecoveryDecoy(store, sharedDecoyRecord(pepper, view));
  const started = await inSubjectTransaction(store, who, async (tx) => {
    const audit = (type: 'recovery.pin.started' | 'recovery.pin.failure' | 'recovery.pin.locked', data: Record<string, string | number>) =>
      who.userId === null ? Promise.resolve() : appendAuditEvent(tx, who.userId, type, { ...data, address: ctx.address }, ctx.now);
    const row = await spendGuess(tx, who.subject, ctx.now);
    if (!row) {
      // Anyone can repeat this against a locked account: counted, one audit entry per window.
      if (who.userId !== null) {
        await appendRepeatableAuditEvent(tx, who.userId, 'recovery.pin.refused-locked', 'recovery.pin.failure', { reason: 'locked', guessesLeft: 0, address: ctx.address }, ctx.now, AUDIT_REPEAT_WINDOW_MS);
      }
      return null;
    }
    const attemptId = newTicket();
    const expiresAt = ctx.now + CHALLENGE_TTL_MS;
    const data = JSON.stringify({ subject: who.subject, version: row.version });
    await saveChallenge(tx, { challenge: attemptId, purpose: 'pin_recover', userId: who.userId, data, expiresAt });
    await audit('recovery.pin.started', { guessesLeft: row.guesses_left });
    if (row.guesses_left === 0) await audit('recovery.pin.locked', { allowance: row.allowance });
    return { attemptId, guessesLeft: row.guesses_left, expiresAt, row };
  });
  if (!started) throw locked();
  const { row, ...attempt } = started;
  return { ...attempt, evaluatedElement: await evaluateWith(oprf, evaluationKey(pepper, view, row), blinded) };
}

/**
 * Takes the attempt and compares the tag. On a match restores the allowance and runs `onMatch` in
 * the same transaction (it opens the recovery session); returns its result with the record.
 * Failures are committed before they are reported.
 */
export async function finishPinRecovery<T>(
  store: Store,
  req: { attemptId: string; tag: string },
  ctx: { now: number; address: string; pepper: Pepper },
  onMatch: (tx: Store, userId: string, record: PinRecoveryRow) => Promise<T>,
): Promise<{ result: T; record: PinRecoveryRow }> {
  const issued = await consumeChallenge(store, req.attemptId, 'pin_recover', ctx.now);
  const { subject, version } = JSON.parse(issued.data) as { subject: string; version: number };
  const who: RecoverySubject = { subject, userId: issued.userId, username: '' };
  const outcome = await inSubjectTransaction(store, who, async (tx) => {
    const row = await findPinRecovery(tx, subject);
    if (!row || row.version !== version) return { kind: 'stale' as const };
    const matched = timingSafeEqual(digestOfTag(decodeBase64Url(req.tag)), Buffer.from(row.tag_digest, 'hex'));
    if (matched && who.userId !== null) {
      // The right PIN for a registration the account's signed log does not hold: a row someone wrote
      // in. Audited there; the guess stays spent.
      const refusal = await bindingRefusal(tx, ctx.pepper, who.userId, { kind: 'pin-recovery', digest: encodeBase64Url(Buffer.from(row.tag_digest, 'hex')) }, ctx);
      if (refusal) return { kind: 'unbound' as const, refusal };
      await restoreAllowance(tx, subject, version, ctx.now);
      await appendAuditEvent(tx, who.userId, 'recovery.pin.success', { guessesLeft: row.allowance, address: ctx.address }, ctx.now);
      const result = await onMatch(tx, who.userId, row);
      return { kind: 'match' as const, result, record: { ...row, guesses_left: row.allowance } };
    }
    if (who.userId !== null) {
      await appendAuditEvent(tx, who.userId, 'recovery.pin.failure', { reason: 'mismatch', guessesLeft: row.guesses_left, address: ctx.address }, ctx.now);
    }
    return { kind: 'mismatch' as const, guessesLeft: row.guesses_left };
  });
  if (outcome.kind === 'match') return { result: outcome.result, record: outcome.record };
  if (outcome.kind === 'unbound') throw outcome.refusal;
  if (outcome.kind === 'stale') throw new KeyholdError('challenge_invalid', 'PIN recovery was set up again since this attempt started; start again.');
  if (outcome.guessesLeft === 0) throw locked();
  throw new KeyholdError('pin_recovery_failed', 'That PIN is not the one PIN recovery was set up with.', { guessesLeft: outcome.guessesLeft });
}
