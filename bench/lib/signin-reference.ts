import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../server/store/database';
import { inTransaction } from '../../server/store/store';

/** The same-work reference of a device sign-in, measured in the bench process. */
export interface SignInReference {
  /** Operations per second over the run. */
  perS: number;
  operations: number;
  concurrency: number;
  durationS: number;
}

/**
 * What a device sign-in cannot do without, with no HTTP, JSON, session or validation around it:
 * one ECDSA P-256 verify (node:crypto, synchronously, as the server does it) and one durable
 * commit of a one-row insert through the server's own store, whose commits are grouped exactly as
 * the server's are (store.ts `GroupCommit`, SQLite with `synchronous = FULL` on the temp
 * directory's disk). `concurrency` operations are in flight at once, like the load generator's
 * connections, so commits group as they do under load. Run while no server runs.
 */
export async function measureSignInReference(opts: { concurrency: number; durationS: number; warmupS: number }): Promise<SignInReference> {
  const dir = mkdtempSync(join(tmpdir(), 'kh-signin-ref-'));
  const database = openDatabase({ sqliteFile: join(dir, 'keyhold.sqlite') });
  try {
    await migrateToLatest(database.db);
    const { store } = database;
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const message = randomBytes(96);
    const signature = sign('sha256', message, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
    let next = 0;
    const operation = async () => {
      if (!verify('sha256', message, { key: pair.publicKey, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('reference signature did not verify');
      const challenge = `ref-${next++}`;
      await inTransaction(store, (tx) => tx.db.insertInto('challenges').values({ challenge, purpose: 'device', user_id: null, data: '{}', expires_at: 0 }).execute());
    };
    const run = async (seconds: number): Promise<{ operations: number; durationS: number }> => {
      const started = performance.now();
      const until = started + seconds * 1000;
      let operations = 0;
      await Promise.all(
        Array.from({ length: opts.concurrency }, async () => {
          while (performance.now() < until) {
            await operation();
            operations++;
          }
        }),
      );
      return { operations, durationS: (performance.now() - started) / 1000 };
    };
    if (opts.warmupS > 0) await run(opts.warmupS);
    const { operations, durationS } = await run(opts.durationS);
    return { perS: operations / durationS, operations, concurrency: opts.concurrency, durationS };
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
