import { sql } from 'kysely';
import { preparedQuery } from './prepared';
import type { Db } from './schema';
import { singleWrite, type Store } from './store';

/** One upsert for all `keys`: a new window starts at 1, the current one counts up. */
function upsertHits(db: Db, keys: readonly string[], windowStart: number) {
  return db
    .insertInto('rate_limits')
    .values(keys.map((key) => ({ key, window_start: windowStart, count: 1 })))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
        window_start: windowStart,
      }),
    )
    .returning(['key', 'count']);
}

// Every sign-in step counts one or two keys (account and address): those shapes are compiled once (prepared.ts).
const upsertOneHit = preparedQuery((db, a: { key: string; windowStart: number }) => upsertHits(db, [a.key], a.windowStart));
const upsertTwoHits = preparedQuery((db, a: { first: string; second: string; windowStart: number }) => upsertHits(db, [a.first, a.second], a.windowStart));

/**
 * Counts one hit against each key in one statement (one commit, shared with a group on SQLite:
 * `singleWrite`) and returns the counts in the order of `keys`. Same semantics as `countHit`.
 */
export async function countHits(store: Store, keys: readonly string[], windowMs: number, now = Date.now()): Promise<number[]> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const rows = await singleWrite(store, (tx) =>
    keys.length === 1
      ? upsertOneHit(tx, { key: keys[0]!, windowStart })
      : keys.length === 2
        ? upsertTwoHits(tx, { first: keys[0]!, second: keys[1]!, windowStart })
        : upsertHits(tx.db, keys, windowStart).execute(),
  );
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
