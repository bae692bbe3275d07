import { loadConfig } from '../config';
import { verifyChain } from '../store/audit-chain';
import { openConfiguredDatabase } from '../runtime';
import { eachAuditChain } from '../store/audit';
import { migrateToLatest } from '../store/database';
import { runAsCli, type Write } from './run-as-cli';

/**
 * `npm run audit:verify`: walks every user's audit chain and exits 1, naming the user and entry,
 * where a row was altered, deleted or reordered. A chain `npm run purge` shortened is checked from
 * its anchor (see server/store/audit-chain.ts for what that does and does not prove). Uses the
 * same DATABASE_URL / DATA_DIR as the server; safe while servers and a purge run.
 *
 * Reads its settings from `env` and writes its report with `write`; resolves with the exit code
 * (0 every chain verifies, 1 one is broken) and throws when it cannot run (exit 2).
 */
export async function auditVerify(env: Record<string, string | undefined>, write: Write): Promise<number> {
  const config = loadConfig(env);
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    let chains = 0;
    let entries = 0;
    let broken = 0;
    for await (const { userId, anchor, rows } of eachAuditChain(database.store)) {
      chains++;
      entries += rows.length;
      const problem = verifyChain(rows, anchor);
      if (problem) {
        broken++;
        write(`BROKEN user=${userId} seq=${problem.seq} reason=${problem.reason}\n`);
      }
    }
    write(`${broken === 0 ? 'OK' : 'FAILED'}: ${chains} chains, ${entries} entries, ${broken} broken\n`);
    return broken === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

runAsCli(import.meta.url, 'audit:verify', () => auditVerify(process.env, (text) => process.stdout.write(text)));
