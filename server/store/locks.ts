import { createHash } from 'node:crypto';
import { LOCK_SLOTS } from './migrations/008_lock_slots';
import { everyColumn, preparedQuery } from './prepared';
import type { UsersTable } from './schema';
import type { Store } from './store';

/*
 * Per-subject locks on PostgreSQL as row locks, which every PostgreSQL-compatible engine has
 * (advisory locks are PostgreSQL's own: CockroachDB, for one, has none).
 *
 * An account is locked by its `users` row. `FOR NO KEY UPDATE` rather than `FOR UPDATE`: it
 * excludes every other locker of the row, but not the `FOR KEY SHARE` lock a foreign-key check
 * takes, so inserting a session or a challenge that references the account never waits for a
 * transaction holding its lock (nothing updates `users`, so no real update is kept out either).
 *
 * A subject with no `users` row — a decoy (`decoy:…`, an unknown username answered like a real
 * one) or an erased account whose tombstone chain is purged or verified — locks one of the fixed
 * `lock_slots` rows (migration 008) chosen by a digest of the subject: the table never grows with
 * probed names, and two decoys sharing a slot only wait for each other. An account row only
 * exists once its creating transaction commits, and nothing can name the new id before then; an
 * erasure deletes the row while holding its lock, and a transaction that was waiting for that lock
 * then finds no row (PostgreSQL re-reads it), so it takes the slot or, in a user transaction,
 * refuses with `unauthenticated`: nothing is written after the tombstone.
 */

// The whole row, which nothing updates: the transaction can answer later reads of it from here (store.ts `lockedUsers`).
const selectAccountForLock = preparedQuery((db, a: { id: string }) =>
  db.selectFrom('users').select(everyColumn<UsersTable>({ id: true, username: true, created_at: true })).where('id', '=', a.id).forNoKeyUpdate());
const selectSlotForLock = preparedQuery((db, a: { slot: number }) => db.selectFrom('lock_slots').select('slot').where('slot', '=', a.slot).forNoKeyUpdate());

const DECOY_PREFIX = 'decoy:';

/** The `lock_slots` row a subject without an account row locks: a digest, so slots fill evenly. */
export function lockSlotOf(subject: string): number {
  return createHash('sha256').update(subject).digest().readUInt32BE(0) % LOCK_SLOTS;
}

/** Locks the account's row and returns it; undefined (and nothing locked) when the account does not exist. */
export async function lockAccountRow(tx: Store, userId: string): Promise<UsersTable | undefined> {
  const [row] = await selectAccountForLock(tx, { id: userId });
  return row;
}

/** Locks the subject's account row, or its slot when it has none; returns the account row it locked, if any. */
export async function lockSubjectRow(tx: Store, subject: string): Promise<UsersTable | undefined> {
  const row = subject.startsWith(DECOY_PREFIX) ? undefined : await lockAccountRow(tx, subject);
  if (!row) await selectSlotForLock(tx, { slot: lockSlotOf(subject) });
  return row;
}
