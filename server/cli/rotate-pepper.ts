import { loadConfig } from '../config';
import { migrateWithPepper } from '../domain/account-log-head';
import { loadPepper } from '../domain/pepper';
import { resealUnderCurrentPepper, type RotationReport } from '../domain/pepper-rotation';
import { openConfiguredDatabase } from '../runtime';
import { runAsCli, type Write } from './run-as-cli';

/**
 * `npm run pepper:rotate`: re-seals every value sealed under the pepper (k_u, R, TOTP secrets,
 * pending enrolments) under the current PEPPER, opening each with PEPPER or PEPPER_PREVIOUS —
 * whichever sealed it — in small transactions, while servers keep running. Reads the same
 * environment as the servers (DATABASE_URL / DATA_DIR, PEPPER, PEPPER_PREVIOUS, PEPPER_DECOYS) and
 * never creates a pepper. `--check` opens and counts only.
 *
 * Exit 0: every sealed value is under the current pepper. Exit 1: a value did not open (each is
 * named by column and user, with key ids — never a pepper or a plaintext) or a value is still
 * under another pepper (a server still sealing with the old PEPPER: fix that, run it again).
 * Exit 2: it could not run (configuration, database).
 *
 * Takes the command's arguments and its settings (`env`), writes its report with `write`, resolves
 * with the exit code (0 or 1) and throws when it cannot run (exit 2).
 */
export async function rotatePepper(argv: readonly string[], env: Record<string, string | undefined>, write: Write): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]} (the only option is --check)`);
  const check = argv.includes('--check');
  const config = loadConfig(env);
  const { pepper } = loadPepper(config, config.dataDir, { create: false });
  const database = openConfiguredDatabase(config);
  const out = (line: string) => write(`${line}\n`);
  try {
    await migrateWithPepper(database.db, pepper);
    const { store } = database;
    const [current, ...previous] = pepper.keyIds;
    out(`pepper:rotate: ${check ? 'checking' : 'sealing'} under pepper ${current}${previous.length ? `, opening pepper ${previous.join(', ')} too` : ''}`);
    const report = await resealUnderCurrentPepper(store, pepper, { write: !check });
    printCounts(report, check ? 'to re-seal' : 're-sealed', out);
    for (const failure of report.failures.slice(0, 20)) out(`CANNOT OPEN ${failure.column} ${failure.owner}: ${failure.reason}`);
    if (report.failures.length > 20) out(`… and ${report.failures.length - 20} more`);

    const left = check ? total(report, 'resealed') : total(await resealUnderCurrentPepper(store, pepper, { write: false }), 'resealed');
    if (report.failures.length > 0) {
      out(`FAILED: ${report.failures.length} sealed values open with no pepper held (is PEPPER_PREVIOUS the pepper they were sealed under?); they were left unchanged`);
      return 1;
    }
    if (check) {
      out(`OK: every sealed value opens; ${left} under another pepper`);
      return 0;
    }
    if (left > 0) {
      out(`NOT FINISHED: ${left} sealed values are still under another pepper (a server still sealing with the old PEPPER?); run it again`);
      return 1;
    }
    out(`OK: ${total(report, 'resealed')} re-sealed, ${total(report, 'current')} already under pepper ${current}; none left under another pepper`);
    return 0;
  } finally {
    await database.close();
  }
}

const total = (report: RotationReport, kind: 'resealed' | 'current' | 'raced') => Object.values(report.counts).reduce((sum, c) => sum + c[kind], 0);

function printCounts(report: RotationReport, verb: string, out: (line: string) => void): void {
  for (const [column, c] of Object.entries(report.counts)) {
    out(`${column}: ${c.resealed} ${verb}, ${c.current} already current${c.raced ? `, ${c.raced} changed by a server meanwhile` : ''}`);
  }
}

runAsCli(import.meta.url, 'pepper:rotate', () => rotatePepper(process.argv.slice(2), process.env, (text) => process.stdout.write(text)));
