import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../protocol/base64url';
import { everyColumn, preparedQuery } from './prepared';
import type { SessionScope, SessionsTable } from './schema';
import { singleWrite, type Store } from './store';

export interface Session {
  idHash: string;
  userId: string;
  /** The app whose request opened it: the session exists only on that app's requests. */
  appId: string;
  scope: SessionScope;
  deviceId: string | null;
  /** The passkey whose sign-in opened a `passkey` session (null otherwise, and for sessions older than migration 007). */
  credentialId: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** Only the digest of a token is stored, so the sessions table cannot be replayed as cookies. */
export function digestToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Returns the new session's cookie token (256 random bits); the token must never be logged. */
export async function createSession(
  store: Store,
  s: { userId: string; appId: string; scope: SessionScope; deviceId?: string | null; credentialId?: string | null },
  policy: SessionPolicy,
  now = Date.now(),
): Promise<{ token: string; expiresAt: number }> {
  const token = encodeBase64Url(randomBytes(32));
  const expiresAt = now + policy.absoluteMs;
  const row = { id_hash: digestToken(token), user_id: s.userId, app_id: s.appId, scope: s.scope, device_id: s.deviceId ?? null, credential_id: s.credentialId ?? null, created_at: now, last_seen_at: now, expires_at: expiresAt };
  await singleWrite(store, (tx) => insertSession(tx, row));
  return { token, expiresAt };
}

const insertSession = preparedQuery((db, r: SessionsTable) =>
  db.insertInto('sessions').values({
    id_hash: r.id_hash, user_id: r.user_id, app_id: r.app_id, scope: r.scope, device_id: r.device_id, credential_id: r.credential_id, created_at: r.created_at, last_seen_at: r.last_seen_at, expires_at: r.expires_at,
  }),
);

/** Every column of a session row, named for the prepared lookup. */
const SESSION_COLUMNS = everyColumn<SessionsTable>({ id_hash: true, user_id: true, app_id: true, scope: true, device_id: true, credential_id: true, created_at: true, last_seen_at: true, expires_at: true });

/**
 * Every authenticated request runs this lookup. A session of another app is not found: the
 * request is answered as if it carried no session at all.
 */
const findSessionRow = preparedQuery((db, a: { idHash: string; appId: string }) => db.selectFrom('sessions').select(SESSION_COLUMNS).where('id_hash', '=', a.idHash).where('app_id', '=', a.appId));

/**
 * Finds the live session of app `appId` for a cookie token and marks it used. Returns `expired`
 * (and deletes the row) past the idle or absolute limit, `null` for an unknown token or a session
 * of another app.
 */
export async function resumeSession(store: Store, token: string, appId: string, policy: SessionPolicy, now = Date.now()): Promise<Session | 'expired' | null> {
  const idHash = digestToken(token);
  const [row] = await findSessionRow(store, { idHash, appId });
  return settleSession(store, idHash, row, policy, now);
}

/**
 * `resumeSession` for a lookup the caller ran itself, with `digestToken(token)` as the id and the
 * session's row (or none) it read: for a route that reads its own rows in the same statement.
 */
export async function settleSession(store: Store, idHash: string, row: SessionsTable | undefined, policy: SessionPolicy, now: number): Promise<Session | 'expired' | null> {
  if (!row) return null;
  if (row.expires_at <= now || row.last_seen_at + policy.idleMs <= now) {
    await singleWrite(store, (tx) => tx.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute());
    return 'expired';
  }
  // Touch at most once a minute (reads stay reads), or every tenth of a shorter idle limit: at
  // SESSION_IDLE_MINUTES=1 a one-minute grain would let the session die however busy it is.
  if (now - row.last_seen_at > Math.min(60_000, policy.idleMs / 10)) {
    await singleWrite(store, (tx) => tx.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute());
  }
  return { idHash, userId: row.user_id, appId: row.app_id, scope: row.scope, deviceId: row.device_id, credentialId: row.credential_id, createdAt: row.created_at, expiresAt: row.expires_at };
}

/**
 * Binds a session that names no device to `deviceId` (the device it just registered): from then on
 * it ends when that device is removed. Returns false when the session already names a device.
 */
export async function bindSessionToDevice(store: Store, idHash: string, deviceId: string): Promise<boolean> {
  const result = await singleWrite(store, (tx) => tx.db.updateTable('sessions').set({ device_id: deviceId }).where('id_hash', '=', idHash).where('device_id', 'is', null).executeTakeFirst());
  return result.numUpdatedRows === 1n;
}

export async function endSession(store: Store, idHash: string): Promise<void> {
  await singleWrite(store, (tx) => tx.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute());
}

export async function endDeviceSessions(store: Store, deviceId: string): Promise<void> {
  await singleWrite(store, (tx) => tx.db.deleteFrom('sessions').where('device_id', '=', deviceId).execute());
}

/** Ends every session of the user except `keepIdHash` (lock everywhere); returns how many ended. */
export async function endSessionsExcept(store: Store, userId: string, keepIdHash: string): Promise<number> {
  const result = await store.db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', keepIdHash).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function purgeExpiredSessions(store: Store, policy: SessionPolicy, now = Date.now()): Promise<void> {
  await store.db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - policy.idleMs)]))
    .execute();
}
