import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { KeyholdError } from '../errors';
import { appendAuditEvent, listAuditEvents } from './audit';
import { consumeChallenge, saveChallenge } from './challenges';
import { migrateToLatest } from './database';
import { countHit } from './rate-limits';
import { inTransaction } from './store';

describe.each(DIALECTS)('storage (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('applies migrations once and is idempotent on a second start', async () => {
    await migrateToLatest(server.store.db);
    const applied = await server.store.db.selectFrom('kysely_migration' as never).selectAll().execute();
    expect(applied.map((m) => (m as { name: string }).name)).toEqual(['001_initial', '002_recovery', '003_records', '004_audit_anchors', '005_recovery_kit', '006_device_approvals', '007_account_log', '008_lock_slots', '009_audit_repeats', '010_apps', '011_app_scoping', '012_approval_app']);
  });

  it('hands a challenge to exactly one of many concurrent consumers', async () => {
    const now = Date.now();
    await saveChallenge(server.store, { challenge: 'c-race', purpose: 'device', userId: null, data: '{}', expiresAt: now + 60_000 });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => consumeChallenge(server.store, 'c-race', 'device', now)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect(((o as PromiseRejectedResult).reason as KeyholdError).code).toBe('challenge_invalid');
    }
  });

  it('refuses a challenge consumed for another purpose and burns it', async () => {
    const now = Date.now();
    await saveChallenge(server.store, { challenge: 'c-purpose', purpose: 'register', userId: null, data: '{}', expiresAt: now + 60_000 });
    await expect(consumeChallenge(server.store, 'c-purpose', 'authenticate', now)).rejects.toMatchObject({ code: 'challenge_invalid' });
    await expect(consumeChallenge(server.store, 'c-purpose', 'register', now)).rejects.toMatchObject({ code: 'challenge_invalid' });
  });

  it('counts concurrent rate-limit hits without losing any', async () => {
    const now = Date.now();
    const counts = await Promise.all(Array.from({ length: 20 }, () => countHit(server.store, 'k-concurrent', 60_000, now)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await countHit(server.store, 'k-concurrent', 60_000, now + 60_000)).toBe(1);
  });

  it('keeps one unforked audit chain under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => inTransaction(server.store, (tx) => appendAuditEvent(tx, 'u-chain', 'account.exported', { i }))));
    const events = await listAuditEvents(server.store, 'u-chain', 100);
    expect(events.map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    for (let i = 0; i < events.length - 1; i++) expect(events[i]!.prevHash).toBe(events[i + 1]!.hash);
  });

  // On SQLite, concurrent transactions are committed as a group (store.ts): each must still be all or nothing.
  it('commits concurrent transactions as if one by one: one that throws is undone alone', async () => {
    const now = Date.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        inTransaction(server.store, async (tx) => {
          await saveChallenge(tx, { challenge: `c-group-${i}`, purpose: 'device', userId: null, data: '{}', expiresAt: now + 60_000 });
          if (i % 3 === 0) throw new KeyholdError('invalid_request', `refused ${i}`);
          return i;
        }),
      ),
    );
    outcomes.forEach((o, i) => {
      if (i % 3 === 0) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'invalid_request', message: `refused ${i}` } });
      else expect(o).toEqual({ status: 'fulfilled', value: i });
    });
    const stored = await server.store.db.selectFrom('challenges').select('challenge').where('challenge', 'like', 'c-group-%').execute();
    expect(stored.map((r) => r.challenge).sort()).toEqual([1, 2, 4, 5, 7, 8, 10, 11].map((i) => `c-group-${i}`).sort());
  });

  it('undoes all of a transaction whose statement fails, and none of the others around it', async () => {
    const now = Date.now();
    const save = (tx: typeof server.store, challenge: string) => saveChallenge(tx, { challenge, purpose: 'device', userId: null, data: '{}', expiresAt: now + 60_000 });
    const outcomes = await Promise.allSettled([
      inTransaction(server.store, (tx) => save(tx, 'c-dup-a')),
      inTransaction(server.store, async (tx) => {
        await save(tx, 'c-dup-b');
        await save(tx, 'c-dup-b'); // primary key violation
      }),
      inTransaction(server.store, (tx) => save(tx, 'c-dup-c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = await server.store.db.selectFrom('challenges').select('challenge').where('challenge', 'like', 'c-dup-%').execute();
    expect(stored.map((r) => r.challenge).sort()).toEqual(['c-dup-a', 'c-dup-c']);
  });

  it('refuses a transaction started inside another, and the outer one writes nothing', async () => {
    const now = Date.now();
    const outer = inTransaction(server.store, async (tx) => {
      await saveChallenge(tx, { challenge: 'c-nested-outer', purpose: 'device', userId: null, data: '{}', expiresAt: now + 60_000 });
      await inTransaction(tx, (inner) => saveChallenge(inner, { challenge: 'c-nested-inner', purpose: 'device', userId: null, data: '{}', expiresAt: now + 60_000 }));
    });
    await expect(outer).rejects.toThrow(/transaction/);
    const stored = await server.store.db.selectFrom('challenges').select('challenge').where('challenge', 'like', 'c-nested-%').execute();
    expect(stored).toEqual([]);
  });
});
