import { preparedQuery } from './prepared';
import { backupOfRows, type Backup } from './secrets';
import { digestToken, settleSession, type Session, type SessionPolicy } from './sessions';
import type { Db } from './schema';
import type { Store } from './store';

/**
 * The session row of a token and its user's backup rows, in one statement: one row per blob, or
 * one row with no blob columns when the user has no backup yet, or no row for an unknown token.
 */
export const sessionAndBackupQuery = (db: Db, a: { idHash: string; appId: string }) =>
  db
    .selectFrom('sessions as s')
    .leftJoin('secret_blobs as b', (join) => join.onRef('b.user_id', '=', 's.user_id').on('b.kind', 'in', ['key_bundle', 'wrap_prf']))
    .select(['s.id_hash', 's.user_id', 's.app_id', 's.scope', 's.device_id', 's.credential_id', 's.created_at', 's.last_seen_at', 's.expires_at'])
    .select(['b.kind', 'b.ref', 'b.blob', 'b.version', 'b.updated_at'])
    .where('s.id_hash', '=', a.idHash)
    .where('s.app_id', '=', a.appId)
    .orderBy('b.kind')
    .orderBy('b.ref');
const selectSessionAndBackup = preparedQuery(sessionAndBackupQuery);

/**
 * `resumeSession` and `readBackup` of the session's user in one statement (the session of app
 * `appId`, with its `backup`): the backup fetch is the hottest authenticated read (every sync), and two lookups cost
 * two statements (on PostgreSQL two round trips) where one does. The session is checked exactly as
 * `resumeSession` checks it, on the row read now, so a session ended by any process is refused at
 * once; no backup is returned without a live session.
 */
export async function resumeSessionWithBackup(store: Store, token: string, appId: string, policy: SessionPolicy, now: number): Promise<(Session & { backup: Backup }) | 'expired' | null> {
  const idHash = digestToken(token);
  const rows = await selectSessionAndBackup(store, { idHash, appId });
  const session = await settleSession(store, idHash, rows[0], policy, now);
  if (session === null || session === 'expired') return session;
  return { ...session, backup: backupOfRows(rows) };
}
