import { writeBenchmarkSection } from './benchmarks-file';
import type { LoadFigures, Timing } from './load';
import type { Machine } from './machine';
import type { SignInReference } from './signin-reference';

/** issue 16's targets for `npm run bench:server`; each ratio is against a reference measured in the same run. */
export const TARGETS = {
  /** Backup fetch rps ≥ this share of the reference route's (the same reply, no session or database). */
  backupShareOfReference: 0.6,
  /** Durable device sign-ins per second on SQLite, load generator on the same machine. */
  signInPerSecondSqlite: 1500,
  /** Fixed (open-loop) rates the latency target is checked at, per second. */
  signInRate: 300,
  backupRate: 1000,
  /** p99 ceiling at those rates, and for a backup fetch beside a burst of PIN-recovery evaluations. */
  p99Ms: 25,
  /** PIN-recovery starts per second as shipped ≥ this × with @noble/curves' BlindEvaluate on the event loop (as issue 16 found it). */
  oprfSpeedup: 2,
} as const;

/** The rungs between the reference and the backup fetch (bench/lib/backup-rungs.ts); `read` on SQLite only. */
export interface BackupRungs {
  read?: LoadFigures;
  store?: LoadFigures;
}

export interface DatabaseResult {
  database: string;
  /** Durability settings and anything else a reader needs to compare the figures. */
  notes: string;
  backup?: { max: LoadFigures; paced: LoadFigures; rungs?: BackupRungs };
  /** `cpuPerSignInUs`: the key server's CPU time (user + system, /proc) over the closed-loop run, per request. */
  signIn?: { max: LoadFigures; paced: LoadFigures; challengeIssue: LoadFigures; cpuPerSignInUs?: number; caveat?: string };
}

/** One server configuration of the OPRF scenario. */
export interface OprfRun {
  /** `POST /api/recovery/pin/start`, closed loop. */
  max: LoadFigures;
  /** The backup fetch paced at TARGETS.backupRate, during `burst`. */
  backupDuringBurst: LoadFigures;
  burst: LoadFigures;
}

export interface OprfResult {
  /** Evaluations per second with no HTTP or database (bench process, no server running). */
  alone: { asFiled: number; eventLoop: number; pool: number };
  /** The evaluation as issue 16 found it: @noble/curves on the event loop (the reference). */
  asFiled: OprfRun;
  eventLoop: OprfRun;
  pool: OprfRun;
}

export interface RunReport {
  date: Date;
  machine: Machine;
  command: string;
  timing: Timing;
  /** The bare route (context only) and the reference route sending the backup fetch's reply. */
  reference: { bare: LoadFigures; reply: LoadFigures } | undefined;
  signInReference: SignInReference | undefined;
  population: { accounts: number; devicesPerAccount: number };
  databases: DatabaseResult[];
  oprf: OprfResult | undefined;
  skipped: string[];
  totalS: number;
}

const SECTION_HEADING = '## Key server (`npm run bench:server`)';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** autocannon measures latency in whole milliseconds, the paced runs to a tenth. */
const ms = (n: number) => `${fmt(n, Number.isInteger(n) ? 0 : 1)} ms`;
const pct = (n: number) => `${fmt(n * 100, 0)} %`;
const times = (n: number) => `${fmt(n, 2)}×`;
const errorsOf = (f: LoadFigures) => (f.errors === 0 ? '0' : `${fmt(f.errors)} (${Object.entries(f.statusCodes).filter(([c]) => !c.startsWith('2')).map(([c, n]) => `${n}×${c}`).join(', ') || 'socket'})`);

export interface Verdict {
  target: string;
  pass: boolean;
  measured: string;
}

/** Every target one database's runs are judged on, PASS or FAIL. */
export function verdicts(r: RunReport, db: DatabaseResult): Verdict[] {
  const out: Verdict[] = [];
  if (db.backup && r.reference) {
    const share = db.backup.max.rps / r.reference.reply.rps;
    out.push({ target: `backup fetch ≥ ${pct(TARGETS.backupShareOfReference)} of the reference route's rps`, pass: share >= TARGETS.backupShareOfReference, measured: pct(share) });
  }
  if (db.backup) out.push({ target: `backup fetch p99 < ${TARGETS.p99Ms} ms at ${fmt(TARGETS.backupRate)}/s`, pass: db.backup.paced.p99 < TARGETS.p99Ms, measured: ms(db.backup.paced.p99) });
  if (db.signIn && db.database === 'SQLite') {
    out.push({ target: `device sign-in ≥ ${fmt(TARGETS.signInPerSecondSqlite)}/s`, pass: db.signIn.max.rps >= TARGETS.signInPerSecondSqlite, measured: `${fmt(db.signIn.max.rps)}/s` });
  }
  if (db.signIn) out.push({ target: `device sign-in p99 < ${TARGETS.p99Ms} ms at ${fmt(TARGETS.signInRate)}/s`, pass: db.signIn.paced.p99 < TARGETS.p99Ms, measured: ms(db.signIn.paced.p99) });
  const runs = [db.backup?.max, db.backup?.paced, db.signIn?.max, db.signIn?.paced, db.signIn?.challengeIssue].filter((f): f is LoadFigures => f !== undefined);
  const errors = runs.reduce((n, f) => n + f.errors, 0);
  out.push({ target: 'no errors (non-2xx, socket errors, timeouts) in any run', pass: errors === 0, measured: fmt(errors) });
  return out;
}

/** The PIN-recovery evaluation's targets. */
export function oprfVerdicts(o: OprfResult): Verdict[] {
  const speedup = o.pool.max.rps / o.asFiled.max.rps;
  // A reference that answered errors would count fewer starts and flatter the ratio: no pass then.
  const referenceErrors = o.asFiled.max.errors;
  const errors = [o.pool.max, o.pool.backupDuringBurst, o.pool.burst].reduce((n, f) => n + f.errors, 0);
  return [
    {
      target: `PIN-recovery starts as shipped ≥ ${TARGETS.oprfSpeedup}× with @noble/curves' BlindEvaluate on the event loop (as issue 16 found it)`,
      pass: speedup >= TARGETS.oprfSpeedup && referenceErrors === 0,
      measured: referenceErrors === 0 ? times(speedup) : `${times(speedup)}, but the reference answered ${fmt(referenceErrors)} errors`,
    },
    { target: `backup fetch p99 < ${TARGETS.p99Ms} ms at ${fmt(TARGETS.backupRate)}/s beside a burst of evaluations`, pass: o.pool.backupDuringBurst.p99 < TARGETS.p99Ms, measured: ms(o.pool.backupDuringBurst.p99) },
    { target: 'no errors in the pool runs', pass: errors === 0, measured: fmt(errors) },
  ];
}

const HEADERS = ['Scenario', 'rps (closed loop)', 'vs reference', 'p99 closed loop', 'fixed rate', 'p50', 'p99', 'errors'];

function databaseRows(r: RunReport, db: DatabaseResult): string[][] {
  const rows: string[][] = [];
  const dash = ['–', '–', '–', '–'];
  if (r.reference && db.backup) {
    const ref = r.reference.reply.rps;
    rows.push(['bare route (context)', fmt(r.reference.bare.rps), pct(r.reference.bare.rps / ref), ms(r.reference.bare.p99), ...dash]);
    rows.push(['reference: the backup fetch\'s reply, no session or database', fmt(ref), '100 %', ms(r.reference.reply.p99), ...dash]);
    const b = db.backup;
    const rung = (label: string, f: LoadFigures | undefined) => f && rows.push([label, fmt(f.rps), pct(f.rps / ref), ms(f.p99), '–', '–', '–', errorsOf(f)]);
    rung('reference + the statement, read directly (floor of any backup fetch)', b.rungs?.read);
    rung('reference + the route\'s store call', b.rungs?.store);
    rows.push(['backup fetch `GET /api/backup`', fmt(b.max.rps), pct(b.max.rps / ref), ms(b.max.p99), `${fmt(TARGETS.backupRate)}/s`, ms(b.paced.p50), ms(b.paced.p99), errorsOf(b.max) === '0' ? errorsOf(b.paced) : `${errorsOf(b.max)} closed loop`]);
  }
  if (db.signIn) {
    const s = db.signIn;
    // The same-work reference commits to SQLite: a ratio to it says something of the SQLite run only.
    const ref = r.signInReference && db.database === 'SQLite' ? `${pct(s.max.rps / r.signInReference.perS)} of same-work` : '–';
    rows.push(['device sign-in `POST /api/devices/signin`', fmt(s.max.rps), ref, ms(s.max.p99), `${fmt(TARGETS.signInRate)}/s`, ms(s.paced.p50), ms(s.paced.p99), errorsOf(s.max) === '0' ? errorsOf(s.paced) : `${errorsOf(s.max)} closed loop`]);
    rows.push(['device challenge (issue, while preparing)', fmt(s.challengeIssue.rps), '–', ms(s.challengeIssue.p99), '–', '–', '–', errorsOf(s.challengeIssue)]);
  }
  return rows;
}

const OPRF_HEADERS = ['OPRF evaluation', 'evaluations/s alone', 'PIN-recovery starts/s', 'backup fetch p50 beside a burst', 'p99', 'burst starts/s'];

function oprfRows(o: OprfResult): string[][] {
  const row = (label: string, alone: number, x: OprfRun) => [label, fmt(alone), fmt(x.max.rps), ms(x.backupDuringBurst.p50), ms(x.backupDuringBurst.p99), fmt(x.burst.rps)];
  return [
    row('@noble/curves BlindEvaluate on the event loop (reference)', o.alone.asFiled, o.asFiled),
    row('libsodium on the event loop (`OPRF_THREADS=0`)', o.alone.eventLoop, o.eventLoop),
    row('libsodium in the worker-thread pool (as shipped)', o.alone.pool, o.pool),
  ];
}

function markdownTable(headers: string[], rows: string[][]): string {
  const align = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  return [headers, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function plainTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const cpuLine = (us: number) =>
  `Key server CPU per device sign-in in the closed-loop run: ${fmt(us)} µs (user + system time from /proc, per request; on a shared machine it moves less than requests per second do).`;

const signInReferenceLine = (x: SignInReference) =>
  `Same-work reference of a device sign-in (one ECDSA P-256 verify + one durable SQLite commit, grouped as the server groups them, no HTTP; ${x.concurrency} in flight, in the bench process): ${fmt(x.perS)}/s.`;

/** The console summary. */
export function printReport(r: RunReport): void {
  for (const db of r.databases) {
    console.log(`\n${db.database} — ${db.notes}\n`);
    console.log(plainTable(HEADERS, databaseRows(r, db)));
    if (db.signIn?.cpuPerSignInUs !== undefined) console.log(`  ${cpuLine(db.signIn.cpuPerSignInUs)}`);
    if (db.signIn?.caveat) console.log(`  note: ${db.signIn.caveat}`);
    for (const v of verdicts(r, db)) console.log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.target} — ${v.measured}`);
  }
  if (r.signInReference) console.log(`\n${signInReferenceLine(r.signInReference)}`);
  if (r.oprf) {
    console.log(`\nPIN-recovery evaluation (SQLite)\n\n${plainTable(OPRF_HEADERS, oprfRows(r.oprf))}`);
    for (const v of oprfVerdicts(r.oprf)) console.log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.target} — ${v.measured}`);
  }
  for (const s of r.skipped) console.log(`\nskipped: ${s}`);
  console.log(`\nTotal ${fmt(r.totalS)} s.`);
}

/** The BENCHMARKS.md section for this run: method, one table per database, PASS/FAIL lines. */
export function renderSection(r: RunReport): string {
  const m = r.machine;
  const pacedS = r.timing.pacedS ?? r.timing.durationS;
  const lines = [
    SECTION_HEADING,
    '',
    `- Date: ${r.date.toISOString().replace(/\.\d+Z$/, 'Z')}; machine: ${m.nproc} CPUs, ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.kernel}; load average ${m.loadAverage} at the start.`,
    `- Command: \`${r.command}\` (${fmt(r.totalS)} s).`,
    `- Method: every server is its own process on 127.0.0.1, the load generator beside it on the same machine, ${r.timing.connections} keep-alive connections. ` +
      `**Closed loop**: autocannon for ${r.timing.durationS} s after ${r.timing.warmupS} s of warm-up. ` +
      `**Fixed rate**: ${pacedS} s open loop, evenly paced from a worker thread (\`bench/lib/paced-load.ts\`); a latency runs from the request's scheduled time, so a stall counts against every request due during it. ` +
      '**Reference** for the backup fetch: the same framework sending the same reply and headers with no session or database (`bench/bare-server.ts`); the bare route is context only. Between the two, measured on the key server\'s database once that server has stopped (`bench/lib/backup-rungs.ts`): the reference plus the backup fetch\'s one statement run through better-sqlite3 directly, its reply built from the rows (SQLite only: the floor of any backup fetch that reads the database), and the reference plus the route\'s store call (`resumeSessionWithBackup`). ' +
      `**Device sign-in**: distinct challenges issued and signed before the run, from ${r.population.accounts} accounts × ${r.population.devicesPerAccount} devices, each device from its own address; its same-work reference is one ECDSA verify plus one grouped durable commit, no HTTP (\`bench/lib/signin-reference.ts\`). ` +
      '**PIN-recovery evaluation** (SQLite): the evaluation k·B alone in the bench process (no HTTP or database), then `POST /api/recovery/pin/start` for unknown usernames (decoy records: a guess spent, the decoy key derived, then the OPRF), closed loop; then the backup fetch at the fixed rate beside a closed-loop burst of starts. Each with the evaluation as issue 16 found it (the reference: @noble/curves\' BlindEvaluate on the event loop, `bench/noble-oprf-server.ts`; the rest of the route is today\'s), on libsodium on the event loop (`OPRF_THREADS=0`), and on libsodium in the worker pool (as shipped). ' +
      'Limits and the guess allowance are set high enough never to refuse; every attempt is still counted. Request logging on, as shipped.',
    `- Targets: backup fetch ≥ ${pct(TARGETS.backupShareOfReference)} of the reference; device sign-in ≥ ${fmt(TARGETS.signInPerSecondSqlite)}/s on SQLite (also shown against its same-work reference); p99 < ${TARGETS.p99Ms} ms at ${fmt(TARGETS.signInRate)} sign-ins/s and ${fmt(TARGETS.backupRate)} backup fetches/s on both databases; PIN-recovery starts as shipped ≥ ${TARGETS.oprfSpeedup}× those with @noble/curves' BlindEvaluate on the event loop (as issue 16 found it), and a burst of them keeps the backup fetch's p99 < ${TARGETS.p99Ms} ms.`,
    '',
  ];
  for (const db of r.databases) {
    lines.push(`### ${db.database}`, '', db.notes, '', markdownTable(HEADERS, databaseRows(r, db)), '');
    if (db.signIn?.cpuPerSignInUs !== undefined) lines.push(cpuLine(db.signIn.cpuPerSignInUs), '');
    if (db.signIn?.caveat) lines.push(`Note: ${db.signIn.caveat}.`, '');
    for (const v of verdicts(r, db)) lines.push(`- **${v.pass ? 'PASS' : 'FAIL'}** ${v.target} — ${v.measured}`);
    lines.push('');
  }
  if (r.signInReference) lines.push(signInReferenceLine(r.signInReference), '');
  if (r.oprf) {
    lines.push('### PIN-recovery evaluation (SQLite)', '', markdownTable(OPRF_HEADERS, oprfRows(r.oprf)), '');
    for (const v of oprfVerdicts(r.oprf)) lines.push(`- **${v.pass ? 'PASS' : 'FAIL'}** ${v.target} — ${v.measured}`);
    lines.push('');
  }
  for (const s of r.skipped) lines.push(`Skipped: ${s}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

export function writeSection(file: string, section: string): void {
  writeBenchmarkSection(file, SECTION_HEADING, section);
}
