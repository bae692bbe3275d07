import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { KeyholdError } from '../domain/errors';
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
    expect(applied.map((m) => (m as { name: string }).name)).toEqual(['001_initial', '002_recovery', '003_records']);
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
});
