import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { auditEvents, createAccount, deviceSignIn, newDeviceKey, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { purgeDeviceApprovals } from '../store/device-approvals';

const MINUTE = 60_000;

/** A well-formed ephemeral public key (an uncompressed point's shape; the server never opens it). */
const publicKey = () => encodeBase64Url(Uint8Array.of(4, ...randomBytes(64)));
const sealed = () => ({ publicKey: publicKey(), ciphertext: encodeBase64Url(randomBytes(61)) });

describe.each(DIALECTS)('device approvals (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  /** An account with a key bundle and a signed-in device (a device session client). */
  async function account(): Promise<TestUser & { device: ApiClient; deviceId: string }> {
    const user = await createAccount(server, `approver${++names}`);
    await user.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 });
    const { deviceId, privateKey } = await registerDevice(user, 'Old phone');
    const { client: device } = await deviceSignIn(server, deviceId, privateKey);
    return { ...user, device, deviceId };
  }
  const ask = (client: ApiClient, username: string, key = publicKey()) => client.post('/api/device-approvals', { username, publicKey: key, deviceName: 'New phone' });
  const poll = (client: ApiClient, id: string, secret: string) => client.post(`/api/device-approvals/${id}/poll`, { secret });

  it('relays an approval: the signed-in device sees the request, its sealed answer reaches the requester once, with a recovery session and the key bundle', async () => {
    const user = await account();
    const newDevice = new ApiClient(server);
    const key = publicKey();
    const asked = await ask(newDevice, user.username, key);
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ id: expect.any(String), secret: expect.any(String), expiresAt: server.clock.now + 10 * MINUTE });
    expect((await poll(newDevice, asked.body.id, asked.body.secret)).body).toEqual({ state: 'pending' });

    const pending = await user.device.get('/api/device-approvals/pending');
    expect(pending.body.requests).toEqual([{ id: asked.body.id, publicKey: key, deviceName: 'New phone', deviceKey: null, app: { id: 'keyhold', name: 'Keyhold' }, createdAt: server.clock.now, expiresAt: asked.body.expiresAt }]);
    const answer = sealed();
    expect((await user.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: answer })).body).toEqual({ ok: true });
    expect((await user.device.get('/api/device-approvals/pending')).body.requests).toEqual([]);

    const collected = await poll(newDevice, asked.body.id, asked.body.secret);
    expect(collected.body).toMatchObject({ state: 'approved', sealed: answer, keyBundle: { blob: 'a2V5LWJ1bmRsZQ' } });
    expect(collected.body.session).toMatchObject({ userId: user.userId, username: user.username, scope: 'recovery' });
    expect((await newDevice.get('/api/backup')).status).toBe(200);
    expect((await poll(new ApiClient(server), asked.body.id, asked.body.secret)).body).toEqual({ state: 'collected' });

    const types = (await auditEvents(user.client)).map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['device_approval.collected', 'device_approval.approved', 'device_approval.requested']);
    const approved = (await auditEvents(user.client)).find((e) => e.type === 'device_approval.approved');
    expect(approved?.data).toEqual({ requestId: asked.body.id, deviceId: user.deviceId });
  });

  it('shows the approver the signing key the new device will register, so it can sign that key into the account log', async () => {
    const user = await account();
    const { publicKey: deviceKey } = await newDeviceKey();
    const asked = await new ApiClient(server).post('/api/device-approvals', { username: user.username, publicKey: publicKey(), deviceName: 'New phone', deviceKey });
    expect(asked.status).toBe(200);
    const pending = await user.device.get('/api/device-approvals/pending');
    expect(pending.body.requests.map((r: { deviceKey: unknown }) => r.deviceKey)).toEqual([deviceKey]);
    // A key that is not a P-256 point is refused at the door.
    const offCurve = { ...deviceKey, y: encodeBase64Url(new Uint8Array(32).fill(1)) };
    expectError(await new ApiClient(server).post('/api/device-approvals', { username: user.username, publicKey: publicKey(), deviceName: 'New phone', deviceKey: offCurve }), 400, 'invalid_request');
  });

  it('keeps nothing of the answer once it is collected, and never the polling secret', async () => {
    const user = await account();
    const asked = await ask(new ApiClient(server), user.username);
    const answer = sealed();
    await user.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: answer });
    await poll(new ApiClient(server), asked.body.id, asked.body.secret);
    const row = await server.store.db.selectFrom('device_approvals').selectAll().where('id', '=', asked.body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'collected', sealed: null, approver_public_key: null });
    expect(JSON.stringify(row)).not.toContain(asked.body.secret);
  });

  it('tells a denied requester so, and the request can no longer be approved', async () => {
    const user = await account();
    const newDevice = new ApiClient(server);
    const asked = await ask(newDevice, user.username);
    expect((await user.client.post(`/api/device-approvals/${asked.body.id}/deny`)).body).toEqual({ ok: true });
    expect((await poll(newDevice, asked.body.id, asked.body.secret)).body).toEqual({ state: 'denied' });
    expectError(await user.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: sealed() }), 404, 'not_found');
    expect(newDevice.cookie).toBeUndefined();
    expect((await auditEvents(user.client))[0]).toMatchObject({ type: 'device_approval.denied', data: { requestId: asked.body.id } });
  });

  it('refuses a wrong polling secret or an unknown id alike, and opens no session', async () => {
    const user = await account();
    const newDevice = new ApiClient(server);
    const asked = await ask(newDevice, user.username);
    await user.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: sealed() });
    const wrongSecret = encodeBase64Url(randomBytes(32));
    expectError(await poll(newDevice, asked.body.id, wrongSecret), 404, 'not_found');
    expectError(await poll(newDevice, encodeBase64Url(randomBytes(16)), asked.body.secret), 404, 'not_found');
    expect(newDevice.cookie).toBeUndefined();
    expect((await poll(newDevice, asked.body.id, asked.body.secret)).body.state).toBe('approved');
  });

  it('expires a request after ten minutes: polling and approving answer approval_expired, and it leaves the pending list', async () => {
    const user = await account();
    const newDevice = new ApiClient(server);
    const asked = await ask(newDevice, user.username);
    const approvedLate = await ask(newDevice, user.username);
    await user.device.post(`/api/device-approvals/${approvedLate.body.id}/approve`, { sealed: sealed() });
    server.clock.now += 10 * MINUTE;
    expect((await user.device.get('/api/device-approvals/pending')).body.requests).toEqual([]);
    expectError(await poll(newDevice, asked.body.id, asked.body.secret), 410, 'approval_expired');
    expectError(await user.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: sealed() }), 410, 'approval_expired');
    expectError(await user.client.post(`/api/device-approvals/${asked.body.id}/deny`), 410, 'approval_expired');
    expectError(await poll(newDevice, approvedLate.body.id, approvedLate.body.secret), 410, 'approval_expired');
    expect(newDevice.cookie).toBeUndefined();
    // The sweep drops what expired before its cut-off, and nothing still waiting.
    const fresh = await ask(newDevice, user.username);
    await purgeDeviceApprovals(server.store, server.clock.now + 1);
    const left = await server.store.db.selectFrom('device_approvals').select('id').where('id', 'in', [asked.body.id, approvedLate.body.id, fresh.body.id]).execute();
    expect(left.map((r) => r.id)).toEqual([fresh.body.id]);
  });

  it('answers an unknown username like a real one; its request stays pending until it expires and no account sees it', async () => {
    const user = await account();
    const newDevice = new ApiClient(server);
    const asked = await ask(newDevice, 'nobody-here');
    expect(asked.status).toBe(200);
    expect(Object.keys(asked.body).sort()).toEqual(['expiresAt', 'id', 'secret']);
    expect((await poll(newDevice, asked.body.id, asked.body.secret)).body).toEqual({ state: 'pending' });
    expect((await user.device.get('/api/device-approvals/pending')).body.requests).toEqual([]);
    expectError(await user.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: sealed() }), 404, 'not_found');
    server.clock.now += 10 * MINUTE;
    expectError(await poll(newDevice, asked.body.id, asked.body.secret), 410, 'approval_expired');
  });

  it('lets only the account\'s own sessions list, approve or deny its requests', async () => {
    const victim = await account();
    const other = await account();
    const asked = await ask(new ApiClient(server), victim.username);
    expect((await other.device.get('/api/device-approvals/pending')).body.requests).toEqual([]);
    expectError(await other.device.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: sealed() }), 404, 'not_found');
    expectError(await other.client.post(`/api/device-approvals/${asked.body.id}/deny`), 404, 'not_found');
    const anonymous = new ApiClient(server);
    expectError(await anonymous.get('/api/device-approvals/pending'), 401, 'unauthenticated');
    expectError(await anonymous.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: sealed() }), 401, 'unauthenticated');
    // A recovery session (what a collected approval opens) may list the account's requests, not answer them.
    const helper = await ask(new ApiClient(server), other.username);
    const newcomer = new ApiClient(server);
    const second = await ask(newcomer, other.username);
    await other.device.post(`/api/device-approvals/${second.body.id}/approve`, { sealed: sealed() });
    await poll(newcomer, second.body.id, second.body.secret);
    expect((await newcomer.get('/api/device-approvals/pending')).body.requests.map((r: { id: string }) => r.id)).toEqual([helper.body.id]);
    expectError(await newcomer.post(`/api/device-approvals/${helper.body.id}/approve`, { sealed: sealed() }), 403, 'forbidden_scope');
    expectError(await newcomer.post(`/api/device-approvals/${helper.body.id}/deny`), 403, 'forbidden_scope');
  });

  it('holds at most three waiting requests per username, known or not', async () => {
    const user = await account();
    for (const username of [user.username, 'no-such-user-3']) {
      for (let i = 0; i < 3; i++) expect((await ask(new ApiClient(server), username)).status).toBe(200);
      expectError(await ask(new ApiClient(server), username), 429, 'rate_limited');
    }
    server.clock.now += 10 * MINUTE;
    expect((await ask(new ApiClient(server), user.username)).status).toBe(200);
  });

  it('drops the account\'s requests when the account is erased; the requester then hears not_found', async () => {
    const user = await account();
    const newDevice = new ApiClient(server);
    const asked = await ask(newDevice, user.username);
    expect((await user.client.delete('/api/account')).status).toBe(200);
    expect(await server.store.db.selectFrom('device_approvals').selectAll().where('id', '=', asked.body.id).execute()).toEqual([]);
    expectError(await poll(newDevice, asked.body.id, asked.body.secret), 404, 'not_found');
  });

  it('refuses malformed keys and secrets with invalid_request', async () => {
    const user = await account();
    const client = new ApiClient(server);
    expectError(await client.post('/api/device-approvals', { username: user.username, publicKey: encodeBase64Url(randomBytes(65).fill(2, 0, 1)), deviceName: 'x' }), 400, 'invalid_request');
    expectError(await client.post('/api/device-approvals', { username: user.username, publicKey: encodeBase64Url(randomBytes(33)), deviceName: 'x' }), 400, 'invalid_request');
    expectError(await client.post('/api/device-approvals', { username: user.username, publicKey: 'not+base64/url=', deviceName: 'x' }), 400, 'invalid_request');
    const asked = await ask(client, user.username);
    expectError(await poll(client, asked.body.id, 'short'), 400, 'invalid_request');
  });
});

describe('device approval rate limits (sqlite)', () => {
  it('counts requests per username in the database and answers rate_limited', async () => {
    const server = await startTestServer('sqlite', { SIGNIN_LIMIT_PER_ACCOUNT: '2', SIGNIN_LIMIT_PER_ADDRESS: '10000' });
    try {
      const ask = () => new ApiClient(server).post('/api/device-approvals', { username: 'someone', publicKey: publicKey(), deviceName: 'New phone' });
      expect((await ask()).status).toBe(200);
      expect((await ask()).status).toBe(200);
      expectError(await ask(), 429, 'rate_limited');
    } finally {
      await server.close();
    }
  });
});
