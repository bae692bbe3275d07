import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRESH_PASSKEY_SECONDS } from '../../../protocol/constants';
import type { Vault } from '../vault';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator';

/**
 * The account's passkeys. The world's authenticator holds the first passkey (made at onboarding);
 * a second SoftAuthenticator stands for a security key or another phone added as a backup.
 */
describe('Vault: the account\'s passkeys', () => {
  let world: VaultWorld;
  let phone: Vault;
  let securityKey: SoftAuthenticator;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    securityKey = new SoftAuthenticator();
  });
  afterEach(() => world.close());

  /** The person taps `authenticator` at the next prompts. */
  const tap = (authenticator: SoftAuthenticator) => (world.ceremonies.authenticator = authenticator);
  const firstPasskey = () => world.authenticator.credentials()[0]!.id;
  const sentSoFar = () => [...world.network.bodies].join('\n');

  async function addSecurityKey(name = 'Security key') {
    tap(securityKey);
    const added = await phone.passkeys.add(name);
    tap(world.authenticator);
    return added;
  }

  it('adds a backup passkey with PRF that unlocks this device offline and recovers a new device; its PRF output never leaves', async () => {
    const added = await addSecurityKey();
    expect(added).toMatchObject({ name: 'Security key', canUnlock: true, lastUsedAt: null });
    expect(added.id).toBe(securityKey.credentials()[0]!.id);
    expect((await phone.passkeys.list()).map((p) => [p.id, p.canUnlock])).toEqual([
      [firstPasskey(), true],
      [added.id, true],
    ]);

    phone.lock('button');
    world.network.offline = true;
    tap(securityKey);
    await phone.unlockWithPasskey();
    expect(phone.state).toMatchObject({ kind: 'unlocked', prfUnlock: true });
    world.network.offline = false;

    const laptop = world.otherDevice('Laptop');
    const fresh = laptop.vault();
    await fresh.start();
    await fresh.recovery.withPasskey('alice', OTHER_PIN, OTHER_PIN);
    expect(fresh.state.kind).toBe('unlocked');

    const sent = sentSoFar() + laptop.network.bodies.join('\n');
    expect(world.ceremonies.prfOutputs.length).toBeGreaterThan(0);
    for (const output of world.ceremonies.prfOutputs) expect(sent).not.toContain(Buffer.from(output).toString('base64url'));
  });

  it.each(['none', 'enabled-only'] as const)('when the authenticator gives PRF only at get() (%s at create), asks once more and the passkey still unlocks', async (prfAtCreate) => {
    world.ceremonies.prfAtCreate = prfAtCreate;
    const before = world.ceremonies.calls.length;
    const added = await addSecurityKey();
    expect(world.ceremonies.calls.slice(before)).toEqual([{ kind: 'create', prf: true }, { kind: 'get', prf: true }]);
    expect(added.canUnlock).toBe(true);
    phone.lock('button');
    tap(securityKey);
    await phone.unlockWithPasskey();
    expect(phone.state.kind).toBe('unlocked');
  });

  it('adds a passkey without PRF that signs in but cannot unlock; enableUnlock says prf_unavailable', async () => {
    world.ceremonies.prf = false;
    const added = await addSecurityKey('Old key');
    expect(added.canUnlock).toBe(false);
    expect((await phone.passkeys.list()).find((p) => p.id === added.id)?.canUnlock).toBe(false);
    tap(securityKey);
    await expect(failureOf(phone.passkeys.enableUnlock(added.id))).resolves.toMatchObject({ code: 'prf_unavailable' });
    expect((await world.store.readVault())!.passkeys.map((p) => p.credentialId)).toEqual([firstPasskey()]);
  });

  it('retries a registration the browser refused over PRF without it, and enableUnlock later lets that passkey unlock', async () => {
    world.ceremonies.createRefusesPrf = new TypeError("Failed to read the 'prf' member of 'AuthenticationExtensionsClientInputs'");
    const added = await addSecurityKey();
    expect(world.ceremonies.calls.slice(-2)).toEqual([{ kind: 'create', prf: true }, { kind: 'create', prf: false }]);
    expect(added.canUnlock).toBe(false);

    world.ceremonies.createRefusesPrf = null;
    tap(securityKey);
    const enabled = await phone.passkeys.enableUnlock(added.id);
    expect(enabled).toMatchObject({ id: added.id, canUnlock: true });
    phone.lock('button');
    world.network.offline = true;
    await phone.unlockWithPasskey();
    expect(phone.state.kind).toBe('unlocked');
  });

  it('renames a passkey', async () => {
    await phone.passkeys.rename(firstPasskey(), ' Phone passkey ');
    expect((await phone.passkeys.list()).map((p) => p.name)).toEqual(['Phone passkey']);
    await expect(failureOf(phone.passkeys.rename(firstPasskey(), ''))).resolves.toMatchObject({ code: 'name_invalid' });
  });

  it('removes a passkey after a passkey prompt: it stops unlocking; the only one left is refused with last_passkey', async () => {
    const added = await addSecurityKey();
    world.server.clock.now += FRESH_PASSKEY_SECONDS * 1000 + 1;
    const before = world.ceremonies.calls.length;
    await phone.passkeys.remove(added.id);
    expect(world.ceremonies.calls.slice(before)).toEqual([{ kind: 'get', prf: true }]);
    expect((await phone.passkeys.list()).map((p) => p.id)).toEqual([firstPasskey()]);
    expect((await world.store.readVault())!.record.prf.map((w) => w.credentialId)).toEqual([firstPasskey()]);

    phone.lock('button');
    tap(securityKey);
    await expect(failureOf(phone.unlockWithPasskey())).resolves.toMatchObject({ code: 'prf_unavailable' });
    await phone.unlockWithPin(PIN);
    tap(world.authenticator);
    await expect(failureOf(phone.passkeys.remove(firstPasskey()))).resolves.toMatchObject({ code: 'last_passkey' });
    expect((await phone.passkeys.list()).map((p) => p.id)).toEqual([firstPasskey()]);
  });

  it('a passkey removed on another device stops unlocking this one once it lists the passkeys', async () => {
    const added = await addSecurityKey();
    const tablet = world.otherDevice().vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    await tablet.passkeys.remove(added.id);

    expect(phone.state).toMatchObject({ prfUnlock: true });
    await phone.passkeys.list();
    expect((await world.store.readVault())!.passkeys.map((p) => p.credentialId)).toEqual([firstPasskey()]);
    phone.lock('button');
    tap(securityKey);
    await expect(failureOf(phone.unlockWithPasskey())).resolves.toMatchObject({ code: 'prf_unavailable' });
  });

  it('a device recovered with the PIN, with no passkey of its own, adds one that then unlocks it', async () => {
    const tablet = world.otherDevice().vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
    expect(tablet.state).toMatchObject({ kind: 'unlocked', prfUnlock: false });
    // The first sync run (and its approval and account log checks) ends before the session does:
    // a run still under way would answer the expired session with a device sign-in of its own.
    await tablet.sync.now();
    world.server.clock.now += 16 * 60_000; // the recovery session (which may add a passkey) has ended
    // The person signs in with the account's passkey on their phone (hybrid), then registers the tablet's own.
    world.ceremonies.signInWith = world.authenticator;
    const tabletKey = new SoftAuthenticator();
    tap(tabletKey);
    const before = world.ceremonies.calls.length;
    const added = await tablet.passkeys.add('Tablet');
    expect(world.ceremonies.calls.slice(before).map((c) => c.kind)).toEqual(['get', 'create']);
    expect(added.canUnlock).toBe(true);
    expect(tablet.state).toMatchObject({ prfUnlock: true });
    world.ceremonies.signInWith = null;
    tablet.lock('button');
    world.network.offline = true;
    await tablet.unlockWithPasskey();
    expect(tablet.state.kind).toBe('unlocked');
  });
});
