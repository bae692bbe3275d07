import { sql } from 'kysely';
import type { Store } from './store';

/**
 * Counts one hit against `key` in the fixed window containing `now` and returns the count so far.
 * One atomic upsert, so the limit holds across any number of server processes sharing the database.
 */
export async function countHit(store: Store, key: string, windowMs: number, now = Date.now()): Promise<number> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const row = await store.db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
        window_start: windowStart,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return row.count;
}

/** Drops counters whose window ended before `before`. */
export async function purgeRateLimits(store: Store, before: number): Promise<void> {
  await store.db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
}
