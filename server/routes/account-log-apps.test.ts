/**
 * The signed account log across apps (issue 17): a `device.add` names the app its key belongs to,
 * and a logged device key signs in only to that app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey, type LogChange } from '../../protocol/account-log';
import { deviceSignIn, newDeviceKey, registerDevice, signInWithPasskey } from '../../test/helpers/accounts';
import { createLoggedAccount, type LoggedUser } from '../../test/helpers/account-log';
import { ApiClient, DIALECTS, expectError, NOTES_ORIGIN, startTwoAppServer, type TestServer } from '../../test/helpers/harness';

const add = (publicKey: { x: string; y: string }, app: string): LogChange => ({ op: 'device.add', key: deviceKeyToLogKey(publicKey), app });

describe.each(DIALECTS)('account log entries across apps (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTwoAppServer(dialect);
  });
  afterAll(() => server.close());

  /** A logged Keyhold account, signed in to Field notes too (its passkey is in the log). */
  async function loggedInBoth(): Promise<{ user: LoggedUser; notes: ApiClient }> {
    const user = await createLoggedAccount(server, `logged-apps${++names}`);
    const notes = Object.assign(new ApiClient(server), { origin: NOTES_ORIGIN });
    expect((await signInWithPasskey(user, notes)).status).toBe(200);
    return { user, notes };
  }

  it('appends a new key\'s device.add only for the app whose request sends it, then signs that device in to that app alone', async () => {
    const { user, notes } = await loggedInBoth();
    const key = await newDeviceKey();
    expectError(await user.signer.append(notes, [add(key.publicKey, 'keyhold')]), 400, 'app_mismatch');
    expect((await user.signer.append(notes, [add(key.publicKey, 'fieldnotes')])).status).toBe(200);

    const registered = await notes.post('/api/devices', { name: 'Field phone', publicKey: key.publicKey });
    expect(registered.status).toBe(200);
    expect(registered.body.app).toEqual({ id: 'fieldnotes', name: 'Field notes' });
    expect((await deviceSignIn(server, registered.body.id, key.privateKey, Object.assign(new ApiClient(server), { origin: NOTES_ORIGIN }))).reply.status).toBe(200);
  });

  it('refuses to register from one app a key the log holds for another', async () => {
    const { user, notes } = await loggedInBoth();
    const key = await newDeviceKey();
    expect((await user.signer.append(notes, [add(key.publicKey, 'fieldnotes')])).status).toBe(200);
    const before = (await user.client.get('/api/devices')).body.devices.length;
    expectError(await user.client.post('/api/devices', { name: 'Phone', publicKey: key.publicKey }), 400, 'app_mismatch');
    expect((await user.client.get('/api/devices')).body.devices).toHaveLength(before);
  });

  it('lets any app\'s session vouch for a registered device, under that device\'s own app only', async () => {
    const { user, notes } = await loggedInBoth();
    // A Keyhold device registered before its device.add (as a pre-log device would be).
    const device = await registerDevice(user, 'Tablet');
    const jwk = (await user.client.get('/api/devices')).body.devices.find((d: { id: string }) => d.id === device.deviceId).publicKey as string;
    const change = (app: string): LogChange => ({ op: 'device.add', key: jwk, app });
    expectError(await user.signer.append(notes, [change('fieldnotes')]), 400, 'app_mismatch');
    expect((await user.signer.append(notes, [change('keyhold')])).status).toBe(200);
    expect((await deviceSignIn(server, device.deviceId, device.privateKey)).reply.status).toBe(200);
  });

  it('does not sign a logged device in to another app when its row is moved there in the database', async () => {
    const { user } = await loggedInBoth();
    await server.store.db.updateTable('devices').set({ app_id: 'fieldnotes' }).where('id', '=', user.device.deviceId).execute();
    const moved = await deviceSignIn(server, user.device.deviceId, user.device.privateKey, Object.assign(new ApiClient(server), { origin: NOTES_ORIGIN }));
    expectError(moved.reply, 401, 'credential_unbound');
  });
});
