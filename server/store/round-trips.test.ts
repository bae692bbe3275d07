import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccount, registerDevice, signDeviceChallenge } from '../../test/helpers/accounts';
import { ApiClient, startTestServer, type TestServer } from '../../test/helpers/harness';

/**
 * On PostgreSQL every statement is a round trip to the database, which a request waits for and a
 * remote database makes slower: the hot paths' budgets (docs/operations.md, "Round trips per
 * request") are held here, counted as the driver sends them.
 */
describe('round trips of the hot paths (postgres)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('postgres');
  });
  afterAll(() => server.close());

  /** The statements `work` sends, each by its first words. */
  async function statementsOf(work: () => Promise<void>): Promise<string[]> {
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text: string };
      sent.push((typeof config === 'string' ? config : config.text).split(/\s+/).slice(0, 4).join(' ').replaceAll('"', ''));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query);
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return sent;
  }

  it('signs a device in with eleven, the account lock first in its transaction', async () => {
    const user = await createAccount(server, 'round-trips-device');
    const device = await registerDevice(user);
    const client = new ApiClient(server);
    const { body } = await client.post('/api/devices/challenge', { deviceId: device.deviceId });
    const signature = await signDeviceChallenge(device.privateKey, body.challenge as string);
    const statements = await statementsOf(async () => {
      expect((await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge: body.challenge, signature })).status).toBe(200);
    });
    expect(statements).toEqual([
      'select id, user_id, app_id,', // the device, for its key: the signature is checked before the transaction
      'begin',
      'select id, username, created_at', // the account lock
      'insert into rate_limits (key,',
      'delete from challenges where',
      'update devices set last_seen_at',
      'select h.user_id, h.status, h.seq,', // the account log's head: the device's key is still bound
      'select seq, hash from', // the audit chain's head
      'insert into audit_log (user_id,',
      'insert into sessions (id_hash,',
      'commit',
    ]);
  });

  it('fetches the backup with one', async () => {
    const user = await createAccount(server, 'round-trips-backup');
    const statements = await statementsOf(async () => {
      expect((await user.client.get('/api/backup')).status).toBe(200);
    });
    expect(statements, statements.join('\n')).toHaveLength(1);
  });
});
