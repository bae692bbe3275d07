import { loadConfig, type ServerConfig } from '../config';
import { purgeTombstones } from '../domain/records';
import { openConfiguredDatabase } from '../runtime';
import { migrateToLatest } from '../store/database';
import type { Store } from '../store/store';

/**
 * One kind of data `npm run purge` removes once it is older than its retention: each task
 * reads its own setting from the configuration and reports one line. Audit-log retention
 * (issue 6) is meant to be the next entry of `RETENTION_TASKS`.
 */
interface RetentionTask {
  name: string;
  run(store: Store, config: ServerConfig, now: number): Promise<string>;
}

const RETENTION_TASKS: RetentionTask[] = [
  {
    name: 'record tombstones',
    async run(store, config, now) {
      const days = config.records.tombstoneRetentionMs / 86_400_000;
      const { tombstones, accounts } = await purgeTombstones(store, now - config.records.tombstoneRetentionMs);
      return `purged ${tombstones} older than ${days} days, from ${accounts} account${accounts === 1 ? '' : 's'}`;
    },
  },
];

/**
 * `npm run purge`: removes what is past its retention (see RETENTION_TASKS) from the database
 * the server uses (the same DATABASE_URL / DATA_DIR), one line per task. Safe to run while
 * servers are serving, and again at any time: each account is purged under its own lock.
 */
async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    const store: Store = { db: database.db, dialect: database.dialect };
    for (const task of RETENTION_TASKS) {
      process.stdout.write(`${task.name}: ${await task.run(store, config, Date.now())}\n`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`purge: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
