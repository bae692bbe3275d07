import { sql, type CompiledQuery } from 'kysely';
import type { Db, UsersTable } from './schema';
import { userExists } from './accounts';
import { lockAccountRow, lockSubjectRow } from './locks';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Compiled hot queries of one database, kept on its store (see `databaseStore`) and shared with its
 * transactions; filled by `preparedQuery`. `names` gives each one's SQL text a statement name, which
 * a PostgreSQL database runs it under (store/pg-named-statements.ts).
 *
 * Not a query whose columns are `*`: a named statement keeps the columns `*` had when it was
 * prepared, and PostgreSQL refuses to run it ("cached plan must not change result type") once a
 * migration adds a column, as one run by an upgraded process does during a rolling restart.
 */
export class PreparedQueries extends Map<object, CompiledQuery> {
  readonly names = new Map<string, string>();

  override set(key: object, compiled: CompiledQuery): this {
    if (!this.names.has(compiled.sql) && !STAR_COLUMNS.test(compiled.sql)) this.names.set(compiled.sql, `kh_hot_${this.names.size + 1}`);
    return super.set(key, compiled);
  }
}

/** `select *`, `select "t".*`, `returning *`: columns PostgreSQL expands when it plans the statement. */
const STAR_COLUMNS = /(?:select|returning|,)\s+(?:"\w+"\.)?\*/i;

/** A database handle (or a transaction on it) and its dialect, passed to every repository function. */
export interface Store {
  db: Db;
  dialect: Dialect;
  /**
   * In a PostgreSQL transaction: the subjects whose lock it already holds (see `lockUser`), each
   * with the account row that lock read, or null (a subject without one, or an account this
   * transaction erased). No statement updates a `users` row and the lock keeps others from
   * deleting it, so the row stays what the lock read until the transaction ends.
   */
  lockedUsers?: Map<string, UsersTable | null>;
  /** A SQLite database's own store (not a transaction's): the group committer all its transactions go through. */
  groupCommit?: GroupCommit;
  /** The database's compiled hot queries (see `preparedQuery`), shared by its transactions. */
  prepared?: PreparedQueries;
}

/**
 * The store of a database just opened; `openDatabase` makes it, once per database. On SQLite it
 * carries the database's group committer: a second one on the same connection would interleave
 * its BEGINs with the first's.
 */
export function databaseStore(db: Db, dialect: Dialect, prepared = new PreparedQueries()): Store {
  return dialect === 'sqlite' ? { db, dialect, prepared, groupCommit: new GroupCommit(db, prepared) } : { db, dialect, prepared };
}

/**
 * Runs `work` in one transaction; everything it writes commits together or not at all.
 *
 * SQLite: `BEGIN IMMEDIATE` takes the write lock up front. A plain (deferred) BEGIN that reads and
 * then writes fails at once with SQLITE_BUSY when another process wrote in between — busy_timeout
 * does not apply to that upgrade — so two server processes on one file would answer 500s.
 * Transactions that arrive while another is running are committed as a group (see `GroupCommit`):
 * the same outcome as running them one after another, with one fsync for the group.
 */
export function inTransaction<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres') return store.db.transaction().execute((trx) => work({ db: trx, dialect: store.dialect, lockedUsers: new Map(), prepared: store.prepared }));
  if (!store.groupCommit) return Promise.reject(new Error('a SQLite transaction starts from its database\'s store (openDatabase().store), never inside another transaction'));
  return store.groupCommit.run(work);
}

/**
 * Runs one write that needs no transaction around it (a single statement is atomic by itself).
 * PostgreSQL runs it as it is: one round trip. On a SQLite database's store it goes through the
 * group committer: run alone it would commit on its own and wait for its own fsync on the event
 * loop (0.26–0.63 ms a PIN-recovery start under the bench's load), where the group shares one.
 * On a transaction's store it is simply part of that transaction.
 */
export function singleWrite<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  return store.groupCommit ? store.groupCommit.run(work) : work(store);
}

/** Most transactions one SQLite commit carries: bounds how long a group holds the write lock. */
const MAX_GROUP = 64;

interface Queued {
  work: (tx: Store) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one SQLite database (one connection, so its transactions run one at a time
 * anyway). With `synchronous = FULL` each COMMIT waits for an fsync, which costs more than the
 * statements of a typical transaction (0.15–5 ms on the bench machine's disk, against tens of µs),
 * and better-sqlite3 waits for it on the event loop. So the transactions queued while one group
 * runs go into the next group: one BEGIN IMMEDIATE, each transaction inside its own SAVEPOINT (one
 * that throws is rolled back to it, alone, and rejects with its error), one COMMIT. Nothing is
 * answered before that COMMIT returns, so every acknowledged write is still on disk; if the COMMIT
 * itself fails, every transaction in the group rejects with that error, and none of it was written.
 * Transactions run in arrival order and each sees the ones before it, as it would if each had
 * committed on its own.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #prepared: PreparedQueries;
  #queue: Queued[] = [];
  #draining = false;

  constructor(db: Db, prepared: PreparedQueries) {
    this.#db = db;
    this.#prepared = prepared;
  }

  run<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        // better-sqlite3 runs every statement, the COMMIT's fsync included, on the event loop, and
        // a transaction's awaits are only microtasks: without this turn of the loop no request
        // could ever join a group. After it, every request whose I/O is ready has had its turn.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.#commit(this.#queue.splice(0, MAX_GROUP));
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Runs one group and settles each of its transactions; never rejects. */
  async #commit(group: Queued[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.#db.connection().execute(async (connection) => {
        const tx: Store = { db: connection, dialect: 'sqlite', prepared: this.#prepared };
        await sql`begin immediate`.execute(connection);
        try {
          if (group.length === 1) {
            outcomes.push({ ok: true, value: await group[0]!.work(tx) });
          } else {
            for (const queued of group) {
              await sql`savepoint grouped`.execute(connection);
              try {
                outcomes.push({ ok: true, value: await queued.work(tx) });
              } catch (error) {
                outcomes.push({ ok: false, error });
                // If SQLite already rolled the whole transaction back (disk full, I/O error), this
                // fails and the group ends below with the transaction's own error.
                await sql`rollback to grouped`.execute(connection).catch(() => Promise.reject(error));
              }
              await sql`release grouped`.execute(connection);
            }
          }
        } catch (error) {
          // A lone transaction's own error, or a savepoint statement failing because SQLite
          // already rolled everything back (disk full, I/O error): nothing of the group stays.
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
        try {
          await sql`commit`.execute(connection);
        } catch (error) {
          // A failed COMMIT can leave the transaction open; the next group must start clean.
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      // Nothing committed: a transaction that failed rejects with its own error, the rest with this one.
      group.forEach((queued, i) => {
        const outcome = outcomes[i];
        queued.reject(outcome && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    group.forEach((queued, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  }
}

/**
 * Serialises writers of one subject's rows for the rest of the transaction, across server
 * processes: an account's id, or a decoy subject (`decoy:…`) that has no account. PostgreSQL: a
 * row lock (see locks.ts). SQLite: writers are already serialised.
 */
export async function lockUser(tx: Store, subject: string): Promise<void> {
  if (tx.dialect !== 'postgres' || tx.lockedUsers?.has(subject)) return;
  const row = await lockSubjectRow(tx, subject);
  // Held to the end of the transaction, so taking it again (the user transaction, then each audit
  // entry) would only cost a round trip. Valid while no savepoint on PostgreSQL is rolled back:
  // that would release a lock taken after it, and none is used there.
  tx.lockedUsers?.set(subject, row ?? null);
}

/**
 * Locks an account as `lockUser` does and returns whether it exists, in one statement on
 * PostgreSQL (the row lock is the existence check). Nothing is locked for an account that does not exist.
 */
export async function lockAccount(tx: Store, userId: string): Promise<boolean> {
  if (tx.dialect !== 'postgres') return userExists(tx, userId);
  if (tx.lockedUsers?.get(userId)) return true;
  if (tx.lockedUsers?.has(userId)) return userExists(tx, userId);
  const row = await lockAccountRow(tx, userId);
  if (!row) return false;
  tx.lockedUsers?.set(userId, row);
  return true;
}

/** True for a primary-key or unique-constraint violation in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
