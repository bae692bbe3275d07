import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceKeyToLogKey, logKeyFingerprint, type LogEntry } from '../../../protocol/account-log';
import type { Vault } from '../vault';
import { PIN, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import { ACCOUNT_LOG_CHANGED } from '../state';

/** The entries the key server stores for the world's one account, oldest first. */
async function serverLog(world: VaultWorld): Promise<LogEntry[]> {
  const rows = await world.server.store.db.selectFrom('account_log').select(['seq', 'entry']).orderBy('seq').execute();
  return rows.map((r) => JSON.parse(r.entry) as LogEntry);
}

describe('Vault: the signed account log of a new account', () => {
  let world: VaultWorld;
  let phone: Vault;

  beforeEach(async () => {
    world = await startVaultWorld();
    phone = await onboard(world);
    await phone.account.pinRecoverySettled();
  });
  afterEach(() => world.close());

  it('starts with a genesis naming the identity key, the passkey with the key the server stores, and this device', async () => {
    const [genesis, ...rest] = await serverLog(world);
    const credential = await world.server.store.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    const device = await world.server.store.db.selectFrom('devices').selectAll().executeTakeFirstOrThrow();
    expect(genesis!.seq).toBe(1);
    expect(genesis!.changes).toEqual([
      { op: 'identity', key: expect.any(String) },
      { op: 'passkey.add', id: credential.id, key: credential.public_key },
      { op: 'device.add', key: deviceKeyToLogKey(JSON.parse(device.public_key_jwk) as { x: string; y: string }), app: 'keyhold' },
    ]);
    // PIN recovery, registered in the background after onboarding, is signed next.
    expect(rest.map((e) => e.changes.map((c) => c.op))).toEqual([['pin-recovery.set']]);
  });

  it('verifies at the first sync run after an unlock and lists the passkey and this device as the account\'s, with their fingerprints', async () => {
    phone.lock('button');
    const reloaded = world.vault(world.reopenStore());
    let announced = 0;
    reloaded.addEventListener(ACCOUNT_LOG_CHANGED, () => announced++);
    await reloaded.start();
    await reloaded.unlockWithPin(PIN);
    await reloaded.sync.now();
    expect(reloaded.accountLog.status).toEqual({ state: 'verified', seq: 2, warnings: [] });
    expect(announced).toBe(1);
    phone = reloaded;
    const device = await world.server.store.db.selectFrom('devices').selectAll().executeTakeFirstOrThrow();
    const credential = await world.server.store.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    expect(await phone.devices.list()).toEqual([
      expect.objectContaining({ name: 'Test phone', current: true, inLog: true, fingerprint: logKeyFingerprint(deviceKeyToLogKey(JSON.parse(device.public_key_jwk) as { x: string; y: string })) }),
    ]);
    expect(await phone.passkeys.list()).toEqual([expect.objectContaining({ inLog: true, fingerprint: logKeyFingerprint(credential.public_key) })]);
    expect((await phone.devices.list())[0]!.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
  });
});
