import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index';
import type { AccountLogHeadsTable } from './schema';
import type { Db, KeyholdDatabase } from './schema';
import { namingHotStatements } from './pg-named-statements';
import { databaseStore, PreparedQueries, type Dialect, type Store } from './store';

export interface Database {
  db: Db;
  dialect: Dialect;
  /** What repositories and routes are given: the one store of this database (see `databaseStore`). */
  store: Store;
  close(): Promise<void>;
}

// PostgreSQL's bigint (int8) arrives as a string by default; every bigint here is a time in
// milliseconds or a counter, well inside Number's exact range.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

/** Opens SQLite (file path) or PostgreSQL (postgres:// URL). Does not migrate: see `migrateToLatest`. */
export function openDatabase(
  target: { sqliteFile: string } | { postgresUrl: string; poolSize?: number; idleTimeoutMs?: number; connectionTimeoutMs?: number; onConnectionLost?: (error: Error) => void },
): Database {
  if ('sqliteFile' in target) {
    if (target.sqliteFile !== ':memory:') mkdirSync(join(target.sqliteFile, '..'), { recursive: true });
    const sqlite = new BetterSqlite3(target.sqliteFile);
    sqlite.pragma('journal_mode = WAL');
    // FULL: an acknowledged write is on disk before the reply leaves, even in WAL mode.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<KeyholdDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', store: databaseStore(db, 'sqlite'), close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: target.postgresUrl,
    max: target.poolSize ?? 10,
    idleTimeoutMillis: target.idleTimeoutMs ?? 30_000,
    // node-postgres waits forever by default: a database that stopped answering would pile requests up.
    connectionTimeoutMillis: target.connectionTimeoutMs ?? 10_000,
    types: pgTypes,
  });
  // A connection the database ends (`pg_ctl stop`, a failover, a restart) emits 'error'; with no
  // listener that is an uncaught exception and the process exits. Idle connections report it
  // through the pool, which drops them; one held by a request reports it on the client, and that
  // request's query fails too (answered 503 `database_unavailable`, see `isDatabaseUnavailable`),
  // and the pool drops it on release. New connections are opened on demand once the database is back.
  pool.on('error', (error) => target.onConnectionLost?.(error));
  pool.on('connect', (client) => client.on('error', () => {}));
  const prepared = new PreparedQueries();
  const db = new Kysely<KeyholdDatabase>({ dialect: new PostgresDialect({ pool: namingHotStatements(pool, prepared.names) }) });
  return { db, dialect: 'postgres', store: databaseStore(db, 'postgres', prepared), close: () => db.destroy() };
}

/** node's codes for a connection refused, reset or unreachable. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when `error` (or one of its causes) says the database could not be reached or went away,
 * rather than that the statement was wrong: PostgreSQL SQLSTATE class 08 (connection exception),
 * 57P01–57P03 (shut down by the administrator, crash shutdown, cannot connect now), a refused or
 * reset socket, a Unix-domain socket file that is gone, or node-postgres's own "connection
 * terminated" and pool connect timeout.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || CONNECTION_ERRNOS.has(code))) return true;
    // Over a Unix-domain socket, a stopped PostgreSQL has removed its socket file.
    if (code === 'ENOENT' && (e as { syscall?: unknown }).syscall === 'connect') return true;
    if (/^Connection terminated|^timeout exceeded when trying to connect|^Client has encountered a connection error/.test(e.message)) return true;
  }
  return false;
}

/** Distinct SQL texts kept prepared; the server runs a few dozen, so only unusual ones are ever evicted. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 as Kysely's SqliteDriver sees it, but preparing each distinct SQL text once:
 * the driver calls `prepare` for every query it runs, and parsing and planning a statement
 * costs more than running a point read on it (measured on the bench machine: 7–17 µs against
 * 2–3 µs). Least recently used texts are dropped past STATEMENT_CACHE_SIZE. Safe because the
 * driver runs one statement at a time to completion (`all`/`run`; `iterate` is only used by
 * Kysely's `stream()`, which the server does not call), and SQLite re-prepares a cached
 * statement by itself if a migration changed the schema under it.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const prepared = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      let statement = prepared.get(text);
      if (statement) {
        prepared.delete(text); // re-inserted below: Map order is the recency order
      } else {
        statement = sqlite.prepare(text);
        if (prepared.size >= STATEMENT_CACHE_SIZE) prepared.delete(prepared.keys().next().value!);
      }
      prepared.set(text, statement);
      return statement;
    },
  };
}

/**
 * Applies every pending migration; throws with the failing migration's name. `sealUnloggedHead`
 * (server/domain/account-log-head.ts `migrateWithPepper` passes it) seals the log head of each account
 * that predates 007; without it 007 applies only to a database with no accounts.
 */
export async function migrateToLatest(db: Db, opts: { sealUnloggedHead?: (userId: string, now: number) => AccountLogHeadsTable } = {}): Promise<void> {
  const dialect = db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
  const migrator = new Migrator({ db, provider: migrationProvider({ dialect, ...opts }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed`, { cause: error });
  }
}

/** True when the database answers a trivial query. */
export async function isReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
