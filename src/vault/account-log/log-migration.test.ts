import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totpLogId } from '../../../protocol/account-log';
import { decodeBase32 } from '../../../protocol/base32';
import type { Vault } from '../vault';
import { keepBundleOnServer, makeUnlogged, serverLog, userIdOf } from '../../../test/helpers/log-tamper';
import { makePreLogDevice } from '../../../test/helpers/pre-log-device';
import { currentCode } from '../../../test/helpers/recovery';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from '../../../test/helpers/vault-world';

const TOTP_STEP_MS = 30_000;

/**
 * An account made before the log (issue 14 item 6): made here by deleting a new account's log and
 * sealing an `unlogged` head with the server's pepper, as the process that applies migration 007
 * does for every older account. Its devices still hold key bundles without an identity key.
 */
describe('Vault: an account made before the log migrates on an unlocked device', () => {
  let world: VaultWorld;
  let phone: Vault;
  let tablet: Vault;
  let tabletDevice: OtherDevice;
  let userId: string;
  let securityKey: SoftAuthenticator;
  let totpSecret: string;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    securityKey = new SoftAuthenticator();
    world.ceremonies.authenticator = securityKey;
    await phone.passkeys.add('Old security key');
    world.ceremonies.authenticator = world.authenticator;
    const enrollment = await phone.account.startTotpEnrollment();
    await phone.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    totpSecret = enrollment.secret;
    tabletDevice = world.otherDevice('Tablet');
    tablet = tabletDevice.vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    await tablet.account.pinRecoverySettled();
    userId = await userIdOf(world.server, 'alice');
    // Both devices as they were before the log: no mirror, a key bundle without identity key (on the server too).
    phone.lock('button');
    tablet.lock('button');
    await makePreLogDevice(tabletDevice.store, PIN);
    await keepBundleOnServer(world.server, userId, await makePreLogDevice(world.store, PIN));
    await makeUnlogged(world.server, userId);
    phone = world.vault(world.reopenStore());
    await phone.start();
    tablet = tabletDevice.vault();
    await tablet.start();
  });
  afterEach(() => world.close());

  it('shows the server\'s list to confirm, then starts the log vouching for what was kept: the rest is refused from then on', async () => {
    const reloaded = phone;
    expect(await reloaded.accountLog.migration()).toBeNull(); // locked: nothing to confirm yet
    await reloaded.unlockWithPin(PIN);
    await reloaded.sync.now();
    expect(reloaded.accountLog.status).toEqual({ state: 'needs-confirmation', seq: 0, warnings: [] });

    const plan = (await reloaded.accountLog.migration())!;
    expect(plan.passkeys.map((p) => p.name)).toEqual([expect.any(String), 'Old security key']);
    expect(plan.devices.map((d) => d.name)).toEqual(['Test phone', 'Tablet']);
    expect(plan).toMatchObject({ totp: true, kit: false, pinRecovery: true });
    for (const item of [...plan.passkeys, ...plan.devices]) expect(item.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);

    // Keep the first passkey and this phone; not the old security key, not the tablet.
    await reloaded.accountLog.confirmMigration(plan, { keep: { passkeys: [plan.passkeys[0]!.id], devices: [] } });
    expect(reloaded.accountLog.status).toMatchObject({ state: 'verified', warnings: [] });
    const [genesis] = await serverLog(world.server, userId);
    expect(genesis!.changes.map((c) => c.op)).toEqual(['identity', 'passkey.add', 'device.add', 'totp.add', 'pin-recovery.set']);
    expect(genesis!.changes).toContainEqual({ op: 'totp.add', id: totpLogId(userId, decodeBase32(totpSecret)) });

    // The old security key no longer signs in; the kept passkey does.
    world.ceremonies.authenticator = securityKey;
    await expect(failureOf(reloaded.account.signInWithPasskey())).resolves.toMatchObject({ code: 'credential_unbound' });
    world.ceremonies.authenticator = world.authenticator;
    await reloaded.account.signInWithPasskey();
    // What was not kept is listed apart, under a warning.
    expect((await reloaded.devices.list()).map((d) => [d.name, d.inLog])).toEqual([['Test phone', true], ['Tablet', false]]);
    expect(reloaded.accountLog.status.warnings).toContainEqual({ kind: 'unlisted-device', name: 'Tablet', fingerprint: plan.devices[1]!.fingerprint });
    // The routes kept still recover a new device.
    world.server.clock.now += TOTP_STEP_MS;
    const laptop = world.otherDevice('Laptop').vault();
    await laptop.start();
    await laptop.recovery.withTotp('alice', await currentCode(world.server, totpSecret), OTHER_PIN, OTHER_PIN);
    expect(laptop.state.kind).toBe('unlocked');
  });

  it('a device that kept its old key bundle adopts the identity key from the server\'s once the log names it, and signs with it', async () => {
    await phone.unlockWithPin(PIN);
    await tablet.unlockWithPin(PIN);
    await phone.sync.now();
    const plan = (await phone.accountLog.migration())!;
    await phone.accountLog.confirmMigration(plan, { keep: { passkeys: plan.passkeys.map((p) => p.id), devices: plan.devices.map((d) => d.id) } });

    await tablet.sync.now();
    expect(tablet.accountLog.status).toMatchObject({ state: 'verified', warnings: [] });
    const kit = await tablet.account.recoveryKit.prepare();
    await tablet.account.recoveryKit.activate(kit, kit.checkPositions.map((p) => kit.words[p]!));
    expect((await serverLog(world.server, userId)).at(-1)!.changes.map((c) => c.op)).toEqual(['kit.set']);
  });

  it('offers no migration once the account has a log, and refuses a plan it did not make', async () => {
    await phone.unlockWithPin(PIN);
    await phone.sync.now();
    const plan = (await phone.accountLog.migration())!;
    await expect(failureOf(phone.accountLog.confirmMigration({ ...plan }, { keep: { passkeys: [], devices: [] } }))).resolves.toMatchObject({ code: 'not_found' });
    await phone.accountLog.confirmMigration(plan, { keep: { passkeys: plan.passkeys.map((p) => p.id), devices: [] } });
    expect(await phone.accountLog.migration()).toBeNull();
  });

  it('before the migration, a PIN change registers PIN recovery without a log entry, and a new device recovers with the new PIN', async () => {
    await phone.unlockWithPin(PIN);
    await phone.account.changePin(PIN, OTHER_PIN, OTHER_PIN);
    await phone.account.pinRecoverySettled();
    expect(await serverLog(world.server, userId)).toEqual([]);
    const laptop = world.otherDevice('Laptop').vault();
    await laptop.start();
    await laptop.recovery.withPin('alice', OTHER_PIN);
    expect(laptop.state.kind).toBe('unlocked');
  });

  it('before the migration, a recovery kit is stored without a log entry, and a new device recovers with it', async () => {
    await phone.unlockWithPin(PIN);
    const kit = await phone.account.recoveryKit.prepare();
    await phone.account.recoveryKit.activate(kit, kit.checkPositions.map((p) => kit.words[p]!));
    expect(await serverLog(world.server, userId)).toEqual([]);
    const laptop = world.otherDevice('Laptop').vault();
    await laptop.start();
    await laptop.recovery.withKit('alice', kit.words.join(' '), OTHER_PIN, OTHER_PIN);
    expect(laptop.state.kind).toBe('unlocked');
  });
});
