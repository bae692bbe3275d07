/**
 * Managing devices from the app: renaming, "last seen", and passkey sign-ins bound to the device
 * they happen on (so that removing a device ends every session it holds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { answerSignIn, auditEvents, createAccount, deviceSignIn, newDeviceKey, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { pinInput, recoverPin, registerPinRecovery } from '../../test/helpers/recovery';


describe.each(DIALECTS)('managing devices (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `manage-${++n}`);
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  const deviceList = async (client: ApiClient) => (await client.get('/api/devices')).body.devices as Array<{ id: string; name: string; current: boolean; lastSeenAt: number | null }>;

  /** A passkey sign-in on a fresh browser, telling the server which device it happens on. */
  async function passkeySignInOn(user: TestUser, deviceId: string | undefined, client = new ApiClient(server)) {
    const { response } = await answerSignIn(client, user.username, user.authenticator);
    const reply = await client.post('/api/passkeys/signin/verify', { response: withoutPrfOutput(response), ...(deviceId ? { deviceId } : {}) });
    return { client, reply };
  }

  it('renames a device under a passkey or a device session; the list and the activity log show the new name', async () => {
    const user = await newUser();
    const device = await registerDevice(user, 'Android phone');
    const byPasskey = await user.client.patch(`/api/devices/${device.deviceId}`, { name: '  Work phone ' });
    expect(byPasskey.status).toBe(200);
    expect(byPasskey.body).toMatchObject({ id: device.deviceId, name: 'Work phone', current: true, revokedAt: null }); // it registered the device

    const { client: phone } = await deviceSignIn(server, device.deviceId, device.privateKey);
    const byDevice = await phone.patch(`/api/devices/${device.deviceId}`, { name: 'My phone' });
    expect(byDevice.status).toBe(200);
    expect(byDevice.body).toMatchObject({ name: 'My phone', current: true });
    expect((await deviceList(user.client)).map((d) => d.name)).toEqual(['My phone']);
    const renames = (await auditEvents(user.client)).filter((e) => e.type === 'device.renamed');
    expect(renames.map((e) => e.data)).toEqual([
      { deviceId: device.deviceId, name: 'My phone' },
      { deviceId: device.deviceId, name: 'Work phone' },
    ]);
  });

  it('refuses renaming what is not the account\'s, a bad name, a recovery session and no session, and changes nothing', async () => {
    const user = await newUser();
    const other = await newUser();
    const mine = await registerDevice(user, 'Tablet');
    const theirs = await registerDevice(other, 'Their phone');
    for (const id of [theirs.deviceId, 'bm8tc3VjaC1kZXZpY2U']) {
      const reply = await user.client.patch(`/api/devices/${id}`, { name: 'Mine now' });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
    }
    for (const name of ['', '   ', 'x'.repeat(65), 'tab\there']) {
      const reply = await user.client.patch(`/api/devices/${mine.deviceId}`, { name });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    }
    await registerPinRecovery(user.client, pinInput(user.username));
    const recovering = new ApiClient(server);
    await recoverPin(recovering, user.username, pinInput(user.username));
    const byRecovery = await recovering.patch(`/api/devices/${mine.deviceId}`, { name: 'Recovered' });
    expect(byRecovery.status).toBe(403);
    expect(byRecovery.body.error.code).toBe('forbidden_scope');
    const anonymous = await new ApiClient(server).patch(`/api/devices/${mine.deviceId}`, { name: 'Nobody' });
    expect(anonymous.status).toBe(401);
    expect((await deviceList(user.client)).map((d) => d.name)).toEqual(['Tablet']);
    expect((await deviceList(other.client)).map((d) => d.name)).toEqual(['Their phone']);
  });

  it('moves lastSeenAt forward at each device sign-in', async () => {
    const user = await newUser();
    const device = await registerDevice(user);
    expect((await deviceList(user.client))[0]!.lastSeenAt).toBeNull();
    const first = server.clock.now;
    await deviceSignIn(server, device.deviceId, device.privateKey);
    expect((await deviceList(user.client))[0]!.lastSeenAt).toBe(first);
    server.clock.now += 20 * 60_000; // within the passkey session's idle limit
    await deviceSignIn(server, device.deviceId, device.privateKey);
    expect((await deviceList(user.client))[0]!.lastSeenAt).toBe(first + 20 * 60_000);
  });

  it('binds a passkey sign-in to the device it happens on: the device is current and seen, and removing it ends that session', async () => {
    const user = await newUser();
    const device = await registerDevice(user, 'Phone');
    server.clock.now += 60_000;
    const { client: phone, reply } = await passkeySignInOn(user, device.deviceId);
    expect(reply.status).toBe(200);
    expect(reply.body.session).toMatchObject({ scope: 'passkey', deviceId: device.deviceId });
    expect(await deviceList(phone)).toEqual([expect.objectContaining({ id: device.deviceId, current: true, lastSeenAt: server.clock.now })]);
    expect((await auditEvents(user.client)).find((e) => e.type === 'signin.passkey.success')?.data).toMatchObject({ deviceId: device.deviceId });

    const { client: laptop } = await passkeySignInOn(user, undefined);
    expect((await laptop.delete(`/api/devices/${device.deviceId}`)).status).toBe(200);
    const afterwards = await phone.get('/api/records/changes');
    expect(afterwards.status).toBe(401);
    expect(afterwards.body.error.code).toBe('unauthenticated');
    expect((await laptop.get('/api/records/changes')).status).toBe(200);
  });

  it('refuses binding a passkey sign-in to a removed device or to another account\'s, and opens no session', async () => {
    const user = await newUser();
    const other = await newUser();
    const removed = await registerDevice(user);
    const theirs = await registerDevice(other);
    expect((await user.client.delete(`/api/devices/${removed.deviceId}`)).status).toBe(200);
    const cases = [
      { deviceId: removed.deviceId, status: 401, code: 'device_revoked' },
      { deviceId: theirs.deviceId, status: 404, code: 'not_found' },
    ];
    for (const { deviceId, status, code } of cases) {
      const { client, reply } = await passkeySignInOn(user, deviceId);
      expect(reply.status).toBe(status);
      expect(reply.body.error.code).toBe(code);
      expect(client.cookie).toBeUndefined();
    }
    expect((await deviceList(other.client))[0]!.lastSeenAt).toBeNull();
  });

  it('binds the session that registers a device (onboarding\'s passkey session, a recovery session) to it: removing the device ends it', async () => {
    const user = await newUser();
    await registerPinRecovery(user.client, pinInput(user.username));
    const recovering = new ApiClient(server);
    expect((await recoverPin(recovering, user.username, pinInput(user.username))).finish?.status).toBe(200);
    const { publicKey } = await newDeviceKey();
    const recovered = await recovering.post('/api/devices', { name: 'Recovered phone', publicKey });
    expect(recovered.body.current).toBe(true);
    expect((await recovering.get('/api/session')).body).toMatchObject({ scope: 'recovery', deviceId: recovered.body.id });
    const first = await registerDevice(user, 'First phone');

    const { client: laptop } = await passkeySignInOn(user, undefined);
    for (const [id, session] of [[recovered.body.id as string, recovering], [first.deviceId, user.client]] as const) {
      expect((await session.get('/api/backup')).status).toBe(200);
      expect((await laptop.delete(`/api/devices/${id}`)).status).toBe(200);
      const after = await session.get('/api/backup');
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('unauthenticated');
    }
  });
});
