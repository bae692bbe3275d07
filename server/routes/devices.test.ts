import { webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { CHALLENGE_TTL_MS } from '../../protocol/constants';
import { createAccount, deviceSignIn, newDeviceKey, readAuditLog, registerDevice, signDeviceChallenge, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';

describe.each(DIALECTS)('devices (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `dev-user-${++n}`);

  /** The account signed in with its passkey on another browser, whose session names no device. */
  async function passkeyClient(user: TestUser) {
    const client = new ApiClient(server);
    const reply = await signInWithPasskey(user, client);
    expect(reply.status).toBe(200);
    return { client };
  }

  /** Gets a challenge for `deviceId` on a fresh client. */
  async function challengeFor(deviceId: string, client = new ApiClient(server)) {
    const reply = await client.post('/api/devices/challenge', { deviceId });
    expect(reply.status).toBe(200);
    return { client, challenge: reply.body.challenge as string, expiresAt: reply.body.expiresAt as number };
  }

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  describe('registration', () => {
    it('registers a device with a P-256 public key under a passkey session', async () => {
      const user = await newUser();
      const { publicKey } = await newDeviceKey();
      const reply = await user.client.post('/api/devices', { name: 'Kitchen tablet', publicKey });
      expect(reply.status).toBe(200);
      // The session that registers a device is bound to it (devices-manage.test.ts): it is "current".
      expect(reply.body).toMatchObject({ name: 'Kitchen tablet', createdAt: server.clock.now, lastSeenAt: null, revokedAt: null, current: true });
      expect(reply.body.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const second = await user.client.post('/api/devices', { name: 'Second', publicKey: (await newDeviceKey()).publicKey });
      expect(second.body.current).toBe(false);
    });

    it('refuses a public key that is not a point on P-256', async () => {
      const user = await newUser();
      const offCurve = encodeBase64Url(new Uint8Array(32).fill(1));
      const reply = await user.client.post('/api/devices', { name: 'Bad', publicKey: { kty: 'EC', crv: 'P-256', x: offCurve, y: offCurve } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });

    it('refuses a key on another curve', async () => {
      const user = await newUser();
      const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
      const jwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
      const reply = await user.client.post('/api/devices', { name: 'P-384', publicKey: { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });

    it('refuses a JWK carrying the private scalar d, and does not echo it', async () => {
      const user = await newUser();
      const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const priv = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
      const reply = await user.client.post('/api/devices', { name: 'Leaky', publicKey: { kty: 'EC', crv: 'P-256', x: priv.x, y: priv.y, d: priv.d } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect(JSON.stringify(reply.body)).not.toContain(priv.d);
      expect((await user.client.get('/api/devices')).body.devices).toEqual([]);
    });

    it('does not let a device session register or revoke devices', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client } = await deviceSignIn(server, device.deviceId, device.privateKey);
      const register = await client.post('/api/devices', { name: 'Sneaky', publicKey: (await newDeviceKey()).publicKey });
      expect(register.status).toBe(403);
      expect(register.body.error.code).toBe('forbidden_scope');
      // Removing needs a passkey sign-in of the last five minutes (fresh-passkey.test.ts).
      const revoke = await client.delete(`/api/devices/${device.deviceId}`);
      expect(revoke.status).toBe(401);
      expect(revoke.body.error.code).toBe('reauth_required');
      expect((await user.client.get('/api/devices')).body.devices).toHaveLength(1);
    });
  });

  describe('sign-in with a device key', () => {
    it('opens a device-scoped session without any passkey and marks the device current', async () => {
      const user = await newUser();
      const device = await registerDevice(user, 'Laptop');
      const { client, reply } = await deviceSignIn(server, device.deviceId, device.privateKey);
      expect(reply.status).toBe(200);
      expect(reply.body.session).toMatchObject({ userId: user.userId, username: user.username, scope: 'device', deviceId: device.deviceId });
      const session = await client.get('/api/session');
      expect(session.status).toBe(200);
      expect(session.body).toMatchObject({ scope: 'device', deviceId: device.deviceId, userId: user.userId });

      const seenByDevice = await client.get('/api/devices');
      expect(seenByDevice.body.devices).toEqual([expect.objectContaining({ id: device.deviceId, current: true, lastSeenAt: server.clock.now })]);
      const { client: laptop } = await passkeyClient(user);
      const seenByPasskey = await laptop.get('/api/devices');
      expect(seenByPasskey.body.devices).toEqual([expect.objectContaining({ id: device.deviceId, current: false })]);
    });

    it('refuses a signature made with another key', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const impostor = await newDeviceKey();
      const { client, challenge } = await challengeFor(device.deviceId);
      const reply = await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature: await signDeviceChallenge(impostor.privateKey, challenge) });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('signin_failed');
      expect(client.cookie).toBeUndefined();
      expect((await client.get('/api/session')).status).toBe(401);
    });

    it('refuses a signature that is not 64 bytes', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client, challenge } = await challengeFor(device.deviceId);
      const reply = await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature: encodeBase64Url(new Uint8Array(70)) });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('signin_failed');
    });

    it('refuses a signature over the same challenge for another origin', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client, challenge } = await challengeFor(device.deviceId);
      const signature = await signDeviceChallenge(device.privateKey, challenge, 'https://keyhold.evil.example');
      const reply = await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('signin_failed');
    });

    it('refuses a replayed challenge, even with a valid signature', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client, challenge } = await challengeFor(device.deviceId);
      const signature = await signDeviceChallenge(device.privateKey, challenge);
      expect((await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature })).status).toBe(200);
      const replay = await new ApiClient(server).post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature });
      expect(replay.status).toBe(400);
      expect(replay.body.error.code).toBe('challenge_invalid');
    });

    it('refuses a challenge issued for another device', async () => {
      const user = await newUser();
      const a = await registerDevice(user, 'A');
      const b = await registerDevice(user, 'B');
      const { client, challenge } = await challengeFor(a.deviceId);
      const reply = await client.post('/api/devices/signin', { deviceId: b.deviceId, challenge, signature: await signDeviceChallenge(b.privateKey, challenge) });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('challenge_invalid');
    });

    it('refuses a challenge once its five minutes are over', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client, challenge, expiresAt } = await challengeFor(device.deviceId);
      expect(expiresAt).toBe(server.clock.now + CHALLENGE_TTL_MS);
      server.clock.now += CHALLENGE_TTL_MS;
      const reply = await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature: await signDeviceChallenge(device.privateKey, challenge) });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('challenge_expired');
    });

    it('answers an unknown device id with a challenge like any other, then fails the sign-in', async () => {
      const user = await newUser();
      const known = await registerDevice(user);
      const unknownId = encodeBase64Url(new Uint8Array(16).fill(9));
      const forKnown = await challengeFor(known.deviceId);
      const forUnknown = await challengeFor(unknownId);
      expect(Object.keys(forUnknown).sort()).toEqual(Object.keys(forKnown).sort());
      expect(forUnknown.challenge).toHaveLength(forKnown.challenge.length);
      expect(forUnknown.expiresAt).toBe(forKnown.expiresAt);

      const stranger = await newDeviceKey();
      const reply = await forUnknown.client.post('/api/devices/signin', {
        deviceId: unknownId, challenge: forUnknown.challenge, signature: await signDeviceChallenge(stranger.privateKey, forUnknown.challenge),
      });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('signin_failed');
    });
  });

  describe('revocation', () => {
    it('ends the revoked device\'s sessions and refuses its later sign-ins', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client } = await deviceSignIn(server, device.deviceId, device.privateKey);
      expect((await client.get('/api/backup')).status).toBe(200);

      const { client: laptop } = await passkeyClient(user);
      const revoke = await laptop.delete(`/api/devices/${device.deviceId}`);
      expect(revoke.status).toBe(200);
      expect(revoke.body).toEqual({ ok: true });

      // Its device session ends, and so does the passkey session that registered it.
      for (const session of [client, user.client]) {
        const afterwards = await session.get('/api/backup');
        expect(afterwards.status).toBe(401);
        expect(afterwards.body.error.code).toBe('unauthenticated');
      }
      const again = await deviceSignIn(server, device.deviceId, device.privateKey);
      expect(again.reply.status).toBe(401);
      expect(again.reply.body.error.code).toBe('device_revoked');
      expect((await readAuditLog(laptop)).at(-1)).toMatchObject({ type: 'signin.device.failure', data: { deviceId: device.deviceId, reason: 'revoked' } });

      const listed = await laptop.get('/api/devices');
      expect(listed.body.devices).toEqual([expect.objectContaining({ id: device.deviceId, revokedAt: server.clock.now })]);
      const twice = await laptop.delete(`/api/devices/${device.deviceId}`);
      expect(twice.status).toBe(404);
      expect(twice.body.error.code).toBe('not_found');
    });

    it('does not confirm a revoked device to someone without its key', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      expect((await user.client.delete(`/api/devices/${device.deviceId}`)).status).toBe(200);
      const stranger = await newDeviceKey();
      const { client, challenge } = await challengeFor(device.deviceId);
      const reply = await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge, signature: await signDeviceChallenge(stranger.privateKey, challenge) });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('signin_failed');
    });

    it('answers not_found for another user\'s device and leaves it working', async () => {
      const owner = await newUser();
      const other = await newUser();
      const device = await registerDevice(owner);
      const reply = await other.client.delete(`/api/devices/${device.deviceId}`);
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
      expect((await deviceSignIn(server, device.deviceId, device.privateKey)).reply.status).toBe(200);
      expect((await other.client.get('/api/devices')).body.devices).toEqual([]);
    });
  });

  it('records registration, sign-in success and failure, and revocation in the audit log', async () => {
    const user = await newUser();
    const device = await registerDevice(user, 'Audited');
    expect((await deviceSignIn(server, device.deviceId, device.privateKey)).reply.status).toBe(200);
    const impostor = await newDeviceKey();
    expect((await deviceSignIn(server, device.deviceId, impostor.privateKey)).reply.body.error.code).toBe('signin_failed');
    const { client: laptop } = await passkeyClient(user);
    expect((await laptop.delete(`/api/devices/${device.deviceId}`)).status).toBe(200);

    const log = await readAuditLog(laptop);
    const deviceEvents = log.filter((e) => e.type.startsWith('device.') || e.type.startsWith('signin.device.'));
    expect(deviceEvents.map((e) => e.type)).toEqual(['device.registered', 'signin.device.success', 'signin.device.failure', 'device.revoked']);
    expect(deviceEvents.every((e) => e.data.deviceId === device.deviceId)).toBe(true);
    expect(deviceEvents[0]!.data).toMatchObject({ name: 'Audited' });
    expect(deviceEvents[2]!.data).toMatchObject({ reason: 'bad_signature' });
  });
});
