import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../../protocol/base64url';
import { LocalStore } from '../platform/local-store';
import { STATE_CHANGED, type VaultState } from '../state';
import { PIN, dumpServerDb, failureOf, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('Vault: onboarding', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld();
  });
  afterEach(() => world.close());

  it('goes loading → welcome → choose-pin → unlocked, with an event per state', async () => {
    const controller = world.vault();
    const seen: VaultState['kind'][] = [];
    controller.addEventListener(STATE_CHANGED, () => seen.push(controller.state.kind));
    expect(controller.state).toEqual({ kind: 'loading' });

    await controller.start();
    expect(controller.state).toEqual({ kind: 'welcome', online: true });
    await controller.onboarding.createAccount('  Alice ');
    expect(controller.state).toEqual({ kind: 'choose-pin', username: 'alice', prfAvailable: true });
    const phases: string[] = [];
    await controller.onboarding.choosePin(PIN, PIN, (phase) => phases.push(phase));

    expect(controller.state).toMatchObject({ kind: 'unlocked', username: 'alice', prfUnlock: true });
    expect(phases).toEqual(['deriving', 'unwrapping', 'done']);
    expect(seen).toEqual(['welcome', 'choose-pin', 'unlocked']);
  });

  it('says when the welcome screen is offline', async () => {
    world.network.offline = true;
    const controller = world.vault();
    await controller.start();
    expect(controller.state).toEqual({ kind: 'welcome', online: false });
    await expect(failureOf(controller.onboarding.createAccount('alice'))).resolves.toMatchObject({ code: 'offline' });
  });

  it('refuses an invalid or taken username before any passkey prompt', async () => {
    await onboard(world, 'alice');
    // A second device, with an empty database of its own.
    const otherDevice = new LocalStore(`other-device-${Date.now()}`);
    const fresh = world.vault(otherDevice);
    await fresh.start();
    const prompts = world.ceremonies.saltsWereBytes.length;
    await expect(failureOf(fresh.onboarding.createAccount('a'))).resolves.toMatchObject({ code: 'username_invalid' });
    await expect(failureOf(fresh.onboarding.createAccount('has space'))).resolves.toMatchObject({ code: 'username_invalid' });
    await expect(failureOf(fresh.onboarding.createAccount('alice'))).resolves.toMatchObject({ code: 'username_taken' });
    expect(world.ceremonies.saltsWereBytes.length).toBe(prompts);
    otherDevice.close();
  });

  it('maps a dismissed passkey prompt to passkey_cancelled and stays on welcome', async () => {
    const controller = world.vault();
    await controller.start();
    world.ceremonies.cancel = true;
    await expect(failureOf(controller.onboarding.createAccount('alice'))).resolves.toMatchObject({ code: 'passkey_cancelled' });
    expect(controller.state.kind).toBe('welcome');
  });

  it('checks the PIN twice and against the policy before deriving anything', async () => {
    const controller = world.vault();
    await controller.start();
    await controller.onboarding.createAccount('alice');
    await expect(failureOf(controller.onboarding.choosePin(PIN, '583921'))).resolves.toMatchObject({ code: 'pin_mismatch' });
    const rejected = controller.onboarding.choosePin('123456', '123456');
    await expect(rejected).rejects.toMatchObject({ code: 'pin_rejected' });
    await expect(rejected).rejects.toThrow(/counts up or down/);
    expect(controller.state.kind).toBe('choose-pin');
    // Still possible after the refusals: the PRF output was kept for the real choice.
    await controller.onboarding.choosePin(PIN, PIN);
    expect(controller.state).toMatchObject({ kind: 'unlocked', prfUnlock: true });
  });

  it('without PRF support, onboards with the PIN only', async () => {
    world.ceremonies.prf = false;
    const controller = await onboard(world);
    expect(controller.state).toMatchObject({ kind: 'unlocked', prfUnlock: false });
    const user = await world.server.store.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const wraps = await world.server.store.db.selectFrom('secret_blobs').select(['kind']).where('user_id', '=', user.id).execute();
    expect(wraps.map((w) => w.kind)).toEqual(['key_bundle']);
  });

  it('with an authenticator that evaluates PRF only at get(), asks once more right after creating the passkey and onboards with PRF unlock', async () => {
    world.ceremonies.prfAtCreate = 'none';
    const controller = await onboard(world);
    expect(world.ceremonies.calls).toEqual([{ kind: 'create', prf: true }, { kind: 'get', prf: true }]);
    expect(controller.state).toMatchObject({ kind: 'unlocked', prfUnlock: true });
    controller.lock('button');
    world.network.offline = true;
    await controller.unlockWithPasskey();
    expect(controller.state.kind).toBe('unlocked');
  });

  it('registers the key bundle backup, the wrap_prf and the device on the server', async () => {
    const controller = await onboard(world);
    const { db } = world.server.store;
    const user = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(controller.state).toMatchObject({ userId: user.id, username: 'alice' });

    const local = await world.store.readVault();
    const blobs = await db.selectFrom('secret_blobs').selectAll().where('user_id', '=', user.id).orderBy('kind').execute();
    expect(blobs).toMatchObject([
      { kind: 'key_bundle', ref: '', blob: local!.record.keyBundle, version: 1 },
      { kind: 'wrap_prf', ref: local!.passkeys[0]!.credentialId, blob: local!.record.prf[0]!.wrappedRootSecret, version: 1 },
    ]);
    expect(local).toMatchObject({ keyBundleVersion: 1, passkeys: [{ wrapPrfVersion: 1 }] });

    const devices = await db.selectFrom('devices').selectAll().where('user_id', '=', user.id).execute();
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ id: local!.deviceId, name: 'Test phone', revoked_at: null });
    const credential = await db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    expect(local!.passkeys[0]).toMatchObject({ credentialId: credential.id, prfSalt: credential.prf_salt, rpId: 'localhost' });
  });

  it('hands the browser PRF salts as bytes, and never sends the PRF output to the server', async () => {
    const controller = await onboard(world);
    controller.lock('button');
    await controller.unlockWithPasskey();
    expect(controller.state.kind).toBe('unlocked');

    expect(world.ceremonies.saltsWereBytes).toEqual([true, true]);
    expect(world.ceremonies.prfOutputs).toHaveLength(2);
    const secrets = world.ceremonies.prfOutputs.flatMap((output) => [encodeBase64Url(output), hex(output), base64(output)]);
    const credentialId = world.authenticator.credentials()[0]!.id;
    const prfSecret = world.authenticator.exportCredential(credentialId).prfSecret!;
    secrets.push(prfSecret);

    const sent = world.network.bodies.join('\n');
    const stored = await dumpServerDb(world.server);
    for (const secret of secrets) {
      expect(sent).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
    // The stripped response still told the server the passkey has PRF.
    const credential = await world.server.store.db.selectFrom('credentials').select('prf_enabled').executeTakeFirstOrThrow();
    expect(credential.prf_enabled).toBe(1);
  });

  it('retries a failed upload after the network returns, continuing from what the server already has', async () => {
    const controller = world.vault();
    await controller.start();
    await controller.onboarding.createAccount('alice');
    // The key bundle and wrap_prf reach the server; the device registration does not.
    world.network.failing = /^POST \/api\/devices$/;
    await expect(failureOf(controller.onboarding.choosePin(PIN, PIN))).resolves.toMatchObject({ code: 'offline' });
    expect(controller.state.kind).toBe('choose-pin');
    expect(await world.store.readVault()).toBeUndefined();

    world.network.failing = null;
    await controller.onboarding.choosePin(PIN, PIN);
    expect(controller.state.kind).toBe('unlocked');
    const { db } = world.server.store;
    expect(await db.selectFrom('devices').selectAll().execute()).toHaveLength(1);
    const local = await world.store.readVault();
    const bundle = await db.selectFrom('secret_blobs').selectAll().where('kind', '=', 'key_bundle').executeTakeFirstOrThrow();
    expect(bundle).toMatchObject({ version: 2, blob: local!.record.keyBundle });
    expect(local).toMatchObject({ keyBundleVersion: 2, passkeys: [{ wrapPrfVersion: 2 }] });
  });

  it('signs in again with the passkey when the registration session has ended', async () => {
    const controller = world.vault();
    await controller.start();
    await controller.onboarding.createAccount('alice');
    await world.server.store.db.deleteFrom('sessions').execute();
    await controller.onboarding.choosePin(PIN, PIN);
    expect(controller.state.kind).toBe('unlocked');
    expect(world.network.requests).toContain('POST /api/passkeys/signin/verify');
  });

  it('reports storage persistence', async () => {
    const controller = world.vault();
    await controller.start();
    expect(controller.settings.persistence).toBe('not-granted');
    await expect(controller.settings.requestPersistence()).resolves.toBe('granted');
    expect(controller.settings.persistence).toBe('granted');

    const unsupported = world.vault(undefined, { storage: null });
    await unsupported.start();
    expect(unsupported.settings.persistence).toBe('unsupported');
    await expect(unsupported.settings.requestPersistence()).resolves.toBe('unsupported');
  });
});

describe('Vault: overlapping PIN choices', () => {
  it('runs them one after the other, so the server keeps the bundle of the vault that was stored', async () => {
    const world = await startVaultWorld();
    try {
      const controller = world.vault();
      await controller.start();
      await controller.onboarding.createAccount('alice');
      const first = controller.onboarding.choosePin(PIN, PIN);
      const second = controller.onboarding.choosePin(PIN, PIN);
      await first;
      await expect(failureOf(second)).resolves.toMatchObject({ code: 'not_found' });
      const local = await world.store.readVault();
      const bundle = await world.server.store.db.selectFrom('secret_blobs').selectAll().where('kind', '=', 'key_bundle').executeTakeFirstOrThrow();
      expect(bundle).toMatchObject({ blob: local!.record.keyBundle, version: 1 });
      expect(await world.server.store.db.selectFrom('devices').selectAll().execute()).toHaveLength(1);
    } finally {
      await world.close();
    }
  });
});
