import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpLogId } from '../../protocol/account-log';
import { decodeBase32 } from '../../protocol/base32';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { addPasskeyWithKey, coseKeyOf, createLoggedAccount, deviceAdd, deviceRemove, type LoggedUser } from '../../test/helpers/account-log';
import { auditEvents, createAccount, deviceSignIn, newDeviceKey, signInWithPasskey } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { blindPin, currentCode, enrollTotp, pinInput, recoverPin, registerPinRecovery } from '../../test/helpers/recovery';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator';

/**
 * Issue 14's threat (a): someone who can write the key server's database — not the pepper, not the
 * code — while it runs. Each test writes the real database directly, as they would, and then goes
 * through the API as they would next. The account log (signed by the owner's identity key) and its
 * head (MACed under the pepper) must keep them out: `credential_unbound` or `account_log_invalid`,
 * audited in the victim's chain.
 */
const TOTP_STEP_MS = 30_000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

describe.each(DIALECTS)('a database writer against the account log (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());
  const victim = () => createLoggedAccount(server, `victim${++names}`);
  const db = () => server.store.db;
  const auditTypes = async (user: LoggedUser) => (await auditEvents(user.client)).map((e) => [e.type, e.data.problem ?? e.data.kind]);
  /** The victim's own passkey and device still work — or, once the head is damaged, nothing does. */
  const ownerSignIn = (user: LoggedUser) => signInWithPasskey(user, new ApiClient(server));

  it('an inserted passkey row with the attacker\'s key for the victim cannot sign in (audited)', async () => {
    const user = await victim();
    const attacker = new SoftAuthenticator();
    const forged = await attacker.register(
      { challenge: 'AAAA', rp: { id: 'localhost', name: 'Keyhold' }, user: { id: user.userId, name: user.username, displayName: user.username }, pubKeyCredParams: [{ type: 'public-key', alg: -7 }] },
      { origin: ORIGIN },
    );
    await db()
      .insertInto('credentials')
      .values({ id: forged.id, user_id: user.userId, public_key: coseKeyOf(forged), counter: 0, transports: '["internal"]', device_type: 'singleDevice', backed_up: 0, prf_salt: 'c2FsdA', prf_enabled: 0, name: 'Passkey', created_at: server.clock.now, last_used_at: null })
      .execute();
    expectError(await signInWithPasskey({ ...user, authenticator: attacker }, new ApiClient(server)), 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'passkey']);
    expect((await ownerSignIn(user)).status).toBe(200);
  });

  it('a passkey moved from another account (signed into that account\'s log) cannot sign in to the victim\'s', async () => {
    const user = await victim();
    const attacker = await createLoggedAccount(server, `attacker${names}`);
    await db().updateTable('credentials').set({ user_id: user.userId }).where('id', '=', attacker.credentialId).execute();
    expectError(await signInWithPasskey({ ...user, authenticator: attacker.authenticator }, new ApiClient(server)), 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'passkey']);
  });

  it('a passkey whose stored public key was swapped for the attacker\'s cannot sign in, though its id is in the log', async () => {
    const user = await victim();
    const attacker = new SoftAuthenticator();
    // The attacker's authenticator, holding a credential under the victim's credential id.
    const own = await attacker.register(
      { challenge: 'AAAA', rp: { id: 'localhost', name: 'Keyhold' }, user: { id: user.userId, name: user.username, displayName: user.username }, pubKeyCredParams: [{ type: 'public-key', alg: -7 }] },
      { origin: ORIGIN },
    );
    const exported = attacker.exportCredential(own.id);
    attacker.importCredential({ ...exported, id: user.credentialId });
    await db().updateTable('credentials').set({ public_key: coseKeyOf(own) }).where('id', '=', user.credentialId).execute();
    expectError(await signInWithPasskey({ ...user, authenticator: attacker }, new ApiClient(server)), 401, 'credential_unbound');
  });

  it('a device whose public key was changed cannot sign in with the new key', async () => {
    const user = await victim();
    const attacker = await newDeviceKey();
    await db().updateTable('devices').set({ public_key_jwk: JSON.stringify(attacker.publicKey) }).where('id', '=', user.device.deviceId).execute();
    expectError((await deviceSignIn(server, user.device.deviceId, attacker.privateKey)).reply, 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'device']);
  });

  it('an inserted device row cannot sign in', async () => {
    const user = await victim();
    const attacker = await newDeviceKey();
    await db()
      .insertInto('devices')
      .values({ id: 'aW5zZXJ0ZWQtZGV2aWNl', user_id: user.userId, app_id: 'keyhold', name: 'Phone', public_key_jwk: JSON.stringify(attacker.publicKey), created_at: server.clock.now, last_seen_at: null, revoked_at: null })
      .execute();
    expectError((await deviceSignIn(server, 'aW5zZXJ0ZWQtZGV2aWNl', attacker.privateKey)).reply, 401, 'credential_unbound');
  });

  it('a device moved from another account cannot sign in to the victim\'s', async () => {
    const user = await victim();
    const other = await createLoggedAccount(server, `other${names}`);
    await db().updateTable('devices').set({ user_id: user.userId }).where('id', '=', other.device.deviceId).execute();
    expectError((await deviceSignIn(server, other.device.deviceId, other.device.privateKey)).reply, 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'device']);
  });

  it('a replaced recovery kit digest does not recover', async () => {
    const user = await victim();
    const kitAuth = randomBytes(32);
    const authHash = encodeBase64Url(sha256(kitAuth));
    const entry = user.signer.sign([{ op: 'kit.set', id: authHash }]);
    expect((await user.client.put('/api/recovery/kit', { wrap: encodeBase64Url(randomBytes(61)), authHash, logEntry: entry })).status).toBe(200);
    user.signer.accept([entry]);
    const attackerAuth = randomBytes(32);
    await db().updateTable('recovery_kits').set({ auth_hash: encodeBase64Url(sha256(attackerAuth)) }).where('user_id', '=', user.userId).execute();
    expectError(await new ApiClient(server).post('/api/recovery/kit/recover', { username: user.username, kitAuth: encodeBase64Url(attackerAuth) }), 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'kit']);
  });

  it('an older TOTP enrolment restored over the current one does not recover', async () => {
    const user = await victim();
    const old = await enrollTotp(server, user.client, { signer: user.signer });
    const oldRow = await db().selectFrom('totp_recovery').selectAll().where('subject', '=', user.userId).executeTakeFirstOrThrow();
    server.clock.now += TOTP_STEP_MS;
    await enrollTotp(server, user.client, { signer: user.signer });
    // The old secret leaked; its row (sealed under the pepper by the server itself) is put back.
    await db().updateTable('totp_recovery').set({ sealed_secret: oldRow.sealed_secret, sealed_r: oldRow.sealed_r, wrap: oldRow.wrap }).where('subject', '=', user.userId).execute();
    server.clock.now += TOTP_STEP_MS;
    const attempt = async () => new ApiClient(server).post('/api/recovery/totp/recover', { username: user.username, code: await currentCode(server, old.secret) });
    expectError(await attempt(), 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'totp']);
    // Should the owner name that secret again, the refused code still works: its time step was not spent.
    expect((await user.signer.append(user.client, [{ op: 'totp.add', id: totpLogId(user.userId, decodeBase32(old.secret)) }])).status).toBe(200);
    expect((await attempt()).status).toBe(200);
  });

  it('a PIN recovery tag digest replaced by one for the attacker\'s PIN does not recover', async () => {
    const user = await victim();
    await registerPinRecovery(user.client, pinInput('owner'), { signer: user.signer });
    // The attacker learns the tag of a PIN of their choosing online (one guess), and writes its digest in.
    const blinded = blindPin(pinInput('attacker'));
    const start = await new ApiClient(server).post('/api/recovery/pin/start', { username: user.username, blindedElement: blinded.blindedElement });
    const tag = blinded.tagFor(start.body.evaluatedElement);
    await db().updateTable('pin_recovery').set({ tag_digest: sha256(decodeBase64Url(tag)).toString('hex') }).where('subject', '=', user.userId).execute();
    expectError((await recoverPin(new ApiClient(server), user.username, pinInput('attacker'))).finish!, 401, 'credential_unbound');
    expect(await auditTypes(user)).toContainEqual(['signin.refused_unbound', 'pin-recovery']);
  });

  it('deleting a revocation entry (and un-revoking the row) stops every sign-in of the account: the head no longer matches', async () => {
    const user = await victim();
    const tablet = await newDeviceKey();
    const registered = await user.client.post('/api/devices', { name: 'Tablet', publicKey: tablet.publicKey });
    await user.signer.append(user.client, [deviceAdd(tablet.publicKey)]);
    await user.client.delete(`/api/devices/${registered.body.id}`);
    expect((await user.signer.append(user.client, [deviceRemove(tablet.publicKey)])).status).toBe(200);

    await db().deleteFrom('account_log').where('user_id', '=', user.userId).where('seq', '=', user.signer.state.seq).execute();
    await db().updateTable('devices').set({ revoked_at: null }).where('id', '=', registered.body.id).execute();
    expectError((await deviceSignIn(server, registered.body.id, tablet.privateKey)).reply, 401, 'account_log_invalid');
    expectError(await ownerSignIn(user), 401, 'account_log_invalid');
    expectError(await new ApiClient(server).post('/api/recovery/kit/recover', { username: user.username, kitAuth: encodeBase64Url(randomBytes(32)) }), 401, 'kit_invalid');
    expect(await auditTypes(user)).toContainEqual(['account_log.invalid', 'rows']);
  });

  it('deleting an older revocation entry changes nothing: the revoked device stays out', async () => {
    const user = await victim();
    const tablet = await newDeviceKey();
    const registered = await user.client.post('/api/devices', { name: 'Tablet', publicKey: tablet.publicKey });
    await user.signer.append(user.client, [deviceAdd(tablet.publicKey)]);
    await user.client.delete(`/api/devices/${registered.body.id}`);
    await user.signer.append(user.client, [deviceRemove(tablet.publicKey)]);
    const removalSeq = user.signer.state.seq;
    await user.signer.append(user.client, [{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }]);

    await db().deleteFrom('account_log').where('user_id', '=', user.userId).where('seq', '=', removalSeq).execute();
    await db().updateTable('devices').set({ revoked_at: null }).where('id', '=', registered.body.id).execute();
    expectError((await deviceSignIn(server, registered.body.id, tablet.privateKey)).reply, 401, 'credential_unbound');
    // The gap is there for every client to see.
    const seqs = (await user.client.get('/api/account/log')).body.entries.map((e: { seq: number }) => e.seq);
    expect(seqs).not.toContain(removalSeq);
  });

  it('an older head row put back while later entries remain is refused', async () => {
    const user = await victim();
    const extra = await addPasskeyWithKey(user);
    await user.signer.append(user.client, [{ op: 'passkey.add', id: extra.id, key: extra.coseKey }]);
    const before = await db().selectFrom('account_log_heads').selectAll().where('user_id', '=', user.userId).executeTakeFirstOrThrow();
    expect((await signInWithPasskey(user)).status).toBe(200);
    expect((await user.signer.append(user.client, [{ op: 'passkey.remove', id: extra.id }])).status).toBe(200);
    await user.client.delete(`/api/passkeys/${extra.id}`);

    // The head from before the removal (its MAC is genuine), with the passkey's row back.
    const { user_id: _id, ...old } = before;
    await db().updateTable('account_log_heads').set(old).where('user_id', '=', user.userId).execute();
    expectError(await signInWithPasskey({ ...user, credentialId: extra.id, authenticator: extra.authenticator }, new ApiClient(server)), 401, 'signin_failed');
    expectError(await ownerSignIn(user), 401, 'account_log_invalid');
  });

  it('a whole older state — head and entries — is what a server alone cannot tell from the real one; clients see the lower seq', async () => {
    const user = await victim();
    const before = await db().selectFrom('account_log_heads').selectAll().where('user_id', '=', user.userId).executeTakeFirstOrThrow();
    await user.signer.append(user.client, [{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }]);
    const { user_id: _id, ...old } = before;
    await db().updateTable('account_log_heads').set(old).where('user_id', '=', user.userId).execute();
    await db().deleteFrom('account_log').where('user_id', '=', user.userId).where('seq', '>', before.seq).execute();
    expect((await ownerSignIn(user)).status).toBe(200);
    expect((await user.client.get('/api/account/log')).body.seq).toBeLessThan(user.signer.state.seq);
  });

  it('a deleted head stops every sign-in; an account is never taken for unlogged', async () => {
    const user = await victim();
    const plain = await createAccount(server, `unlogged${names}`);
    for (const userId of [user.userId, plain.userId]) await db().deleteFrom('account_log_heads').where('user_id', '=', userId).execute();
    expectError(await ownerSignIn(user), 401, 'account_log_invalid');
    expectError((await deviceSignIn(server, user.device.deviceId, user.device.privateKey)).reply, 401, 'account_log_invalid');
    expectError(await signInWithPasskey(plain, new ApiClient(server)), 401, 'account_log_invalid');
    expect(await auditTypes(user)).toContainEqual(['account_log.invalid', 'missing']);
  });

  it('a head copied from another account (a genuine MAC, for another user id) is refused', async () => {
    const user = await victim();
    const other = await createAccount(server, `donor${names}`);
    // The donor's head says `unlogged`: copied over the victim's, with the victim's entries gone, it
    // would let every credential in — if the MAC did not bind the user id.
    const donor = await db().selectFrom('account_log_heads').selectAll().where('user_id', '=', other.userId).executeTakeFirstOrThrow();
    const { user_id: _id, ...head } = donor;
    await db().updateTable('account_log_heads').set(head).where('user_id', '=', user.userId).execute();
    await db().deleteFrom('account_log').where('user_id', '=', user.userId).execute();
    expectError(await ownerSignIn(user), 401, 'account_log_invalid');
    expect(await auditTypes(user)).toContainEqual(['account_log.invalid', 'mac']);
    // A MAC made up without the pepper fares no better.
    await db().updateTable('account_log_heads').set({ mac: `${head.mac.split('.')[0]}.${encodeBase64Url(randomBytes(32))}` }).where('user_id', '=', user.userId).execute();
    expectError(await ownerSignIn(user), 401, 'account_log_invalid');
  });
});
