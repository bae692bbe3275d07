import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_REPEAT_WINDOW_MS } from '../../protocol/constants';
import { auditEvents, createAccount } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { pinInput, recoverPin, registerPinRecovery, startPinRecovery } from '../../test/helpers/recovery';
import { eachAuditChain, listAuditEvents } from '../store/audit';
import { verifyChain } from '../store/audit-chain';

const UNLIMITED = { SIGNIN_LIMIT_PER_ACCOUNT: '100000', SIGNIN_LIMIT_PER_ADDRESS: '100000' };
const RIGHT = pinInput('the right PIN');
const WRONG = pinInput('a wrong PIN');

/**
 * What an attacker who knows only a username can make the server store: refused PIN recovery
 * starts on a locked account are counted, not logged one by one, so a burst cannot grow the
 * victim's audit log or the database without bound; the owner still sees that they happened and
 * how many times.
 */
describe.each(DIALECTS)('PIN recovery under abuse (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED);
  });
  afterAll(() => server.close());

  async function lockedUser() {
    const user = await createAccount(server, `flooded${++names}`);
    await registerPinRecovery(user.client, RIGHT);
    const attacker = new ApiClient(server);
    for (let i = 0; i < 10; i++) await recoverPin(attacker, user.username, WRONG);
    expect((await startPinRecovery(attacker, user.username, RIGHT)).start.status).toBe(423);
    return { user, attacker };
  }

  const refusals = (events: Array<{ seq: number; type: string; data: Record<string, unknown> }>) =>
    events.filter((e) => e.type === 'recovery.pin.failure' && e.data.reason === 'locked') as Array<{ seq: number; data: Record<string, unknown>; count?: number }>;

  it('a burst of 200 refused starts on a locked account adds no audit entry: one entry per window says how many', async () => {
    const { user, attacker } = await lockedUser();
    const before = await auditEvents(user.client);
    expect(refusals(before)).toHaveLength(1);

    for (let batch = 0; batch < 10; batch++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => startPinRecovery(attacker, user.username, RIGHT)));
      for (const { start } of replies) expect(start.body.error.code).toBe('pin_recovery_locked');
    }

    const after = await auditEvents(user.client);
    expect(after).toHaveLength(before.length);
    expect(refusals(after)).toEqual([expect.objectContaining({ seq: refusals(before)[0]!.seq, count: 201 })]);

    // The next window opens one new entry, counted from one again.
    server.clock.now += AUDIT_REPEAT_WINDOW_MS;
    for (let i = 0; i < 3; i++) await startPinRecovery(attacker, user.username, RIGHT);
    // (An hour on, the owner's session has ended: read the log as the audit route does.)
    const later = refusals((await listAuditEvents(server.store, user.userId, 1000)).map((e) => ({ ...e, data: JSON.parse(e.data) as Record<string, unknown> })));
    expect(later.sort((a, b) => a.seq - b.seq).map((e) => e.count)).toEqual([201, 3]);

    // The chain was only appended to: it still verifies.
    for await (const chain of eachAuditChain(server.store)) {
      if (chain.userId === user.userId) expect(verifyChain(chain.rows, chain.anchor)).toBeNull();
    }
  });

  it('the counter beside the chain holds one row per window whatever the burst', async () => {
    const { user } = await lockedUser();
    const rows = () => server.store.db.selectFrom('audit_repeats').selectAll().where('user_id', '=', user.userId).execute();
    expect(await rows()).toHaveLength(1);
    const fresh = new ApiClient(server);
    await Promise.all(Array.from({ length: 30 }, () => startPinRecovery(fresh, user.username, RIGHT)));
    expect(await rows()).toEqual([expect.objectContaining({ count: 31 })]);
  });
});
