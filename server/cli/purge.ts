import { loadConfig, type ServerConfig } from '../config';
import { purgeTombstones } from '../domain/records';
import { openConfiguredDatabase } from '../runtime';
import { listUsersWithAuditBefore, purgeAuditPrefix } from '../store/audit';
import { migrateToLatest } from '../store/database';
import { inTransaction, type Store } from '../store/store';
import { runAsCli, type Write } from './run-as-cli';

/**
 * One kind of data `npm run purge` removes once it is older than its retention: each task
 * reads its own setting from the configuration and reports one line; `ok: false` when it had
 * to leave something in place that needs an operator (the command then exits 1).
 */
interface RetentionTask {
  name: string;
  run(store: Store, config: ServerConfig, now: number): Promise<{ line: string; ok: boolean }>;
}

const accountsNoun = (n: number) => `${n} account${n === 1 ? '' : 's'}`;

const RETENTION_TASKS: RetentionTask[] = [
  {
    name: 'record tombstones',
    async run(store, config, now) {
      const days = config.records.tombstoneRetentionMs / 86_400_000;
      const { tombstones, accounts } = await purgeTombstones(store, now - config.records.tombstoneRetentionMs);
      return { line: `purged ${tombstones} older than ${days} days, from ${accountsNoun(accounts)}`, ok: true };
    },
  },
  {
    // Each chain keeps its newest entry and an anchor it verifies from (server/store/audit-chain.ts).
    // A chain whose old segment does not verify is left whole: deleting it would destroy the evidence.
    name: 'audit entries',
    async run(store, config, now) {
      const days = config.auditRetentionMs / 86_400_000;
      const cutoff = now - config.auditRetentionMs;
      let entries = 0;
      let accounts = 0;
      const refused: string[] = [];
      for (const userId of await listUsersWithAuditBefore(store, cutoff)) {
        const plan = await inTransaction(store, (tx) => purgeAuditPrefix(tx, userId, cutoff, now));
        if (plan.action === 'purge') {
          entries += plan.entries;
          accounts++;
        } else if (plan.action === 'refuse') {
          refused.push(`user=${userId} seq=${plan.problem.seq} reason=${plan.problem.reason}`);
        }
      }
      const line = `purged ${entries} older than ${days} days, from ${accountsNoun(accounts)}`;
      if (refused.length === 0) return { line, ok: true };
      return { line: `${line}; left ${refused.length} broken chain${refused.length === 1 ? '' : 's'} whole (${refused.join(', ')}): run npm run audit:verify`, ok: false };
    },
  },
];

/**
 * `npm run purge`: removes what is past its retention (see RETENTION_TASKS) from the database
 * the server uses (the same DATABASE_URL / DATA_DIR), one line per task. Safe to run while
 * servers are serving, and again at any time: each account is purged under its own lock.
 * Exits 1 when a task left something for an operator (a broken audit chain), 2 on an error.
 *
 * Reads its settings from `env` and writes its report with `write`; resolves with the exit code
 * (0 or 1) and throws when it cannot run (exit 2).
 */
export async function purge(env: Record<string, string | undefined>, write: Write): Promise<number> {
  const config = loadConfig(env);
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    const { store } = database;
    let ok = true;
    for (const task of RETENTION_TASKS) {
      const outcome = await task.run(store, config, Date.now());
      write(`${task.name}: ${outcome.line}\n`);
      ok &&= outcome.ok;
    }
    return ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

runAsCli(import.meta.url, 'purge', () => purge(process.env, (text) => process.stdout.write(text)));
