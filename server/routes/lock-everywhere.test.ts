import { randomBytes, webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { FRESH_PASSKEY_SECONDS } from '../../protocol/constants';
import { deviceSignInMessage, lockEverywhereMessage } from '../../protocol/device-signin';
import { addPasskey, auditEvents, createAccount, deviceSignIn, newDeviceKey, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { ARGON2, blindPin, currentCode, enrollTotp, pinInput, recoverPin, registerPinRecovery } from '../../test/helpers/recovery';

const TOTP_STEP_MS = 30_000;
const blob = (bytes = 96) => encodeBase64Url(new Uint8Array(randomBytes(bytes)));

type Device = Awaited<ReturnType<typeof registerDevice>>;

describe.each(DIALECTS)('lock everywhere (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** The kept device's proof: its signature over a challenge issued to it, for `message` (the lock's own by default). */
  async function proofOf(device: Device, sign = lockEverywhereMessage, client = new ApiClient(server)) {
    const { body } = await client.post('/api/devices/challenge', { deviceId: device.deviceId });
    const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.privateKey, sign(ORIGIN, body.challenge));
    return { challenge: body.challenge as string, signature: encodeBase64Url(new Uint8Array(signature)) };
  }

  /** A PIN recovery registration started (pending) under `client`'s session, and the finish body for it. */
  async function pendingPinRegistration(client: ApiClient, label: string) {
    const blinded = blindPin(pinInput(label));
    const start = await client.post('/api/recovery/pin/register/start', { blindedElement: blinded.blindedElement });
    expect(start.status).toBe(200);
    const wrap = blob(61);
    const finish = { registrationId: start.body.registrationId, salt: blob(16), argon2: ARGON2, tag: blinded.tagFor(start.body.evaluatedElement), wrap };
    return { finish, wrap };
  }

  /** An account as a phone leaves it: a key bundle, a wrap_prf, two devices (A here, B elsewhere). */
  async function account(): Promise<TestUser & { a: Device; b: Device; bundle: string }> {
    const user = await createAccount(server, `locker${++names}`);
    const bundle = blob(400);
    expect((await user.client.put('/api/backup/key-bundle', { blob: bundle, expectedVersion: 0 })).status).toBe(200);
    expect((await user.client.put(`/api/backup/wrap-prf/${user.credentialId}`, { blob: blob(61), expectedVersion: 0 })).status).toBe(200);
    const a = await registerDevice(user, 'Phone A');
    const b = await registerDevice(user, 'Tablet B');
    return { ...user, a, b, bundle };
  }

  async function lockBody(user: TestUser & { a: Device }, overrides: Record<string, unknown> = {}) {
    return {
      keepDeviceId: user.a.deviceId,
      deviceProof: await proofOf(user.a),
      keyBundle: { blob: blob(400), expectedVersion: 1 },
      wrapPrf: [{ credentialId: user.credentialId, blob: blob(61) }],
      totp: null,
      pin: null,
      ...overrides,
    };
  }

  const lock = (client: ApiClient, body: unknown) => client.post('/api/account/lock-everywhere', body);

  /** What a refused lock must leave as it was. */
  async function snapshot(userId: string) {
    const db = server.store.db;
    return JSON.stringify(
      await Promise.all([
        db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('id').execute(),
        db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('id_hash').execute(),
        db.selectFrom('secret_blobs').selectAll().where('user_id', '=', userId).orderBy('kind').orderBy('ref').execute(),
        db.selectFrom('pin_recovery').selectAll().where('subject', '=', userId).execute(),
        db.selectFrom('totp_recovery').selectAll().where('subject', '=', userId).execute(),
        db.selectFrom('recovery_kits').selectAll().where('user_id', '=', userId).execute(),
        db.selectFrom('audit_log').select(['seq', 'type']).where('user_id', '=', userId).orderBy('seq').execute(),
      ]),
    );
  }

  it('revokes every other device, ends every other session and swaps the bundle, the PRF wraps, the TOTP escrow and PIN recovery at once', async () => {
    const user = await account();
    const second = await addPasskey(user, 'Security key');
    expect(second.reply.status).toBe(200);
    const secondId = second.reply.body.passkey.id as string;
    expect((await user.client.put(`/api/backup/wrap-prf/${secondId}`, { blob: blob(61), expectedVersion: 0 })).status).toBe(200);
    await registerPinRecovery(user.client, pinInput(`old-${user.username}`));
    const totp = await enrollTotp(server, user.client);
    server.clock.now += TOTP_STEP_MS;

    // Sessions a thief could hold: device B's, another passkey session, a recovery session; and A's own device session.
    const bSession = (await deviceSignIn(server, user.b.deviceId, user.b.privateKey)).client;
    const aSession = (await deviceSignIn(server, user.a.deviceId, user.a.privateKey)).client;
    const otherPasskey = new ApiClient(server);
    expect((await signInWithPasskey(user, otherPasskey)).status).toBe(200);
    const recovering = new ApiClient(server);
    expect((await recoverPin(recovering, user.username, pinInput(`old-${user.username}`))).finish?.status).toBe(200);
    const caller = new ApiClient(server);
    expect((await signInWithPasskey(user, caller)).status).toBe(200);

    const pin = await pendingPinRegistration(caller, `new-${user.username}`);
    const escrow = { r: encodeBase64Url(randomBytes(32)), escrowedWrap: blob(61) };
    const body = await lockBody(user, { totp: escrow, pin: pin.finish });
    const reply = await lock(caller, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({
      devicesRevoked: 1,
      sessionsEnded: 5, // the account's first passkey session, B, A's device session, the other passkey, the recovery
      keyBundleVersion: 2,
      wrapPrf: [{ credentialId: user.credentialId, version: 2 }],
      prfWrapsDropped: [{ credentialId: secondId, name: 'Security key' }],
      pinRecovery: 'registered',
      totp: 'rotated',
      kitRemoved: false,
    });

    for (const client of [bSession, aSession, otherPasskey, recovering, user.client]) expectError(await client.get('/api/session'), 401, 'unauthenticated');
    expect((await caller.get('/api/session')).body.scope).toBe('passkey');
    expectError((await deviceSignIn(server, user.b.deviceId, user.b.privateKey)).reply, 401, 'device_revoked');
    expect((await deviceSignIn(server, user.a.deviceId, user.a.privateKey)).reply.status).toBe(200);

    const backup = (await caller.get('/api/backup')).body;
    expect(backup.keyBundle).toMatchObject({ blob: body.keyBundle.blob, version: 2 });
    expect(backup.wrapPrf).toEqual([{ credentialId: user.credentialId, blob: body.wrapPrf[0]!.blob, version: 2, updatedAt: server.clock.now }]);

    // TOTP keeps its secret (the app goes on working) and releases the new escrow.
    const recovered = await new ApiClient(server).post('/api/recovery/totp/recover', { username: user.username, code: await currentCode(server, totp.secret) });
    expect(recovered.body).toMatchObject({ r: escrow.r, escrowedWrap: escrow.escrowedWrap });
    // PIN recovery answers the new registration only.
    expectError((await recoverPin(new ApiClient(server), user.username, pinInput(`old-${user.username}`))).finish!, 401, 'pin_recovery_failed');
    expect((await recoverPin(new ApiClient(server), user.username, pinInput(`new-${user.username}`))).finish?.body.wrap).toBe(pin.wrap);

    const entry = (await auditEvents(caller)).find((e) => e.type === 'account.locked_everywhere');
    expect(entry?.data).toMatchObject({ devicesRevoked: 1, sessionsEnded: 5, keptDeviceId: user.a.deviceId, pinRecovery: 'registered', totp: 'rotated' });
  });

  it('deletes the recovery kit, whose wrap opens the old root secret, and says so', async () => {
    const user = await account();
    const kit = { wrap: blob(61), authHash: encodeBase64Url(randomBytes(32)) };
    expect((await user.client.put('/api/recovery/kit', kit)).status).toBe(200);
    const reply = await lock(user.client, await lockBody(user));
    expect(reply.body).toMatchObject({ kitRemoved: true });
    expect((await user.client.get('/api/recovery/status')).body.kit).toEqual({ active: false, createdAt: null });
    const events = await auditEvents(user.client);
    expect(events.find((e) => e.type === 'recovery.kit.removed')?.data).toEqual({ reason: 'lock_everywhere' });
    expect(events.find((e) => e.type === 'account.locked_everywhere')?.data).toMatchObject({ kitRemoved: true });
  });

  it('turns PIN recovery off when no registration is sent, since its wrap opens the old root secret', async () => {
    const user = await account();
    await registerPinRecovery(user.client, pinInput(`old-${user.username}`));
    const reply = await lock(user.client, await lockBody(user));
    expect(reply.body).toMatchObject({ pinRecovery: 'removed', totp: 'off', devicesRevoked: 1, sessionsEnded: 0 });
    expect((await user.client.get('/api/recovery/status')).body.pin.active).toBe(false);
  });

  it('refuses a stale key bundle version with 409 and leaves every device, session, wrap and route as it was', async () => {
    const user = await account();
    await registerPinRecovery(user.client, pinInput(`old-${user.username}`));
    expect((await user.client.put('/api/recovery/kit', { wrap: blob(61), authHash: encodeBase64Url(randomBytes(32)) })).status).toBe(200);
    await deviceSignIn(server, user.b.deviceId, user.b.privateKey);
    const pin = await pendingPinRegistration(user.client, `new-${user.username}`);
    const before = await snapshot(user.userId);
    const reply = await lock(user.client, await lockBody(user, { keyBundle: { blob: blob(400), expectedVersion: 0 }, pin: pin.finish }));
    expectError(reply, 409, 'stale_version');
    expect(reply.body.error.currentVersion).toBe(1);
    expect(await snapshot(user.userId)).toBe(before);
    // The registration was not spent: nothing of the refused request happened.
    expect((await user.client.post('/api/recovery/pin/register/finish', pin.finish)).status).toBe(200);
  });

  it('refuses the TOTP escrow when TOTP is not enrolled, and its absence when it is', async () => {
    const user = await account();
    const escrow = { r: encodeBase64Url(randomBytes(32)), escrowedWrap: blob(61) };
    expectError(await lock(user.client, await lockBody(user, { totp: escrow })), 409, 'recovery_routes_changed');
    await enrollTotp(server, user.client);
    const before = await snapshot(user.userId);
    expectError(await lock(user.client, await lockBody(user)), 409, 'recovery_routes_changed');
    expect(await snapshot(user.userId)).toBe(before);
  });

  it('keeps only a device that proves itself with its own key, over a lock challenge issued to it', async () => {
    const user = await account();
    const before = await snapshot(user.userId);
    const impostor = { ...user.a, privateKey: (await newDeviceKey()).privateKey };
    expectError(await lock(user.client, await lockBody(user, { deviceProof: await proofOf(impostor) })), 401, 'signin_failed');
    // A device sign-in signature is not a lock proof (its own prefix).
    expectError(await lock(user.client, await lockBody(user, { deviceProof: await proofOf(user.a, deviceSignInMessage) })), 401, 'signin_failed');
    // A challenge issued to B, signed by B, does not keep A.
    expectError(await lock(user.client, await lockBody(user, { deviceProof: await proofOf(user.b) })), 400, 'challenge_invalid');
    expect(await snapshot(user.userId)).toBe(before);
    // A proof is single use.
    const proof = await proofOf(user.a);
    expect((await lock(user.client, await lockBody(user, { deviceProof: proof }))).status).toBe(200);
    expectError(await lock(user.client, await lockBody(user, { deviceProof: proof, keyBundle: { blob: blob(400), expectedVersion: 2 } })), 400, 'challenge_invalid');
  });

  it('refuses to keep a revoked device or another account\'s, and a wrap for another account\'s passkey', async () => {
    const user = await account();
    const other = await account();
    expectError(await lock(user.client, await lockBody(user, { keepDeviceId: other.a.deviceId, deviceProof: await proofOf(other.a) })), 404, 'not_found');
    expectError(await lock(user.client, await lockBody(user, { wrapPrf: [{ credentialId: other.credentialId, blob: blob(61) }] })), 404, 'not_found');
    // Removed from another browser: the session that registered A is bound to A and would end with it.
    const laptop = new ApiClient(server);
    expect((await signInWithPasskey(user, laptop)).status).toBe(200);
    expect((await laptop.delete(`/api/devices/${user.a.deviceId}`)).status).toBe(200);
    const before = await snapshot(user.userId);
    expectError(await lock(laptop, await lockBody(user)), 401, 'device_revoked');
    expect(await snapshot(user.userId)).toBe(before);
  });

  it('needs a fresh passkey sign-in: a device or recovery session, or an older passkey one, gets reauth_required; no session is unauthenticated', async () => {
    const user = await account();
    await registerPinRecovery(user.client, pinInput(`old-${user.username}`));
    const device = (await deviceSignIn(server, user.a.deviceId, user.a.privateKey)).client;
    expectError(await lock(device, await lockBody(user)), 401, 'reauth_required');
    const recovering = new ApiClient(server);
    await recoverPin(recovering, user.username, pinInput(`old-${user.username}`));
    expectError(await lock(recovering, await lockBody(user)), 401, 'reauth_required');
    expectError(await lock(new ApiClient(server), await lockBody(user)), 401, 'unauthenticated');
    server.clock.now += FRESH_PASSKEY_SECONDS * 1000 + 1;
    expectError(await lock(user.client, await lockBody(user)), 401, 'reauth_required');
  });

  it('refuses two wraps for one passkey and more wraps than the limit', async () => {
    const user = await account();
    const twice = [user.credentialId, user.credentialId].map((credentialId) => ({ credentialId, blob: blob(61) }));
    expectError(await lock(user.client, await lockBody(user, { wrapPrf: twice })), 400, 'invalid_request');
    const many = Array.from({ length: 17 }, () => ({ credentialId: blob(16), blob: blob(61) }));
    expectError(await lock(user.client, await lockBody(user, { wrapPrf: many })), 400, 'invalid_request');
  });
});
