import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../test/helpers/accounts';
import { ApiClient, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { currentCode, enrollTotp, pinInput, registerPinRecovery, startPinRecovery } from '../../test/helpers/recovery';
import { startSecondInstance } from '../../test/helpers/second-instance';


/**
 * Two key servers on one database, as behind a load balancer: the limits live in the database.
 * PostgreSQL only: several instances are a PostgreSQL deployment (docs/operations.md, "Several processes").
 * SQLite is the single-process default; two connections to one file would serialise their
 * read-then-write transactions by failing them with SQLITE_BUSY, which is safe (nothing is
 * evaluated or released without its commit) but is no deployment to test.
 */
describe.each(['postgres'] as const)('recovery limits across two instances (%s)', (dialect) => {
  let server: TestServer;
  let other: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
    other = startSecondInstance(server);
  });
  afterAll(async () => {
    await other.close();
    await server.close();
  });

  it('spends exactly the allowance when 16 starts race on both instances', async () => {
    const user = await createAccount(server, 'twoinstances');
    await registerPinRecovery(user.client, pinInput('right'));
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => startPinRecovery(new ApiClient(i % 2 ? other : server), 'twoinstances', pinInput(`guess ${i}`)).then((r) => r.start)),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 423)).toHaveLength(6);
  });

  it('accepts one TOTP code once when it is sent to both instances at the same time', async () => {
    const user = await createAccount(server, 'twototp');
    const { secret } = await enrollTotp(server, user.client);
    server.clock.now += 30_000;
    const code = await currentCode(server, secret);
    const replies = await Promise.all([server, other, server, other].map((s) => new ApiClient(s).post('/api/recovery/totp/recover', { username: 'twototp', code })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('counts an unknown username\'s decoy guesses in the database too', async () => {
    const replies = [];
    for (let i = 0; i < 11; i++) replies.push((await startPinRecovery(new ApiClient(i % 2 ? other : server), 'nobodyhere', pinInput(`${i}`))).start);
    expect(replies.map((r) => r.body.guessesLeft ?? r.body.error.guessesLeft)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);
    expect(replies[10]!.status).toBe(423);
  });
});
