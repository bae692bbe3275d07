import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { HKDF_INFO_KIT_AUTH } from '../../protocol/constants';
import { auditEvents, createAccount, deviceSignIn, newDeviceKey, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { dumpDatabase, encodingsOf } from '../../test/helpers/recovery';


/**
 * A kit as the client makes it, without the words: 16 entropy bytes, kitAuth = HKDF(entropy,
 * "keyhold/kit-auth/v1") and its SHA-256. The wrap is opaque to the server, so any blob does here
 * (src/vault/account/recovery-kit.test.ts opens real ones).
 */
function newKit() {
  const entropy = randomBytes(16);
  const kitAuth = new Uint8Array(hkdfSync('sha256', entropy, new Uint8Array(0), HKDF_INFO_KIT_AUTH, 32));
  return {
    entropy,
    kitAuth: encodeBase64Url(kitAuth),
    kitAuthBytes: kitAuth,
    body: { wrap: encodeBase64Url(randomBytes(61)), authHash: encodeBase64Url(createHash('sha256').update(kitAuth).digest()) },
  };
}

describe.each(DIALECTS)('recovery kit (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  async function userWithKit(): Promise<TestUser & { kit: ReturnType<typeof newKit> }> {
    const user = await createAccount(server, `kitholder${++names}`);
    await user.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 });
    const kit = newKit();
    expect((await user.client.put('/api/recovery/kit', kit.body)).status).toBe(200);
    return { ...user, kit };
  }
  const recover = (client: ApiClient, username: string, kitAuth: string) => client.post('/api/recovery/kit/recover', { username, kitAuth });

  it('stores a kit, says so in the recovery status, and replaces it with the next one (audited both times)', async () => {
    const user = await createAccount(server, `kitholder${++names}`);
    expect((await user.client.get('/api/recovery/status')).body.kit).toEqual({ active: false, createdAt: null });
    const first = await user.client.put('/api/recovery/kit', newKit().body);
    expect(first.body).toEqual({ createdAt: server.clock.now, replaced: false });
    server.clock.now += 1000;
    const second = await user.client.put('/api/recovery/kit', newKit().body);
    expect(second.body).toEqual({ createdAt: server.clock.now, replaced: true });
    expect((await user.client.get('/api/recovery/status')).body.kit).toEqual({ active: true, createdAt: server.clock.now });
    const created = (await auditEvents(user.client)).filter((e) => e.type === 'recovery.kit.created');
    expect(created.map((e) => e.data)).toEqual([{ replaced: true }, { replaced: false }]);
  });

  it('takes a kit from a device session, never from a recovery session or no session', async () => {
    const user = await userWithKit();
    const phone = await registerDevice(user);
    const { client: device } = await deviceSignIn(server, phone.deviceId, phone.privateKey);
    expect((await device.put('/api/recovery/kit', newKit().body)).body.replaced).toBe(true);
    const recovering = new ApiClient(server);
    const fresh = newKit();
    expect((await device.put('/api/recovery/kit', fresh.body)).status).toBe(200);
    expect((await recover(recovering, user.username, fresh.kitAuth)).status).toBe(200);
    expectError(await recovering.put('/api/recovery/kit', newKit().body), 403, 'forbidden_scope');
    expectError(await new ApiClient(server).put('/api/recovery/kit', newKit().body), 401, 'unauthenticated');
  });

  it('refuses a malformed kit or kitAuth with 400 invalid_request', async () => {
    const user = await createAccount(server, `kitholder${++names}`);
    const { body } = newKit();
    expectError(await user.client.put('/api/recovery/kit', { ...body, authHash: encodeBase64Url(randomBytes(31)) }), 400, 'invalid_request');
    expectError(await user.client.put('/api/recovery/kit', { ...body, wrap: 'not base64url!' }), 400, 'invalid_request');
    expectError(await user.client.put('/api/recovery/kit', { authHash: body.authHash }), 400, 'invalid_request');
    expectError(await recover(new ApiClient(server), user.username, encodeBase64Url(randomBytes(16))), 400, 'invalid_request');
    expect((await user.client.get('/api/recovery/status')).body.kit.active).toBe(false);
  });

  it('recovers with the right kitAuth: the wrap, the key bundle and a recovery session that can register a device', async () => {
    const user = await userWithKit();
    const device = new ApiClient(server);
    const reply = await recover(device, user.username.toUpperCase(), user.kit.kitAuth);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ userId: user.userId, username: user.username, wrap: user.kit.body.wrap, createdAt: server.clock.now, keyBundle: { blob: 'a2V5LWJ1bmRsZQ' } });
    expect(reply.body.session).toMatchObject({ userId: user.userId, scope: 'recovery' });
    expect((await device.get('/api/backup')).status).toBe(200);
    const key = await newDeviceKey();
    expect((await device.post('/api/devices', { name: 'Recovered phone', publicKey: key.publicKey })).status).toBe(200);
    // A recovery session may set the device up, not change the routes.
    expectError(await device.delete('/api/recovery/kit'), 403, 'forbidden_scope');
    const used = (await auditEvents(user.client)).find((e) => e.type === 'recovery.kit.used');
    expect(used?.data).toEqual({ address: expect.any(String) });
  });

  it('answers a wrong code, an unknown username and an account without a kit the same way: 401 kit_invalid', async () => {
    const user = await userWithKit();
    const withoutKit = await createAccount(server, `kitholder${++names}`);
    const client = new ApiClient(server);
    const replies = [
      await recover(client, user.username, newKit().kitAuth),
      await recover(client, 'nobody-here', user.kit.kitAuth),
      await recover(client, withoutKit.username, user.kit.kitAuth),
      // The digest itself is no key: only kitAuth opens.
      await recover(client, user.username, user.kit.body.authHash),
    ];
    for (const reply of replies) expectError(reply, 401, 'kit_invalid');
    expect(new Set(replies.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(client.cookie).toBeUndefined();
    expect((await auditEvents(user.client)).some((e) => e.type === 'recovery.kit.used')).toBe(false);
  });

  it('refuses the old code once the kit is replaced', async () => {
    const user = await userWithKit();
    const next = newKit();
    expect((await user.client.put('/api/recovery/kit', next.body)).status).toBe(200);
    expectError(await recover(new ApiClient(server), user.username, user.kit.kitAuth), 401, 'kit_invalid');
    expect((await recover(new ApiClient(server), user.username, next.kitAuth)).body.wrap).toBe(next.body.wrap);
  });

  it('turns the kit off with a passkey session only; then its code recovers nothing', async () => {
    const user = await userWithKit();
    const phone = await registerDevice(user);
    const { client: device } = await deviceSignIn(server, phone.deviceId, phone.privateKey);
    expectError(await device.delete('/api/recovery/kit'), 403, 'forbidden_scope');
    expect((await signInWithPasskey(user)).status).toBe(200);
    expect((await user.client.delete('/api/recovery/kit')).body).toEqual({ ok: true });
    expectError(await user.client.delete('/api/recovery/kit'), 404, 'recovery_not_set_up');
    expectError(await recover(new ApiClient(server), user.username, user.kit.kitAuth), 401, 'kit_invalid');
    expect((await user.client.get('/api/recovery/status')).body.kit).toEqual({ active: false, createdAt: null });
    const removed = (await auditEvents(user.client)).filter((e) => e.type === 'recovery.kit.removed');
    expect(removed.map((e) => e.data)).toEqual([{ reason: 'user' }]);
  });

  it('exports the wrap but never the digest of kitAuth; erasing the account deletes the kit', async () => {
    const user = await userWithKit();
    const exported = await user.client.get('/api/account/export');
    expect(exported.status).toBe(200);
    expect(exported.body.recovery.kit).toEqual({ createdAt: server.clock.now, wrap: user.kit.body.wrap });
    expect(JSON.stringify(exported.body)).not.toContain(user.kit.body.authHash);
    expect((await user.client.delete('/api/account')).status).toBe(200);
    expect(await server.store.db.selectFrom('recovery_kits').selectAll().where('user_id', '=', user.userId).execute()).toEqual([]);
    expectError(await recover(new ApiClient(server), user.username, user.kit.kitAuth), 401, 'kit_invalid');
  });

  it('keeps neither the code, its entropy nor kitAuth: only SHA-256(kitAuth) and the wrap', async () => {
    const user = await userWithKit();
    expect((await recover(new ApiClient(server), user.username, user.kit.kitAuth)).status).toBe(200);
    const dump = await dumpDatabase(server);
    for (const secret of [user.kit.entropy, user.kit.kitAuthBytes]) for (const spelling of encodingsOf(secret)) expect(dump).not.toContain(spelling);
    expect(dump).toContain(user.kit.body.authHash);
  });

  it('counts kit recoveries against the sign-in limit of the username, the right code included', async () => {
    const limited = await startTestServer(dialect, { SIGNIN_LIMIT_PER_ACCOUNT: '3', SIGNIN_LIMIT_PER_ADDRESS: '1000' });
    try {
      const user = await createAccount(limited, 'kitlimited');
      const kit = newKit();
      expect((await user.client.put('/api/recovery/kit', kit.body)).status).toBe(200);
      const attacker = new ApiClient(limited);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await recover(attacker, 'kitlimited', newKit().kitAuth)).status);
      expect(statuses).toEqual([401, 401, 401]);
      expectError(await recover(attacker, 'kitlimited', kit.kitAuth), 429, 'rate_limited');
    } finally {
      await limited.close();
    }
  });
});
