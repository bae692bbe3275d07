/**
 * Approval from another device across apps (issue 17): a request to join names the app it came
 * from, and the account log takes the new device's key only for that app, whichever app's
 * session approves it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey, type LogChange } from '../../protocol/account-log';
import { encodeBase64Url } from '../../protocol/base64url';
import { deviceSignIn, newDeviceKey, signInWithPasskey } from '../../test/helpers/accounts';
import { createLoggedAccount, type LoggedUser } from '../../test/helpers/account-log';
import { ApiClient, DIALECTS, expectError, NOTES_APP, NOTES_ORIGIN, ORIGIN, startTwoAppServer, type TestServer } from '../../test/helpers/harness';

const MINUTE = 60_000;
const add = (publicKey: { x: string; y: string }, app: string): LogChange => ({ op: 'device.add', key: deviceKeyToLogKey(publicKey), app });
/** A well-formed ephemeral public key (an uncompressed point's shape; the server never opens it). */
const ephemeralKey = () => encodeBase64Url(Uint8Array.of(4, ...randomBytes(64)));
const sealed = () => ({ publicKey: ephemeralKey(), ciphertext: encodeBase64Url(randomBytes(61)) });

describe.each(DIALECTS)('device approvals across apps (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTwoAppServer(dialect);
  });
  afterAll(() => server.close());

  /** A client on a page of `origin`, with no session. */
  const browserOn = (origin: string) => Object.assign(new ApiClient(server), { origin });

  /** A new device of `origin` asks to join `user` with a device key it will register; returns the request and that key. */
  async function askFrom(origin: string, user: LoggedUser, deviceName = 'Field phone') {
    const newDevice = browserOn(origin);
    const key = await newDeviceKey();
    const asked = await newDevice.post('/api/device-approvals', { username: user.username, publicKey: ephemeralKey(), deviceName, deviceKey: key.publicKey });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    return { newDevice, key, id: asked.body.id as string, secret: asked.body.secret as string };
  }

  it('lets Keyhold approve a Field notes device: the request names its app, the log takes its key for Field notes only, and it registers and signs in to Field notes', async () => {
    const user = await createLoggedAccount(server, `approve-notes${++names}`);
    const request = await askFrom(NOTES_ORIGIN, user);

    const pending = await user.client.get('/api/device-approvals/pending');
    expect(pending.body.requests).toEqual([expect.objectContaining({ id: request.id, deviceName: 'Field phone', app: { id: NOTES_APP.id, name: NOTES_APP.name } })]);

    // The Keyhold session cannot log the key for its own app: the request's app is the server's to say.
    expectError(await user.signer.append(user.client, [add(request.key.publicKey, 'keyhold')]), 400, 'app_mismatch');
    expect((await user.signer.append(user.client, [add(request.key.publicKey, NOTES_APP.id)])).status).toBe(200);
    expect((await user.client.post(`/api/device-approvals/${request.id}/approve`, { sealed: sealed() })).status).toBe(200);

    // Collected from Keyhold's origin, the answer (and a Keyhold recovery session) is not handed out.
    const fromKeyhold = browserOn(ORIGIN);
    expectError(await fromKeyhold.post(`/api/device-approvals/${request.id}/poll`, { secret: request.secret }), 404, 'not_found');
    expect(fromKeyhold.cookie).toBeUndefined();
    const collected = await request.newDevice.post(`/api/device-approvals/${request.id}/poll`, { secret: request.secret });
    expect(collected.body).toMatchObject({ state: 'approved', session: { scope: 'recovery' } });
    const registered = await request.newDevice.post('/api/devices', { name: 'Field phone', publicKey: request.key.publicKey });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    expect(registered.body.app).toEqual({ id: NOTES_APP.id, name: NOTES_APP.name });
    expect((await deviceSignIn(server, registered.body.id, request.key.privateKey, browserOn(NOTES_ORIGIN))).reply.status).toBe(200);
    // …and to Field notes alone.
    expectError((await deviceSignIn(server, registered.body.id, request.key.privateKey)).reply, 401, 'signin_failed');
  });

  it('takes a Keyhold device\'s key only for Keyhold, even when a Field notes session approves it', async () => {
    const user = await createLoggedAccount(server, `approve-keyhold${++names}`);
    const notes = browserOn(NOTES_ORIGIN);
    expect((await signInWithPasskey(user, notes)).status).toBe(200);
    const request = await askFrom(ORIGIN, user, 'New phone');
    expect((await notes.get('/api/device-approvals/pending')).body.requests.map((r: { app: unknown }) => r.app)).toEqual([{ id: 'keyhold', name: 'Keyhold' }]);

    expectError(await user.signer.append(notes, [add(request.key.publicKey, NOTES_APP.id)]), 400, 'app_mismatch');
    expect((await user.signer.append(notes, [add(request.key.publicKey, 'keyhold')])).status).toBe(200);
    expect((await notes.post(`/api/device-approvals/${request.id}/approve`, { sealed: sealed() })).status).toBe(200);
    await request.newDevice.post(`/api/device-approvals/${request.id}/poll`, { secret: request.secret });
    const registered = await request.newDevice.post('/api/devices', { name: 'New phone', publicKey: request.key.publicKey });
    expect(registered.body.app).toMatchObject({ id: 'keyhold' });
  });

  it('refuses to register a requested key from another app than the request\'s once its device.add is logged', async () => {
    const user = await createLoggedAccount(server, `approve-cross${++names}`);
    const request = await askFrom(NOTES_ORIGIN, user);
    expect((await user.signer.append(user.client, [add(request.key.publicKey, NOTES_APP.id)])).status).toBe(200);
    // A session of Keyhold trying to register the approved key under Keyhold is refused by the log.
    expectError(await user.client.post('/api/devices', { name: 'Field phone', publicKey: request.key.publicKey }), 400, 'app_mismatch');
  });

  it('uses the appending request\'s app again once the request is answered or expired, and never another account\'s request', async () => {
    const user = await createLoggedAccount(server, `approve-gone${++names}`);
    const denied = await askFrom(NOTES_ORIGIN, user);
    expect((await user.client.post(`/api/device-approvals/${denied.id}/deny`)).status).toBe(200);
    expectError(await user.signer.append(user.client, [add(denied.key.publicKey, NOTES_APP.id)]), 400, 'app_mismatch');

    const expired = await askFrom(NOTES_ORIGIN, user);
    server.clock.now += 10 * MINUTE;
    expectError(await user.signer.append(user.client, [add(expired.key.publicKey, NOTES_APP.id)]), 400, 'app_mismatch');

    // Another account's request naming a key does not decide this account's entries.
    const other = await createLoggedAccount(server, `approve-other${++names}`);
    const elsewhere = await askFrom(NOTES_ORIGIN, other);
    expectError(await user.signer.append(user.client, [add(elsewhere.key.publicKey, NOTES_APP.id)]), 400, 'app_mismatch');
    expect((await user.signer.append(user.client, [add(elsewhere.key.publicKey, 'keyhold')])).status).toBe(200);
  });

  it('keeps the app of the asking page: a request without a registered Origin is refused before it is stored', async () => {
    const user = await createLoggedAccount(server, `approve-origin${++names}`);
    const stranger = browserOn('http://localhost:6666');
    const key = await newDeviceKey();
    expectError(await stranger.post('/api/device-approvals', { username: user.username, publicKey: ephemeralKey(), deviceName: 'X', deviceKey: key.publicKey }), 403, 'bad_origin');
    expect((await user.client.get('/api/device-approvals/pending')).body.requests).toEqual([]);
  });
});
