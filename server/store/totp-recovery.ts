import type { TotpRecoveryTable } from './schema';
import type { Store } from './store';

export type TotpRecoveryRow = TotpRecoveryTable;

export async function findTotpRecovery(store: Store, subject: string): Promise<TotpRecoveryRow | undefined> {
  return store.db.selectFrom('totp_recovery').selectAll().where('subject', '=', subject).executeTakeFirst();
}

/** Stores an enrolment over any older one: new secret, R and wrap, counters cleared. */
export async function replaceTotpRecovery(store: Store, row: TotpRecoveryRow): Promise<void> {
  const { subject, ...rest } = row;
  await store.db
    .insertInto('totp_recovery')
    .values(row)
    .onConflict((oc) => oc.column('subject').doUpdateSet(rest))
    .execute();
}

/**
 * Replaces the escrow (sealed R and the wrap of S) of an enrolment, keeping its TOTP secret, time
 * step and counters: the authenticator app keeps working (lock everywhere). False if not enrolled.
 */
export async function replaceTotpEscrow(store: Store, subject: string, escrow: { sealed_r: string; wrap: string }, now: number): Promise<boolean> {
  const result = await store.db.updateTable('totp_recovery').set({ ...escrow, updated_at: now }).where('subject', '=', subject).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Creates a decoy record unless one exists. */
export async function ensureTotpRecoveryDecoy(store: Store, row: TotpRecoveryRow): Promise<void> {
  await store.db.insertInto('totp_recovery').values(row).onConflict((oc) => oc.column('subject').doNothing()).execute();
}

/**
 * Accepts a code's time step with compare-and-set on the step last seen: of two requests using the
 * same code at once, exactly one moves `last_used_step` forward; the other changes nothing and
 * gets `false`. A success also clears the failure counters.
 */
export async function acceptTimeStep(store: Store, subject: string, seenStep: number, step: number, now: number): Promise<boolean> {
  const result = await store.db
    .updateTable('totp_recovery')
    .set({ last_used_step: step, window_start: 0, window_failures: 0, consecutive_failures: 0, updated_at: now })
    .where('subject', '=', subject)
    .where('last_used_step', '=', seenStep)
    .where('locked', '=', 0)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Writes the failure counters computed for one failed attempt. */
export async function recordTotpFailure(
  store: Store,
  subject: string,
  counters: { windowStart: number; windowFailures: number; consecutiveFailures: number; locked: boolean },
  now: number,
): Promise<void> {
  await store.db
    .updateTable('totp_recovery')
    .set({
      window_start: counters.windowStart,
      window_failures: counters.windowFailures,
      consecutive_failures: counters.consecutiveFailures,
      locked: counters.locked ? 1 : 0,
      updated_at: now,
    })
    .where('subject', '=', subject)
    .execute();
}

/** Clears the lock and every failure counter (a passkey sign-in proved the owner). Returns whether it was locked. */
export async function clearTotpFailures(store: Store, subject: string, now: number): Promise<boolean> {
  const row = await store.db.selectFrom('totp_recovery').select(['locked', 'window_failures', 'consecutive_failures']).where('subject', '=', subject).executeTakeFirst();
  if (!row || (row.locked === 0 && row.window_failures === 0 && row.consecutive_failures === 0)) return false;
  await store.db
    .updateTable('totp_recovery')
    .set({ locked: 0, window_start: 0, window_failures: 0, consecutive_failures: 0, updated_at: now })
    .where('subject', '=', subject)
    .execute();
  return row.locked === 1;
}

export async function deleteTotpRecovery(store: Store, subject: string): Promise<boolean> {
  const result = await store.db.deleteFrom('totp_recovery').where('subject', '=', subject).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** One page of sealed TOTP secrets and R values (R is empty for a decoy), in subject order after `afterSubject`, for re-sealing. */
export async function pageSealedTotpValues(store: Store, afterSubject: string, limit: number): Promise<Array<{ subject: string; sealed_secret: string; sealed_r: string }>> {
  return store.db
    .selectFrom('totp_recovery')
    .select(['subject', 'sealed_secret', 'sealed_r'])
    .where('subject', '>', afterSubject)
    .orderBy('subject')
    .limit(limit)
    .execute();
}

/**
 * Replaces a record's sealed secret and R with the same values sealed anew (a pepper rotation),
 * compare-and-set on both: a record enrolled again meanwhile is left as its writer made it. Touches
 * no counter or time step, so a concurrent recovery loses nothing. Returns whether it replaced.
 */
export async function swapSealedTotpValues(
  store: Store,
  subject: string,
  from: { sealed_secret: string; sealed_r: string },
  to: { sealed_secret: string; sealed_r: string },
): Promise<boolean> {
  const result = await store.db
    .updateTable('totp_recovery')
    .set(to)
    .where('subject', '=', subject)
    .where('sealed_secret', '=', from.sealed_secret)
    .where('sealed_r', '=', from.sealed_r)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
