import { loadConfig } from '../config';
import { verifyChain } from '../store/audit-chain';
import { openConfiguredDatabase } from '../runtime';
import { eachAuditChain } from '../store/audit';
import { migrateToLatest } from '../store/database';

/**
 * `npm run audit:verify`: walks every user's audit chain and exits 1, naming the user and entry,
 * where a row was altered, deleted or reordered. A chain `npm run purge` shortened is checked from
 * its anchor (see server/store/audit-chain.ts for what that does and does not prove). Uses the
 * same DATABASE_URL / DATA_DIR as the server; safe while servers and a purge run.
 */
async function main(): Promise<number> {
  const config = loadConfig(process.env);
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
        process.stdout.write(`BROKEN user=${userId} seq=${problem.seq} reason=${problem.reason}\n`);
      }
    }
    process.stdout.write(`${broken === 0 ? 'OK' : 'FAILED'}: ${chains} chains, ${entries} entries, ${broken} broken\n`);
    return broken === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
