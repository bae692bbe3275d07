import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Vault } from '../vault';
import type { DeriveArgon2 } from '../crypto';
import { fakeArgon2ForHierarchyTests } from '../../../test/helpers/fake-argon2';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('Vault: re-prompt before revealing', () => {
  let world: VaultWorld;
  let vault: Vault;

  /** A vault that has been open `minutes` (the idle lock pushed out of the way, as if the user kept using it). */
  function openFor(minutes: number): void {
    world.clock.advance(minutes * MINUTE);
  }

  beforeEach(async () => {
    world = await startVaultWorld();
    vault = await onboard(world);
    await vault.settings.update({ idleLockMinutes: 60 });
  });
  afterEach(() => world.close());

  it('asks again once the unlock is as old as the setting (5 minutes by default), not before', async () => {
    expect(vault.settings.current.repromptMinutes).toBe(5);
    expect(vault.reprompt.needed()).toBe(false);
    openFor(5 - 1 / 60);
    expect(vault.reprompt.needed()).toBe(false);
    world.clock.advance(SECOND);
    expect(vault.reprompt.needed()).toBe(true);
  });

  it('the right PIN confirms, offline, and the interval starts again from then', async () => {
    openFor(6);
    world.network.offline = true;
    const requests = world.network.requests.length;
    await vault.reprompt.withPin(PIN);
    expect(vault.reprompt.needed()).toBe(false);
    expect(world.network.requests.length).toBe(requests);
    openFor(4);
    expect(vault.reprompt.needed()).toBe(false);
    openFor(1);
    expect(vault.reprompt.needed()).toBe(true);
  });

  it('a wrong PIN confirms nothing and counts as a lock-screen attempt', async () => {
    openFor(6);
    await expect(failureOf(vault.reprompt.withPin(OTHER_PIN))).resolves.toEqual({ code: 'wrong_pin', retryAt: undefined });
    expect(vault.reprompt.needed()).toBe(true);
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 1, retryAt: null });

    await vault.reprompt.withPin(PIN);
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
  });

  it('the lock screen’s wait applies: after too many wrong PINs even the right one waits, here and at the lock screen', async () => {
    openFor(6);
    for (let i = 0; i < 3; i++) await failureOf(vault.reprompt.withPin(OTHER_PIN));
    const fourth = world.clock.now;
    await expect(failureOf(vault.reprompt.withPin(OTHER_PIN))).resolves.toEqual({ code: 'wrong_pin', retryAt: fourth + 30 * SECOND });
    await expect(failureOf(vault.reprompt.withPin(PIN))).resolves.toEqual({ code: 'throttled', retryAt: fourth + 30 * SECOND });
    expect(vault.reprompt.needed()).toBe(true);

    vault.lock('button');
    expect(vault.state).toMatchObject({ kind: 'locked', throttle: { failures: 4, retryAt: fourth + 30 * SECOND } });
    await expect(failureOf(vault.unlockWithPin(PIN))).resolves.toMatchObject({ code: 'throttled' });
  });

  it('a PRF passkey confirms, offline, and ends a PIN wait', async () => {
    openFor(6);
    for (let i = 0; i < 4; i++) await failureOf(vault.reprompt.withPin(OTHER_PIN));
    world.network.offline = true;
    await vault.reprompt.withPasskey();
    expect(vault.reprompt.needed()).toBe(false);
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
  });

  it('a dismissed passkey prompt confirms nothing', async () => {
    openFor(6);
    world.ceremonies.cancel = true;
    await expect(failureOf(vault.reprompt.withPasskey())).resolves.toMatchObject({ code: 'passkey_cancelled' });
    expect(vault.reprompt.needed()).toBe(true);
  });

  it('a device whose passkey has no PRF is told prf_unavailable and can still confirm with the PIN', async () => {
    const noPrf = await startVaultWorld();
    try {
      noPrf.ceremonies.prf = false;
      const other = await onboard(noPrf, 'bob');
      await other.settings.update({ idleLockMinutes: 60 });
      noPrf.clock.advance(6 * MINUTE);
      await expect(failureOf(other.reprompt.withPasskey())).resolves.toMatchObject({ code: 'prf_unavailable' });
      await other.reprompt.withPin(PIN);
      expect(other.reprompt.needed()).toBe(false);
    } finally {
      await noPrf.close();
    }
  });

  it('locking forgets the confirmation and the next unlock is a fresh one', async () => {
    openFor(6);
    vault.lock('button');
    expect(vault.reprompt.needed()).toBe(false);
    await expect(failureOf(vault.reprompt.withPin(PIN))).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(vault.reprompt.withPasskey())).resolves.toMatchObject({ code: 'locked' });
    await vault.unlockWithPasskey();
    expect(vault.reprompt.needed()).toBe(false);
    openFor(5);
    expect(vault.reprompt.needed()).toBe(true);
  });

  it('a PIN checked while the vault locked does not confirm the next session', async () => {
    let lockDuringDerivation = false;
    const argon2: DeriveArgon2 = async (...args) => {
      if (lockDuringDerivation) {
        lockDuringDerivation = false;
        reloaded.lock('idle');
      }
      return fakeArgon2ForHierarchyTests(...args);
    };
    const reloaded = world.vault(world.reopenStore(), { argon2 });
    await reloaded.start();
    await reloaded.settings.update({ idleLockMinutes: 60 });
    await reloaded.unlockWithPin(PIN);
    world.clock.advance(6 * MINUTE);
    lockDuringDerivation = true;
    await expect(failureOf(reloaded.reprompt.withPin(PIN))).resolves.toMatchObject({ code: 'locked' });
    expect(reloaded.state.kind).toBe('locked');
  });

  it('a clock set back does not switch the re-prompt off', () => {
    world.clock.now -= 10 * MINUTE;
    expect(vault.reprompt.needed()).toBe(true);
  });

  it('the setting applies at once, is stored, and stays within 1 to 60 minutes', async () => {
    openFor(2);
    await vault.settings.update({ repromptMinutes: 1 });
    expect(vault.reprompt.needed()).toBe(true);
    expect(vault.settings.current).toMatchObject({ repromptMinutes: 1, idleLockMinutes: 60 });

    await vault.settings.update({ repromptMinutes: 0 });
    expect(vault.settings.current.repromptMinutes).toBe(1);
    await vault.settings.update({ repromptMinutes: 1000 });
    expect(vault.settings.current.repromptMinutes).toBe(60);
    expect(vault.reprompt.needed()).toBe(false);
    await vault.settings.update({ repromptMinutes: 2.6 });
    expect(vault.settings.current.repromptMinutes).toBe(3);

    const reloaded = world.vault(world.reopenStore());
    await reloaded.start();
    expect(reloaded.settings.current).toEqual({ idleLockMinutes: 60, hiddenGraceSeconds: 30, repromptMinutes: 3 });
  });

  it('turning off a recovery route is refused with reprompt_required, before any prompt or request, until the PIN is given again', async () => {
    await vault.account.pinRecoverySettled();
    openFor(6);
    const requests = world.network.requests.length;
    const prompts = world.ceremonies.saltsWereBytes.length;
    await expect(failureOf(vault.account.turnOffRecoveryRoute('pin'))).resolves.toMatchObject({ code: 'reprompt_required' });
    expect(world.network.requests.length).toBe(requests);
    expect(world.ceremonies.saltsWereBytes.length).toBe(prompts);
    expect((await vault.account.recoveryRoutes()).pin.active).toBe(true);

    await vault.reprompt.withPin(PIN);
    await vault.account.turnOffRecoveryRoute('pin');
    expect((await vault.account.recoveryRoutes()).pin.active).toBe(false);
  });
});
