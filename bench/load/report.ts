import type { Machine } from '../lib/machine';
import type { ClosedLoopResult } from './closed-loop';
import type { SoakMinute, SoakResult } from './soak';
import type { Figures } from './tally';

export const SECTION_HEADING = '## Load and soak (`npm run bench:load`)';

/** The soak's targets besides zero errors: how far memory and latency may drift from start to end. */
export const SOAK_TARGETS = { maxRssGrowth: 0.2, maxP99Ratio: 2 } as const;

export interface ScenarioRow {
  label: string;
  result: ClosedLoopResult;
  /** For the device sign-in: completed flows per second (signed sign-ins answered 2xx). */
  flowsPerS?: number;
  /** Anything that qualifies the row. */
  note?: string;
}

export interface DialectReport {
  dialect: string;
  /** Durability and connection settings a reader needs. */
  notes: string;
  bare: ClosedLoopResult;
  scenarios: ScenarioRow[];
  mix: ClosedLoopResult;
  soak?: SoakResult;
  /** Blinded elements made during a measured run because the pool ran dry (0 expected). */
  blindedDuringRuns: number;
  /** Records the push created because no prepared slot was free. */
  recordsCreatedDuringRuns: number;
  /** Server resident memory once seeded, before the first run. */
  rssAfterSeedKiB: number;
}

export interface LoadReport {
  date: Date;
  machineStart: Machine;
  loadAverageEnd: number;
  command: string;
  timing: { connections: number; warmupS: number; durationS: number };
  population: { accounts: number; devicesPerAccount: number; vaultRecords: number; changesPerPull: number; slots: number };
  soakMinutes: number;
  dialects: DialectReport[];
  skipped: string[];
  totalS: number;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
const ms = (n: number) => (Number.isFinite(n) ? `${fmt(n, n < 10 ? 2 : 1)} ms` : '–');
const pct = (n: number) => `${fmt(n * 100, n < 0.1 ? 1 : 0)} %`;
const pressure = (share: number) => (Number.isFinite(share) ? pct(share) : '–');
const mib = (kiB: number) => `${fmt(kiB / 1024, 1)} MiB`;
const errorsOf = (f: Figures) =>
  f.errors === 0 ? '0' : `${fmt(f.errors)} (${Object.entries(f.statusCodes).filter(([c]) => !c.startsWith('2')).map(([c, n]) => `${n}×${c}`).join(', ')})`;

function scenarioRows(d: DialectReport): string[][] {
  const bareRps = d.bare.total.rps;
  const load = (r: ClosedLoopResult) => `${fmt(r.loadAverage, 2)} / ${pressure(r.cpuPressure)}`;
  const rows: string[][] = [['bare Hono route `GET /bare` (separate process)', fmt(d.bare.total.rps), '100 %', ms(d.bare.total.p50), ms(d.bare.total.p99), errorsOf(d.bare.total), load(d.bare)]];
  for (const s of d.scenarios) {
    const main = s.flowsPerS === undefined ? fmt(s.result.total.rps) : `${fmt(s.flowsPerS)} flows/s (${fmt(s.result.total.rps)} req/s)`;
    rows.push([s.label, main, pct(s.result.total.rps / bareRps), ms(s.result.total.p50), ms(s.result.total.p99), errorsOf(s.result.total), load(s.result)]);
    if (s.result.byKind.size > 1) {
      for (const [kind, f] of s.result.byKind) rows.push([`↳ ${kind}`, fmt(f.rps), '', ms(f.p50), ms(f.p99), errorsOf(f), '']);
    }
  }
  rows.push(['**mix** (4 pull, 2 push, 1 backup, 1 sign-in, 1 recovery)', fmt(d.mix.total.rps), pct(d.mix.total.rps / bareRps), ms(d.mix.total.p50), ms(d.mix.total.p99), errorsOf(d.mix.total), load(d.mix)]);
  return rows;
}
const SCENARIO_HEADERS = ['Scenario (closed loop)', 'rps (2xx)', 'vs bare', 'p50', 'p99', 'errors', 'load average / CPU pressure'];

function minuteRows(s: SoakResult): string[][] {
  return s.minutes.map((m) => [
    String(m.minute),
    fmt(m.total.rps),
    ms(m.total.p50),
    ms(m.total.p99),
    errorsOf(m.total),
    `${mib(m.rss.medianKiB)} (${fmt(m.rss.minKiB / 1024)}–${fmt(m.rss.maxKiB / 1024)})`,
    `${fmt(m.cpuPercent)} %`,
    fmt(m.loadAverage, 2),
    pressure(m.cpuPressure),
    `${fmt(m.generatorDelayP99Ms)} / ${fmt(m.generatorDelayMaxMs)} ms`,
  ]);
}
const MINUTE_HEADERS = ['minute', 'rps (2xx)', 'p50', 'p99', 'errors', 'server RSS: median (min–max MiB)', 'server CPU', 'load average', 'CPU pressure', 'generator stall p99 / max'];

function kindRows(s: SoakResult): string[][] {
  const first = s.minutes[0];
  const last = s.minutes[s.minutes.length - 1];
  return [...s.byKind].map(([kind, f]) => {
    const a = first?.byKind.get(kind);
    const b = last?.byKind.get(kind);
    return [kind, fmt(f.ok + f.errors), errorsOf(f), ms(f.p50), ms(f.p99), ms(a?.p50 ?? NaN), ms(a?.p99 ?? NaN), ms(b?.p50 ?? NaN), ms(b?.p99 ?? NaN)];
  });
}
const KIND_HEADERS = ['Request', 'sent', 'errors', 'p50 all', 'p99 all', 'p50 minute 1', 'p99 minute 1', 'p50 last minute', 'p99 last minute'];

/** The minute with the lowest CPU pressure (the first one where it is unknown). */
function quietest(minutes: SoakMinute[]): SoakMinute {
  return minutes.reduce((best, m) => (m.cpuPressure < best.cpuPressure ? m : best));
}

/** Least-squares slope of RSS over the second half of the soak, in MiB per minute. */
export function rssSlopeMiBPerMin(s: SoakResult): number {
  const points = s.rss.samples.filter((x) => x.tS >= s.durationS / 2);
  if (points.length < 3) return Number.NaN;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.tS, 0) / n;
  const my = points.reduce((a, p) => a + p.kiB, 0) / n;
  const num = points.reduce((a, p) => a + (p.tS - mx) * (p.kiB - my), 0);
  const den = points.reduce((a, p) => a + (p.tS - mx) ** 2, 0);
  return den > 0 ? ((num / den) * 60) / 1024 : Number.NaN;
}

interface Verdict {
  pass: boolean;
  target: string;
  measured: string;
}

export function verdicts(d: DialectReport): Verdict[] {
  const out: Verdict[] = [];
  const runErrors = [d.bare, ...d.scenarios.map((s) => s.result), d.mix].reduce((n, r) => n + r.total.errors, 0);
  out.push({ pass: runErrors === 0, target: 'no errors in the closed-loop runs', measured: fmt(runErrors) });
  const s = d.soak;
  if (!s) return out;
  const errors = s.total.errors;
  out.push({ pass: errors === 0, target: `zero errors in the ${fmt(s.durationS / 60)}-minute soak (non-2xx, socket errors, timeouts, unfinished)`, measured: `${fmt(errors)} of ${fmt(s.total.ok + errors)} requests` });
  const firstRss = s.minutes[0]!.rss.medianKiB;
  const lastRss = s.minutes[s.minutes.length - 1]!.rss.medianKiB;
  const growth = lastRss / firstRss - 1;
  out.push({
    pass: growth <= SOAK_TARGETS.maxRssGrowth,
    target: `server RSS in the last minute ≤ ${pct(1 + SOAK_TARGETS.maxRssGrowth)} of the first minute's (medians of the 5 s samples)`,
    measured:
      `${mib(firstRss)} → ${mib(lastRss)} (${growth >= 0 ? '+' : ''}${pct(growth)}); single samples: ${mib(s.rss.startKiB)} as the soak began, ${mib(s.rss.endKiB)} at its end; ` +
      `trend over the second half ${fmt(rssSlopeMiBPerMin(s), 2)} MiB/min (least squares over the 5 s samples)`,
  });
  // Other work on the machine moves p99 by tens of times from one minute to the next (the CPU
  // pressure column), so end and start are compared on like terms: the quietest minute of each half.
  const half = Math.ceil(s.minutes.length / 2);
  const early = quietest(s.minutes.slice(0, half));
  const late = quietest(s.minutes.length > 1 ? s.minutes.slice(half) : s.minutes);
  const first = s.minutes[0]!;
  const last = s.minutes[s.minutes.length - 1]!;
  const atPressure = (m: SoakMinute) => `minute ${m.minute}, CPU pressure ${pressure(m.cpuPressure)}`;
  out.push({
    pass: late.total.p99 <= early.total.p99 * SOAK_TARGETS.maxP99Ratio,
    target: `p99 at the end ≤ ${SOAK_TARGETS.maxP99Ratio}× p99 at the start, each the quietest minute (lowest CPU pressure) of its half of the soak`,
    measured:
      `${ms(early.total.p99)} (${atPressure(early)}) → ${ms(late.total.p99)} (${atPressure(late)}): ${fmt(late.total.p99 / early.total.p99, 2)}×; p50 ${ms(early.total.p50)} → ${ms(late.total.p50)}. ` +
      `First and last minute as they came: p99 ${ms(first.total.p99)} → ${ms(last.total.p99)} (${fmt(last.total.p99 / first.total.p99, 2)}×), CPU pressure ${pressure(first.cpuPressure)} → ${pressure(last.cpuPressure)}`,
  });
  return out;
}

function markdownTable(headers: string[], rows: string[][]): string {
  const align = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  return [headers, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function plainTable(headers: string[], rows: string[][]): string {
  const strip = (t: string) => t.replace(/\*\*|`/g, '');
  const cells = [headers, ...rows].map((r) => r.map(strip));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function printReport(r: LoadReport): void {
  for (const d of r.dialects) {
    console.log(`\n${d.dialect}\n`);
    console.log(plainTable(SCENARIO_HEADERS, scenarioRows(d)));
    if (d.soak) {
      console.log(`\nSoak: ${fmt(d.soak.offeredRps)} req/s offered for ${fmt(d.soak.durationS / 60)} min\n`);
      console.log(plainTable(MINUTE_HEADERS, minuteRows(d.soak)));
      console.log('');
      console.log(plainTable(KIND_HEADERS, kindRows(d.soak)));
    }
    console.log('');
    for (const v of verdicts(d)) console.log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.target} — ${v.measured}`);
    for (const s of [...(d.soak ? [...d.soak.byKind.values()] : []), ...d.scenarios.map((x) => x.result.total), d.mix.total]) {
      for (const e of s.sampleErrors) console.log(`  error sample: ${e}`);
    }
  }
  for (const s of r.skipped) console.log(`\nskipped: ${s}`);
  console.log(`\nTotal ${fmt(r.totalS)} s.`);
}

function sampleErrorLines(d: DialectReport): string[] {
  const samples = new Set<string>();
  for (const f of [d.bare.total, ...d.scenarios.map((s) => s.result.total), d.mix.total, ...(d.soak ? [d.soak.total] : [])]) for (const e of f.sampleErrors) samples.add(e);
  return [...samples].slice(0, 5).map((e) => `  - \`${e.replace(/`/g, "'")}\``);
}

export function renderSection(r: LoadReport): string {
  const m = r.machineStart;
  const t = r.timing;
  const p = r.population;
  const soaked = r.dialects.filter((d) => d.soak).map((d) => d.dialect);
  const lines = [
    SECTION_HEADING,
    '',
    `- Date: ${r.date.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.kernel}; 1-minute load average ${m.loadAverage} at the start and ${r.loadAverageEnd} at the end. ` +
      'The machine is shared with other engineers running tests, so the load generator, the server and their work compete for the same 2 cores: the load average column of the soak shows how much.',
    `- Command: \`${r.command}\` (${fmt(r.totalS)} s in all)`,
    `- Method: each server is its own \`node --import tsx\` process on 127.0.0.1 (the key server is \`server/main.ts\` with \`LOG_REQUESTS=false\`); the load generator runs in the bench process on the same machine. ` +
      `**Closed-loop runs**: autocannon, ${t.connections} connections, keep-alive, no pipelining, each connection sending its next request as soon as it has the previous reply; ${t.warmupS} s warm-up (discarded), then ${t.durationS} s measured. ` +
      'The bare Hono route (`bench/bare-server.ts`: Hono + @hono/node-server, one JSON route, no middleware) is measured in the same run, right before each database\'s scenarios. ' +
      'Rps counts 2xx replies over the window from the first reply to the last; errors are non-2xx replies, socket errors and timeouts (10 s). ' +
      'Latencies are per request, from its write to its last byte, 2xx only, in fractional milliseconds (nearest rank), taken from autocannon\'s response events (not its whole-millisecond histogram). ' +
      `**Soak** (${soaked.length ? soaked.join(' and ') : 'not run'}): the same server process that ran the scenarios (warm), offered the mix at half the mix's closed-loop rps for ${fmt(r.soakMinutes)} minutes, open loop: ` +
      'the mix\'s actions start evenly spaced in time whatever the replies do (node:http, keep-alive, up to 64 connections), so a slow reply does not slow the offered load; a request\'s latency runs from its issue to its last byte, waiting for a free connection included. ' +
      'The server\'s resident memory is `VmRSS` from /proc/<pid>/status every 5 s (the server process only: PostgreSQL\'s own processes are not counted); its CPU is utime + stime from /proc/<pid>/stat (100 % = one core). ' +
      '**CPU pressure** is the share of the time during which some task on the machine was runnable but had no core (`some` of /proc/pressure/cpu): how much the machine\'s other work, and the bench itself, competed for the 2 cores. ' +
      '**Generator stall** is the load generator\'s own event-loop delay (node:perf_hooks, p99 and max per minute): a stall there delays the replies it reads, which then count as latency, so a p99 close to the stall max says the tail was the generator\'s or the machine\'s, not the server\'s.',
    `- Population (through the real API, as the app leaves it): ${p.accounts} accounts, each with a passkey, a ~4 KiB key bundle, a PRF wrap, ${p.devicesPerAccount} registered devices and PIN recovery; one more account with a vault of ${fmt(p.vaultRecords)} records (640-character ciphertexts); ${p.slots} records spread over the ${p.accounts} accounts for the push. ` +
      'Rate limits and the PIN allowance would stop a load test: the key server runs with `SIGNIN_LIMIT_PER_ACCOUNT` and `SIGNIN_LIMIT_PER_ADDRESS` at 1,000,000,000 (every request comes from 127.0.0.1, so one per-address counter sees all of them) and `PIN_RECOVERY_GUESSES` at 1,000,000,000; the limiter still counts every attempt and every recovery start still spends a guess in the database. ' +
      `The requests are also spread over the ${p.accounts} accounts (on PostgreSQL a sign-in, a record write and a guess hold their account's lock). No durability setting is changed: SQLite runs as the server ships (WAL, \`synchronous = FULL\`).`,
    '- Scenarios: **device sign-in** is the whole flow, `POST /api/devices/challenge` then `POST /api/devices/signin` with the challenge signed in the load generator (node:crypto, the same P1363 ECDSA P-256 signature as WebCrypto), the devices of all accounts taking turns; ' +
      '**PIN recovery evaluation** is `POST /api/recovery/pin/start` (spends a guess, evaluates the OPRF, stores the single-use attempt) with a fresh blinded element per request (RFC 9497 Blind with a new random blind, made before the run: blinding costs as much as the evaluation), never finished; ' +
      '**backup fetch** is `GET /api/backup` with a device session; ' +
      `**sync pull** is \`GET /api/records/changes?after=<cursor>&limit=1000\` on the ${fmt(p.vaultRecords)}-record vault, the cursor ${p.changesPerPull} changes behind the newest (each reply carries those ${p.changesPerPull} records); ` +
      '**sync push** is `PUT /api/records/{id}` compare-and-set with a new 640-character ciphertext, each request on a record no other request is writing at the time, at the version it last got back, so versions advance without conflicts. ' +
      '**mix**: each connection (closed loop) or the pacer (soak) takes, in turn, pull, push, pull, backup fetch, device sign-in (2 requests), pull, push, pull, PIN recovery: 10 requests per round.',
    `- Targets: zero errors in the soak; server RSS in the last minute within +${pct(SOAK_TARGETS.maxRssGrowth)} of the first minute's (medians of the 5 s samples: a single sample swings by tens of MiB with the garbage collector); p99 at the end within ${SOAK_TARGETS.maxP99Ratio}× p99 at the start, each taken in the quietest minute (lowest CPU pressure) of its half of the soak, since the machine's other work moves p99 far more than the server does from one minute to the next (the first and last minutes as they came are stated beside it). The closed-loop runs have no throughput target (bench:server has those); they set the soak's rate.`,
    '',
  ];
  for (const d of r.dialects) {
    lines.push(`### ${d.dialect}`, '', d.notes, '', markdownTable(SCENARIO_HEADERS, scenarioRows(d)), '');
    for (const s of d.scenarios) if (s.note) lines.push(`Note: ${s.label}: ${s.note}`, '');
    if (d.recordsCreatedDuringRuns > 0) {
      lines.push(`Note: the push created ${fmt(d.recordsCreatedDuringRuns)} new records (expectedVersion 0) when no prepared record was free: a run that ends with requests in flight leaves their records' versions unknown, and they are not written again.`, '');
    }
    if (d.blindedDuringRuns > 0) lines.push(`Note: the pre-made blinded elements ran out: ${fmt(d.blindedDuringRuns)} were blinded in the load generator while runs went on.`, '');
    if (d.soak) {
      const s = d.soak;
      lines.push(
        `**Soak**: ${fmt(s.offeredRps)} req/s offered (half of the mix's ${fmt(d.mix.total.rps)}), ${fmt(s.sequencesPerS, 1)} actions/s, for ${fmt(s.durationS / 60)} min (${fmt(s.elapsedS)} s with the drain); ` +
          `${fmt(s.total.ok + s.total.errors)} requests answered, ${fmt(s.total.rps)} 2xx/s; p50 ${ms(s.total.p50)}, p99 ${ms(s.total.p99)} over the whole soak; ` +
          `server RSS ${mib(d.rssAfterSeedKiB)} once seeded (before the closed-loop runs), ${mib(s.rss.startKiB)} at the start of the soak, ${mib(s.rss.endKiB)} at the end, peak since the process started ${mib(s.rss.peakKiB)} (\`VmHWM\`, the closed-loop runs included); the pacer's worst delay behind schedule ${ms(s.maxLagMs)}.`,
        '',
        markdownTable(MINUTE_HEADERS, minuteRows(s)),
        '',
        markdownTable(KIND_HEADERS, kindRows(s)),
        '',
      );
    }
    for (const v of verdicts(d)) lines.push(`- **${v.pass ? 'PASS' : 'FAIL'}** ${v.target} — ${v.measured}`);
    const samples = sampleErrorLines(d);
    if (samples.length) lines.push('- Error replies seen (first few):', ...samples);
    lines.push('');
  }
  for (const s of r.skipped) lines.push(`Skipped: ${s}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
