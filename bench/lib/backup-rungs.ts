/**
 * Rungs between bench:server's reference (the backup fetch's reply with no session or database)
 * and the key server's backup fetch, mounted on bench/bare-server.ts when it is given a key
 * server's database and one of its session tokens. Each rung adds one thing to the reference, so
 * the ladder shows where a backup fetch's time goes:
 *
 * - `/bare/reply-read` (SQLite): the backup fetch's own statement (`sessionAndBackupQuery`, compiled
 *   once) run through better-sqlite3 directly and synchronously, and the reply built from its rows.
 *   No query builder, no promise, no session policy: what any backup fetch must spend to read the
 *   database, and so the most a key server of this design could reach.
 * - `/bare/reply-store`: the route's store call (`resumeSessionWithBackup`: Kysely, the session's
 *   expiry checks and touch) in place of the direct read.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { DEFAULT_APP_ID, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../protocol/constants';
import { openDatabase } from '../../server/store/database';
import { backupOfRows, type Backup } from '../../server/store/secrets';
import { resumeSessionWithBackup, sessionAndBackupQuery } from '../../server/store/session-backup';
import { digestToken } from '../../server/store/sessions';

/** Where the rungs read: the key server's SQLite file or PostgreSQL URL, and a session of it. */
export interface RungTarget {
  sqliteFile?: string;
  postgresUrl?: string;
  sessionToken: string;
}

/** The rungs' target from bare-server.ts's environment, or undefined when it names none. */
export function rungTargetFromEnv(env: NodeJS.ProcessEnv): RungTarget | undefined {
  const sessionToken = env.KEYHOLD_SESSION_TOKEN;
  if (!sessionToken || !(env.KEYHOLD_STORE_FILE || env.KEYHOLD_STORE_URL)) return undefined;
  return { sqliteFile: env.KEYHOLD_STORE_FILE, postgresUrl: env.KEYHOLD_STORE_URL, sessionToken };
}

/** The backup fetch's reply body, as server/routes/backup.ts builds it. */
function replyOf(backup: Backup) {
  return { keyBundle: backup.keyBundle ?? null, wrapPrf: backup.wrapPrf.map(({ ref, ...blob }) => ({ credentialId: ref, ...blob })) };
}

type BlobRow = Parameters<typeof backupOfRows>[0] extends Iterable<infer R> ? R : never;

const noSession = (c: Context) => c.json({ error: { code: 'unauthorized', message: 'No session.' } }, 401);

/** Mounts the rungs on `app`, each behind `middleware` (the reference's: the API's reply headers). */
export function mountBackupRungs(app: Hono, target: RungTarget, middleware: MiddlewareHandler[]): void {
  const { db, store } = target.postgresUrl ? openDatabase({ postgresUrl: target.postgresUrl }) : openDatabase({ sqliteFile: target.sqliteFile! });
  const query = { idHash: digestToken(target.sessionToken), appId: DEFAULT_APP_ID };
  if (target.sqliteFile) {
    const { sql, parameters } = sessionAndBackupQuery(db, query).compile();
    const statement = new BetterSqlite3(target.sqliteFile).prepare(sql);
    app.use('/bare/reply-read', ...middleware);
    app.get('/bare/reply-read', (c) => {
      const rows = statement.all(...(parameters as unknown[])) as BlobRow[];
      return rows.length === 0 ? noSession(c) : c.json(replyOf(backupOfRows(rows)));
    });
  }
  const policy = { idleMs: SESSION_IDLE_MS, absoluteMs: SESSION_ABSOLUTE_MS };
  app.use('/bare/reply-store', ...middleware);
  app.get('/bare/reply-store', async (c) => {
    const found = await resumeSessionWithBackup(store, target.sessionToken, DEFAULT_APP_ID, policy, Date.now());
    return found === null || found === 'expired' ? noSession(c) : c.json(replyOf(found.backup));
  });
}
