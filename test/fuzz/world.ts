import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../protocol/base64url';
import type { Store } from '../../server/store/store';
import { createLoggedAccount } from '../helpers/account-log';
import { deviceSignIn, registerDevice, signInWithPasskey } from '../helpers/accounts';
import { addNotesApp, ApiClient, NOTES_ORIGIN, type TestServer } from '../helpers/harness';
import { enrollTotp, pinInput, registerPinRecovery } from '../helpers/recovery';

/** What the fuzzer knows about the data it is trying to damage. */
export interface FuzzWorld {
  /** `kh_session=…` cookie pairs of a passkey session and a device session of the same user. */
  cookies: { passkey: string; device: string };
  ids: { user: string; passkey: string; device: string; revokedDevice: string };
  /** Every id above: a path parameter holding one of these may name something that exists. */
  realIds: string[];
  /** The version the key bundle, the passkey's wrap_prf and the records are all stored at. */
  storedVersion: number;
  bodyLimit: number;
}

async function expectOk(what: string, reply: Promise<{ status: number; body: unknown }>): Promise<void> {
  const { status, body } = await reply;
  if (status !== 200) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
}

/**
 * A user with a passkey, a live and a revoked device, a signed account log, a device session, a key bundle, a PRF wrap,
 * PIN recovery, TOTP, a recovery kit and records, and the same account's session, device and records in a second
 * app: every guarded table holds rows a broken request could damage.
 */
export async function seedWorld(server: TestServer): Promise<FuzzWorld> {
  // A logged account (its genesis vouches for the passkey and the phone), so the account log's
  // routes and the sign-in checks run on a real log.
  const owner = await createLoggedAccount(server, 'fuzz-owner');
  const phone = owner.device;
  const old = await registerDevice(owner, 'Retired tablet');
  await expectOk('revoke device', owner.client.delete(`/api/devices/${old.deviceId}`));
  const { client: deviceClient, reply } = await deviceSignIn(server, phone.deviceId, phone.privateKey);
  await expectOk('device sign-in', Promise.resolve(reply));
  await expectOk('key bundle', owner.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZS1jaXBoZXJ0ZXh0', expectedVersion: 0 }));
  await expectOk('wrap_prf', owner.client.put(`/api/backup/wrap-prf/${owner.credentialId}`, { blob: 'd3JhcHBlZC1yb290LXNlY3JldA', expectedVersion: 0 }));
  await registerPinRecovery(owner.client, pinInput('fuzz-owner'), { signer: owner.signer });
  await enrollTotp(server, owner.client, { signer: owner.signer });
  const kitAuthHash = encodeBase64Url(randomBytes(32));
  const kitEntry = owner.signer.sign([{ op: 'kit.set', id: kitAuthHash }]);
  await expectOk('recovery kit', owner.client.put('/api/recovery/kit', { wrap: 'd3JhcHBlZC11bmRlci1rZWsta2l0', authHash: kitAuthHash, logEntry: kitEntry }));
  owner.signer.accept([kitEntry]);
  if (!owner.client.cookie || !deviceClient.cookie) throw new Error('seeding left a client without a session cookie');
  const ids = { user: owner.userId, passkey: owner.credentialId, device: phone.deviceId, revokedDevice: old.deviceId };
  // A record (the last one a tombstone) at version 1 under every real id: a path id naming one is
  // a stale write unless expectedVersion is 1.
  for (const [i, id] of Object.values(ids).entries()) {
    const write = i < 3 ? { deleted: false, wrappedDek: 'd3JhcHBlZC1kZWs', ciphertext: `cmVjb3JkLWNpcGhlcnRleHQ${i}` } : { deleted: true, wrappedDek: null, ciphertext: null };
    await expectOk(`record ${i}`, owner.client.put(`/api/records/${id}`, { expectedVersion: 0, v: 1, ...write }));
  }
  // The same account in a second app (Field notes): its session, its device and its own records
  // under the same ids, which no request made with Keyhold's sessions (or from Field notes'
  // origin without its session) may reach.
  await addNotesApp(server);
  const notes = Object.assign(new ApiClient(server), { origin: NOTES_ORIGIN });
  await expectOk('Field notes sign-in', signInWithPasskey(owner, notes));
  await registerDevice(owner, 'Field phone', notes);
  for (const [i, id] of Object.values(ids).entries()) {
    await expectOk(`Field notes record ${i}`, notes.put(`/api/records/${id}`, { expectedVersion: 0, v: 1, deleted: false, wrappedDek: 'd3JhcHBlZC1kZWs', ciphertext: `bm90ZXMtcmVjb3JkLWNpcGhlcnRleHQ${i}` }));
  }
  return {
    cookies: { passkey: owner.client.cookie, device: deviceClient.cookie },
    ids,
    realIds: Object.values(ids),
    storedVersion: 1,
    bodyLimit: server.config.bodyLimitBytes,
  };
}

/**
 * The tables a refused request must never touch. `challenges` and `rate_limits` are left out on
 * purpose: a well-formed options request issues a challenge and counts a hit. So are the decoy
 * rows of the recovery tables: a well-formed recovery start for an unknown username creates one.
 */
export const GUARDED_TABLES = ['users', 'credentials', 'devices', 'secret_blobs', 'audit_log', 'sessions', 'records', 'record_counters', 'recovery_kits', 'account_log', 'account_log_heads'] as const;
const RECOVERY_TABLES = ['pin_recovery', 'totp_recovery'] as const;

const canonical = (row: object): string =>
  JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b))), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** Every row of every guarded table, canonicalised and sorted, so two snapshots compare with toEqual. */
export async function snapshotGuardedTables(store: Store): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const table of GUARDED_TABLES) {
    const rows: object[] = await store.db.selectFrom(table).selectAll().execute();
    snapshot[table] = rows.map(canonical).sort();
  }
  for (const table of RECOVERY_TABLES) {
    const rows: object[] = await store.db.selectFrom(table).selectAll().where('subject', 'not like', 'decoy:%').execute();
    snapshot[table] = rows.map(canonical).sort();
  }
  return snapshot;
}
