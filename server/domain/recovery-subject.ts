import { encodeBase64Url } from '../../protocol/base64url';
import { findUserByName } from '../store/accounts';
import { inTransaction, lockUser, type Store } from '../store/store';
import type { Pepper } from './pepper';
import { inUserTransaction } from './user-transaction';

/**
 * Whose recovery record a username names: the user's own (`userId` set) when the account exists
 * and has the route set up, else a decoy keyed by the username (`userId` null). Decoys live in the
 * same tables and take the same path, so an answer never tells whether an account exists.
 */
export interface RecoverySubject {
  subject: string;
  userId: string | null;
  username: string;
}

export type RecoveryRoute = 'pin' | 'totp';

/**
 * The decoy key of a username for one route: a pepper digest, stable across calls and processes —
 * and across pepper rotations. `derive` uses the decoy pepper (PEPPER_DECOYS), which a rotation
 * leaves alone: were the decoy key re-derived under a new pepper, a username probed before and
 * after would land on a fresh decoy (new salt, new OPRF key, a full guess allowance) while a real
 * account's record stays as it was, telling the prober which usernames are not accounts. The
 * decoy rows themselves are re-sealed by `npm run pepper:rotate` like every other row.
 */
export function decoySubject(pepper: Pepper, route: RecoveryRoute, username: string): string {
  return `decoy:${encodeBase64Url(pepper.derive(`decoy-${route}-recovery-subject`, username))}`;
}

/**
 * How many base64url characters of a username's decoy digest name the decoy record it shares with
 * other names: 64³ = 262,144 decoy records per route at most, however many names are probed.
 */
export const DECOY_SHARED_CHARS = 3;

/**
 * The decoy record a name's decoy subject shares (see pin-recovery-lookup.ts for why decoys share
 * their counters, and what that costs). Decoys are never purged: a purge would give a probed name
 * fresh counters, which a real account does not get.
 */
export const sharedDecoySubject = (subject: string): string => subject.slice(0, 'decoy:'.length + DECOY_SHARED_CHARS);

/**
 * Whose record a username names (TOTP recovery; PIN recovery looks up with `lookUpPinRecovery`):
 * the user's own, else the name's own decoy record if one was made before decoys were shared,
 * else the decoy record it shares.
 */
export async function resolveRecoverySubject(
  store: Store,
  pepper: Pepper,
  route: RecoveryRoute,
  username: string,
): Promise<RecoverySubject> {
  const user = await findUserByName(store, username);
  const table = route === 'pin' ? 'pin_recovery' : 'totp_recovery';
  if (user) {
    const row = await store.db.selectFrom(table).select('subject').where('subject', '=', user.id).executeTakeFirst();
    if (row) return { subject: user.id, userId: user.id, username };
  }
  const own = decoySubject(pepper, route, username);
  const legacy = await store.db.selectFrom(table).select('subject').where('subject', '=', own).executeTakeFirst();
  return { subject: legacy ? own : sharedDecoySubject(own), userId: null, username };
}

/**
 * One transaction holding the subject's lock: the user's (with the existence check of every user
 * write) for a real record, the decoy key's otherwise, so decoys count as exactly as real records.
 */
export function inSubjectTransaction<T>(store: Store, who: RecoverySubject, work: (tx: Store) => Promise<T>): Promise<T> {
  if (who.userId !== null) return inUserTransaction(store, who.userId, work);
  return inTransaction(store, async (tx) => {
    await lockUser(tx, who.subject);
    return work(tx);
  });
}
