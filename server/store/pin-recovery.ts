import { sql } from 'kysely';
import type { PinRecoveryTable } from './schema';
import { singleWrite, type Store } from './store';

export type PinRecoveryRow = PinRecoveryTable;

export async function findPinRecovery(store: Store, subject: string): Promise<PinRecoveryRow | undefined> {
  return store.db.selectFrom('pin_recovery').selectAll().where('subject', '=', subject).executeTakeFirst();
}

/** The records of any of `subjects` (one statement whatever they are: the lookup of every username does the same work). */
export async function findPinRecoveryRows(store: Store, subjects: readonly string[]): Promise<PinRecoveryRow[]> {
  return store.db.selectFrom('pin_recovery').selectAll().where('subject', 'in', subjects).execute();
}

/**
 * Stores a new registration over any older one: fresh key, tag, wrap and a full allowance, and
 * the next version, so attempts started against the old record are void. Returns the version.
 */
export async function replacePinRecovery(store: Store, row: Omit<PinRecoveryRow, 'version'>): Promise<number> {
  const stored = await store.db
    .insertInto('pin_recovery')
    .values({ ...row, version: 1 })
    .onConflict((oc) =>
      oc.column('subject').doUpdateSet({
        sealed_key: row.sealed_key,
        salt: row.salt,
        argon2_memory_kib: row.argon2_memory_kib,
        argon2_iterations: row.argon2_iterations,
        argon2_parallelism: row.argon2_parallelism,
        tag_digest: row.tag_digest,
        wrap: row.wrap,
        guesses_left: row.guesses_left,
        allowance: row.allowance,
        version: sql<number>`pin_recovery.version + 1`,
        updated_at: row.updated_at,
      }),
    )
    .returning('version')
    .executeTakeFirstOrThrow();
  return Number(stored.version);
}

/** Creates a decoy record unless one exists (concurrent callers: one insert wins, the rest do nothing). */
export async function ensurePinRecoveryDecoy(store: Store, row: PinRecoveryRow): Promise<void> {
  await singleWrite(store, (tx) => tx.db.insertInto('pin_recovery').values(row).onConflict((oc) => oc.column('subject').doNothing()).execute());
}

/**
 * Spends one guess: a single conditional UPDATE … RETURNING, so however many requests or server
 * processes race, no more guesses are spent than the allowance holds. Returns the record as it is
 * after the spend, or `undefined` when none was left (or there is no record).
 */
export async function spendGuess(store: Store, subject: string, now: number): Promise<PinRecoveryRow | undefined> {
  return store.db
    .updateTable('pin_recovery')
    .set({ guesses_left: sql<number>`guesses_left - 1`, updated_at: now })
    .where('subject', '=', subject)
    .where('guesses_left', '>', 0)
    .returningAll()
    .executeTakeFirst();
}

/** Restores the full allowance after a match, unless the record was re-registered meanwhile. */
export async function restoreAllowance(store: Store, subject: string, version: number, now: number): Promise<void> {
  await store.db
    .updateTable('pin_recovery')
    .set({ guesses_left: sql<number>`allowance`, updated_at: now })
    .where('subject', '=', subject)
    .where('version', '=', version)
    .execute();
}

export async function deletePinRecovery(store: Store, subject: string): Promise<boolean> {
  const result = await store.db.deleteFrom('pin_recovery').where('subject', '=', subject).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** One page of sealed k_u values (real and decoy records), in subject order after `afterSubject`, for re-sealing. */
export async function pageSealedPinKeys(store: Store, afterSubject: string, limit: number): Promise<Array<{ subject: string; sealed_key: string }>> {
  return store.db.selectFrom('pin_recovery').select(['subject', 'sealed_key']).where('subject', '>', afterSubject).orderBy('subject').limit(limit).execute();
}

/**
 * Replaces a sealed k_u with the same key sealed anew (a pepper rotation), compare-and-set on the
 * sealed value: a record re-registered meanwhile is left as its writer made it. Touches no
 * counter, so a guess spent at the same moment is not lost. Returns whether it replaced.
 */
export async function swapSealedPinKey(store: Store, subject: string, from: string, to: string): Promise<boolean> {
  const result = await store.db.updateTable('pin_recovery').set({ sealed_key: to }).where('subject', '=', subject).where('sealed_key', '=', from).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
