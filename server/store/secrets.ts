import { KeyholdError } from '../errors';
import { preparedQuery } from './prepared';
import type { SecretKind } from './schema';
import type { Store } from './store';

export interface VersionedBlob {
  blob: string;
  version: number;
  updatedAt: number;
}

export async function readSecret(store: Store, userId: string, kind: SecretKind, ref = ''): Promise<VersionedBlob | undefined> {
  const row = await store.db
    .selectFrom('secret_blobs')
    .select(['blob', 'version', 'updated_at'])
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('ref', '=', ref)
    .executeTakeFirst();
  return row && { blob: row.blob, version: row.version, updatedAt: row.updated_at };
}

export async function listSecrets(store: Store, userId: string, kind: SecretKind): Promise<Array<VersionedBlob & { ref: string }>> {
  const rows = await store.db.selectFrom('secret_blobs').selectAll().where('user_id', '=', userId).where('kind', '=', kind).orderBy('ref').execute();
  return rows.map((r) => ({ ref: r.ref, blob: r.blob, version: r.version, updatedAt: r.updated_at }));
}

/** The credential ids that have a wrap_prf(S): the passkeys that can open the vault. */
export async function credentialsWithWrap(store: Store, userId: string): Promise<Set<string>> {
  const rows = await store.db.selectFrom('secret_blobs').select('ref').where('user_id', '=', userId).where('kind', '=', 'wrap_prf').execute();
  return new Set(rows.map((r) => r.ref));
}

const selectBackup = preparedQuery((db, a: { userId: string }) =>
  db
    .selectFrom('secret_blobs')
    .select(['kind', 'ref', 'blob', 'version', 'updated_at'])
    .where('user_id', '=', a.userId)
    .where('kind', 'in', ['key_bundle', 'wrap_prf'])
    .orderBy('kind')
    .orderBy('ref'),
);

/**
 * The whole backup in one read: the key bundle (or `undefined`) and every wrap_prf, by ref. One
 * statement instead of `readSecret` + `listSecrets`: the snapshot is the hottest read there is
 * (every sync), and on one SQLite connection the two reads would only queue behind each other.
 */
export async function readBackup(store: Store, userId: string): Promise<Backup> {
  return backupOfRows(await selectBackup(store, { userId }));
}

/** The backup's shape, as `readBackup` returns it. */
export interface Backup {
  keyBundle: VersionedBlob | undefined;
  wrapPrf: Array<VersionedBlob & { ref: string }>;
}

/** A backup from its secret_blobs rows (in `ref` order); rows of other kinds, or of none (an outer join's), are skipped. */
export function backupOfRows(rows: Iterable<{ kind: SecretKind | null; ref: string | null; blob: string | null; version: number | null; updated_at: number | null }>): Backup {
  let keyBundle: VersionedBlob | undefined;
  const wrapPrf: Array<VersionedBlob & { ref: string }> = [];
  for (const r of rows) {
    if (r.kind === 'key_bundle' && r.ref === '') keyBundle = { blob: r.blob!, version: r.version!, updatedAt: r.updated_at! };
    else if (r.kind === 'wrap_prf') wrapPrf.push({ ref: r.ref!, blob: r.blob!, version: r.version!, updatedAt: r.updated_at! });
  }
  return { keyBundle, wrapPrf };
}

/**
 * Compare-and-set write: replaces the blob only if its stored version is `expectedVersion`
 * (0 = "none stored yet"). A stale writer gets `stale_version` with the current version and
 * nothing is overwritten. Returns the new version.
 */
export async function writeSecret(
  store: Store,
  s: { userId: string; kind: SecretKind; ref?: string; blob: string; expectedVersion: number },
  now = Date.now(),
): Promise<number> {
  const ref = s.ref ?? '';
  const next = s.expectedVersion + 1;
  if (s.expectedVersion === 0) {
    // DO NOTHING rather than catching the unique violation: on PostgreSQL that error aborts the
    // caller's transaction, and the read of the current version below would fail with it.
    const result = await store.db
      .insertInto('secret_blobs')
      .values({ user_id: s.userId, kind: s.kind, ref, blob: s.blob, version: next, updated_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'kind', 'ref']).doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 1n) return next;
  } else {
    const result = await store.db
      .updateTable('secret_blobs')
      .set({ blob: s.blob, version: next, updated_at: now })
      .where('user_id', '=', s.userId)
      .where('kind', '=', s.kind)
      .where('ref', '=', ref)
      .where('version', '=', s.expectedVersion)
      .executeTakeFirst();
    if (result.numUpdatedRows === 1n) return next;
  }
  const current = await readSecret(store, s.userId, s.kind, ref);
  throw new KeyholdError('stale_version', 'The stored copy changed since you read it; fetch it and try again.', {
    currentVersion: current?.version ?? 0,
  });
}

/**
 * Replaces the user's whole wrap_prf set with `wraps` (lock everywhere): a credential listed gets
 * its new blob at the version after the one it had (1 if none), every other wrap is deleted.
 * Returns the stored versions and the credential ids whose wrap was dropped.
 */
export async function replaceWrapPrfSet(
  store: Store,
  userId: string,
  wraps: ReadonlyArray<{ credentialId: string; blob: string }>,
  now: number,
): Promise<{ stored: Array<{ credentialId: string; version: number }>; dropped: string[] }> {
  const before = await listSecrets(store, userId, 'wrap_prf');
  await store.db.deleteFrom('secret_blobs').where('user_id', '=', userId).where('kind', '=', 'wrap_prf').execute();
  const stored = wraps.map((w) => ({ credentialId: w.credentialId, version: (before.find((b) => b.ref === w.credentialId)?.version ?? 0) + 1 }));
  if (wraps.length > 0) {
    await store.db
      .insertInto('secret_blobs')
      .values(wraps.map((w, i) => ({ user_id: userId, kind: 'wrap_prf' as const, ref: w.credentialId, blob: w.blob, version: stored[i]!.version, updated_at: now })))
      .execute();
  }
  const dropped = before.map((b) => b.ref).filter((ref) => !wraps.some((w) => w.credentialId === ref));
  return { stored, dropped };
}

export async function deleteSecret(store: Store, userId: string, kind: SecretKind, ref: string): Promise<void> {
  await store.db.deleteFrom('secret_blobs').where('user_id', '=', userId).where('kind', '=', kind).where('ref', '=', ref).execute();
}
