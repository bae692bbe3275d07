import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeriveArgon2 } from '../crypto';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('Vault: lock and unlock', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(() => world.close());

  it('locking drops access to everything decrypted', async () => {
    const controller = await onboard(world);
    const id = await controller.records.save(null, { kind: 'note', title: 'Safe code', body: '4711' });
    controller.lock('button');

    expect(controller.state).toEqual({
      kind: 'locked',
      username: 'alice',
      prfUnlock: true,
      throttle: { failures: 0, retryAt: null },
      lockedBecause: 'button',
    });
    await expect(failureOf(controller.records.list())).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(controller.records.read(id))).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(controller.records.save(null, { kind: 'note', title: 'x', body: '' }))).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(controller.records.remove(id))).resolves.toMatchObject({ code: 'locked' });
    await expect(failureOf(controller.account.changePin(PIN, OTHER_PIN, OTHER_PIN))).resolves.toMatchObject({ code: 'locked' });
  });

  it('does not hand out a read that the vault locked under', async () => {
    const controller = await onboard(world);
    const id = await controller.records.save(null, { kind: 'note', title: 'Safe code', body: '4711' });
    const reading = controller.records.read(id);
    controller.lock('idle');
    await expect(failureOf(reading)).resolves.toMatchObject({ code: 'locked' });
  });

  it('unlocks with the PIN after a reload, offline, without a single request', async () => {
    await onboard(world);
    world.network.offline = true;
    const requestsBefore = world.network.requests.length;
    const controller = world.vault(world.reopenStore());
    await controller.start();
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: null, prfUnlock: true });

    const phases: string[] = [];
    await controller.unlockWithPin(PIN, (phase) => phases.push(phase));
    expect(controller.state).toMatchObject({ kind: 'unlocked', username: 'alice' });
    expect(phases).toEqual(['deriving', 'unwrapping', 'done']);
    expect(world.network.requests.length).toBe(requestsBefore);
  });

  it('signs the device in after an unlock, in the background, never blocking it', async () => {
    const controller = await onboard(world);
    controller.lock('button');
    world.network.hang = true;
    await controller.unlockWithPin(PIN);
    expect(controller.state.kind).toBe('unlocked');

    world.network.hang = false;
    controller.lock('button');
    await controller.unlockWithPin(PIN);
    const { db } = world.server.store;
    await vi.waitFor(async () => {
      const session = await db.selectFrom('sessions').selectAll().where('scope', '=', 'device').executeTakeFirst();
      expect(session?.device_id).toBe((await world.store.readVault())!.deviceId);
    });
    expect(world.network.cookie).toBeDefined();
  });

  it('counts wrong PINs, makes the wait grow, and keeps it across a reload', async () => {
    const controller = await onboard(world);
    controller.lock('button');

    for (let i = 1; i <= 3; i++) {
      await expect(failureOf(controller.unlockWithPin(OTHER_PIN))).resolves.toEqual({ code: 'wrong_pin', retryAt: undefined });
    }
    expect(controller.state).toMatchObject({ throttle: { failures: 3, retryAt: null } });
    const fourth = world.clock.now;
    await expect(failureOf(controller.unlockWithPin(OTHER_PIN))).resolves.toEqual({ code: 'wrong_pin', retryAt: fourth + 30 * SECOND });
    // Even the right PIN waits.
    await expect(failureOf(controller.unlockWithPin(PIN))).resolves.toEqual({ code: 'throttled', retryAt: fourth + 30 * SECOND });
    expect(controller.state).toMatchObject({ kind: 'locked', throttle: { failures: 4, retryAt: fourth + 30 * SECOND } });

    // A reload (new controller, same IndexedDB) remembers the count and the wait.
    const reloaded = world.vault(world.reopenStore());
    await reloaded.start();
    expect(reloaded.state).toMatchObject({ kind: 'locked', throttle: { failures: 4, retryAt: fourth + 30 * SECOND } });
    await expect(failureOf(reloaded.unlockWithPin(PIN))).resolves.toMatchObject({ code: 'throttled' });

    world.clock.advance(30 * SECOND);
    await expect(failureOf(reloaded.unlockWithPin(OTHER_PIN))).resolves.toEqual({ code: 'wrong_pin', retryAt: world.clock.now + MINUTE });
    world.clock.advance(MINUTE);
    await expect(failureOf(reloaded.unlockWithPin(OTHER_PIN))).resolves.toEqual({ code: 'wrong_pin', retryAt: world.clock.now + 2 * MINUTE });

    world.clock.advance(2 * MINUTE);
    await reloaded.unlockWithPin(PIN);
    expect(reloaded.state.kind).toBe('unlocked');
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
  });

  it('counts an attempt before its derivation, so a reload mid-attempt does not make it free', async () => {
    await onboard(world);
    const hanging: DeriveArgon2 = () => new Promise(() => {});
    const controller = world.vault(world.reopenStore(), { argon2: hanging });
    await controller.start();
    void controller.unlockWithPin(OTHER_PIN);
    await vi.waitFor(async () => expect(await world.store.readThrottle()).toEqual({ failures: 1, retryAt: null }));

    const reloaded = world.vault(world.reopenStore());
    await reloaded.start();
    expect(reloaded.state).toMatchObject({ throttle: { failures: 1 } });
  });

  it('does not count an attempt the user cancelled', async () => {
    const controller = await onboard(world);
    controller.lock('button');
    const abort = new AbortController();
    abort.abort();
    await expect(controller.unlockWithPin(OTHER_PIN, undefined, abort.signal)).rejects.toMatchObject({ name: 'AbortError' });
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
  });

  it('changes the PIN: the old one stops working, the new one and the passkey open the vault', async () => {
    const controller = await onboard(world);
    await controller.records.save(null, { kind: 'note', title: 'Safe code', body: '4711' });
    const before = (await world.store.readVault())!.record.pin;

    await controller.account.changePin(PIN, OTHER_PIN, OTHER_PIN);
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'pin-changed' });
    const after = (await world.store.readVault())!.record.pin;
    expect(after.salt).not.toBe(before.salt);
    expect(after.wrappedRootSecret).not.toBe(before.wrappedRootSecret);

    await expect(failureOf(controller.unlockWithPin(PIN))).resolves.toMatchObject({ code: 'wrong_pin' });
    await controller.unlockWithPin(OTHER_PIN);
    expect((await controller.records.list()).map((r) => r.title)).toEqual(['Safe code']);
    controller.lock('button');
    await controller.unlockWithPasskey();
    expect(controller.state.kind).toBe('unlocked');
  });

  it('a wrong current PIN in a PIN change counts as an attempt and changes nothing', async () => {
    const controller = await onboard(world);
    const before = (await world.store.readVault())!.record.pin;
    await expect(failureOf(controller.account.changePin(OTHER_PIN, '918273', '918273'))).resolves.toMatchObject({ code: 'wrong_pin' });
    await expect(failureOf(controller.account.changePin(PIN, '918273', '918274'))).resolves.toMatchObject({ code: 'pin_mismatch' });
    await expect(failureOf(controller.account.changePin(PIN, '111111', '111111'))).resolves.toMatchObject({ code: 'pin_rejected' });
    expect(controller.state.kind).toBe('unlocked');
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 1, retryAt: null });
    expect((await world.store.readVault())!.record.pin).toEqual(before);
  });

  it('unlocks with the PRF passkey offline, and that ends a PIN wait', async () => {
    const controller = await onboard(world);
    controller.lock('button');
    for (let i = 0; i < 4; i++) await failureOf(controller.unlockWithPin(OTHER_PIN));
    expect(controller.state).toMatchObject({ throttle: { failures: 4 } });

    world.network.offline = true;
    await controller.unlockWithPasskey();
    expect(controller.state).toMatchObject({ kind: 'unlocked', prfUnlock: true });
    await expect(world.store.readThrottle()).resolves.toEqual({ failures: 0, retryAt: null });
  });

  it('refuses a passkey unlock without a PRF wrap, and maps a dismissed prompt', async () => {
    const controller = await onboard(world);
    controller.lock('button');
    world.ceremonies.cancel = true;
    await expect(failureOf(controller.unlockWithPasskey())).resolves.toMatchObject({ code: 'passkey_cancelled' });
    expect(controller.state.kind).toBe('locked');

    const noPrf = await startVaultWorld();
    try {
      noPrf.ceremonies.prf = false;
      const other = await onboard(noPrf, 'bob');
      other.lock('button');
      expect(other.state).toMatchObject({ kind: 'locked', prfUnlock: false });
      await expect(failureOf(other.unlockWithPasskey())).resolves.toMatchObject({ code: 'prf_unavailable' });
    } finally {
      await noPrf.close();
    }
  });
});
