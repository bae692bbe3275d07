import 'fake-indexeddb/auto';
import { hkdfSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase64Url } from '../../../protocol/base64url';
import { UNLIMITED_SIGNINS } from '../../../test/helpers/harness';
import { encodingsOf } from '../../../test/helpers/recovery';
import { OTHER_PIN, PIN, dumpServerDb, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import { recoveryCodeEntropy } from '../recovery/recovery-code';
import { recoveryKitAuth } from '../recovery/recovery-kit';
import type { Vault } from '../vault';
import type { PendingRecoveryKit } from './vault-recovery-kit';

const THIRD_PIN = '905173';

describe('Vault: recovery kit', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld(UNLIMITED_SIGNINS);
  });
  afterEach(() => world.close());

  /** The words of the check positions, typed as a person might: upper case, spaces around. */
  const typedBack = (kit: PendingRecoveryKit) => kit.checkPositions.map((p) => ` ${kit.words[p]!.toUpperCase()} `);

  async function withKit(vault: Vault): Promise<PendingRecoveryKit> {
    const kit = await vault.account.recoveryKit.prepare();
    await vault.account.recoveryKit.activate(kit, typedBack(kit));
    return kit;
  }

  /** A fresh device of the same person: started, nothing on it yet. */
  async function newDevice(name = 'New phone'): Promise<Vault> {
    const vault = world.otherDevice(name).vault();
    await vault.start();
    return vault;
  }

  it('prepares a kit without storing it, activates it once two words are typed back, and recovers a new device with the words', async () => {
    const a = await onboard(world);
    await a.records.save(null, { kind: 'note', title: 'Wi-Fi', body: 'correct horse battery staple' });
    await a.sync.now();
    const kit = await a.account.recoveryKit.prepare();
    expect(kit.words).toHaveLength(12);
    expect(kit.qrText).toBe(`keyhold-kit:1:alice:${kit.words.join('-')}`);
    expect(new Set(kit.checkPositions).size).toBe(2);
    expect(world.network.requests.some((r) => r.includes('/recovery/kit'))).toBe(false);
    expect((await a.account.recoveryRoutes()).kit).toEqual({ active: false, createdAt: null });

    expect(await a.account.recoveryKit.activate(kit, typedBack(kit))).toEqual({ createdAt: world.server.clock.now, replaced: false });
    expect((await a.account.recoveryRoutes()).kit).toEqual({ active: true, createdAt: world.server.clock.now });

    const b = await newDevice();
    await b.recovery.withKit('Alice', kit.words.join('\n').toUpperCase(), OTHER_PIN, OTHER_PIN);
    expect(b.state.kind).toBe('unlocked');
    await b.sync.now();
    const [summary] = await b.records.list();
    expect(await b.records.read(summary!.id)).toMatchObject({ title: 'Wi-Fi', body: 'correct horse battery staple' });
    // B's PIN is the new one; and B kept the kit's wrap, so it too can reset a forgotten PIN offline.
    b.lock('button');
    await b.unlockWithPin(OTHER_PIN);
    b.lock('button');
    await b.resetPinWithKit(kit.qrText, THIRD_PIN, THIRD_PIN);
    expect(b.state.kind).toBe('unlocked');
  });

  it('refuses words typed back wrong with kit_mismatch and sends nothing', async () => {
    const a = await onboard(world);
    const kit = await a.account.recoveryKit.prepare();
    const wrong = kit.checkPositions.map((p) => kit.words[(p + 1) % 12]!);
    expect(await failureOf(a.account.recoveryKit.activate(kit, wrong))).toMatchObject({ code: 'kit_mismatch' });
    expect(await failureOf(a.account.recoveryKit.activate(kit, typedBack(kit).slice(0, 1)))).toMatchObject({ code: 'kit_mismatch' });
    expect(await failureOf(a.account.recoveryKit.activate(kit, typedBack(kit).map((w) => `${w} extra`)))).toMatchObject({ code: 'kit_mismatch' });
    expect(world.network.requests.some((r) => r.includes('/recovery/kit'))).toBe(false);
  });

  it('asks for the PIN again before a kit is made once the unlock is old', async () => {
    const a = await onboard(world);
    await a.settings.update({ idleLockMinutes: 60 });
    world.clock.advance((a.settings.current.repromptMinutes + 1) * 60_000);
    expect(a.state.kind).toBe('unlocked');
    await expect(a.account.recoveryKit.prepare()).rejects.toThrow(expect.objectContaining({ code: 'reprompt_required' }));
    await a.reprompt.withPin(PIN);
    expect((await a.account.recoveryKit.prepare()).words).toHaveLength(12);
  });

  it('replaces the kit: the old words recover nothing, the new ones do', async () => {
    const a = await onboard(world);
    const old = await withKit(a);
    const next = await a.account.recoveryKit.prepare();
    expect((await a.account.recoveryKit.activate(next, typedBack(next))).replaced).toBe(true);
    const b = await newDevice();
    expect(await failureOf(b.recovery.withKit('alice', old.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'kit_invalid' });
    expect(b.state.kind).toBe('welcome');
    await b.recovery.withKit('alice', next.qrText, OTHER_PIN, OTHER_PIN);
    expect(b.state.kind).toBe('unlocked');
  });

  it('reads the code before any request: a typo is kit_unreadable with its position, and costs no attempt', async () => {
    const a = await onboard(world);
    const kit = await withKit(a);
    const b = world.otherDevice('New phone');
    const vault = b.vault();
    await vault.start();
    const words = [...kit.words];
    words[6] = 'zzzz';
    const failure = await vault.recovery.withKit('alice', words.join(' '), OTHER_PIN, OTHER_PIN).then(() => null, (e: unknown) => e);
    expect(failure).toMatchObject({ code: 'kit_unreadable', wordPosition: 7 });
    expect(b.network.requests).toEqual([]);
  });

  it('resets a forgotten PIN on the device offline with the kit; the server\'s PIN recovery follows at the next online unlock', async () => {
    const a = await onboard(world);
    await a.account.pinRecoverySettled();
    const kit = await withKit(a);
    a.lock('button');
    world.network.offline = true;
    const wrongCode = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    expect(await failureOf(a.resetPinWithKit(wrongCode, OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'kit_invalid' });
    expect(await failureOf(a.resetPinWithKit(kit.words.slice(1).join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'kit_unreadable' });
    expect(await failureOf(a.resetPinWithKit(kit.words.join(' '), OTHER_PIN, THIRD_PIN))).toMatchObject({ code: 'pin_mismatch' });
    expect(a.state.kind).toBe('locked');

    await a.resetPinWithKit(kit.words.join(' '), OTHER_PIN, OTHER_PIN);
    expect(a.state.kind).toBe('unlocked');
    a.lock('button');
    expect(await failureOf(a.unlockWithPin(PIN))).toMatchObject({ code: 'wrong_pin' });
    await a.unlockWithPin(OTHER_PIN);

    world.network.offline = false;
    a.lock('button');
    await a.unlockWithPin(OTHER_PIN);
    await a.account.pinRecoverySettled();
    const b = await newDevice();
    await b.recovery.withPin('alice', OTHER_PIN);
    expect(b.state.kind).toBe('unlocked');
  });

  it('says no_kit_here on a device that holds no kit wrap, and after the kit is removed', async () => {
    const a = await onboard(world);
    a.lock('button');
    const code = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    expect(await failureOf(a.resetPinWithKit(code, OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'no_kit_here' });
    await a.unlockWithPin(PIN);
    const kit = await withKit(a);
    await a.account.recoveryKit.remove();
    expect((await a.account.recoveryRoutes()).kit.active).toBe(false);
    a.lock('button');
    expect(await failureOf(a.resetPinWithKit(kit.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'no_kit_here' });
    const b = await newDevice();
    expect(await failureOf(b.recovery.withKit('alice', kit.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'kit_invalid' });
  });

  it('forgets its copy of a kit replaced on another device once it reads the recovery routes', async () => {
    const a = await onboard(world);
    await a.account.pinRecoverySettled();
    const old = await withKit(a);
    const b = await newDevice();
    await b.recovery.withPin('alice', PIN);
    world.clock.advance(1000);
    world.server.clock.now += 1000;
    await withKit(b);
    expect((await a.account.recoveryRoutes()).kit.active).toBe(true);
    a.lock('button');
    expect(await failureOf(a.resetPinWithKit(old.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'no_kit_here' });
  });

  it('after lock everywhere the old kit recovers nothing, this device drops its wrap, and the report asks for a new kit', async () => {
    const a = await onboard(world);
    const kit = await withKit(a);
    const report = await a.account.lockEverywhere(PIN);
    expect(report.needsStep).toContainEqual({ route: 'kit' });
    expect((await a.account.recoveryRoutes()).kit.active).toBe(false);
    a.lock('button');
    expect(await failureOf(a.resetPinWithKit(kit.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'no_kit_here' });
    const b = await newDevice();
    expect(await failureOf(b.recovery.withKit('alice', kit.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'kit_invalid' });
  });

  it('leaves the key server neither the words, their entropy, KEK_kit nor kitAuth', async () => {
    const a = await onboard(world);
    const kit = await withKit(a);
    const b = await newDevice();
    await b.recovery.withKit('alice', kit.words.join(' '), OTHER_PIN, OTHER_PIN);
    const entropy = recoveryCodeEntropy(kit.words.join(' '));
    const kitAuth = decodeBase64Url(await recoveryKitAuth(kit.words.join(' ')));
    const kek = new Uint8Array(hkdfSync('sha256', entropy, new Uint8Array(0), 'keyhold/kek-kit/v1', 32));
    const dump = await dumpServerDb(world.server);
    expect(dump).toContain('recovery.kit.used');
    for (const phrase of [kit.words.join(' '), kit.words.join('-'), kit.qrText]) expect(dump).not.toContain(phrase);
    for (const secret of [entropy, kitAuth, kek]) for (const spelling of encodingsOf(secret)) expect(dump).not.toContain(spelling);
    // Nothing sent carried the words, the entropy or the KEK (kitAuth travels in the recovery request only).
    const sent = world.network.bodies.join('\n');
    for (const secret of [entropy, kek, kitAuth]) for (const spelling of encodingsOf(secret)) expect(sent).not.toContain(spelling);
    expect(sent).not.toContain(kit.words.join(' '));
  });

  it('does not open a kit wrap the operator moved from another account', async () => {
    const a = await onboard(world);
    const aliceKit = await withKit(a);
    const bob = world.otherDevice('Bob phone').vault();
    await bob.start();
    await bob.onboarding.createAccount('bob');
    await bob.onboarding.choosePin(PIN, PIN);
    const bobKit = await withKit(bob);
    const db = world.server.store.db;
    const rowOf = async (username: string) => {
      const user = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
      return db.selectFrom('recovery_kits').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    };
    const [aliceRow, bobRow] = [await rowOf('alice'), await rowOf('bob')];
    // 1. Bob's wrap under Alice's proof: Alice's words pass the server's check, but do not open Bob's wrap.
    await db.updateTable('recovery_kits').set({ wrap: bobRow.wrap }).where('user_id', '=', aliceRow.user_id).execute();
    const first = await newDevice('Phone 1');
    expect(await failureOf(first.recovery.withKit('alice', aliceKit.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'kit_invalid' });
    // 2. Bob's whole row on Alice's account: Bob's words pass the digest, but Alice's signed log names
    // her own kit, so the server refuses it (and the AAD would bind the wrap to Bob anyway).
    await db.updateTable('recovery_kits').set({ wrap: bobRow.wrap, auth_hash: bobRow.auth_hash }).where('user_id', '=', aliceRow.user_id).execute();
    const second = await newDevice('Phone 2');
    expect(await failureOf(second.recovery.withKit('alice', bobKit.words.join(' '), OTHER_PIN, OTHER_PIN))).toMatchObject({ code: 'credential_unbound' });
    expect([first.state.kind, second.state.kind]).toEqual(['welcome', 'welcome']);
  });
});
