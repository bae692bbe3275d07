import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, newDeviceKey, registerDevice } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { verifyChain } from '../store/audit-chain';
import { eachAuditChain } from '../store/audit';

describe.each(DIALECTS)('writes racing an account erasure (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, { SIGNIN_LIMIT_PER_ACCOUNT: '1000', SIGNIN_LIMIT_PER_ADDRESS: '1000' });
  });
  afterAll(() => server.close());

  it('never answers 500, leaves no row of the user and a verifiable tombstone chain', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await createAccount(server, `racer${round}`);
      const { deviceId } = await registerDevice(user);
      await user.client.put('/api/backup/key-bundle', { blob: 'AAAA', expectedVersion: 0 });
      // Same session cookie on several "tabs" so the requests really run side by side.
      const tab = () => Object.assign(new ApiClient(server), { cookie: user.client.cookie });
      const { publicKey } = await newDeviceKey();
      const replies = await Promise.all([
        tab().post('/api/devices', { name: 'Late phone', publicKey }),
        tab().delete(`/api/devices/${deviceId}`),
        tab().put('/api/backup/key-bundle', { blob: 'BBBB', expectedVersion: 1 }),
        tab().post('/api/session/signout'),
        tab().delete('/api/account'),
        tab().get('/api/account/export'),
      ]);
      for (const reply of replies) expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(500);

      const erased = replies[4]!;
      if (erased.status !== 200) continue; // signout won the race: nothing was erased this round
      for (const table of ['users', 'credentials', 'devices', 'sessions', 'secret_blobs'] as const) {
        const column = table === 'users' ? 'id' : 'user_id';
        const rows = await server.store.db.selectFrom(table).select(column as never).where(column as never, '=', user.userId as never).execute();
        expect(rows, table).toEqual([]);
      }
    }
    for await (const { userId, rows } of eachAuditChain(server.store)) {
      expect(verifyChain(rows), userId).toBeNull();
    }
  });
});
