import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPrfOutput } from '../../protocol/webauthn';
import {
  addPasskey,
  auditEvents,
  createAccount,
  deviceSignIn,
  reanswerRegistration,
  registerDevice,
  signInWithPasskey,
  type TestUser,
} from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator';

// Every request here comes from one address; the limits have their own suite (server/http/rate-limits.test.ts).

describe.each(DIALECTS)('several passkeys (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());

  const newUser = () => createAccount(server, `owner${++names}`);
  const passkeyIds = async (user: TestUser) => ((await user.client.get('/api/passkeys')).body.passkeys as { id: string }[]).map((p) => p.id);
  /** The same account, signed in from a fresh browser with another authenticator. */
  const signInWith = (user: TestUser, authenticator: SoftAuthenticator) => signInWithPasskey({ ...user, authenticator }, new ApiClient(server));
  const storedCounter = async (id: string) =>
    (await server.store.db.selectFrom('credentials').select(['counter', 'last_used_at']).where('id', '=', id).executeTakeFirstOrThrow());

  it('adds a second passkey under a passkey session; either one signs in', async () => {
    const user = await newUser();
    const { reply, authenticator } = await addPasskey(user, 'Backup key');
    expect(reply.status).toBe(200);
    const second = reply.body.passkey.id as string;
    expect(reply.body.passkey).toMatchObject({ name: 'Backup key', prfEnabled: true, lastUsedAt: null });
    expect(await passkeyIds(user)).toEqual([user.credentialId, second]);

    const withFirst = await signInWith(user, user.authenticator);
    const withSecond = await signInWith(user, authenticator);
    expect([withFirst.status, withSecond.status]).toEqual([200, 200]);
    expect(withFirst.body.passkey.id).toBe(user.credentialId);
    expect(withSecond.body.passkey.id).toBe(second);
    expect(withSecond.body.session.userId).toBe(user.userId);

    const options = await new ApiClient(server).post('/api/passkeys/signin/options', { username: user.username });
    expect(options.body.allowCredentials.map((c: { id: string }) => c.id)).toEqual([user.credentialId, second]);
    expect(Object.keys(options.body.extensions.prf.evalByCredential)).toEqual([user.credentialId, second]);
    const events = await auditEvents(user.client);
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(['signin.passkey.success', 'signin.passkey.success', 'passkey.added']);
    expect(events[2]).toMatchObject({ data: { credentialId: second } });
  });

  it('removes a passkey, which then no longer signs in, and never removes the last one', async () => {
    const user = await newUser();
    const { reply: added, authenticator } = await addPasskey(user);
    const second = added.body.passkey.id as string;

    const removed = await user.client.delete(`/api/passkeys/${user.credentialId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ ok: true });
    expect(await passkeyIds(user)).toEqual([second]);
    expect((await auditEvents(user.client))[0]).toMatchObject({ type: 'passkey.removed', data: { credentialId: user.credentialId } });

    const withRemoved = await signInWith(user, user.authenticator);
    expect(withRemoved.status).toBe(401);
    expect(withRemoved.body.error.code).toBe('signin_failed');

    const last = await user.client.delete(`/api/passkeys/${second}`);
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('last_passkey');
    expect(await passkeyIds(user)).toEqual([second]);
    expect((await signInWith(user, authenticator)).status).toBe(200);
  });

  it("answers not_found for an unknown passkey or another user's, and removes nothing", async () => {
    const user = await newUser();
    const other = await newUser();
    await addPasskey(user);
    await addPasskey(other);
    for (const id of [other.credentialId, 'bm90LWEtcGFzc2tleQ']) {
      const reply = await user.client.delete(`/api/passkeys/${id}`);
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
    }
    expect(await passkeyIds(other)).toHaveLength(2);
    expect(await passkeyIds(user)).toHaveLength(2);
  });

  it('refuses a device-scoped session adding passkeys with forbidden_scope, and removing one with reauth_required', async () => {
    const user = await newUser();
    await addPasskey(user);
    const device = await registerDevice(user);
    const { client, reply } = await deviceSignIn(server, device.deviceId, device.privateKey);
    expect(reply.body.session.scope).toBe('device');

    const pending = await user.client.post('/api/passkeys/add/options'); // a valid challenge from the passkey session
    const response = await new SoftAuthenticator().register(pending.body, { origin: ORIGIN, prf: true });
    const attempts = [
      await client.post('/api/passkeys/add/options'),
      await client.post('/api/passkeys/add/verify', { response: withoutPrfOutput(response) }),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(403);
      expect(attempt.body.error.code).toBe('forbidden_scope');
    }
    // Removing needs a passkey sign-in of the last five minutes (fresh-passkey.test.ts).
    const removal = await client.delete(`/api/passkeys/${user.credentialId}`);
    expect(removal.status).toBe(401);
    expect(removal.body.error.code).toBe('reauth_required');
    const listed = await client.get('/api/passkeys'); // reading is fine
    expect(listed.status).toBe(200);
    expect(listed.body.passkeys).toHaveLength(2);
  });

  it('refuses adding a passkey without a session with unauthenticated', async () => {
    const reply = await new ApiClient(server).post('/api/passkeys/add/options');
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('unauthenticated');
  });

  it('refuses registering the same authenticator credential twice', async () => {
    const user = await newUser();
    const options = await user.client.post('/api/passkeys/add/options');
    expect(options.body.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([user.credentialId]);
    // An authenticator that already holds a listed credential refuses (InvalidStateError) ...
    await expect(user.authenticator.register(options.body, { origin: ORIGIN })).rejects.toThrow(/InvalidStateError/);
    const response = withoutPrfOutput(await new SoftAuthenticator().register(options.body, { origin: ORIGIN, prf: true }));
    expect((await user.client.post('/api/passkeys/add/verify', { response })).status).toBe(200);

    // ... and the server refuses a client that sends an existing credential anyway.
    const again = await user.client.post('/api/passkeys/add/options');
    expect(again.body.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([user.credentialId, response.id]);
    const reply = await user.client.post('/api/passkeys/add/verify', { response: reanswerRegistration(response, again.body.challenge) });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('webauthn_failed');
    expect(await passkeyIds(user)).toEqual([user.credentialId, response.id]);
  });

  it("refuses an add challenge answered under another user's session with challenge_invalid", async () => {
    const alice = await newUser();
    const mallory = await newUser();
    const options = await alice.client.post('/api/passkeys/add/options');
    const response = await new SoftAuthenticator().register(options.body, { origin: ORIGIN, prf: true });
    const reply = await mallory.client.post('/api/passkeys/add/verify', { response: withoutPrfOutput(response) });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('challenge_invalid');
    expect(await passkeyIds(alice)).toHaveLength(1);
    expect(await passkeyIds(mallory)).toHaveLength(1);
  });

  it('refuses a registration challenge used to add a passkey with challenge_invalid', async () => {
    const user = await newUser();
    const options = await new ApiClient(server).post('/api/passkeys/register/options', { username: `other${names}` });
    const response = await new SoftAuthenticator().register(options.body, { origin: ORIGIN, prf: true });
    const reply = await user.client.post('/api/passkeys/add/verify', { response: withoutPrfOutput(response) });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('challenge_invalid');
  });

  it('keeps the sign counter and last use: each sign-in stores a higher counter', async () => {
    const user = await newUser();
    expect(await storedCounter(user.credentialId)).toEqual({ counter: 0, last_used_at: null });
    const firstAt = server.clock.now;
    expect((await signInWith(user, user.authenticator)).status).toBe(200);
    const first = await storedCounter(user.credentialId);
    server.clock.now += 60_000;
    expect((await signInWith(user, user.authenticator)).status).toBe(200);
    const second = await storedCounter(user.credentialId);
    expect(first).toEqual({ counter: 1, last_used_at: firstAt });
    expect(second.counter).toBeGreaterThan(first.counter);
    expect(second.last_used_at).toBe(firstAt + 60_000);
    const listed = (await user.client.get('/api/passkeys')).body.passkeys[0];
    expect(listed.lastUsedAt).toBe(firstAt + 60_000);
  });

  it('renames a passkey under a passkey or a device session; the list and the activity log show the new name', async () => {
    const user = await newUser();
    const renamed = await user.client.patch(`/api/passkeys/${user.credentialId}`, { name: ' Phone passkey ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.passkey).toMatchObject({ id: user.credentialId, name: 'Phone passkey', canUnlock: false });
    const device = await registerDevice(user);
    const { client } = await deviceSignIn(server, device.deviceId, device.privateKey);
    expect((await client.patch(`/api/passkeys/${user.credentialId}`, { name: 'iCloud Keychain' })).status).toBe(200);
    const listed = await user.client.get('/api/passkeys');
    expect(listed.body.passkeys.map((p: { name: string }) => p.name)).toEqual(['iCloud Keychain']);
    const renames = (await auditEvents(user.client)).filter((e) => e.type === 'passkey.renamed').map((e) => e.data);
    expect(renames).toEqual([
      { credentialId: user.credentialId, name: 'iCloud Keychain' },
      { credentialId: user.credentialId, name: 'Phone passkey' },
    ]);
  });

  it("refuses renaming another user's or an unknown passkey (not_found) and a bad name (invalid_request)", async () => {
    const user = await newUser();
    const other = await newUser();
    for (const id of [other.credentialId, 'bm90LWEtcGFzc2tleQ']) {
      const reply = await user.client.patch(`/api/passkeys/${id}`, { name: 'Mine' });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
    }
    for (const body of [{ name: '' }, { name: 'a\u0000b' }, { name: 'x'.repeat(65) }, {}]) {
      const reply = await user.client.patch(`/api/passkeys/${user.credentialId}`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    }
    expect((await other.client.get('/api/passkeys')).body.passkeys[0].name).toBe('Passkey');
    expect((await user.client.get('/api/passkeys')).body.passkeys[0].name).toBe('Passkey');
  });

  it('says which passkeys can unlock the vault: those the server keeps a wrap_prf for', async () => {
    const user = await newUser();
    const { reply: added, authenticator } = await addPasskey(user, 'Security key');
    expect(added.body.passkey.canUnlock).toBe(false);
    const second = added.body.passkey.id as string;
    const canUnlock = async () => Object.fromEntries(((await user.client.get('/api/passkeys')).body.passkeys as Array<{ id: string; canUnlock: boolean }>).map((p) => [p.id, p.canUnlock]));
    expect(await canUnlock()).toEqual({ [user.credentialId]: false, [second]: false });

    expect((await user.client.put(`/api/backup/wrap-prf/${second}`, { blob: 'd3JhcHBlZC1yb290', expectedVersion: 0 })).status).toBe(200);
    expect(await canUnlock()).toEqual({ [user.credentialId]: false, [second]: true });
    const signedIn = await signInWith(user, authenticator);
    expect(signedIn.body.passkey).toMatchObject({ id: second, canUnlock: true });
    expect((await signInWith(user, user.authenticator)).body.passkey).toMatchObject({ id: user.credentialId, canUnlock: false });
  });
});
