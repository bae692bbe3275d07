import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../protocol/base64url';
import { ARGON2_DEFAULT_ITERATIONS, ARGON2_DEFAULT_MEMORY_KIB, ARGON2_DEFAULT_PARALLELISM, ARGON2_SALT_BYTES } from '../../protocol/constants';
import { findUserByName } from '../store/accounts';
import { findPinRecoveryRows, type PinRecoveryRow } from '../store/pin-recovery';
import type { Store } from '../store/store';
import { decoyKeyFromSeed, decoyKeySeed } from './oprf';
import type { Pepper } from './pepper';
import { decoySubject, sharedDecoySubject, type RecoverySubject } from './recovery-subject';

/** The context k_u is sealed with: binds it to its record's subject (pending registrations: the user id). */
export const pinRecoveryKeyContext = (subject: string) => `pin-recovery-key:${subject}`;

/** Where the PIN recovery of a username stands: whose record, and the record as the protocol reads it. */
export interface PinRecoveryView {
  who: RecoverySubject;
  /** The real record; for a decoy, its name's own salt and costs with the guesses its stored counter holds. */
  row: PinRecoveryRow;
  /** Whether `row`'s counter is stored (a decoy's shared record is written by its first start). */
  stored: boolean;
}

/**
 * Finds the PIN recovery record a username names, doing the same work whatever the answer — an
 * unknown name, an account without PIN recovery, an account with it: one user lookup, one read of
 * `pin_recovery` for three subjects (the user's id, the name's own legacy decoy, its shared decoy),
 * and the decoy's derivations, used or not. Timing then does not tell whether an account exists or
 * has PIN recovery set up.
 *
 * Decoys: an unknown name must answer like a real record — the same salt every time, and guesses
 * that run out. Only the guess counter needs storing; salt, costs and OPRF key derive from the name
 * under the decoy pepper. Counters are shared by the names whose decoy digest starts with the same
 * DECOY_SHARED_CHARS characters (recovery-subject.ts), so probing any number of names stores at most 64³ decoy records
 * and no purge is ever needed (a purge would hand a probed name a fresh allowance, telling it from
 * a real account). A name probed before this scheme keeps the record it got then (`legacy`); no
 * new ones are made. What sharing costs: spending guesses on one name spends them for the few
 * names sharing its counter, which an attacker can only find by spending guesses blindly — on the
 * order of 64³ rate-limited starts to learn that one name is a decoy.
 */
export async function lookUpPinRecovery(store: Store, pepper: Pepper, username: string, ctx: { now: number; allowance: number }): Promise<PinRecoveryView> {
  const user = await findUserByName(store, username);
  const decoy = decoyView(pepper, username, ctx);
  const rows = await findPinRecoveryRows(store, [user?.id ?? '', decoy.legacy, decoy.shared]);
  const own = user ? rows.find((r) => r.subject === user.id) : undefined;
  if (own && user) return { who: { subject: user.id, userId: user.id, username }, row: own, stored: true };
  const legacy = rows.find((r) => r.subject === decoy.legacy);
  if (legacy) return { who: { subject: legacy.subject, userId: null, username }, row: legacy, stored: true };
  const shared = rows.find((r) => r.subject === decoy.shared);
  const row = { ...decoy.row, ...(shared ? { guesses_left: shared.guesses_left, version: shared.version } : {}) };
  return { who: { subject: decoy.shared, userId: null, username }, row, stored: shared !== undefined };
}

/** A name's decoy: its legacy and shared subjects, and the record it shows (no tag can match it). */
function decoyView(pepper: Pepper, username: string, ctx: { now: number; allowance: number }) {
  const legacy = decoySubject(pepper, 'pin', username);
  const shared = sharedDecoySubject(legacy);
  const row: PinRecoveryRow = {
    subject: shared,
    sealed_key: '',
    salt: encodeBase64Url(pepper.derive('decoy-recovery-salt', username).subarray(0, ARGON2_SALT_BYTES)),
    argon2_memory_kib: ARGON2_DEFAULT_MEMORY_KIB,
    argon2_iterations: ARGON2_DEFAULT_ITERATIONS,
    argon2_parallelism: ARGON2_DEFAULT_PARALLELISM,
    tag_digest: randomBytes(32).toString('hex'),
    wrap: '',
    guesses_left: ctx.allowance,
    allowance: ctx.allowance,
    version: 1,
    updated_at: ctx.now,
  };
  return { legacy, shared, row };
}

/**
 * The shared decoy record as first stored: only its counter is read. Its sealed key is 32 random
 * bytes, never used to evaluate (a decoy evaluates with its name's key, see `evaluationKey`), but
 * opened by every start like a real record's and stored so every row of the table opens and
 * re-seals alike (`npm run pepper:rotate`). Random rather than derived: a derivation here would
 * cost the first start of a bucket work on the event loop that a real record's start does not.
 */
export function sharedDecoyRecord(pepper: Pepper, view: PinRecoveryView): PinRecoveryRow {
  const unused = randomBytes(32);
  try {
    return { ...view.row, sealed_key: pepper.seal(unused, pinRecoveryKeyContext(view.who.subject)) };
  } finally {
    unused.fill(0);
  }
}

/**
 * The key this record evaluates with: the sealed k_u of a real one, or for a decoy the name's
 * derived key (oprf.ts `decoyKeyFromSeed`). The same work either way, so a real record and a
 * decoy answer in the same time: every stored record, a decoy's too, holds a sealed key, opened
 * here, and the name's decoy key is derived for a real record too. The caller zeroes the key; never log it.
 */
export function evaluationKey(pepper: Pepper, view: PinRecoveryView, stored: PinRecoveryRow): Uint8Array {
  const seed = decoyKeySeed(pepper, view.who.username);
  const decoy = decoyKeyFromSeed(seed);
  seed.fill(0);
  const real = view.who.userId !== null;
  let opened: Uint8Array | undefined;
  try {
    opened = pepper.open(stored.sealed_key, pinRecoveryKeyContext(view.who.subject));
  } catch (error) {
    // A decoy's sealed key is never used: one that does not open (a hand-made row) costs nothing.
    if (real) {
      decoy.fill(0);
      throw error;
    }
  }
  if (real) {
    decoy.fill(0);
    return opened!;
  }
  opened?.fill(0);
  return decoy;
}
