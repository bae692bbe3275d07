import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_LOG_STATE, LOG_GENESIS_PREV, applyLogEntries, logEntryHash, type LogEntry } from '../../protocol/account-log';
import { encodeBase64Url } from '../../protocol/base64url';
import { addPasskeyWithKey, createLoggedAccount, deviceAdd, deviceRemove, LogSigner } from '../../test/helpers/account-log';
import { auditEvents, createAccount, deviceSignIn, newDeviceKey, signInWithPasskey } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { canonicalEntryJson } from '../domain/account-log';
import { sealLogHead } from '../domain/account-log-head';
import { createPepper } from '../domain/pepper';
import { insertLogEntries, replaceLogHead, findLogHead } from '../store/account-log';

const MINUTE = 60_000;
/** The pepper test/helpers/harness.ts starts every test server with. */
const TEST_PEPPER = createPepper(new Uint8Array(32).fill(7));

describe.each(DIALECTS)('the account log API (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());
  const name = () => `logger${++names}`;

  it('starts every account unlogged and empty, then stores a genesis and hands the log back as it was signed', async () => {
    const user = await createAccount(server, name());
    expect((await user.client.get('/api/account/log')).body).toEqual({ status: 'unlogged', seq: 0, head: LOG_GENESIS_PREV, entries: [], more: false });

    const signer = new LogSigner(user.userId);
    const genesis = signer.sign([]);
    const reply = await user.client.post('/api/account/log', { entries: [genesis] });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ seq: 1, head: logEntryHash(user.userId, genesis) });
    const page = await user.client.get('/api/account/log?after=0');
    expect(page.body).toEqual({ status: 'logged', seq: 1, head: logEntryHash(user.userId, genesis), entries: [genesis], more: false });
    // What the server returns verifies, from nothing, into the same head.
    expect(applyLogEntries(user.userId, EMPTY_LOG_STATE, page.body.entries).head).toBe(page.body.head);
    expect((await auditEvents(user.client)).find((e) => e.type === 'account_log.appended')?.data).toEqual({ seq: 1, changes: 'identity' });
  });

  it('lists each device and passkey with the key its log entry names, so a client can tell which the log holds', async () => {
    const user = await createLoggedAccount(server, name());
    const [device] = (await user.client.get('/api/devices')).body.devices;
    const [passkey] = (await user.client.get('/api/passkeys')).body.passkeys;
    expect(Object.keys(user.signer.state.devices)).toEqual([device.publicKey]);
    expect(user.signer.state.passkeys[passkey.id]?.key).toBe(passkey.publicKey);
  });

  it('puts the log, as signed, in the account export', async () => {
    const user = await createLoggedAccount(server, name());
    const reply = await user.client.get('/api/account/export');
    expect(reply.body.accountLog).toEqual((await user.client.get('/api/account/log')).body.entries);
  });

  it('answers an entry that does not continue the head with 409 log_stale and the head, and stores nothing', async () => {
    const user = await createLoggedAccount(server, name());
    // Signed on the head as it is now, sent after another device moved it on.
    const stale = user.signer.sign([{ op: 'totp.add', id: encodeBase64Url(randomBytes(32)) }]);
    await user.signer.append(user.client, [{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }]);
    const reply = await user.client.post('/api/account/log', { entries: [stale] });
    expectError(reply, 409, 'log_stale');
    expect(reply.body.error).toMatchObject({ seq: 2, head: user.signer.state.head });
    expect((await user.client.get('/api/account/log')).body.seq).toBe(2);
  });

  it('refuses entries that do not verify with 400 log_entry_invalid and the reason, and stores nothing', async () => {
    const user = await createLoggedAccount(server, name());
    const kit = { op: 'kit.set' as const, id: encodeBase64Url(randomBytes(32)) };
    const forged = user.signer.sign([kit], { seed: randomBytes(32) }); // not the account's identity key
    expectError(await user.client.post('/api/account/log', { entries: [forged] }), 400, 'log_entry_invalid');
    expect((await user.client.post('/api/account/log', { entries: [forged] })).body.error).toMatchObject({ reason: 'bad_signature', index: 0 });

    const good = user.signer.sign([kit]);
    const altered = { ...good, changes: [{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }] };
    expect((await user.client.post('/api/account/log', { entries: [altered] })).body.error).toMatchObject({ code: 'log_entry_invalid', reason: 'bad_signature' });
    const badLink = user.signer.sign([kit]);
    expect((await user.client.post('/api/account/log', { entries: [{ ...badLink, prev: encodeBase64Url(randomBytes(32)) }] })).body.error).toMatchObject({ code: 'log_entry_invalid' });
    const again = user.signer.sign([{ op: 'passkey.add', id: user.credentialId, key: user.coseKey }]);
    expect((await user.client.post('/api/account/log', { entries: [again] })).body.error).toMatchObject({ code: 'log_entry_invalid', reason: 'duplicate', index: 0 });
    // A second entry that breaks the chain takes the first one down with it.
    const first = user.signer.sign([kit]);
    const second = { ...first, seq: 3, changes: [{ op: 'kit.remove' as const }] };
    expect((await user.client.post('/api/account/log', { entries: [first, second] })).body.error).toMatchObject({ code: 'log_entry_invalid', index: 1 });
    expect((await user.client.get('/api/account/log')).body.seq).toBe(1);
    // Schema-level damage never reaches the rules.
    expectError(await user.client.post('/api/account/log', { entries: [{ ...good, sig: 'AAAA' }] }), 400, 'invalid_request');
    expectError(await user.client.post('/api/account/log', { entries: [] }), 400, 'invalid_request');
  });

  it('takes a batch of entries at once, and pages the log 500 entries at a time', async () => {
    const user = await createLoggedAccount(server, name());
    const signed: LogEntry[] = [];
    for (let i = 0; i < 16; i++) {
      const entry = user.signer.sign([{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }]);
      signed.push(entry);
      user.signer.accept([entry]);
    }
    // One bad entry at the end refuses the batch as a whole; the batch as signed is stored as a whole.
    const forged = { ...signed[15]!, changes: [{ op: 'kit.remove' as const }] };
    expect((await user.client.post('/api/account/log', { entries: [...signed.slice(0, 15), forged] })).body.error).toMatchObject({ code: 'log_entry_invalid', index: 15 });
    expect((await user.client.get('/api/account/log')).body.seq).toBe(1);
    expect((await user.client.post('/api/account/log', { entries: signed })).body).toEqual({ seq: 17, head: user.signer.state.head });
    const page = await user.client.get('/api/account/log?after=15');
    expect(page.body.entries.map((e: { seq: number }) => e.seq)).toEqual([16, 17]);
    expect(page.body.more).toBe(false);

    // Up to 502 entries: the first page holds 500 and says more follow. Appending 485 more through
    // the API costs seconds of signature checks; they are written as the append would write them.
    const rows = [];
    let state = { ...user.signer.state };
    for (let seq = 18; seq <= 502; seq++) {
      const entry = { seq, prev: state.head, at: seq, changes: [{ op: 'kit.set' as const, id: encodeBase64Url(randomBytes(32)) }], sig: encodeBase64Url(randomBytes(64)) };
      rows.push({ user_id: user.userId, seq, entry: canonicalEntryJson(entry), hash: logEntryHash(user.userId, entry), created_at: server.clock.now });
      state = { ...state, seq, head: rows[rows.length - 1]!.hash };
    }
    const head = (await findLogHead(server.store, user.userId))!;
    for (let i = 0; i < rows.length; i += 100) await insertLogEntries(server.store, rows.slice(i, i + 100));
    expect(await replaceLogHead(server.store, head.mac, sealLogHead(TEST_PEPPER, user.userId, 'logged', state, server.clock.now))).toBe(true);
    const first = await user.client.get('/api/account/log');
    expect(first.body).toMatchObject({ seq: 502, more: true });
    expect(first.body.entries.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const rest = await user.client.get('/api/account/log?after=500');
    expect(rest.body.entries.map((e: { seq: number }) => e.seq)).toEqual([501, 502]);
    expect(rest.body).toMatchObject({ more: false, head: state.head });
  });

  it('needs a fresh passkey of the log to remove or rotate, unless the server already removed it', async () => {
    const user = await createLoggedAccount(server, name());
    const phone = user.device;
    const { client: deviceSession } = await deviceSignIn(server, phone.deviceId, phone.privateKey);
    const tablet = await newDeviceKey();
    const registered = await user.client.post('/api/devices', { name: 'Tablet', publicKey: tablet.publicKey });
    // Adding needs only a session of the account: the signature is what counts.
    expect((await user.signer.append(deviceSession, [deviceAdd(tablet.publicKey)])).status).toBe(200);

    // Removing with a device session, or a passkey session gone stale: reauth_required.
    expectError(await deviceSession.post('/api/account/log', { entries: [user.signer.sign([deviceRemove(tablet.publicKey)])] }), 401, 'reauth_required');
    server.clock.now += 6 * MINUTE;
    expectError(await user.client.post('/api/account/log', { entries: [user.signer.sign([deviceRemove(tablet.publicKey)])] }), 401, 'reauth_required');
    expectError(await deviceSession.post('/api/account/log', { entries: [user.signer.sign([], { rotateTo: randomBytes(32) })] }), 401, 'reauth_required');

    // After the server revoked the tablet (a fresh passkey did that), a device session may sign the catch-up.
    expect((await signInWithPasskey(user)).status).toBe(200);
    expect((await user.client.delete(`/api/devices/${registered.body.id}`)).status).toBe(200);
    expect((await user.signer.append(deviceSession, [deviceRemove(tablet.publicKey)])).status).toBe(200);

    // A fresh passkey session of a passkey the log holds may rotate the identity key.
    const next = randomBytes(32);
    expect((await user.signer.append(user.client, [], { rotateTo: next })).status).toBe(200);
    expect(user.signer.state.identityKey).toBe(user.signer.identityKey);
  });

  it('does not count a fresh passkey session whose passkey the log does not hold', async () => {
    // Before the log: a second passkey signs in (an attacker's row, as far as the owner knows).
    const user = await createAccount(server, name());
    const extra = await addPasskeyWithKey(user);
    const other = new ApiClient(server);
    expect((await signInWithPasskey({ ...user, credentialId: extra.id, authenticator: extra.authenticator }, other)).status).toBe(200);
    const key = await newDeviceKey();
    const device = await user.client.post('/api/devices', { name: 'Phone', publicKey: key.publicKey });
    // The owner's genesis vouches for their own passkey and device only.
    const signer = new LogSigner(user.userId);
    const [owned] = (await user.client.get('/api/passkeys')).body.passkeys.filter((p: { id: string }) => p.id === user.credentialId);
    expect(owned).toBeDefined();
    const own = await server.store.db.selectFrom('credentials').select('public_key').where('id', '=', user.credentialId).executeTakeFirstOrThrow();
    expect((await signer.append(user.client, [{ op: 'passkey.add', id: user.credentialId, key: own.public_key }, deviceAdd(key.publicKey)])).status).toBe(200);

    // The other passkey's session is still fresh, but removes nothing any more.
    expectError(await other.delete(`/api/devices/${device.body.id}`), 401, 'reauth_required');
    expectError(await other.delete(`/api/passkeys/${user.credentialId}`), 401, 'reauth_required');
    expectError(await other.post('/api/account/log', { entries: [signer.sign([deviceRemove(key.publicKey)])] }), 401, 'reauth_required');
    // And it cannot sign in again.
    expectError(await signInWithPasskey({ ...user, credentialId: extra.id, authenticator: extra.authenticator }, new ApiClient(server)), 401, 'credential_unbound');
    expect((await signInWithPasskey(user)).status).toBe(200);
  });

  it('lets a recovering device sign its own device.add with its recovery session', async () => {
    const user = await createLoggedAccount(server, name());
    await user.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 });
    const { client: oldPhone } = await deviceSignIn(server, user.device.deviceId, user.device.privateKey);
    const newPhone = new ApiClient(server);
    const asked = await newPhone.post('/api/device-approvals', { username: user.username, publicKey: encodeBase64Url(Uint8Array.of(4, ...randomBytes(64))), deviceName: 'New phone' });
    await oldPhone.post(`/api/device-approvals/${asked.body.id}/approve`, { sealed: { publicKey: encodeBase64Url(Uint8Array.of(4, ...randomBytes(64))), ciphertext: 'c2VhbGVk' } });
    expect((await newPhone.post(`/api/device-approvals/${asked.body.id}/poll`, { secret: asked.body.secret })).body.state).toBe('approved');
    const key = await newDeviceKey();
    const device = await newPhone.post('/api/devices', { name: 'New phone', publicKey: key.publicKey });
    expect(device.status).toBe(200);
    expect((await user.signer.append(newPhone, [deviceAdd(key.publicKey)])).status).toBe(200);
    expect((await deviceSignIn(server, device.body.id, key.privateKey)).reply.status).toBe(200);
  });

  it('stops at ACCOUNT_LOG_MAX_ENTRIES entries with 409 log_full', async () => {
    const user = await createLoggedAccount(server, name());
    // Ten thousand signed entries take minutes to append; a head sealed at 9,999 (with the test
    // server's pepper) and the entry it names stand in for them.
    const head = (await findLogHead(server.store, user.userId))!;
    const nearlyFull = { ...user.signer.state, seq: 9_999, head: encodeBase64Url(randomBytes(32)) };
    await insertLogEntries(server.store, [{ user_id: user.userId, seq: 9_999, entry: '{}', hash: nearlyFull.head, created_at: server.clock.now }]);
    expect(await replaceLogHead(server.store, head.mac, sealLogHead(TEST_PEPPER, user.userId, 'logged', nearlyFull, server.clock.now))).toBe(true);
    user.signer.state = nearlyFull;
    expect((await user.signer.append(user.client, [{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }])).status).toBe(200);
    expectError(await user.client.post('/api/account/log', { entries: [user.signer.sign([{ op: 'kit.remove' }])] }), 409, 'log_full');
  });

  it('reads and writes only the session\'s own account', async () => {
    const alice = await createLoggedAccount(server, name());
    const bob = await createLoggedAccount(server, name());
    // Alice's entry, sent with Bob's session, is checked against Bob's log: it does not continue it.
    const entry = alice.signer.sign([{ op: 'kit.set', id: encodeBase64Url(randomBytes(32)) }]);
    expect((await bob.client.post('/api/account/log', { entries: [entry] })).body.error).toMatchObject({ code: 'log_entry_invalid', reason: 'bad_link' });
    const bobs = await bob.client.get('/api/account/log');
    expect(bobs.body.entries).toHaveLength(1);
    expect(bobs.body.entries[0].changes[0]).toEqual({ op: 'identity', key: bob.signer.identityKey });
    expectError(await new ApiClient(server).get('/api/account/log'), 401, 'unauthenticated');
  });
});
