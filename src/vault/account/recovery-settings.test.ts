import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_PAGE_DEFAULT } from '../../../protocol/constants';
import { currentCode } from '../../../test/helpers/recovery';
import { PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

describe('Vault: recovery settings and activity', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  async function withTotp() {
    const a = await onboard(world);
    await a.account.pinRecoverySettled();
    const enrollment = await a.account.startTotpEnrollment();
    await a.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    return a;
  }

  it('reports PIN recovery active with its guesses, the authenticator app enrolled, and this device\'s PRF passkey', async () => {
    const a = await withTotp();
    const status = await a.account.recoveryRoutes();
    expect(status.pin).toMatchObject({ active: true });
    expect(status.pin.guessesLeft).toBeGreaterThan(0);
    expect(status.totp).toMatchObject({ enrolled: true, locked: false });
    expect(status.passkey.prfOnThisDevice).toBe(true);
  });

  it('signs the device in first when there is no session', async () => {
    const a = await onboard(world);
    world.network.cookie = undefined;
    const status = await a.account.recoveryRoutes();
    expect(status.totp.enrolled).toBe(false);
    expect(world.network.requests).toContain('POST /api/devices/signin');
  });

  it('turns the authenticator app off only after a passkey sign-in', async () => {
    const a = await withTotp();
    world.network.cookie = undefined;
    const before = world.network.requests.length;
    await a.account.turnOffRecoveryRoute('totp');
    const made = world.network.requests.slice(before);
    expect(made.indexOf('POST /api/passkeys/signin/verify')).toBeGreaterThanOrEqual(0);
    expect(made.indexOf('POST /api/passkeys/signin/verify')).toBeLessThan(made.indexOf('DELETE /api/recovery/totp'));
    expect((await a.account.recoveryRoutes()).totp.enrolled).toBe(false);
  });

  it('turns PIN recovery off', async () => {
    const a = await withTotp();
    await a.account.turnOffRecoveryRoute('pin');
    expect((await a.account.recoveryRoutes()).pin.active).toBe(false);
  });

  it('keeps the route when the passkey prompt is cancelled', async () => {
    const a = await withTotp();
    world.ceremonies.cancel = true;
    await expect(failureOf(a.account.turnOffRecoveryRoute('totp'))).resolves.toMatchObject({ code: 'passkey_cancelled' });
    world.ceremonies.cancel = false;
    expect((await a.account.recoveryRoutes()).totp.enrolled).toBe(true);
  });

  it('lists audit events newest first and pages with nextBefore', async () => {
    const a = await withTotp();
    await a.account.turnOffRecoveryRoute('totp');
    const first = await a.account.auditLog();
    const types = first.events.map((e) => e.type);
    // The removal is signed into the account log right after it is made.
    expect(types.slice(0, 3)).toEqual(['account_log.appended', 'recovery.totp.removed', 'signin.passkey.success']);
    expect(types).toContain('recovery.totp.enrolled');
    const seqs = first.events.map((e) => e.seq);
    expect([...seqs].sort((x, y) => y - x)).toEqual(seqs);
  });

  it('follows nextBefore to older pages', async () => {
    const a = await onboard(world);
    // Each fresh device sign-in is one audit event: enough of them to fill more than a page.
    for (let i = 0; i < AUDIT_PAGE_DEFAULT; i++) {
      world.network.cookie = undefined;
      world.server.clock.now += 60_000; // past the sign-in rate limit
      await a.account.recoveryRoutes();
    }
    const first = await a.account.auditLog();
    expect(first.events).toHaveLength(AUDIT_PAGE_DEFAULT);
    expect(first.nextBefore).not.toBeNull();
    const older = await a.account.auditLog(first.nextBefore!);
    expect(older.events.length).toBeGreaterThan(0);
    expect(Math.max(...older.events.map((e) => e.seq))).toBeLessThan(Math.min(...first.events.map((e) => e.seq)));
    expect(older.events.map((e) => e.type)).toContain('account.created');
  });

  /** Device B of alice's account, just recovered by PIN: no passkey on it, still in its recovery session. */
  async function recoveredByPin() {
    await (await onboard(world)).account.pinRecoverySettled();
    const device = world.otherDevice();
    const b = device.vault();
    await b.start();
    await b.recovery.withPin('alice', PIN);
    return { b, network: device.network };
  }

  it('says whether this device holds a passkey at all: the onboarding device does, one recovered by PIN does not', async () => {
    const { b } = await recoveredByPin();
    expect((await b.account.recoveryRoutes()).passkey).toEqual({ onThisDevice: false, prfOnThisDevice: false });
    const a = world.vault();
    await a.start();
    await a.unlockWithPin(PIN);
    expect((await a.account.recoveryRoutes()).passkey).toEqual({ onThisDevice: true, prfOnThisDevice: true });
  });

  it('reads the activity on a device just recovered: its recovery session gives way to a device sign-in', async () => {
    const { b, network } = await recoveredByPin();
    const before = network.requests.length;
    const page = await b.account.auditLog();
    expect(page.events.map((e) => e.type)).toContain('recovery.pin.success');
    // Sync runs meanwhile (records, and the approval requests and account log each run asks for).
    const made = network.requests.slice(before).filter((r) => !/\/api\/(records|device-approvals|account\/log)/.test(r));
    expect(made).toEqual(['GET /api/audit', 'POST /api/devices/challenge', 'POST /api/devices/signin', 'GET /api/audit']);
  });

  it('signs in with a passkey on request, so what needs a passkey session works from a device session', async () => {
    const { b, network } = await recoveredByPin();
    await b.account.auditLog(); // now a device session
    const before = network.requests.length;
    await b.account.signInWithPasskey();
    // Background requests (a sync run asking for device approvals) may come after it: look for it, not at the end.
    expect(network.requests.slice(before)).toContain('POST /api/passkeys/signin/verify');
    const session = await world.server.app.request('/api/session', { headers: { cookie: network.cookie! } });
    expect(await session.json()).toMatchObject({ scope: 'passkey', username: 'alice' });
  });

  it('reports a cancelled passkey sign-in as passkey_cancelled', async () => {
    const { b } = await recoveredByPin();
    world.ceremonies.cancel = true;
    await expect(failureOf(b.account.signInWithPasskey())).resolves.toMatchObject({ code: 'passkey_cancelled' });
  });

  it('needs the vault unlocked and the server reachable', async () => {
    const a = await onboard(world);
    world.network.offline = true;
    await expect(failureOf(a.account.recoveryRoutes())).resolves.toMatchObject({ code: 'offline' });
    await expect(failureOf(a.account.auditLog())).resolves.toMatchObject({ code: 'offline' });
    a.lock('button');
    await expect(failureOf(a.account.auditLog())).resolves.toMatchObject({ code: 'locked' });
  });
});
