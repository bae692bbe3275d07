import { sql } from 'kysely';
import type { Store } from './store';

/**
 * Counts one hit against each key in one statement (one commit) and returns the counts in the
 * order of `keys`. Same semantics as `countHit`.
 */
export async function countHits(store: Store, keys: readonly string[], windowMs: number, now = Date.now()): Promise<number[]> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const rows = await store.db
    .insertInto('rate_limits')
    .values(keys.map((key) => ({ key, window_start: windowStart, count: 1 })))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
        window_start: windowStart,
      }),
    )
    .returning(['key', 'count'])
    .execute();
  const byKey = new Map(rows.map((r) => [r.key, r.count]));
  return keys.map((key) => byKey.get(key) ?? 0);
}

/**
 * Counts one hit against `key` in the fixed window containing `now` and returns the count so far.
 * One atomic upsert, so the limit holds across any number of server processes sharing the database.
 */
export async function countHit(store: Store, key: string, windowMs: number, now = Date.now()): Promise<number> {
  const [count = 0] = await countHits(store, [key], windowMs, now);
  return count;
}

/** Drops counters whose window ended before `before`. */
export async function purgeRateLimits(store: Store, before: number): Promise<void> {
  await store.db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
}
