import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey, totpLogId, type LogEntry } from '../../../protocol/account-log';
import { decodeBase32 } from '../../../protocol/base32';
import { encodeBase64Url } from '../../../protocol/base64url';
import { FRESH_PASSKEY_SECONDS } from '../../../protocol/constants';

const TOTP_STEP_MS = 30_000;
import type { PendingRecoveryKit } from '../account/vault-recovery-kit';
import type { Vault } from '../vault';
import { currentCode } from '../../../test/helpers/recovery';
import { opsAfter, serverLog, userIdOf } from '../../../test/helpers/log-tamper';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator';
import { OTHER_PIN, PIN, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

/** The server's PIN recovery tag digest (stored as hex) as the log names it (base64url). */
async function pinRecoveryLogId(world: VaultWorld, userId: string): Promise<string> {
  const row = await world.server.store.db.selectFrom('pin_recovery').select('tag_digest').where('subject', '=', userId).executeTakeFirstOrThrow();
  return encodeBase64Url(Buffer.from(row.tag_digest, 'hex'));
}

/**
 * Each flow of an open vault that changes who may act for the account signs its entry into the log,
 * read here from the key server's own table. The server refuses what the log does not hold, so each
 * route is also used afterwards: it works only because its entry landed.
 */
describe('Vault: every change of who may act is signed into the account log', () => {
  let world: VaultWorld;
  let phone: Vault;
  let userId: string;
  /** The log's length when the test's own steps start. */
  let before: number;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
    userId = await userIdOf(world.server, 'alice');
    before = (await serverLog(world.server, userId)).length;
  });
  afterEach(() => world.close());

  const newOps = () => opsAfter(world.server, userId, before);
  const lastEntry = async (): Promise<LogEntry> => (await serverLog(world.server, userId)).at(-1)!;
  const newDevice = async (name: string) => {
    const vault = world.otherDevice(name).vault();
    await vault.start();
    return vault;
  };
  /** A device recovered by `recover`, once its PIN recovery (signed into the log too) is registered. */
  const recovered = async (name: string, recover: (vault: Vault) => Promise<void>) => {
    const vault = await newDevice(name);
    await recover(vault);
    await vault.account.pinRecoverySettled();
    return vault;
  };
  const deviceKeyOf = async (name: string) => (await phone.devices.list()).find((d) => d.name === name)!;
  const logKeyOfDevice = async (id: string) => {
    const row = await world.server.store.db.selectFrom('devices').select('public_key_jwk').where('id', '=', id).executeTakeFirstOrThrow();
    return deviceKeyToLogKey(JSON.parse(row.public_key_jwk) as { x: string; y: string });
  };
  const kitOf = async (vault: Vault): Promise<PendingRecoveryKit> => {
    const kit = await vault.account.recoveryKit.prepare();
    await vault.account.recoveryKit.activate(kit, kit.checkPositions.map((p) => kit.words[p]!));
    return kit;
  };

  it('a passkey added: signed with the COSE key the server then stores, before it registers it; removed: its removal', async () => {
    const securityKey = new SoftAuthenticator();
    world.ceremonies.authenticator = securityKey;
    const added = await phone.passkeys.add('Security key');
    world.ceremonies.authenticator = world.authenticator;
    const stored = await world.server.store.db.selectFrom('credentials').selectAll().where('id', '=', added.id).executeTakeFirstOrThrow();
    expect((await lastEntry()).changes).toEqual([{ op: 'passkey.add', id: added.id, key: stored.public_key }]);
    expect(added).toMatchObject({ inLog: true, fingerprint: expect.stringMatching(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/) });
    expect((await phone.passkeys.list()).map((p) => p.inLog)).toEqual([true, true]);

    await phone.passkeys.remove(added.id);
    expect((await lastEntry()).changes).toEqual([{ op: 'passkey.remove', id: added.id }]);
    expect(await newOps()).toEqual([['passkey.add'], ['passkey.remove']]);
  });

  it('the authenticator app: its secret\'s log id when enrolled (so a new device recovers with it), its removal when turned off', async () => {
    const enrollment = await phone.account.startTotpEnrollment();
    await phone.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    expect((await lastEntry()).changes).toEqual([{ op: 'totp.add', id: totpLogId(userId, decodeBase32(enrollment.secret)) }]);

    world.server.clock.now += TOTP_STEP_MS;
    const code = await currentCode(world.server, enrollment.secret);
    const tablet = await recovered('Tablet', (v) => v.recovery.withTotp('alice', code, OTHER_PIN, OTHER_PIN));
    expect(tablet.state.kind).toBe('unlocked');

    await phone.account.turnOffRecoveryRoute('totp');
    expect((await lastEntry()).changes).toEqual([{ op: 'totp.remove' }]);
  });

  it('the authenticator app confirmed again after its answer was lost: the server holds it already, and the enrolment ends', async () => {
    const enrollment = await phone.account.startTotpEnrollment();
    const code = await currentCode(world.server, enrollment.secret);
    world.network.losingAnswers = /^POST \/api\/recovery\/totp\/enroll\/finish$/;
    await expect(failureOf(phone.account.finishTotpEnrollment(enrollment.enrollmentId, code))).resolves.toMatchObject({ code: 'offline' });
    world.network.losingAnswers = null;
    // Pressed again: the enrolment was used up by the try that landed, which the server holds and the log names.
    await phone.account.finishTotpEnrollment(enrollment.enrollmentId, code);
    expect((await lastEntry()).changes).toEqual([{ op: 'totp.add', id: totpLogId(userId, decodeBase32(enrollment.secret)) }]);
    world.server.clock.now += TOTP_STEP_MS;
    const tablet = await recovered('Tablet', async (v) => v.recovery.withTotp('alice', await currentCode(world.server, enrollment.secret), OTHER_PIN, OTHER_PIN));
    expect(tablet.state.kind).toBe('unlocked');
  });

  it('the recovery kit: SHA-256(kitAuth) the server stores when activated, in the same request, and its removal when removed', async () => {
    const sent = world.network.requests.length;
    const kit = await kitOf(phone);
    // The entry rode in the kit's PUT: no append of its own.
    expect(world.network.requests.slice(sent).filter((r) => r === 'POST /api/account/log' || r === 'PUT /api/recovery/kit')).toEqual(['PUT /api/recovery/kit']);
    const row = await world.server.store.db.selectFrom('recovery_kits').selectAll().executeTakeFirstOrThrow();
    expect((await lastEntry()).changes).toEqual([{ op: 'kit.set', id: row.auth_hash }]);
    const tablet = await recovered('Tablet', (v) => v.recovery.withKit('alice', kit.words.join(' '), OTHER_PIN, OTHER_PIN));
    expect(tablet.state.kind).toBe('unlocked');

    await phone.account.recoveryKit.remove();
    expect((await lastEntry()).changes).toEqual([{ op: 'kit.remove' }]);
  });

  it('the recovery kit turned on again after its answer was lost: the server holds it already, and this device keeps it', async () => {
    const kit = await phone.account.recoveryKit.prepare();
    const typed = kit.checkPositions.map((p) => kit.words[p]!);
    world.network.losingAnswers = /^PUT \/api\/recovery\/kit$/;
    await expect(failureOf(phone.account.recoveryKit.activate(kit, typed))).resolves.toMatchObject({ code: 'offline' });
    world.network.losingAnswers = null;
    // Pressed again with the same words: the log names the kit already, and the server holds it.
    await expect(phone.account.recoveryKit.activate(kit, typed)).resolves.toMatchObject({ createdAt: expect.any(Number) });
    expect((await world.store.readVault())?.kit).toBeDefined();
    const tablet = await recovered('Tablet', (v) => v.recovery.withKit('alice', kit.words.join(' '), OTHER_PIN, OTHER_PIN));
    expect(tablet.state.kind).toBe('unlocked');
  });

  it('PIN recovery: the digest of each registration\'s tag (after onboarding and each PIN change), its removal when turned off', async () => {
    const digest = async () => pinRecoveryLogId(world, userId);
    expect((await lastEntry()).changes).toEqual([{ op: 'pin-recovery.set', id: await digest() }]);
    await phone.account.changePin(PIN, OTHER_PIN, OTHER_PIN);
    expect((await lastEntry()).changes).toEqual([{ op: 'pin-recovery.set', id: await digest() }]);
    // The new registration answers: a new device recovers with the new PIN.
    const tablet = await recovered('Tablet', (v) => v.recovery.withPin('alice', OTHER_PIN));
    expect(tablet.state.kind).toBe('unlocked');

    await phone.unlockWithPin(OTHER_PIN);
    await phone.account.turnOffRecoveryRoute('pin');
    expect((await lastEntry()).changes).toEqual([{ op: 'pin-recovery.remove' }]);
  });

  it('PIN recovery: the entry rides in the registration\'s finish, and is signed again on the new head when another device appended first', async () => {
    // The phone's new registration is about to finish when a tablet recovers with the old PIN and signs its own key in.
    let tablet: Vault | undefined;
    world.network.beforeRequest = async (request) => {
      if (request !== 'POST /api/recovery/pin/register/finish' || tablet) return;
      tablet = await recovered('Tablet', (v) => v.recovery.withPin('alice', PIN));
    };
    const sent = world.network.requests.length;
    await phone.account.changePin(PIN, OTHER_PIN, OTHER_PIN);
    world.network.beforeRequest = null;

    // Refused once as stale (nothing stored), sent again on the tablet's entry: no separate append.
    const phoneRequests = world.network.requests.slice(sent).filter((r) => r.startsWith('POST /api/recovery/pin/register/finish') || r.startsWith('POST /api/account/log'));
    expect(phoneRequests).toEqual(['POST /api/recovery/pin/register/finish', 'POST /api/recovery/pin/register/finish']);
    const log = await serverLog(world.server, userId);
    expect(log.at(-2)!.changes.map((c) => c.op)).toEqual(['device.add']);
    expect(log.at(-1)!.changes).toEqual([{ op: 'pin-recovery.set', id: await pinRecoveryLogId(world, userId) }]);
    // It answers: a third device recovers with the new PIN.
    const laptop = await recovered('Laptop', (v) => v.recovery.withPin('alice', OTHER_PIN));
    expect(laptop.state.kind).toBe('unlocked');
  });

  it('a device removed: its key\'s removal, once the server revoked it', async () => {
    await recovered('Tablet', (v) => v.recovery.withPin('alice', PIN));
    const listed = await deviceKeyOf('Tablet');
    expect(listed.inLog).toBe(true);
    world.server.clock.now += FRESH_PASSKEY_SECONDS * 1000 + 1;
    await phone.devices.remove(listed.id);
    expect((await lastEntry()).changes).toEqual([{ op: 'device.remove', key: await logKeyOfDevice(listed.id) }]);
    expect((await phone.devices.list()).find((d) => d.id === listed.id)).toMatchObject({ inLog: false, revokedAt: expect.any(Number) });
  });

  it('lock everywhere: every other device and the kit removed, the new PIN recovery named, the identity key rotated by both keys', async () => {
    await recovered('Tablet', (v) => v.recovery.withPin('alice', PIN));
    await kitOf(phone);
    const [genesis] = await serverLog(world.server, userId);
    const tabletKey = await logKeyOfDevice((await deviceKeyOf('Tablet')).id);

    await phone.account.lockEverywhere(PIN);
    const entry = await lastEntry();
    const digest = await pinRecoveryLogId(world, userId);
    expect(entry.changes.map((c) => c.op)).toEqual(['device.remove', 'kit.remove', 'pin-recovery.set', 'identity']);
    expect(entry.changes.slice(0, 3)).toEqual([{ op: 'device.remove', key: tabletKey }, { op: 'kit.remove' }, { op: 'pin-recovery.set', id: digest }]);
    const rotated = entry.changes.find((c) => c.op === 'identity') as { key: string };
    expect(rotated.key).not.toBe((genesis!.changes[0] as { key: string }).key);
    expect(entry.newKeySig).toEqual(expect.any(String));

    // The phone signs with the new key from now on: its next change lands, and its log verifies.
    world.ceremonies.authenticator = new SoftAuthenticator();
    await phone.passkeys.add('After the lock');
    world.ceremonies.authenticator = world.authenticator;
    expect((await lastEntry()).changes.map((c) => c.op)).toEqual(['passkey.add']);
    await phone.sync.now();
    expect(phone.accountLog.status).toMatchObject({ state: 'verified', warnings: [] });
  });
});
