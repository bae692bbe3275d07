import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccount, newDeviceKey, readAuditLog, registerDevice, signDeviceChallenge, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type ApiReply, type TestServer } from '../../test/helpers/harness';
import { startSecondInstance } from '../../test/helpers/second-instance';

/**
 * A device sign-in commits its attempt counter, its challenge and its outcome in one transaction,
 * whatever the outcome (domain/devices.ts). What a refusal wrote must still be there afterwards.
 */
const WINDOW_MS = 60_000;
const LIMIT = 4;

describe.each(DIALECTS)('device sign-in, one commit per attempt (%s)', (dialect) => {
  let server: TestServer;
  let user: TestUser;
  let device: Awaited<ReturnType<typeof registerDevice>>;

  beforeEach(async () => {
    server = await startTestServer(dialect, { SIGNIN_LIMIT_PER_ACCOUNT: String(LIMIT), SIGNIN_LIMIT_PER_ADDRESS: '100' });
    // 15 s into a window, so no test crosses into the next one by accident.
    server.clock.now = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + 15_000;
    user = await createAccount(server, 'signer');
    device = await registerDevice(user, 'Phone');
  });
  afterEach(() => server.close());

  async function challenge(instance = server): Promise<string> {
    const reply = await new ApiClient(instance).post('/api/devices/challenge', { deviceId: device.deviceId });
    expect(reply.status).toBe(200);
    return reply.body.challenge as string;
  }
  async function signIn(challengeText: string, key = device.privateKey, instance = server): Promise<ApiReply> {
    return new ApiClient(instance).post('/api/devices/signin', { deviceId: device.deviceId, challenge: challengeText, signature: await signDeviceChallenge(key, challengeText) });
  }
  const deviceEntries = async () => (await readAuditLog(user.client)).filter((e) => e.type.startsWith('signin.device.') || e.type === 'challenge.failure');

  it('spends the challenge even when the signature is bad, and audits the failure', async () => {
    const impostor = await newDeviceKey();
    const c = await challenge();
    const bad = await signIn(c, impostor.privateKey);
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('signin_failed');
    // The right key cannot use that challenge any more.
    const again = await signIn(c);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('challenge_invalid');
    expect((await deviceEntries()).map((e) => [e.type, e.data.reason])).toEqual([
      ['signin.device.failure', 'bad_signature'],
      ['challenge.failure', 'challenge_invalid'],
    ]);
  });

  it('counts failed sign-ins against the limit, and a refused attempt leaves its challenge unspent', async () => {
    const impostor = await newDeviceKey();
    const [c1, c2] = [await challenge(), await challenge()]; // attempts 1 and 2
    expect((await signIn(c1!, impostor.privateKey)).status).toBe(401); // attempt 3, counted though it failed
    expect((await signIn(c2!)).status).toBe(200); // attempt 4
    const c3 = await new ApiClient(server).post('/api/devices/challenge', { deviceId: device.deviceId });
    expect(c3.status).toBe(429);
    expect(c3.body.error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 45 });

    server.clock.now += 45_000; // the next window
    const c4 = await challenge();
    for (let i = 0; i < LIMIT - 1; i++) await challenge(); // attempts 2–4 of this window
    const limited = await signIn(c4);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    // A refused attempt is not audited and did not take the challenge: it still works a window later.
    server.clock.now += WINDOW_MS;
    expect((await signIn(c4)).status).toBe(200);
    expect((await deviceEntries()).map((e) => e.type)).toEqual(['signin.device.failure', 'signin.device.success', 'signin.device.success']);
  });

  it('lets exactly one of many concurrent sign-ins with one challenge through', async () => {
    const c = await challenge();
    const replies = await Promise.all(Array.from({ length: 3 }, () => signIn(c)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    expect(replies.filter((r) => r.status === 400).every((r) => r.body.error.code === 'challenge_invalid')).toBe(true);
    expect((await deviceEntries()).map((e) => e.type).sort()).toEqual(['challenge.failure', 'challenge.failure', 'signin.device.success']);
  });

  it('keeps one counter for two server instances on one database', async () => {
    const other = startSecondInstance(server);
    try {
      const c1 = await challenge(other); // 1
      const c2 = await challenge(server); // 2
      expect((await signIn(c1, device.privateKey, server)).status).toBe(200); // 3
      expect((await signIn(c2, device.privateKey, other)).status).toBe(200); // 4
      const refused = await new ApiClient(other).post('/api/devices/challenge', { deviceId: device.deviceId });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
    } finally {
      await other.close();
    }
  });

  it('refuses a device revoked after its key was last used, whatever was cached', async () => {
    expect((await signIn(await challenge())).status).toBe(200);
    expect((await user.client.delete(`/api/devices/${device.deviceId}`)).status).toBe(200);
    const after = await signIn(await challenge());
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('device_revoked');
  });
});
