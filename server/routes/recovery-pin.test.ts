import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { addPasskey, auditEvents, createAccount, deviceSignIn, newDeviceKey, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { ARGON2, blindPin, currentCode, enrollTotp, pinInput, recoverPin, registerPinRecovery, startPinRecovery } from '../../test/helpers/recovery';

const RIGHT = pinInput('the right PIN');
const WRONG = pinInput('a wrong PIN');

describe.each(DIALECTS)('PIN recovery (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** A user with a key bundle and PIN recovery registered for RIGHT. */
  async function registeredUser(): Promise<TestUser & { wrap: string; salt: string }> {
    const user = await createAccount(server, `pinner${++names}`);
    expect((await user.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 })).status).toBe(200);
    const { wrap, salt } = await registerPinRecovery(user.client, RIGHT);
    return { ...user, wrap, salt };
  }

  it('recovers on a new device with the right PIN: the wrap, the key bundle and a 15-minute recovery session', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    const params = await device.post('/api/recovery/pin/params', { username: user.username });
    expect(params.body).toEqual({ salt: user.salt, argon2: ARGON2, guessesLeft: 10 });
    const { start, finish } = await recoverPin(device, user.username, RIGHT);
    expect(start.body).toMatchObject({ guessesLeft: 9 });
    expect(finish?.status).toBe(200);
    expect(finish?.body).toMatchObject({ wrap: user.wrap, salt: user.salt, guessesLeft: 10, keyBundle: { blob: 'a2V5LWJ1bmRsZQ', version: 1 } });
    expect(finish?.body.session).toMatchObject({ userId: user.userId, scope: 'recovery', expiresAt: server.clock.now + 15 * 60_000 });
    expect((await device.get('/api/recovery/status')).body.pin).toMatchObject({ active: true, guessesLeft: 10, allowance: 10 });
  });

  it('spends a guess on a wrong PIN and says how many are left; the right PIN restores the allowance', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    expectError((await recoverPin(device, user.username, WRONG)).finish, 401, 'pin_recovery_failed', { guessesLeft: 9 });
    expectError((await recoverPin(device, user.username, WRONG)).finish, 401, 'pin_recovery_failed', { guessesLeft: 8 });
    expect((await device.post('/api/recovery/pin/params', { username: user.username })).body.guessesLeft).toBe(8);
    expect((await recoverPin(device, user.username, RIGHT)).finish?.body.guessesLeft).toBe(10);
    expect((await device.post('/api/recovery/pin/params', { username: user.username })).body.guessesLeft).toBe(10);
  });

  it('locks after 10 wrong guesses: 423 even with the right PIN, and the log has each attempt and the lock-out', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    for (let left = 9; left >= 1; left--) expectError((await recoverPin(device, user.username, WRONG)).finish, 401, 'pin_recovery_failed', { guessesLeft: left });
    expectError((await recoverPin(device, user.username, WRONG)).finish, 423, 'pin_recovery_locked', { guessesLeft: 0 });
    const right = await recoverPin(device, user.username, RIGHT);
    expectError(right.start, 423, 'pin_recovery_locked', { guessesLeft: 0 });
    expect(right.finish).toBeUndefined();
    expectError(await device.post('/api/recovery/pin/params', { username: user.username }), 423, 'pin_recovery_locked');
    const events = await auditEvents(user.client);
    const pin = events.filter((e) => e.type.startsWith('recovery.pin.')).reverse();
    expect(pin[0]).toMatchObject({ type: 'recovery.pin.registered', data: { version: 1, allowance: 10 } });
    expect(pin.filter((e) => e.type === 'recovery.pin.started').map((e) => e.data.guessesLeft)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(pin.filter((e) => e.type === 'recovery.pin.failure').map((e) => [e.data.reason, e.data.guessesLeft])).toEqual([
      ...[9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((n) => ['mismatch', n]),
      ['locked', 0],
    ]);
    expect(pin.filter((e) => e.type === 'recovery.pin.locked')).toHaveLength(1);
    expect(JSON.stringify(events)).not.toMatch(/"tag"|"wrap"|"blinded|"evaluated/);
  });

  it('is restored by another route (TOTP) followed by a new PIN registration in the recovery session', async () => {
    const user = await registeredUser();
    const totp = await enrollTotp(server, user.client);
    const device = new ApiClient(server);
    for (let i = 0; i < 10; i++) await recoverPin(device, user.username, WRONG);
    expectError((await recoverPin(device, user.username, RIGHT)).start, 423, 'pin_recovery_locked');
    server.clock.now += 30_000;
    const recovered = await device.post('/api/recovery/totp/recover', { username: user.username, code: await currentCode(server, totp.secret) });
    expect(recovered.body.session.scope).toBe('recovery');
    const NEW = pinInput('the new PIN');
    expect((await registerPinRecovery(device, NEW)).version).toBe(2);
    expect((await device.get('/api/recovery/status')).body.pin).toMatchObject({ active: true, guessesLeft: 10 });
    const again = new ApiClient(server);
    expectError((await recoverPin(again, user.username, RIGHT)).finish, 401, 'pin_recovery_failed', { guessesLeft: 9 });
    expect((await recoverPin(again, user.username, NEW)).finish?.status).toBe(200);
  });

  it('keeps the guess of an abandoned start spent', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    expect((await startPinRecovery(device, user.username, RIGHT)).start.body.guessesLeft).toBe(9);
    expect((await device.post('/api/recovery/pin/params', { username: user.username })).body.guessesLeft).toBe(9);
    server.clock.now += 10 * 60_000; // the abandoned attempt expired: its guess stays spent
    expect((await startPinRecovery(device, user.username, RIGHT)).start.body.guessesLeft).toBe(8);
  });

  it('never spends more than the allowance: of 15 concurrent starts, exactly 10 get an evaluation', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    const replies = await Promise.all(Array.from({ length: 15 }, () => startPinRecovery(device, user.username, WRONG).then((r) => r.start)));
    const evaluated = replies.filter((r) => r.status === 200);
    expect(evaluated).toHaveLength(10);
    expect(evaluated.map((r) => r.body.guessesLeft).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of replies.filter((r) => r.status !== 200)) expectError(r, 423, 'pin_recovery_locked', { guessesLeft: 0 });
    const row = await server.store.db.selectFrom('pin_recovery').select('guesses_left').where('subject', '=', user.userId).executeTakeFirstOrThrow();
    expect(row.guesses_left).toBe(0);
  });

  it('allows one comparison per attempt: no finish without a start, none twice, none after expiry or a re-registration', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    const tag = encodeBase64Url(randomBytes(32));
    expectError(await device.post('/api/recovery/pin/finish', { attemptId: encodeBase64Url(randomBytes(32)), tag }), 400, 'challenge_invalid');
    const first = await startPinRecovery(device, user.username, WRONG);
    const finish = () => device.post('/api/recovery/pin/finish', { attemptId: first.start.body.attemptId, tag: first.blinded.tagFor(first.start.body.evaluatedElement) });
    expectError(await finish(), 401, 'pin_recovery_failed');
    expectError(await finish(), 400, 'challenge_invalid');
    const late = await startPinRecovery(device, user.username, RIGHT);
    server.clock.now += 5 * 60_000;
    expectError(await device.post('/api/recovery/pin/finish', { attemptId: late.start.body.attemptId, tag: late.blinded.tagFor(late.start.body.evaluatedElement) }), 400, 'challenge_expired');
    const stale = await startPinRecovery(device, user.username, RIGHT);
    await registerPinRecovery(user.client, RIGHT);
    expectError(await device.post('/api/recovery/pin/finish', { attemptId: stale.start.body.attemptId, tag: stale.blinded.tagFor(stale.start.body.evaluatedElement) }), 400, 'challenge_invalid');
  });

  it('lets a recovery session register a device, add a passkey and fetch the backup — nothing more, and not for long', async () => {
    const user = await registeredUser();
    const device = new ApiClient(server);
    expect((await recoverPin(device, user.username, RIGHT)).finish?.status).toBe(200);
    const key = await newDeviceKey();
    const registered = await device.post('/api/devices', { name: 'Recovered phone', publicKey: key.publicKey });
    expect(registered.status).toBe(200);
    expect((await deviceSignIn(server, registered.body.id, key.privateKey)).reply.body.session.scope).toBe('device');
    expect((await device.get('/api/backup')).body.keyBundle.blob).toBe('a2V5LWJ1bmRsZQ');
    const recoveryUser = { ...user, client: device };
    expect((await addPasskey(recoveryUser, 'New phone')).reply.status).toBe(200);
    expectError(await device.delete('/api/account'), 403, 'forbidden_scope');
    expectError(await device.delete(`/api/passkeys/${user.credentialId}`), 401, 'reauth_required');
    expectError(await device.put('/api/backup/key-bundle', { blob: 'eA', expectedVersion: 1 }), 403, 'forbidden_scope');
    expectError(await device.post('/api/recovery/totp/enroll/start'), 403, 'forbidden_scope');
    expectError(await device.get('/api/audit'), 403, 'forbidden_scope');
    server.clock.now += 15 * 60_000;
    expectError(await device.get('/api/backup'), 401, 'session_expired');
  });

  it('registers under a passkey, device or recovery session only, and turns off under a passkey session only', async () => {
    const user = await registeredUser();
    const anonymous = new ApiClient(server);
    expectError(await anonymous.post('/api/recovery/pin/register/start', { blindedElement: blindPin(RIGHT).blindedElement }), 401, 'unauthenticated');
    const { deviceId, privateKey } = await registerDevice(user);
    const { client: deviceClient } = await deviceSignIn(server, deviceId, privateKey);
    const again = await registerPinRecovery(deviceClient, RIGHT);
    expect(again.version).toBe(2);
    const exported = await user.client.get('/api/account/export');
    expect(exported.body.recovery.pin).toMatchObject({ salt: again.salt, wrap: again.wrap, guessesLeft: 10, allowance: 10, version: 2 });
    expect(JSON.stringify(exported.body)).not.toMatch(/sealed|tag_digest|tagDigest/);
    expectError(await deviceClient.delete('/api/recovery/pin'), 403, 'forbidden_scope');
    expect((await user.client.delete('/api/recovery/pin')).body).toEqual({ ok: true });
    expectError(await user.client.delete('/api/recovery/pin'), 404, 'recovery_not_set_up');
    expect((await user.client.get('/api/recovery/status')).body.pin).toEqual({ active: false, guessesLeft: null, allowance: null, updatedAt: null });
    // Off means off: the username is now answered by a decoy that never matches.
    expectError((await recoverPin(anonymous, user.username, RIGHT)).finish, 401, 'pin_recovery_failed', { guessesLeft: 9 });
    const types = (await auditEvents(user.client)).map((e) => e.type);
    expect(types.filter((t) => t === 'recovery.pin.registered')).toHaveLength(2);
    expect(types[0]).toBe('recovery.pin.removed');
  });

  it('refuses a bad element, weak Argon2 costs and another account\'s registration', async () => {
    const user = await registeredUser();
    const other = await createAccount(server, `pinner${++names}`);
    for (const bad of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      expectError(await user.client.post('/api/recovery/pin/register/start', { blindedElement: encodeBase64Url(bad) }), 400, 'invalid_request');
      expectError(await new ApiClient(server).post('/api/recovery/pin/start', { username: user.username, blindedElement: encodeBase64Url(bad) }), 400, 'invalid_request');
    }
    expect((await user.client.post('/api/recovery/pin/params', { username: user.username })).body.guessesLeft).toBe(10); // nothing spent
    const start = await user.client.post('/api/recovery/pin/register/start', { blindedElement: blindPin(RIGHT).blindedElement });
    const finish = { registrationId: start.body.registrationId, salt: encodeBase64Url(randomBytes(16)), argon2: ARGON2, tag: encodeBase64Url(randomBytes(32)), wrap: 'd3JhcA' };
    expectError(await user.client.post('/api/recovery/pin/register/finish', { ...finish, argon2: { ...ARGON2, memoryKiB: 32768 } }), 400, 'invalid_request');
    expectError(await user.client.post('/api/recovery/pin/register/finish', { ...finish, argon2: { ...ARGON2, iterations: 2 } }), 400, 'invalid_request');
    expectError(await other.client.post('/api/recovery/pin/register/finish', finish), 400, 'challenge_invalid');
    expect((await other.client.get('/api/recovery/status')).body.pin.active).toBe(false);
  });
});
