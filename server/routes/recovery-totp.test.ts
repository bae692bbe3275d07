import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { auditEvents, createAccount, deviceSignIn, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, type ApiReply, DIALECTS, expectError, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { currentCode, decodeBase32, dumpDatabase, encodingsOf, enrollTotp, pinInput, registerPinRecovery } from '../../test/helpers/recovery';

const STEP = 30_000;
const MINUTE = 60_000;

/** A code that is not the current one (nor one of the steps either side). */
async function wrongCode(server: TestServer, secret: string): Promise<string> {
  const near = await Promise.all([-STEP, 0, STEP].map((offset) => currentCode(server, secret, offset)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.includes(candidate)) return candidate;
  }
}

describe.each(DIALECTS)('TOTP recovery (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  async function enrolledUser(): Promise<TestUser & Awaited<ReturnType<typeof enrollTotp>>> {
    const user = await createAccount(server, `totper${++names}`);
    await user.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 });
    const enrolment = await enrollTotp(server, user.client);
    server.clock.now += STEP; // the enrolment's code is spent: recoveries use the next one
    return { ...user, ...enrolment };
  }
  const recover = async (client: ApiClient, username: string, code: string) => client.post('/api/recovery/totp/recover', { username, code });

  it('enrols only with a valid code, showing an otpauth:// URI and the secret; a typo keeps the enrolment open', async () => {
    const user = await createAccount(server, `totper${++names}`);
    const start = await user.client.post('/api/recovery/totp/enroll/start');
    expect(start.body).toMatchObject({ period: 30, digits: 6 });
    const uri = new URL(start.body.otpauthUri);
    expect(`${uri.protocol}//${uri.host}`).toBe('otpauth://totp');
    expect(uri.searchParams.get('secret')).toBe(start.body.secret);
    expect(uri.searchParams.get('issuer')).toBe('Keyhold');
    const finish = (code: string) =>
      user.client.post('/api/recovery/totp/enroll/finish', { enrollmentId: start.body.enrollmentId, code, escrowedWrap: 'd3JhcA', r: encodeBase64Url(randomBytes(32)) });
    expectError(await finish(await wrongCode(server, start.body.secret)), 401, 'totp_invalid');
    expect((await user.client.get('/api/recovery/status')).body.totp).toEqual({ enrolled: false, locked: false, enrolledAt: null });
    expect((await finish(await currentCode(server, start.body.secret))).body).toEqual({ enrolledAt: server.clock.now });
    expect((await user.client.get('/api/recovery/status')).body.totp).toEqual({ enrolled: true, locked: false, enrolledAt: server.clock.now });
    expectError(await finish(await currentCode(server, start.body.secret)), 400, 'challenge_invalid');
    const late = await user.client.post('/api/recovery/totp/enroll/start');
    server.clock.now += 10 * MINUTE;
    const lateFinish = { enrollmentId: late.body.enrollmentId, code: await currentCode(server, late.body.secret), escrowedWrap: 'd3JhcA', r: encodeBase64Url(randomBytes(32)) };
    expectError(await user.client.post('/api/recovery/totp/enroll/finish', lateFinish), 400, 'challenge_invalid');
    expect((await auditEvents(user.client)).filter((e) => e.type === 'recovery.totp.enrolled')).toHaveLength(1);
  });

  it('recovers with a valid code: R, the escrowed wrap, the key bundle and a recovery session', async () => {
    const user = await enrolledUser();
    const device = new ApiClient(server);
    const reply = await recover(device, user.username, await currentCode(server, user.secret));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ r: user.r, escrowedWrap: user.escrowedWrap, keyBundle: { blob: 'a2V5LWJ1bmRsZQ' } });
    expect(reply.body.session).toMatchObject({ userId: user.userId, scope: 'recovery', expiresAt: server.clock.now + 15 * MINUTE });
    expect((await device.get('/api/backup')).status).toBe(200);
    const types = (await auditEvents(user.client)).map((e) => e.type);
    expect(types[0]).toBe('recovery.totp.success');
  });

  it('refuses a code whose time step was already used, the enrolment\'s included', async () => {
    const user = await enrolledUser();
    const device = new ApiClient(server);
    expectError(await recover(device, user.username, user.usedCode), 401, 'totp_replayed');
    const code = await currentCode(server, user.secret);
    expect((await recover(device, user.username, code)).status).toBe(200);
    expectError(await recover(new ApiClient(server), user.username, code), 401, 'totp_replayed');
    server.clock.now += STEP;
    expectError(await recover(new ApiClient(server), user.username, code), 401, 'totp_replayed'); // still in the window, still used
    expect((await recover(device, user.username, await currentCode(server, user.secret))).status).toBe(200);
  });

  it('lets exactly one of two concurrent uses of one code win', async () => {
    const user = await enrolledUser();
    const code = await currentCode(server, user.secret);
    const replies = await Promise.all([recover(new ApiClient(server), user.username, code), recover(new ApiClient(server), user.username, code)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(replies.find((r) => r.status === 401)!.body.error.code).toBe('totp_replayed');
  });

  it('throttles after 5 failures in 15 minutes, even the right code, with Retry-After', async () => {
    const user = await enrolledUser();
    const device = new ApiClient(server);
    for (let i = 0; i < 5; i++) expectError(await recover(device, user.username, await wrongCode(server, user.secret)), 401, 'totp_invalid');
    server.clock.now += 5 * MINUTE;
    const throttled = await recover(device, user.username, await currentCode(server, user.secret));
    expectError(throttled, 429, 'totp_throttled');
    expect(throttled.body.error.retryAfterSeconds).toBe(10 * 60);
    expect(throttled.headers.get('retry-after')).toBe('600');
    server.clock.now += 10 * MINUTE;
    expect((await recover(device, user.username, await currentCode(server, user.secret))).status).toBe(200);
  });

  it('locks after 20 failures in a row until a passkey sign-in, and logs the lock-out and the unlock', async () => {
    const user = await enrolledUser();
    const { deviceId, privateKey } = await registerDevice(user);
    const device = new ApiClient(server);
    const replies: ApiReply[] = [];
    for (let i = 0; i < 20; i++) {
      if (i > 0 && i % 5 === 0) server.clock.now += 15 * MINUTE;
      replies.push(await recover(device, user.username, await wrongCode(server, user.secret)));
    }
    expect(replies.slice(0, 19).every((r) => r.body.error.code === 'totp_invalid')).toBe(true);
    expectError(replies[19]!, 423, 'totp_locked');
    server.clock.now += 60 * MINUTE;
    expectError(await recover(device, user.username, await currentCode(server, user.secret)), 423, 'totp_locked');
    // A device session is not enough to unlock; it only shows the lock.
    const { client: owner } = await deviceSignIn(server, deviceId, privateKey);
    expect((await owner.get('/api/recovery/status')).body.totp.locked).toBe(true);
    const failures = (await auditEvents(owner)).filter((e) => e.type === 'recovery.totp.failure').reverse();
    expect(failures.slice(0, 20).map((e) => e.data.failuresLeft)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(failures.at(-1)?.data).toMatchObject({ reason: 'locked' });
    expect((await signInWithPasskey(user)).status).toBe(200);
    expect((await owner.get('/api/recovery/status')).body.totp.locked).toBe(false);
    expect((await recover(device, user.username, await currentCode(server, user.secret))).status).toBe(200);
    const types = (await auditEvents(owner)).map((e) => e.type);
    expect(types).toContain('recovery.totp.locked');
    expect(types.indexOf('recovery.totp.unlocked')).toBeGreaterThan(types.indexOf('recovery.totp.success'));
  });

  it('answers an unknown username the same way: wrong code, throttle, Retry-After and lock', async () => {
    const user = await enrolledUser();
    await createAccount(server, `totper${++names}`); // an account without TOTP
    const runFor = async (username: string) => {
      const seen: unknown[] = [];
      for (let i = 0; i < 21; i++) {
        if (i > 0 && i % 6 === 0) server.clock.now += 15 * MINUTE;
        const reply = await recover(new ApiClient(server), username, '000000');
        seen.push(reply.status, reply.body, reply.headers.get('retry-after'));
      }
      return seen;
    };
    const start = server.clock.now;
    const real = await runFor(user.username);
    server.clock.now = start;
    expect(await runFor('nosuchtotper')).toEqual(real);
    server.clock.now = start;
    expect(await runFor(`totper${names}`)).toEqual(real);
  });

  it('keeps the TOTP secret and R only sealed under the pepper', async () => {
    const user = await enrolledUser();
    const dump = await dumpDatabase(server);
    const secretBytes = decodeBase32(user.secret);
    expect(secretBytes).toHaveLength(20);
    for (const spelling of [user.secret, ...encodingsOf(secretBytes)]) expect(dump).not.toContain(spelling);
    for (const spelling of encodingsOf(decodeBase64Url(user.r))) expect(dump).not.toContain(spelling);
    expect(dump).toContain(user.escrowedWrap); // the wrap is ciphertext the client made: stored as is
  });

  it('forgets both recovery records when the account is erased', async () => {
    const user = await enrolledUser();
    await registerPinRecovery(user.client, pinInput('erased'));
    expect((await user.client.delete('/api/account')).status).toBe(200);
    for (const table of ['pin_recovery', 'totp_recovery'] as const) {
      expect(await server.store.db.selectFrom(table).selectAll().where('subject', '=', user.userId).execute()).toEqual([]);
    }
  });

  it('enrols under a passkey or device session, and turns off under a passkey session only', async () => {
    const user = await enrolledUser();
    expectError(await new ApiClient(server).post('/api/recovery/totp/enroll/start'), 401, 'unauthenticated');
    const { deviceId, privateKey } = await registerDevice(user);
    const { client: deviceClient } = await deviceSignIn(server, deviceId, privateKey);
    const again = await enrollTotp(server, deviceClient);
    expect(again.secret).not.toBe(user.secret);
    expectError(await deviceClient.delete('/api/recovery/totp'), 403, 'forbidden_scope');
    expect((await user.client.delete('/api/recovery/totp')).status).toBe(200);
    expectError(await user.client.delete('/api/recovery/totp'), 404, 'recovery_not_set_up');
    server.clock.now += STEP;
    expectError(await recover(new ApiClient(server), user.username, await currentCode(server, again.secret)), 401, 'totp_invalid');
    // Off means off: the username is answered by a decoy now, so nothing more reaches the log.
    const types = (await auditEvents(user.client)).map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['recovery.totp.removed', 'recovery.totp.enrolled']);
  });
});
