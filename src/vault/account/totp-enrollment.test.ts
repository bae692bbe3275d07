import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentCode } from '../../../test/helpers/recovery';
import { LocalStore } from '../platform/local-store';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const TOTP_STEP_MS = 30_000;

describe('Vault: the authenticator-app route', () => {
  let world: VaultWorld;
  const stores: LocalStore[] = [];
  let n = 0;
  const newDevice = () => {
    const store = new LocalStore(`keyhold-test-totp-${process.pid}-${++n}`);
    stores.push(store);
    return world.vault(store);
  };
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) store.close();
    await world.close();
  });

  /** Device A: onboarded, authenticator app enrolled; returns the app's secret. */
  async function enrolled(): Promise<string> {
    const a = await onboard(world);
    const enrollment = await a.account.startTotpEnrollment();
    expect(enrollment.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    await expect(failureOf(a.account.finishTotpEnrollment(enrollment.enrollmentId, '000000'))).resolves.toMatchObject({ code: 'totp_invalid' });
    await a.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    await a.account.pinRecoverySettled();
    world.server.clock.now += TOTP_STEP_MS; // the next code is a new one
    return enrollment.secret;
  }

  it('enrols from an unlocked vault and signs the device in when the session has ended', async () => {
    const a = await onboard(world);
    world.network.cookie = undefined; // the passkey session is gone
    const enrollment = await a.account.startTotpEnrollment();
    await a.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    expect(world.network.requests).toContain('POST /api/devices/signin');
  });

  it('recovers on a new device with a code, requires a new PIN, and re-registers PIN recovery for it', async () => {
    const secret = await enrolled();
    const b = newDevice();
    await b.start();
    const code = await currentCode(world.server, secret);
    await expect(failureOf(b.recovery.withTotp('alice', code, OTHER_PIN, PIN))).resolves.toMatchObject({ code: 'pin_mismatch' });
    await b.recovery.withTotp('alice', code, OTHER_PIN, OTHER_PIN);
    expect(b.state).toMatchObject({ kind: 'unlocked', username: 'alice' });
    await b.account.pinRecoverySettled();
    expect((await stores[0]!.readVault())?.pinRecoveryRegistered).toBe(true);

    // PIN recovery now answers to the new PIN, not the old one.
    const c = newDevice();
    await c.start();
    await expect(failureOf(c.recovery.withPin('alice', PIN))).resolves.toMatchObject({ code: 'recovery_pin_wrong' });
    await c.recovery.withPin('alice', OTHER_PIN);
    expect(c.state.kind).toBe('unlocked');
  });

  it('enrols on a device that was just recovered (its recovery session is swapped for a device session)', async () => {
    await (await onboard(world)).account.pinRecoverySettled();
    const b = newDevice();
    await b.start();
    await b.recovery.withPin('alice', PIN);
    const enrollment = await b.account.startTotpEnrollment();
    await b.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    expect(world.network.requests).toContain('POST /api/devices/signin');
  });

  it('refuses a wrong code and a replayed one', async () => {
    const secret = await enrolled();
    const b = newDevice();
    await b.start();
    await expect(failureOf(b.recovery.withTotp('alice', '000000', OTHER_PIN, OTHER_PIN))).resolves.toMatchObject({ code: 'totp_invalid' });
    const code = await currentCode(world.server, secret);
    await b.recovery.withTotp('alice', code, OTHER_PIN, OTHER_PIN);
    const c = newDevice();
    await c.start();
    await expect(failureOf(c.recovery.withTotp('alice', code, OTHER_PIN, OTHER_PIN))).resolves.toMatchObject({ code: 'totp_invalid' });
  });
});
