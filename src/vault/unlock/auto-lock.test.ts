import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Vault } from '../vault';
import { PIN, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('Vault: auto-lock', () => {
  let world: VaultWorld;
  let controller: Vault;

  beforeAll(async () => {
    world = await startVaultWorld();
    controller = await onboard(world);
  });
  afterAll(() => world.close());

  beforeEach(async () => {
    controller.pageVisible();
    await controller.settings.update({ idleLockMinutes: 5, hiddenGraceSeconds: 30 });
    controller.lock('button');
    await controller.unlockWithPin(PIN);
  });

  it('locks after the idle time with no activity', () => {
    world.clock.advance(5 * MINUTE - 1);
    expect(controller.state.kind).toBe('unlocked');
    world.clock.advance(1);
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'idle' });
    expect(world.clock.pendingTimers).toBe(0);
  });

  it('activity starts the idle wait again', () => {
    world.clock.advance(4 * MINUTE);
    controller.noteActivity();
    world.clock.advance(4 * MINUTE);
    expect(controller.state.kind).toBe('unlocked');
    world.clock.advance(1 * MINUTE);
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'idle' });
  });

  it('activity after a frozen idle wait locks instead of extending it', () => {
    world.clock.jump(6 * MINUTE);
    controller.noteActivity();
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'idle' });
  });

  it('locks when the page stays hidden past the grace period', () => {
    controller.pageHidden();
    world.clock.advance(30 * SECOND - 1);
    expect(controller.state.kind).toBe('unlocked');
    world.clock.advance(1);
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'hidden' });
  });

  it('stays unlocked when the page comes back within the grace period', () => {
    controller.pageHidden();
    world.clock.advance(20 * SECOND);
    controller.pageVisible();
    world.clock.advance(MINUTE);
    expect(controller.state.kind).toBe('unlocked');
  });

  it('locks on return when the hidden page’s timers were frozen past the grace period', () => {
    controller.pageHidden();
    world.clock.jump(2 * MINUTE);
    expect(controller.state.kind).toBe('unlocked');
    controller.pageVisible();
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'hidden' });
  });

  it('applies and stores new settings at once, within their bounds', async () => {
    world.clock.advance(2 * MINUTE);
    await controller.settings.update({ idleLockMinutes: 1 });
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'idle' });
    expect(controller.settings.current).toEqual({ idleLockMinutes: 1, hiddenGraceSeconds: 30, repromptMinutes: 5 });

    await controller.settings.update({ idleLockMinutes: 0, hiddenGraceSeconds: 10_000 });
    expect(controller.settings.current).toEqual({ idleLockMinutes: 1, hiddenGraceSeconds: 600, repromptMinutes: 5 });
    const reloaded = world.vault(world.reopenStore());
    await reloaded.start();
    expect(reloaded.settings.current).toEqual({ idleLockMinutes: 1, hiddenGraceSeconds: 600, repromptMinutes: 5 });
  });

  it('locks at once on hide when the grace period is zero', async () => {
    await controller.settings.update({ hiddenGraceSeconds: 0 });
    controller.pageHidden();
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'hidden' });
  });

  it('a manual lock clears the timers', () => {
    controller.lock('button');
    expect(world.clock.pendingTimers).toBe(0);
    world.clock.advance(10 * MINUTE);
    expect(controller.state).toMatchObject({ kind: 'locked', lockedBecause: 'button' });
  });
});
