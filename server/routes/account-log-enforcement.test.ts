import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpLogId } from '../../protocol/account-log';
import { decodeBase32 } from '../../protocol/base32';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { ACCOUNT_LOG_APPENDS_PER_MINUTE } from '../../protocol/constants';
import { lockEverywhereMessage } from '../../protocol/device-signin';
import { addPasskeyWithKey, createLoggedAccount, deviceAdd, deviceRemove, type LoggedUser } from '../../test/helpers/account-log';
import { auditEvents, deviceSignIn, newDeviceKey, signInWithPasskey } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, expectError, ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { ARGON2, blindPin, currentCode, pinInput, recoverPin } from '../../test/helpers/recovery';

/**
 * What a logged account's credentials can do: each sign-in and recovery route lets in exactly what
 * the account's signed log holds (docs/architecture.md "Signed account log"). The rows here are
 * written through the API, as a client that has not signed them yet would leave them; the tamper
 * tests (account-log-tamper.test.ts) write the database directly.
 */
const TOTP_STEP_MS = 30_000;
const sha256 = (bytes: Uint8Array) => encodeBase64Url(createHash('sha256').update(bytes).digest());

describe.each(DIALECTS)('sign-in and recovery hold to the account log (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  });
  afterAll(() => server.close());
  const account = () => createLoggedAccount(server, `bound${++names}`);
  const refusals = async (user: LoggedUser) => (await auditEvents(user.client)).filter((e) => e.type === 'signin.refused_unbound').map((e) => e.data.kind);

  it('signs in with a passkey the log holds, refuses one it does not (audited), and takes it once signed in', async () => {
    const user = await account();
    expect((await signInWithPasskey(user)).status).toBe(200);
    const extra = await addPasskeyWithKey(user);
    const asExtra = { ...user, credentialId: extra.id, authenticator: extra.authenticator };
    expectError(await signInWithPasskey(asExtra, new ApiClient(server)), 401, 'credential_unbound');
    expect(await refusals(user)).toEqual(['passkey']);
    expect((await user.signer.append(user.client, [{ op: 'passkey.add', id: extra.id, key: extra.coseKey }])).status).toBe(200);
    expect((await signInWithPasskey(asExtra, new ApiClient(server))).status).toBe(200);
  });

  it('signs in a device the log holds and refuses one it does not', async () => {
    const user = await account();
    expect((await deviceSignIn(server, user.device.deviceId, user.device.privateKey)).reply.status).toBe(200);
    const tablet = await newDeviceKey();
    const registered = await user.client.post('/api/devices', { name: 'Tablet', publicKey: tablet.publicKey });
    expectError((await deviceSignIn(server, registered.body.id, tablet.privateKey)).reply, 401, 'credential_unbound');
    expect(await refusals(user)).toEqual(['device']);
    expect((await user.signer.append(user.client, [deviceAdd(tablet.publicKey)])).status).toBe(200);
    expect((await deviceSignIn(server, registered.body.id, tablet.privateKey)).reply.status).toBe(200);
    // Removed from the log (with a fresh passkey), it is refused again, whatever its row says.
    expect((await user.signer.append(user.client, [deviceRemove(tablet.publicKey)])).status).toBe(200);
    expectError((await deviceSignIn(server, registered.body.id, tablet.privateKey)).reply, 401, 'credential_unbound');
  });

  it('enrols an authenticator app only together with the entry naming its secret (salted by the user id); a refused finish leaves the enrolment to finish', async () => {
    const user = await account();
    const start = await user.client.post('/api/recovery/totp/enroll/start');
    const secret = start.body.secret as string;
    const body = async () => ({ enrollmentId: start.body.enrollmentId, code: await currentCode(server, secret), escrowedWrap: encodeBase64Url(randomBytes(61)), r: encodeBase64Url(randomBytes(32)) });
    const finish = (sent: Record<string, unknown>) => user.client.post('/api/recovery/totp/enroll/finish', sent);
    const named = { op: 'totp.add', id: totpLogId(user.userId, decodeBase32(secret)) } as const;
    const enrolled = async () => (await user.client.get('/api/recovery/status')).body.totp.enrolled as boolean;

    expectError(await finish(await body()), 400, 'log_entry_required');
    // The same secret's id salted by another account's id names nothing here.
    expectError(await finish({ ...(await body()), logEntry: user.signer.sign([{ op: 'totp.add', id: totpLogId('someone-else', decodeBase32(secret)) }]) }), 400, 'log_entry_invalid');
    const stale = user.signer.sign([named]);
    expect((await user.signer.append(user.client, [{ op: 'pin-recovery.set', id: sha256(randomBytes(32)) }])).status).toBe(200);
    expectError(await finish({ ...(await body()), logEntry: stale }), 409, 'log_stale');
    expect(await enrolled()).toBe(false);

    const entry = user.signer.sign([named]);
    expect((await finish({ ...(await body()), logEntry: entry })).status).toBe(200);
    user.signer.accept([entry]);
    expect(await enrolled()).toBe(true);
    server.clock.now += TOTP_STEP_MS;
    const recovered = await new ApiClient(server).post('/api/recovery/totp/recover', { username: user.username, code: await currentCode(server, secret) });
    expect(recovered.status).toBe(200);
  });

  it('stores a kit only together with the entry naming it: a refused PUT leaves the old kit working, and the new one recovers at once', async () => {
    const user = await account();
    const kit = () => {
      const kitAuth = randomBytes(32);
      return { kitAuth, body: { wrap: encodeBase64Url(randomBytes(61)), authHash: sha256(kitAuth) } };
    };
    const put = (body: Record<string, unknown>) => user.client.put('/api/recovery/kit', body);
    const recover = (kitAuth: Uint8Array) => new ApiClient(server).post('/api/recovery/kit/recover', { username: user.username, kitAuth: encodeBase64Url(kitAuth) });
    const old = kit();
    const oldEntry = user.signer.sign([{ op: 'kit.set', id: old.body.authHash }]);
    expect((await put({ ...old.body, logEntry: oldEntry })).status).toBe(200);
    user.signer.accept([oldEntry]);
    expect((await recover(old.kitAuth)).status).toBe(200);

    const next = kit();
    const named = { op: 'kit.set', id: next.body.authHash } as const;
    expectError(await put(next.body), 400, 'log_entry_required');
    expectError(await put({ ...next.body, logEntry: user.signer.sign([{ op: 'kit.set', id: sha256(randomBytes(32)) }]) }), 400, 'log_entry_invalid');
    expectError(await put({ ...next.body, logEntry: user.signer.sign([named, { op: 'totp.remove' }]) }), 400, 'log_entry_invalid');
    const stale = user.signer.sign([named]);
    expect((await user.signer.append(user.client, [{ op: 'pin-recovery.set', id: sha256(randomBytes(32)) }])).status).toBe(200);
    expectError(await put({ ...next.body, logEntry: stale }), 409, 'log_stale');
    // None of the refused PUTs replaced the old kit, and none stored the new one.
    expect((await recover(old.kitAuth)).status).toBe(200);
    expectError(await recover(next.kitAuth), 401, 'kit_invalid');

    const entry = user.signer.sign([named]);
    expect((await put({ ...next.body, logEntry: entry })).body).toMatchObject({ replaced: true });
    user.signer.accept([entry]);
    expect((await recover(next.kitAuth)).status).toBe(200);
    expectError(await recover(old.kitAuth), 401, 'kit_invalid');
  });

  it('registers PIN recovery only together with the entry naming it; a refused finish stores nothing and leaves the registration to finish', async () => {
    const user = await account();
    const blinded = blindPin(pinInput('right'));
    const start = await user.client.post('/api/recovery/pin/register/start', { blindedElement: blinded.blindedElement });
    const tag = blinded.tagFor(start.body.evaluatedElement);
    const finish = { registrationId: start.body.registrationId, salt: encodeBase64Url(randomBytes(16)), argon2: ARGON2, tag, wrap: encodeBase64Url(randomBytes(61)) };
    const named = { op: 'pin-recovery.set', id: sha256(decodeBase64Url(tag)) } as const;
    const send = (body: Record<string, unknown>) => user.client.post('/api/recovery/pin/register/finish', body);
    const held = async () => ({
      pinActive: (await user.client.get('/api/recovery/status')).body.pin.active as boolean,
      logSeq: (await user.client.get('/api/account/log?after=0')).body.seq as number,
    });
    const before = await held();
    expect(before.pinActive).toBe(false);

    expectError(await send(finish), 400, 'log_entry_required');
    expectError(await send({ ...finish, logEntry: user.signer.sign([{ op: 'pin-recovery.set', id: sha256(randomBytes(32)) }]) }), 400, 'log_entry_invalid');
    const tablet = await newDeviceKey();
    expectError(await send({ ...finish, logEntry: user.signer.sign([named, deviceAdd(tablet.publicKey)]) }), 400, 'log_entry_invalid');
    // Another device appended first: the entry signed on the old head is stale.
    const stale = user.signer.sign([named]);
    await user.client.post('/api/devices', { name: 'Tablet', publicKey: tablet.publicKey });
    expect((await user.signer.append(user.client, [deviceAdd(tablet.publicKey)])).status).toBe(200);
    expectError(await send({ ...finish, logEntry: stale }), 409, 'log_stale');
    // Nothing of the refused finishes stayed behind: no registration, no entry beyond the tablet's.
    expect(await held()).toEqual({ pinActive: false, logSeq: before.logSeq + 1 });
    // The right PIN recovers nothing: the server answers from its decoy, as for a name without PIN recovery.
    expectError((await recoverPin(new ApiClient(server), user.username, pinInput('right'))).finish!, 401, 'pin_recovery_failed');

    // Signed on the new head, the same pending registration and its entry commit together.
    const entry = user.signer.sign([named]);
    const registered = await send({ ...finish, logEntry: entry });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    user.signer.accept([entry]);
    expect(await held()).toEqual({ pinActive: true, logSeq: before.logSeq + 2 });
    expect((await recoverPin(new ApiClient(server), user.username, pinInput('right'))).finish?.status).toBe(200);
    // Once: the registration was spent.
    expectError(await send({ ...finish, logEntry: user.signer.sign([named]) }), 400, 'challenge_invalid');
  });

  it('counts an entry riding in a PIN recovery registration or a kit against the account log\'s appends a minute', async () => {
    const user = await account();
    // The start of a fresh minute: the appends below share one window.
    server.clock.now = Math.ceil((server.clock.now + 1) / 60_000) * 60_000;
    for (let i = 0; i < ACCOUNT_LOG_APPENDS_PER_MINUTE; i++) {
      expect((await user.signer.append(user.client, [{ op: 'pin-recovery.set', id: sha256(randomBytes(32)) }])).status).toBe(200);
    }
    const blinded = blindPin(pinInput('right'));
    const start = await user.client.post('/api/recovery/pin/register/start', { blindedElement: blinded.blindedElement });
    const tag = blinded.tagFor(start.body.evaluatedElement);
    const finish = { registrationId: start.body.registrationId, salt: encodeBase64Url(randomBytes(16)), argon2: ARGON2, tag, wrap: encodeBase64Url(randomBytes(61)) };
    const entry = user.signer.sign([{ op: 'pin-recovery.set', id: sha256(decodeBase64Url(tag)) }]);
    const limited = await user.client.post('/api/recovery/pin/register/finish', { ...finish, logEntry: entry });
    expectError(limited, 429, 'rate_limited');
    expect((await user.client.get('/api/recovery/status')).body.pin.active).toBe(false);
    expectError(await user.signer.append(user.client, [{ op: 'pin-recovery.set', id: sha256(randomBytes(32)) }]), 429, 'rate_limited');
    const authHash = sha256(randomBytes(32));
    const kit = { wrap: encodeBase64Url(randomBytes(61)), authHash, logEntry: user.signer.sign([{ op: 'kit.set', id: authHash }]) };
    expectError(await user.client.put('/api/recovery/kit', kit), 429, 'rate_limited');
    // The next minute, the same registration and entry go through.
    server.clock.now += 60_000;
    expect((await user.client.post('/api/recovery/pin/register/finish', { ...finish, logEntry: entry })).status).toBe(200);
  });

  it('locks everywhere only with the signed entry, appended with the lock; the kept device must be in the log', async () => {
    const user = await account();
    expect((await user.client.put('/api/backup/key-bundle', { blob: encodeBase64Url(randomBytes(300)), expectedVersion: 0 })).status).toBe(200);
    const tablet = await newDeviceKey();
    await user.client.post('/api/devices', { name: 'Tablet', publicKey: tablet.publicKey });
    expect((await user.signer.append(user.client, [deviceAdd(tablet.publicKey)])).status).toBe(200);
    const proof = async () => {
      const { body } = await new ApiClient(server).post('/api/devices/challenge', { deviceId: user.device.deviceId });
      const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, user.device.privateKey, lockEverywhereMessage(ORIGIN, body.challenge));
      return { challenge: body.challenge as string, signature: encodeBase64Url(new Uint8Array(signature)) };
    };
    const body = async (extra: Record<string, unknown> = {}) => ({
      keepDeviceId: user.device.deviceId,
      deviceProof: await proof(),
      keyBundle: { blob: encodeBase64Url(randomBytes(300)), expectedVersion: 1 },
      wrapPrf: [],
      totp: null,
      pin: null,
      ...extra,
    });
    expectError(await user.client.post('/api/account/lock-everywhere', await body()), 400, 'log_entry_required');
    // A PIN registration to sign as the lock's pin-recovery.set.
    const blinded = blindPin(pinInput('after-lock'));
    const start = await user.client.post('/api/recovery/pin/register/start', { blindedElement: blinded.blindedElement });
    const tag = blinded.tagFor(start.body.evaluatedElement);
    const pin = { registrationId: start.body.registrationId, salt: encodeBase64Url(randomBytes(16)), argon2: ARGON2, tag, wrap: encodeBase64Url(randomBytes(61)) };
    const next = randomBytes(32);
    const entry = user.signer.sign([deviceRemove(tablet.publicKey), { op: 'pin-recovery.set', id: sha256(decodeBase64Url(tag)) }], { rotateTo: next });
    const locked = await user.client.post('/api/account/lock-everywhere', await body({ pin, logEntry: entry }));
    expect(locked.status, JSON.stringify(locked.body)).toBe(200);
    user.signer.accept([entry], next);
    const log = await user.client.get('/api/account/log');
    expect(log.body).toMatchObject({ seq: user.signer.state.seq, head: user.signer.state.head });
    expect(user.signer.state.identityKey).toBe(user.signer.identityKey);
    // The new PIN registration recovers: the lock's entry vouched for it.
    expect((await recoverPin(new ApiClient(server), user.username, pinInput('after-lock'))).finish?.status).toBe(200);
  });

  it('refuses to lock everywhere from a device the log does not hold', async () => {
    const user = await account();
    const stray = await newDeviceKey();
    const registered = await user.client.post('/api/devices', { name: 'Stray', publicKey: stray.publicKey });
    const { body: challenge } = await new ApiClient(server).post('/api/devices/challenge', { deviceId: registered.body.id });
    const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, stray.privateKey, lockEverywhereMessage(ORIGIN, challenge.challenge));
    const reply = await user.client.post('/api/account/lock-everywhere', {
      keepDeviceId: registered.body.id,
      deviceProof: { challenge: challenge.challenge, signature: encodeBase64Url(new Uint8Array(signature)) },
      keyBundle: { blob: encodeBase64Url(randomBytes(300)), expectedVersion: 0 },
      wrapPrf: [],
      totp: null,
      pin: null,
      logEntry: user.signer.sign([deviceRemove(user.device.publicKey)]),
    });
    expectError(reply, 401, 'credential_unbound');
    expect((await user.client.get('/api/account/log')).body.seq).toBe(1);
  });
});
