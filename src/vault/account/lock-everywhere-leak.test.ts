/**
 * What lock everywhere protects, shown as an attacker would try it: the storage a removed device
 * kept (its IndexedDB, opened with its PIN, so its old root secret S and every key under it) plus a
 * dump of the key server's database taken after an edit made since the lock. Nothing there opens
 * the edit. What it does not protect is shown too: the removed device still reads what it had.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase64Url } from '../../../protocol/base64url';
import { DEFAULT_APP_ID } from '../../../protocol/constants';
import { fakeArgon2ForHierarchyTests as argon2 } from '../../../test/helpers/fake-argon2';
import { UNLIMITED_SIGNINS } from '../../../test/helpers/harness';
import { currentCode } from '../../../test/helpers/recovery';
import { PIN, dumpIndexedDb, onboard, startVaultWorld, type VaultWorld } from '../../../test/helpers/vault-world';
import {
  VaultCryptoError,
  deriveKekFromPinRecovery,
  deriveKekFromPrf,
  deriveKekFromTotpEscrow,
  deriveKekLocalFromPin,
  deriveKeysKey,
  openKeyBundle,
  parseArgon2Params,
  parseEncryptedRecord,
  parseGcmBlob,
  parseLocalVaultRecord,
  pinRecoveryWrapContext,
  prfWrapContext,
  readableVaultKeys,
  totpEscrowWrapContext,
  unlockWithPin,
  unwrapRootSecret,
  withRootSecret,
  type AeadContext,
  type Ciphertext,
  type Kek,
  type RootSecret,
  type RootWrapKind,
  type UnlockedVault,
  type WrappedKey,
} from '../crypto';
import { decryptRecord, storedRecordContext } from '../crypto/records';

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'opened',
    (e: unknown) => (e instanceof VaultCryptoError ? e.code : e),
  );

/** The key server's database as a leak would hand it over: the rows that hold ciphertext. */
async function dumpServer(world: VaultWorld) {
  const db = world.server.store.db;
  return {
    records: await db.selectFrom('records').selectAll().where('deleted', '=', 0).execute(),
    blobs: await db.selectFrom('secret_blobs').selectAll().execute(),
    pin: await db.selectFrom('pin_recovery').selectAll().execute(),
    totp: await db.selectFrom('totp_recovery').selectAll().execute(),
  };
}

/** What a device's IndexedDB gives someone who knows (or guessed) its PIN: the open vault and S itself. */
async function keysFromStorage(indexedDb: string): Promise<{ vault: UnlockedVault; rootSecret: RootSecret; kekLocal: Kek }> {
  const row = (JSON.parse(indexedDb) as { vault: Array<{ record: unknown }> }).vault[0]!;
  const record = parseLocalVaultRecord(row.record);
  const vault = await unlockWithPin(record, PIN, argon2);
  const rootSecret = await withRootSecret(vault.rootSecretAccess, async (s) => s.slice() as RootSecret);
  const kekLocal = await deriveKekLocalFromPin(PIN, decodeBase64Url(record.pin.salt), parseArgon2Params(record.pin.params), argon2);
  return { vault, rootSecret, kekLocal };
}

/** Tries every key the attacker holds against every record, bundle and wrap of S in the dump; returns what opened. */
async function whatOpens(dump: Awaited<ReturnType<typeof dumpServer>>, held: Awaited<ReturnType<typeof keysFromStorage>>): Promise<string[]> {
  const { vault, rootSecret, kekLocal } = held;
  const userId = vault.userId;
  const opened: string[] = [];
  for (const row of dump.records) {
    const record = parseEncryptedRecord({ wrappedDek: row.wrapped_dek, ciphertext: row.ciphertext });
    if ((await codeOf(decryptRecord(record, readableVaultKeys(vault), storedRecordContext(userId, DEFAULT_APP_ID, { id: row.id, v: row.v, sealedFor: row.version })))) === 'opened') opened.push(`record ${row.id}`);
  }
  const bundle = dump.blobs.find((b) => b.kind === 'key_bundle')!;
  for (const keysKey of [vault.keysKey, await deriveKeysKey(rootSecret)]) {
    if ((await codeOf(openKeyBundle(parseGcmBlob<Ciphertext>(bundle.blob), keysKey, userId, bundle.version))) === 'opened') opened.push('key bundle');
  }
  // Every KEK the old hierarchy gives: the PIN's, and S itself run through each route's derivation.
  const keks = [kekLocal, await deriveKekFromPrf(rootSecret), await deriveKekFromTotpEscrow(rootSecret), await deriveKekFromPinRecovery(rootSecret)];
  const wraps: Array<[string, string, AeadContext<RootWrapKind>]> = [
    ...dump.blobs.filter((b) => b.kind === 'wrap_prf').map((b): [string, string, AeadContext<RootWrapKind>] => [`wrap_prf ${b.ref}`, b.blob, prfWrapContext(userId, b.ref)]),
    ...dump.pin.map((p): [string, string, AeadContext<RootWrapKind>] => ['PIN recovery wrap', p.wrap, pinRecoveryWrapContext(userId, p.salt)]),
    ...dump.totp.map((t): [string, string, AeadContext<RootWrapKind>] => ['TOTP escrow wrap', t.wrap, totpEscrowWrapContext(userId)]),
  ];
  for (const [name, wrap, ctx] of wraps) {
    for (const kek of keks) {
      if ((await codeOf(unwrapRootSecret(parseGcmBlob<WrappedKey>(wrap), kek, ctx))) === 'opened') opened.push(name);
    }
  }
  return opened;
}

describe('Vault: what lock everywhere protects', () => {
  let world: VaultWorld;
  beforeEach(async () => {
    world = await startVaultWorld(UNLIMITED_SIGNINS);
  });
  afterEach(() => world.close());

  it('a removed device\'s storage plus a server dump taken after a later edit opens nothing written after the lock', async () => {
    const a = await onboard(world);
    const id = await a.records.save(null, { kind: 'note', title: 'Bank', body: 'PIN 1234 (before the lock)' });
    await a.account.pinRecoverySettled();
    const enrollment = await a.account.startTotpEnrollment();
    await a.account.finishTotpEnrollment(enrollment.enrollmentId, await currentCode(world.server, enrollment.secret));
    await a.sync.now();
    const bDevice = world.otherDevice();
    const b = bDevice.vault();
    await b.start();
    await b.recovery.withPin('alice', PIN);
    await b.sync.now();

    // Before the lock, B's keys open everything on the server: the check below is able to see an opening.
    const bStorage = await dumpIndexedDb(bDevice.store);
    const held = await keysFromStorage(bStorage);
    expect(await whatOpens(await dumpServer(world), held)).toEqual(expect.arrayContaining([`record ${id}`, 'key bundle']));

    await a.account.lockEverywhere(PIN);
    await a.records.save(id, { kind: 'note', title: 'Bank', body: 'PIN 9876 (after the lock)' });
    await a.records.save(null, { kind: 'note', title: 'New', body: 'written after the lock' });
    await a.sync.now();
    await b.sync.now(); // refused: B keeps what it had

    const dump = await dumpServer(world);
    expect(dump.records).toHaveLength(2);
    expect(await whatOpens(dump, held)).toEqual([]);
    // B's storage as it is now (it tried to sync since) gives nothing more.
    expect(await whatOpens(dump, await keysFromStorage(await dumpIndexedDb(bDevice.store)))).toEqual([]);
    // The plaintext is in neither.
    expect(JSON.stringify(dump)).not.toContain('9876');

    // A's own storage after the lock opens all of it, the edit included.
    const mine = await keysFromStorage(await dumpIndexedDb(world.store));
    expect(await whatOpens(dump, mine)).toEqual(expect.arrayContaining([`record ${id}`, 'key bundle']));

    // Not protected, and said so: what B decrypted or kept before the lock it still reads.
    b.lock('button');
    await b.unlockWithPin(PIN);
    expect(await b.records.read(id)).toMatchObject({ body: 'PIN 1234 (before the lock)' });
  });
});
