import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRESH_PASSKEY_SECONDS } from '../../../protocol/constants';
import type { Vault } from '../vault';
import { PIN, failureOf, onboard, startVaultWorld, type OtherDevice, type VaultWorld } from '../../../test/helpers/vault-world';

/**
 * Two devices of one account: the phone made it, the tablet joined by PIN recovery. The world's
 * one authenticator stands for the account's passkey, synced to both.
 */
describe('Vault: the account\'s devices', () => {
  let world: VaultWorld;
  /** Requests sent so far, leaving out the approval and account log checks a sync run makes when it ends (they may land at any time), and the log reads of each list. */
  const requestCount = (): number => world.network.requests.filter((r) => !r.includes('/api/device-approvals') && !r.includes('/api/account/log')).length;
  let phone: Vault;
  let tabletDevice: OtherDevice;
  let tablet: Vault;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    tabletDevice = world.otherDevice('Test tablet');
    tablet = tabletDevice.vault();
    await tablet.start();
    await tablet.recovery.withPin('alice', PIN);
  });
  afterEach(() => world.close());

  const idOf = async (name: string) => (await phone.devices.list()).find((d) => d.name === name)!.id;
  /** The passkey sign-in onboarding opened is no longer fresh (but still alive). */
  const letPasskeySignInAge = () => (world.server.clock.now += FRESH_PASSKEY_SECONDS * 1000 + 1);
  const prompts = () => world.ceremonies.calls.length;

  it('lists every device of the account, each side marking itself as this device', async () => {
    const fromPhone = await phone.devices.list();
    expect(fromPhone.map((d) => [d.name, d.current, d.revokedAt])).toEqual([
      ['Test phone', true, null],
      ['Test tablet', false, null],
    ]);
    expect(fromPhone[1]!.createdAt).toBe(world.server.clock.now);
    expect((await tablet.devices.list()).map((d) => [d.name, d.current])).toEqual([
      ['Test phone', false],
      ['Test tablet', true],
    ]);
  });

  it('removes a lost device from another after one passkey prompt: it stops syncing at once, and its vault still opens with its PIN', async () => {
    const note = await tablet.records.save(null, { kind: 'note', title: 'Locker code', body: '7712' });
    await tablet.sync.now();
    expect(tablet.sync.status.failure).toBeNull();
    const tabletId = await idOf('Test tablet');

    letPasskeySignInAge();
    const before = prompts();
    await phone.devices.remove(tabletId);
    expect(world.ceremonies.calls.slice(before)).toEqual([{ kind: 'get', prf: true }]);
    expect((await phone.devices.list()).find((d) => d.id === tabletId)?.revokedAt).toBe(world.server.clock.now);

    await tablet.records.save(null, { kind: 'note', title: 'Written after removal', body: 'stays here' });
    await tablet.sync.now();
    expect(tablet.sync.status).toMatchObject({ phase: 'error', failure: 'device_revoked', pending: 1 });
    tablet.lock('button');
    await tablet.unlockWithPin(PIN);
    expect(tablet.state.kind).toBe('unlocked');
    expect(await tablet.records.read(note)).toMatchObject({ title: 'Locker code', body: '7712' });
    expect((await tablet.records.list()).map((r) => r.title).sort()).toEqual(['Locker code', 'Written after removal']);
    await tablet.sync.now();
    expect(tablet.sync.status.failure).toBe('device_revoked');
    // Managing the account from it is refused in the same words.
    await expect(failureOf(tablet.devices.list())).resolves.toMatchObject({ code: 'device_revoked' });
  });

  it('ends the removed device\'s passkey sessions too: a tablet that signed in with its passkey stops syncing as well', async () => {
    await tablet.sync.now(); // a device session
    // Letting the account's passkey unlock the tablet signs in with it: a passkey session, bound to the tablet.
    const [passkey] = await tablet.passkeys.list();
    await tablet.passkeys.enableUnlock(passkey!.id);
    expect(world.ceremonies.calls.at(-1)).toEqual({ kind: 'get', prf: true });
    await tablet.sync.now();
    expect(tablet.sync.status.failure).toBeNull();

    await phone.devices.remove(await idOf('Test tablet'));
    await tablet.records.save(null, { kind: 'note', title: 'After', body: 'x' });
    await tablet.sync.now();
    expect(tablet.sync.status).toMatchObject({ failure: 'device_revoked', pending: 1 });
  });

  it('asks for the passkey only when the server wants a fresh sign-in: a second removal right after needs none', async () => {
    const tabletId = await idOf('Test tablet');
    letPasskeySignInAge();
    await phone.devices.remove(tabletId);
    const after = prompts();
    await expect(failureOf(phone.devices.remove(tabletId))).resolves.toMatchObject({ code: 'not_found' });
    expect(prompts()).toBe(after);
  });

  it('refuses to remove this device from its own list, before any prompt or request', async () => {
    const phoneId = await idOf('Test phone');
    const requests = requestCount();
    const before = prompts();
    await expect(failureOf(phone.devices.remove(phoneId))).resolves.toMatchObject({ code: 'current_device' });
    expect([prompts(), requestCount()]).toEqual([before, requests]);
  });

  it('asks for the PIN again first when the vault was opened more than the re-prompt minutes ago: reprompt_required, before any prompt or request', async () => {
    const tabletId = await idOf('Test tablet');
    await phone.settings.update({ idleLockMinutes: 60 });
    world.clock.advance((phone.settings.current.repromptMinutes + 1) * 60_000);
    const requests = requestCount();
    const before = prompts();
    await expect(failureOf(phone.devices.remove(tabletId))).resolves.toMatchObject({ code: 'reprompt_required' });
    expect([prompts(), requestCount()]).toEqual([before, requests]);
    await phone.reprompt.withPin(PIN);
    await phone.devices.remove(tabletId);
    expect((await phone.devices.list()).find((d) => d.id === tabletId)?.revokedAt).not.toBeNull();
  });

  it('removes nothing when the passkey prompt is dismissed', async () => {
    const tabletId = await idOf('Test tablet');
    letPasskeySignInAge();
    world.ceremonies.cancel = true;
    await expect(failureOf(phone.devices.remove(tabletId))).resolves.toMatchObject({ code: 'passkey_cancelled' });
    world.ceremonies.cancel = false;
    expect((await phone.devices.list()).every((d) => d.revokedAt === null)).toBe(true);
    await tablet.sync.now();
    expect(tablet.sync.status.failure).toBeNull();
  });

  it('renames a device from either side; a name the server would refuse is name_invalid before any request', async () => {
    await tablet.devices.rename(await idOf('Test tablet'), '  Kitchen tablet ');
    await phone.devices.rename(await idOf('Test phone'), 'My phone');
    expect((await tablet.devices.list()).map((d) => d.name)).toEqual(['My phone', 'Kitchen tablet']);
    const requests = requestCount();
    for (const name of ['', '   ', 'x'.repeat(65), 'line\nbreak']) {
      await expect(failureOf(phone.devices.rename(await idOf('My phone'), name))).resolves.toMatchObject({ code: 'name_invalid' });
    }
    expect(requestCount()).toBe(requests + 4); // only the four lookups of the id
  });

  it('needs the vault open', async () => {
    phone.lock('button');
    await expect(failureOf(phone.devices.list())).resolves.toMatchObject({ code: 'locked' });
  });
});
