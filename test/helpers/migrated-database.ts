import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { inject } from 'vitest';
import { unloggedHead } from '../../server/domain/account-log-head';
import type { Pepper } from '../../server/domain/pepper';
import { openDatabase, type Database } from '../../server/store/database';
import { migrationProvider } from '../../server/store/migrations/index';
import type { Dialect } from '../../server/store/store';
import { testPepper } from './harness';
import { createTestDatabase } from './postgres';

/** A scratch database stopped at one migration, as an older server left it, for a migration test. */
export interface DatabaseAtMigration<Tables> {
  readonly database: Database;
  /** The database typed as it was at that migration, to seed rows the way the older server wrote them. */
  readonly db: Kysely<Tables>;
  /** The pepper its account log heads are sealed with (testPepper()). */
  readonly pepper: Pepper;
  close(): Promise<void>;
}

/**
 * A fresh database (a SQLite file in a scratch folder, or a PostgreSQL test database) migrated up
 * to `target` and no further, with the account log heads that migration 007 seals made with
 * testPepper(). The test then seeds it and runs the next migration.
 */
export async function databaseAtMigration<Tables>(dialect: Dialect, target: string): Promise<DatabaseAtMigration<Tables>> {
  const dir = mkdtempSync(join(tmpdir(), 'kh-migrate-'));
  const database = dialect === 'postgres' ? openDatabase({ postgresUrl: await createTestDatabase(inject('pgUrl')), poolSize: 2 }) : openDatabase({ sqliteFile: join(dir, 'keyhold.sqlite') });
  const pepper = testPepper();
  const close = async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const provider = migrationProvider({ dialect, sealUnloggedHead: (userId, now) => unloggedHead(pepper, userId, now) });
  const { error } = await new Migrator({ db: database.db, provider }).migrateTo(target);
  if (error) {
    await close();
    throw error;
  }
  return { database, db: database.db as unknown as Kysely<Tables>, pepper, close };
}
