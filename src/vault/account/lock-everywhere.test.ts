import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../../protocol/base64url';
import { withoutPrfOutput } from '../../../protocol/webauthn';
import { answerSignIn, verifySignIn } from '../../../test/helpers/accounts';
import { fakeArgon2ForHierarchyTests as argon2 } from '../../../test/helpers/fake-argon2';
import { ApiClient, ORIGIN, UNLIMITED_SIGNINS } from '../../../test/helpers/harness';
import { currentCode } from '../../../test/helpers/recovery';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator';
import { OTHER_PIN, PIN, dumpIndexedDb, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import { unlockWithPin } from '../crypto';
import type { Vault } from '../vault';

const TOTP_STEP_MS = 30_000;

describe('Vault: lock everywhere', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld(UNLIMITED_SIGNINS);
  });
  afterEach(() => world.close());

  /** Device A (onboarded, a note synced, PIN recovery registered) and device B, recovered with the PIN and synced. */
  async function twoDevices() {
    const a = await onboard(world);
    await a.records.save(null, { kind: 'note', title: 'Before', body: 'written before the lock' });
    await a.account.pinRecoverySettled();
    await a.sync.now();
    const bDevice = world.otherDevice();
    const b = bDevice.vault();
    await b.start();
    await b.recovery.withPin('alice', PIN);
    await b.sync.now();
    expect((await b.records.list()).map((r) => r.title)).toEqual(['Before']);
    return { a, b, bDevice };
  }

  /** A new device of the owner, recovered after the lock by `recover`: every record, as its titles and bodies. */
  async function recoveredRecords(recover: (vault: Vault) => Promise<void>): Promise<string[]> {
    const vault = world.otherDevice('New phone').vault();
    await vault.start();
    await recover(vault);
    await vault.sync.now();
    const summaries = await vault.records.list();
    return Promise.all(summaries.map(async (s) => JSON.stringify(await vault.records.read(s.id)))).then((all) => all.sort());
  }

  it('refuses the other device and every old session afterwards, and a device recovered by PIN, app code or passkey opens old and new records', async () => {
    const { a, b, bDevice } = await twoDevices();
    const enrollment = await a.account.startTotpEnrollment();
    await a.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    world.server.clock.now += TOTP_STEP_MS;
    const oldPasskeySession = new ApiClient(world.server);
    expect((await verifySignIn(oldPasskeySession, (await answerSignIn(oldPasskeySession, 'alice', world.authenticator)).response)).status).toBe(200);
    const bCookie = bDevice.network.cookie;
    const sessionOf = (cookie: string | undefined) => world.server.app.request('/api/session', { headers: { cookie: cookie ?? '' } });
    const scopes = await Promise.all([bCookie, oldPasskeySession.cookie].map(async (c) => ((await (await sessionOf(c)).json()) as { scope: string }).scope));
    expect(scopes).toEqual(['recovery', 'passkey']); // live before the lock: B's recovery session and a passkey session

    const report = await a.account.lockEverywhere(PIN);
    expect(report).toEqual({ devicesRemoved: 1, needsStep: [] });
    expect(a.state.kind).toBe('unlocked');

    // B is removed: its session is gone and its device may not sign in again; its vault still opens by PIN.
    await b.sync.now();
    expect(b.sync.status).toMatchObject({ phase: 'error', failure: 'device_revoked' });
    for (const cookie of [bCookie, oldPasskeySession.cookie]) expect((await sessionOf(cookie)).status).toBe(401);
    b.lock('button');
    await b.unlockWithPin(PIN);
    expect((await b.records.list()).map((r) => r.title)).toEqual(['Before']);

    // A goes on: edits after the lock sync, and every route recovers into a vault that opens both.
    const after = await a.records.save(null, { kind: 'note', title: 'After', body: 'written after the lock' });
    await a.sync.now();
    expect(a.sync.status.failure).toBeNull();
    expect(await a.records.read(after)).toMatchObject({ body: 'written after the lock' });
    const both = [
      JSON.stringify({ kind: 'note', title: 'After', body: 'written after the lock' }),
      JSON.stringify({ kind: 'note', title: 'Before', body: 'written before the lock' }),
    ];
    expect(await recoveredRecords((v) => v.recovery.withPin('alice', PIN))).toEqual(both);
    const code = await currentCode(world.server, enrollment.secret);
    expect(await recoveredRecords((v) => v.recovery.withTotp('alice', code, OTHER_PIN, OTHER_PIN))).toEqual(both);
    expect(await recoveredRecords((v) => v.recovery.withPasskey('alice', OTHER_PIN, OTHER_PIN))).toEqual(both);
  });

  it('keeps the passkey used able to unlock this device, and names another passkey that lost its unlock', async () => {
    const a = await onboard(world);
    const session = new ApiClient(world.server);
    await verifySignIn(session, (await answerSignIn(session, 'alice', world.authenticator)).response);
    const key = new SoftAuthenticator();
    const options = await session.post('/api/passkeys/add/options');
    const response = withoutPrfOutput(await key.register(options.body, { origin: ORIGIN, prf: true }));
    const added = await session.post('/api/passkeys/add/verify', { response, passkeyName: 'Security key' });
    const keyId = added.body.passkey.id as string;
    expect((await session.put(`/api/backup/wrap-prf/${keyId}`, { blob: encodeBase64Url(crypto.getRandomValues(new Uint8Array(61))), expectedVersion: 0 })).status).toBe(200);

    const report = await a.account.lockEverywhere(PIN);
    expect(report.needsStep).toEqual([{ route: 'passkey', id: keyId, name: 'Security key' }]);
    const backup = (await session.get('/api/backup')).status;
    expect(backup).toBe(401); // that session ended too
    a.lock('button');
    await a.unlockWithPasskey();
    expect(a.state.kind).toBe('unlocked');
  });

  it('changes nothing for a wrong PIN, before any passkey prompt', async () => {
    const { a, bDevice } = await twoDevices();
    const before = { local: await dumpIndexedDb(world.store), server: await serverState(world) };
    world.network.requests.length = 0;
    await expect(failureOf(a.account.lockEverywhere(OTHER_PIN))).resolves.toMatchObject({ code: 'wrong_pin' });
    expect(world.network.requests).toEqual([]);
    expect(await serverState(world)).toEqual(before.server);
    expect(JSON.parse(await dumpIndexedDb(world.store)).vault).toEqual(JSON.parse(before.local).vault);
    const b = bDevice.vault();
    await b.start();
    await b.unlockWithPin(PIN);
    await b.sync.now();
    expect(b.sync.status.failure).toBeNull();
  });

  it('refuses with account_changed when the key bundle changes under it, and nothing is half-written', async () => {
    const { a, bDevice } = await twoDevices();
    const localBefore = await world.store.readVault();
    world.network.beforeRequest = async (request) => {
      if (request !== 'POST /api/account/lock-everywhere') return;
      // Another writer moves the key bundle on between A's read and A's write.
      await world.server.store.db.updateTable('secret_blobs').set((eb) => ({ version: eb('version', '+', 1) })).where('kind', '=', 'key_bundle').execute();
    };
    const before = await serverState(world);
    await expect(failureOf(a.account.lockEverywhere(PIN))).resolves.toMatchObject({ code: 'account_changed' });
    world.network.beforeRequest = null;
    const { keyBundleVersion: _moved, sessions, ...after } = await serverState(world);
    const { keyBundleVersion: _read, sessions: sessionsBefore, ...unchanged } = before;
    expect(after).toEqual(unchanged);
    // Every session is still there, and one more: the passkey sign-in the lock asked for.
    expect(sessions).toEqual(expect.arrayContaining(sessionsBefore));
    expect(sessions.filter((x) => !sessionsBefore.some((y) => y.id_hash === x.id_hash))).toEqual([expect.objectContaining({ scope: 'passkey' })]);
    expect(await world.store.readVault()).toEqual(localBefore);
    // The bump above kept the blob: a bundle under a version it was not sealed for is itself a
    // rollback that recovery refuses (key-bundle.ts v3), so the other writer's step is undone here.
    await world.server.store.db.updateTable('secret_blobs').set((eb) => ({ version: eb('version', '-', 1) })).where('kind', '=', 'key_bundle').execute();
    // Everyone goes on as before: B syncs, A reads its records, PIN recovery still gives the old (and only) S.
    const b = bDevice.vault();
    await b.start();
    await b.unlockWithPin(PIN);
    await b.sync.now();
    expect(b.sync.status.failure).toBeNull();
    expect((await a.records.list()).map((r) => r.title)).toEqual(['Before']);
    expect(await recoveredRecords((v) => v.recovery.withPin('alice', PIN))).toHaveLength(1);
  });

  it('stores the new keys when the answer is lost on the way back but the lock committed', async () => {
    const { a } = await twoDevices();
    world.network.losingAnswers = /^POST \/api\/account\/lock-everywhere$/;
    const report = await a.account.lockEverywhere(PIN);
    world.network.losingAnswers = null;
    expect(report.devicesRemoved).toBe(1);
    const stored = await world.store.readVault();
    const backup = (await world.server.store.db.selectFrom('secret_blobs').select(['blob', 'version']).where('kind', '=', 'key_bundle').executeTakeFirstOrThrow());
    expect(stored?.record.keyBundle).toBe(backup.blob);
    expect(stored?.keyBundleVersion).toBe(backup.version);
    await unlockWithPin(stored!.record, PIN, argon2); // the stored vault opens on the new keys
    await a.records.save(null, { kind: 'note', title: 'After', body: 'x' });
    await a.sync.now();
    expect(await recoveredRecords((v) => v.recovery.withPin('alice', PIN))).toHaveLength(2);
  });
});

/** The server rows a lock everywhere changes, as plain values. */
async function serverState(world: VaultWorld) {
  const db = world.server.store.db;
  const keyBundle = await db.selectFrom('secret_blobs').select(['blob', 'version']).where('kind', '=', 'key_bundle').executeTakeFirst();
  return {
    keyBundleVersion: keyBundle?.version,
    keyBundle: keyBundle?.blob,
    wraps: await db.selectFrom('secret_blobs').select(['ref', 'blob', 'version']).where('kind', '=', 'wrap_prf').orderBy('ref').execute(),
    devices: await db.selectFrom('devices').select(['id', 'revoked_at']).orderBy('id').execute(),
    sessions: await db.selectFrom('sessions').select(['id_hash', 'scope']).orderBy('id_hash').execute(),
    pinRecovery: await db.selectFrom('pin_recovery').select(['wrap', 'version', 'guesses_left']).execute(),
    totp: await db.selectFrom('totp_recovery').select(['wrap', 'sealed_r']).execute(),
  };
}
