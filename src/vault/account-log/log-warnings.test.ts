import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey, logKeyFingerprint } from '../../../protocol/account-log';
import { encodeBase64Url } from '../../../protocol/base64url';
import { ACCOUNT_LOG_CHANGED } from '../state';
import type { Vault } from '../vault';
import { deleteEntriesAfter, headRow, makeUnlogged, replaceLogAsOperator, restoreHead, serverLog, userIdOf } from '../../../test/helpers/log-tamper';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from '../../../test/helpers/vault-world';

/**
 * What the app warns of, each made by writing the live key server's database: an older log (a
 * restored backup, or a rollback), a log that forked from the one a device saw, an entry that does
 * not verify, a device or passkey row nobody signed into the log, a log under another identity key.
 */
describe('Vault: account log warnings', () => {
  let world: VaultWorld;
  let phone: Vault;
  let tabletDevice: OtherDevice;
  let tablet: Vault;
  let userId: string;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    tabletDevice = world.otherDevice('Tablet');
    tablet = tabletDevice.vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    await Promise.all([phone.sync.now(), tablet.sync.now()]);
    userId = await userIdOf(world.server, 'alice');
  });
  afterEach(() => world.close());

  const addPasskey = async (vault: Vault, name: string) => {
    world.ceremonies.authenticator = new SoftAuthenticator();
    try {
      return await vault.passkeys.add(name);
    } finally {
      world.ceremonies.authenticator = world.authenticator;
    }
  };
  const kinds = (vault: Vault) => vault.accountLog.status.warnings.map((w) => w.kind);

  it('rollback: a head older than one this device verified is refused; the device keeps its log and signs nothing on top of the older one', async () => {
    const before = await headRow(world.server, userId);
    await addPasskey(phone, 'Backup key');
    await phone.sync.now();
    const seen = phone.accountLog.status.seq;
    expect(phone.accountLog.status.state).toBe('verified');

    // The newest entry deleted and the head row saved before it put back (its MAC is the server's own).
    await deleteEntriesAfter(world.server, userId, before.seq);
    await restoreHead(world.server, before);
    let announced = 0;
    phone.addEventListener(ACCOUNT_LOG_CHANGED, () => announced++);
    await phone.sync.now();
    expect(phone.accountLog.status).toEqual({ state: 'warning', seq: seen, warnings: [{ kind: 'rollback' }] });
    expect(announced).toBe(1);
    await expect(failureOf(addPasskey(phone, 'Another key'))).resolves.toMatchObject({ code: 'account_log_unverified' });
    expect((await serverLog(world.server, userId)).length).toBe(before.seq);
  });

  it('rollback: a server that says the account has no log, after this device saw one, gets no migration', async () => {
    await makeUnlogged(world.server, userId);
    await phone.sync.now();
    expect(kinds(phone)).toEqual(['rollback']);
    expect(phone.accountLog.status.state).toBe('warning');
    expect(await phone.accountLog.migration()).toBeNull();
  });

  it('fork: another entry under the seq this device verified (the server rolled back, then took another device\'s entry)', async () => {
    const before = await headRow(world.server, userId);
    await addPasskey(phone, 'Backup key');
    await phone.sync.now();
    await deleteEntriesAfter(world.server, userId, before.seq);
    await restoreHead(world.server, before);
    // The tablet, which never saw the phone's entry, signs its own on the older head: valid, and a fork.
    const kit = await tablet.account.recoveryKit.prepare();
    await tablet.account.recoveryKit.activate(kit, kit.checkPositions.map((p) => kit.words[p]!));
    await phone.sync.now();
    expect(kinds(phone)).toEqual(['fork']);
    // The tablet's log verifies; what it lacks, the phone's passkey whose entry was dropped, is listed apart.
    await tablet.passkeys.list();
    expect(tablet.accountLog.status.warnings).toEqual([{ kind: 'unlisted-passkey', name: 'Backup key', fingerprint: expect.any(String) }]);
  });

  it('invalid: an entry changed in the database does not verify', async () => {
    const kit = await tablet.account.recoveryKit.prepare();
    await tablet.account.recoveryKit.activate(kit, kit.checkPositions.map((p) => kit.words[p]!));
    const newest = (await serverLog(world.server, userId)).at(-1)!;
    const forged = { ...newest, changes: [{ op: 'kit.set', id: encodeBase64Url(new Uint8Array(32).fill(9)) }] };
    await world.server.store.db.updateTable('account_log').set({ entry: JSON.stringify(forged) }).where('user_id', '=', userId).where('seq', '=', newest.seq).execute();
    await phone.sync.now();
    expect(kinds(phone)).toEqual(['invalid']);
  });

  it('unlisted device: a devices row written into the database is shown apart with its fingerprint, at the first sync run after an unlock and in the list', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as CryptoKeyPair;
    const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
    await world.server.store.db
      .insertInto('devices')
      .values({ id: 'forged-device', user_id: userId, app_id: 'keyhold', name: 'Desk PC', public_key_jwk: JSON.stringify({ kty: 'EC', crv: 'P-256', x, y }), created_at: world.server.clock.now, last_seen_at: null, revoked_at: null })
      .execute();
    const warning = { kind: 'unlisted-device', name: 'Desk PC', fingerprint: logKeyFingerprint(deviceKeyToLogKey({ x: x!, y: y! })) };

    phone.lock('button');
    await phone.unlockWithPin(PIN);
    await phone.sync.now();
    expect(phone.accountLog.status).toMatchObject({ state: 'warning', warnings: [warning] });
    expect((await tablet.devices.list()).map((d) => [d.name, d.inLog])).toEqual([
      ['Test phone', true],
      ['Tablet', true],
      ['Desk PC', false],
    ]);
    expect(tablet.accountLog.status.warnings).toEqual([warning]);
  });

  it('unlisted passkey: a credentials row written into the database is shown apart, and a new device recovers without trusting it', async () => {
    const real = await world.server.store.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    await world.server.store.db.insertInto('credentials').values({ ...real, id: encodeBase64Url(new Uint8Array(20).fill(3)), name: 'Attacker key' }).execute();
    const passkeys = await phone.passkeys.list();
    expect(passkeys.map((p) => [p.name, p.inLog])).toEqual([
      [real.name, true],
      ['Attacker key', false],
    ]);
    expect(phone.accountLog.status.warnings).toEqual([{ kind: 'unlisted-passkey', name: 'Attacker key', fingerprint: logKeyFingerprint(real.public_key) }]);
  });

  it('identity mismatch: a log the operator made under a key of its own is refused by a new device, which does not join', async () => {
    // The operator vouches for the PIN recovery it holds, so the recovery itself goes through.
    const { tag_digest } = await world.server.store.db.selectFrom('pin_recovery').select('tag_digest').where('subject', '=', userId).executeTakeFirstOrThrow();
    await replaceLogAsOperator(world.server, userId, [{ op: 'pin-recovery.set', id: encodeBase64Url(Buffer.from(tag_digest, 'hex')) }]);
    const laptop = world.otherDevice('Laptop').vault();
    await laptop.start();
    await expect(failureOf(laptop.recovery.withPin('alice', PIN, { newPin: OTHER_PIN }))).resolves.toMatchObject({ code: 'account_log_unverified' });
    expect(laptop.state.kind).toBe('welcome');
    // The phone, which verified the account's own (longer) log, sees an older head: a rollback.
    await phone.sync.now();
    expect(kinds(phone)).toEqual(['rollback']);
  });
});
