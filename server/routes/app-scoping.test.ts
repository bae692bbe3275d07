/**
 * One key server, two apps (issue 17): Keyhold on ORIGIN and Field notes on NOTES_ORIGIN. Each
 * app has its own session cookie, its own device keys and its own sessions; the account (devices
 * list, removal, lock everywhere, audit) is reachable from either. Records: records-apps.test.ts.
 */
import { webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { deviceSignInMessage, lockEverywhereMessage } from '../../protocol/device-signin';
import { answerSignIn, createAccount, deviceSignIn, newDeviceKey, readAuditLog, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, NOTES_ORIGIN, ORIGIN, startTwoAppServer, type TestServer } from '../../test/helpers/harness';
import { newRecordId, putRecord } from '../../test/helpers/records';
import { registerApp, unregisterApp } from '../domain/app-registration';


describe.each(DIALECTS)('per-app device keys and sessions (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTwoAppServer(dialect);
  });
  afterAll(() => server.close());

  const newUser = (): Promise<TestUser> => createAccount(server, `scoped${++names}`);
  /** A browser on `origin` (another tab of the same browser when `cookie` is given). */
  const browserOn = (origin: string, cookie?: string) => Object.assign(new ApiClient(server), { origin, cookie });
  /** The user signed in to Field notes with the account's passkey, on a fresh browser. */
  async function notesSession(user: TestUser): Promise<ApiClient> {
    const client = browserOn(NOTES_ORIGIN);
    expect((await signInWithPasskey(user, client)).status).toBe(200);
    return client;
  }
  const cookieNames = (client: ApiClient) => (client.cookie ?? '').split('; ').map((c) => c.slice(0, c.indexOf('=')));

  it('keeps a session per app: signing in to Field notes leaves Keyhold signed in, and signing out of one leaves the other', async () => {
    const user = await newUser();
    const browser = user.client;
    browser.origin = NOTES_ORIGIN;
    const signedIn = await signInWithPasskey(user, browser);
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('set-cookie')).toMatch(/^kh_session-fieldnotes=/);
    expect(cookieNames(browser).sort()).toEqual(['kh_session', 'kh_session-fieldnotes']);

    for (const origin of [NOTES_ORIGIN, ORIGIN]) {
      browser.origin = origin;
      expect((await browser.get('/api/session')).body).toMatchObject({ userId: user.userId, scope: 'passkey' });
    }
    const rows = await server.store.db.selectFrom('sessions').select('app_id').where('user_id', '=', user.userId).orderBy('app_id').execute();
    expect(rows.map((r) => r.app_id)).toEqual(['fieldnotes', 'keyhold']);

    browser.origin = NOTES_ORIGIN;
    expect((await browser.post('/api/session/signout')).status).toBe(200);
    expectError(await browser.get('/api/session'), 401, 'unauthenticated');
    browser.origin = ORIGIN;
    expect((await browser.get('/api/session')).status).toBe(200);
  });

  it('ignores one app\'s session on the other\'s requests, under either cookie name, on every session read', async () => {
    const user = await newUser();
    const keyholdToken = user.client.cookie!.split('=')[1]!;
    const notesToken = (await notesSession(user)).cookie!.split('=')[1]!;
    const replays: Array<[string, string]> = [
      [NOTES_ORIGIN, `kh_session=${keyholdToken}`],
      [NOTES_ORIGIN, `kh_session-fieldnotes=${keyholdToken}`],
      [ORIGIN, `kh_session-fieldnotes=${notesToken}`],
      [ORIGIN, `kh_session=${notesToken}`],
    ];
    for (const [origin, cookie] of replays) {
      const thief = browserOn(origin, cookie);
      for (const path of ['/api/session', '/api/backup', '/api/devices', '/api/records/changes']) expectError(await thief.get(path), 401, 'unauthenticated');
    }
    // Both sessions are still there for their own apps.
    expect((await browserOn(ORIGIN, `kh_session=${keyholdToken}`).get('/api/backup')).status).toBe(200);
    expect((await browserOn(NOTES_ORIGIN, `kh_session-fieldnotes=${notesToken}`).get('/api/backup')).status).toBe(200);
  });

  it('signs a device in to its own app only; to the other app it is refused exactly as an unknown device, and nothing is audited', async () => {
    const user = await newUser();
    const notesDevice = await registerDevice(user, 'Field phone', await notesSession(user));
    const keyholdDevice = await registerDevice(user, 'Phone');
    const before = (await readAuditLog(user.client)).length;

    const own = await deviceSignIn(server, notesDevice.deviceId, notesDevice.privateKey, browserOn(NOTES_ORIGIN));
    expect(own.reply.status).toBe(200);
    expect((await own.client.get('/api/session')).body).toMatchObject({ scope: 'device', deviceId: notesDevice.deviceId });
    expect((await deviceSignIn(server, keyholdDevice.deviceId, keyholdDevice.privateKey, browserOn(ORIGIN))).reply.status).toBe(200);

    const unknown = await deviceSignIn(server, 'bm8tc3VjaC1kZXZpY2U', notesDevice.privateKey, browserOn(ORIGIN));
    const crossed = [
      await deviceSignIn(server, notesDevice.deviceId, notesDevice.privateKey, browserOn(ORIGIN)),
      await deviceSignIn(server, keyholdDevice.deviceId, keyholdDevice.privateKey, browserOn(NOTES_ORIGIN)),
    ];
    for (const attempt of [unknown, ...crossed]) {
      expectError(attempt.reply, 401, 'signin_failed');
      expect(attempt.client.cookie).toBeUndefined();
    }
    expect(crossed.map((a) => a.reply.body)).toEqual([unknown.reply.body, unknown.reply.body]);
    // Only the two successful sign-ins were written down: a refusal as "unknown" leaves no trace in the account.
    expect((await readAuditLog(user.client)).slice(before).map((e) => e.type)).toEqual(['signin.device.success', 'signin.device.success']);
  });

  it('binds a passkey sign-in only to a device of its own app', async () => {
    const user = await newUser();
    const keyholdDevice = await registerDevice(user, 'Phone');
    const notes = browserOn(NOTES_ORIGIN);
    const { response } = await answerSignIn(notes, user.username, user.authenticator, { origin: NOTES_ORIGIN });
    expectError(await notes.post('/api/passkeys/signin/verify', { response: withoutPrfOutput(response), deviceId: keyholdDevice.deviceId }), 404, 'not_found');
    expect(notes.cookie).toBeUndefined();
  });

  it('opens a passkey session only for the app whose page made the assertion: one made on Keyhold\'s page, sent with Field notes\' Origin, opens nothing', async () => {
    const user = await newUser();
    const notes = browserOn(NOTES_ORIGIN);
    // The client data says Keyhold's origin; the request says Field notes' (a client that forges Origin).
    const { response } = await answerSignIn(notes, user.username, user.authenticator, { origin: ORIGIN });
    const reply = await notes.post('/api/passkeys/signin/verify', { response: withoutPrfOutput(response) });
    expect(reply.status, JSON.stringify(reply.body)).toBe(401);
    expect(notes.cookie).toBeUndefined();
    // The same passkey on Field notes' own page opens Field notes' session.
    expect((await signInWithPasskey(user, notes)).status).toBe(200);
  });

  it('refuses to register a device key that a live device of another app holds, even on an account without a log', async () => {
    const user = await newUser();
    const key = await newDeviceKey();
    expect((await user.client.post('/api/devices', { name: 'Phone', publicKey: key.publicKey })).status).toBe(200);
    const notes = await notesSession(user);
    expectError(await notes.post('/api/devices', { name: 'Field phone', publicKey: key.publicKey }), 400, 'app_mismatch');
    const devices = await user.client.get('/api/devices');
    expect(devices.body.devices.map((d: { app: { id: string } }) => d.app.id)).toEqual(['keyhold']);
  });

  it('binds a device sign-in to the request\'s origin: a signature made for another origin opens nothing', async () => {
    const user = await newUser();
    const device = await registerDevice(user, 'Field phone', await notesSession(user));
    const client = browserOn(NOTES_ORIGIN);
    const { body } = await client.post('/api/devices/challenge', { deviceId: device.deviceId });
    const signed = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.privateKey, deviceSignInMessage(ORIGIN, body.challenge));
    const reply = await client.post('/api/devices/signin', { deviceId: device.deviceId, challenge: body.challenge, signature: encodeBase64Url(new Uint8Array(signed)) });
    expectError(reply, 401, 'signin_failed');
  });

  it('lists every app\'s devices from either app\'s session, each naming its app (no name once the app is removed)', async () => {
    const user = await newUser();
    const notes = await notesSession(user);
    await registerDevice(user, 'Phone');
    await registerDevice(user, 'Field phone', notes);
    await registerApp(server.store, { id: 'sketches', name: 'Sketches', origins: ['http://localhost:5175'] }, server.clock.now);
    await server.apps.refresh();
    const sketches = browserOn('http://localhost:5175');
    expect((await signInWithPasskey(user, sketches)).status).toBe(200);
    await registerDevice(user, 'Sketch pad', sketches);
    await unregisterApp(server.store, 'sketches', server.config.apps);
    await server.apps.refresh();

    const expected = [
      { name: 'Phone', app: { id: 'keyhold', name: 'Keyhold' } },
      { name: 'Field phone', app: { id: 'fieldnotes', name: 'Field notes' } },
      { name: 'Sketch pad', app: { id: 'sketches', name: null } },
    ];
    for (const client of [user.client, notes]) {
      const listed = await client.get('/api/devices');
      expect(listed.body.devices.map((d: { name: string; app: unknown }) => ({ name: d.name, app: d.app }))).toEqual(expected);
    }
  });

  it('stops Field notes\' sync when Keyhold removes its device, and says so in the activity log', async () => {
    const user = await newUser();
    const device = await registerDevice(user, 'Field phone', await notesSession(user));
    const { client: phone } = await deviceSignIn(server, device.deviceId, device.privateKey, browserOn(NOTES_ORIGIN));
    expect((await putRecord(phone, newRecordId(), 0)).status).toBe(200);

    expect((await user.client.delete(`/api/devices/${device.deviceId}`)).status).toBe(200);
    expectError(await putRecord(phone, newRecordId(), 0), 401, 'unauthenticated');
    expectError(await phone.get('/api/records/changes'), 401, 'unauthenticated');
    expectError((await deviceSignIn(server, device.deviceId, device.privateKey, browserOn(NOTES_ORIGIN))).reply, 401, 'device_revoked');

    const removal = (await readAuditLog(user.client)).find((e) => e.type === 'device.revoked') as unknown as { data: object; app: object };
    expect(removal).toMatchObject({ data: { deviceId: device.deviceId, app: 'fieldnotes' }, app: { id: 'fieldnotes', name: 'Field notes' } });
  });

  it('names the app in the audit entries of device registration, device and passkey sign-in; older kinds of entry name none', async () => {
    const user = await newUser();
    const notes = await notesSession(user);
    const device = await registerDevice(user, 'Field phone', notes);
    await deviceSignIn(server, device.deviceId, device.privateKey, browserOn(NOTES_ORIGIN));
    const events = (await readAuditLog(user.client)) as unknown as Array<{ type: string; data: Record<string, unknown>; app: unknown }>;
    const notesApp = { id: 'fieldnotes', name: 'Field notes' };
    expect(events.find((e) => e.type === 'account.created')?.app).toBeNull();
    expect(events.filter((e) => e.type === 'signin.passkey.success').map((e) => e.app)).toEqual([notesApp]);
    expect(events.find((e) => e.type === 'device.registered')).toMatchObject({ data: { app: 'fieldnotes' }, app: notesApp });
    expect(events.find((e) => e.type === 'signin.device.success')).toMatchObject({ data: { app: 'fieldnotes' }, app: notesApp });
    // The chain still verifies with the new fields: they are in the hashed data like any other.
    expect((await user.client.get('/api/audit')).status).toBe(200);
  });

  it('lock everywhere revokes the devices and ends the sessions of every app; it keeps only a device of the locking app', async () => {
    const user = await newUser();
    expect((await user.client.put('/api/backup/key-bundle', { blob: 'AAAA'.repeat(100), expectedVersion: 0 })).status).toBe(200);
    const keep = await registerDevice(user, 'Phone');
    const notes = await notesSession(user);
    const notesDevice = await registerDevice(user, 'Field phone', notes);
    const { client: notesPhone } = await deviceSignIn(server, notesDevice.deviceId, notesDevice.privateKey, browserOn(NOTES_ORIGIN));

    /** The kept device's proof over `origin`, as the page on that origin signs it. */
    async function lockFrom(client: ApiClient, device: typeof keep) {
      const { body } = await client.post('/api/devices/challenge', { deviceId: device.deviceId });
      const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.privateKey, lockEverywhereMessage(client.origin, body.challenge));
      const deviceProof = { challenge: body.challenge, signature: encodeBase64Url(new Uint8Array(signature)) };
      return client.post('/api/account/lock-everywhere', { keepDeviceId: device.deviceId, deviceProof, keyBundle: { blob: 'BBBB'.repeat(100), expectedVersion: 1 }, wrapPrf: [], totp: null, pin: null });
    }
    // Field notes' fresh passkey session cannot keep Keyhold's device: to it, that device does not exist.
    expectError(await lockFrom(notes, keep), 404, 'not_found');

    const locked = await lockFrom(user.client, keep);
    expect(locked.status, JSON.stringify(locked.body)).toBe(200);
    expect(locked.body.devicesRevoked).toBe(1);
    expectError(await notes.get('/api/session'), 401, 'unauthenticated');
    expectError(await notesPhone.get('/api/records/changes'), 401, 'unauthenticated');
    expectError((await deviceSignIn(server, notesDevice.deviceId, notesDevice.privateKey, browserOn(NOTES_ORIGIN))).reply, 401, 'device_revoked');
    expect((await user.client.get('/api/session')).status).toBe(200);
  });
});
