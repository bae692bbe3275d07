import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type ApiReply, type TestServer } from '../../test/helpers/harness';
import { newRecordId, pullChanges, putRecord, sealedRecord, storedRecords, tombstoneWrite, type RecordBody } from '../../test/helpers/records';
import { startSecondInstance } from '../../test/helpers/second-instance';

/** Concurrent record writes: the compare-and-set and the account's seq hold under the per-user lock. */
describe.each(DIALECTS)('record write races (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `race-user-${++n}`);

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it.each([0, 1])('lets exactly one of two concurrent writers at expectedVersion %i win', async (expectedVersion) => {
    const user = await newUser();
    const id = newRecordId();
    if (expectedVersion === 1) await putRecord(user.client, id, 0);
    const bodies = [sealedRecord(), sealedRecord()];
    const replies = await Promise.all(bodies.map((body) => putRecord(user.client, id, expectedVersion, body)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = replies.findIndex((r) => r.status === 200);
    expect(replies[1 - winner]!.body.error).toMatchObject({
      code: 'stale_version',
      currentVersion: expectedVersion + 1,
      current: { id, version: expectedVersion + 1, ciphertext: bodies[winner]!.ciphertext },
    });
  });


  it('hands out every seq exactly once when different records are written at once', async () => {
    const user = await newUser();
    const replies = await Promise.all(Array.from({ length: 20 }, () => putRecord(user.client, newRecordId(), 0)));
    expect(replies.map((r) => r.body.seq as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await storedRecords(server, user.userId)).counters[0]).toMatchObject({ seq: 20, live: 20 });
  });
});

/**
 * Two app instances on one PostgreSQL database, as behind a load balancer (docs/operations.md
 * "Several processes on PostgreSQL behind a load balancer"). PostgreSQL only, like
 * server/routes/recovery-instances.test.ts: two connections to one SQLite file in one process would
 * block each other's event loop; two SQLite processes are server/records-crash.test.ts's and
 * server/multi-process.test.ts's business.
 */
describe.each(['postgres'] as const)('record write races across two instances (%s)', (dialect) => {
  let server: TestServer;
  let second: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `instances-user-${++n}`);
  /** The user's browser, as seen by the second instance: the same session cookie. */
  const onSecond = (user: TestUser): ApiClient => Object.assign(new ApiClient(second), { cookie: user.client.cookie });

  beforeAll(async () => {
    server = await startTestServer(dialect);
    second = startSecondInstance(server);
  });
  afterAll(async () => {
    await second.close();
    await server.close();
  });

  it('lets exactly one writer per round win when eight race through two instances', async () => {
    const user = await newUser();
    const clients = [user.client, onSecond(user)];
    const id = newRecordId();
    for (let version = 0; version < 6; version++) {
      // The last round races deletions against replacements.
      const bodies: RecordBody[] = Array.from({ length: 8 }, (_, i) => (version === 5 && i % 2 ? tombstoneWrite() : sealedRecord()));
      const replies: ApiReply[] = await Promise.all(bodies.map((body, i) => putRecord(clients[i % 2]!, id, version, body)));
      expect(replies.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(409)]);
      const winner = replies.findIndex((r) => r.status === 200);
      expect(replies[winner]!.body).toMatchObject({ version: version + 1, seq: version + 1 });
      for (const loser of replies.filter((r) => r.status === 409)) expect(loser.body.error.current).toMatchObject({ version: version + 1, ciphertext: bodies[winner]!.ciphertext });
    }
    const { records, counters } = await storedRecords(server, user.userId);
    expect(records).toHaveLength(1);
    expect(counters[0]).toMatchObject({ seq: 6, live: records[0]!.deleted ? 0 : 1 });
  });

  it('hands out every seq exactly once when different records are written through both instances at once', async () => {
    const user = await newUser();
    const clients = [user.client, onSecond(user)];
    const ids = Array.from({ length: 30 }, newRecordId);
    const replies = await Promise.all(ids.map((id, i) => putRecord(clients[i % 2]!, id, 0)));
    expect(replies.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(replies.map((r) => r.body.seq as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const { changes, last } = await pullChanges(clients[1]!, 0, 7);
    expect(changes.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(last).toMatchObject({ cursor: 30, total: 30 });
  });
});
