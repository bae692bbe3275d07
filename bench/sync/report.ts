/**
 * Targets, verdicts and the two renderings of a sync bench run: the console summary and the
 * BENCHMARKS.md section `## Sync (`npm run bench:sync`)`, written only through
 * writeBenchmarkSection (which replaces this section and leaves the others alone).
 */
import { writeBenchmarkSection } from '../lib/benchmarks-file';
import type { Machine } from '../lib/machine';
import { median, percentile } from '../client/report';
import type { BreakdownFigures, ListFigures, RequestFigures, SyncFigures } from './in-page';

const SECTION_HEADING = '## Sync (`npm run bench:sync`)';

export const TARGETS = {
  /** A fresh device downloads, stores and decrypts 10,000 records within this. */
  initialTotalMaxMs: 5000,
  /** An incremental sync should not grow with vault size: "about equal" is within 1.5× (medians). */
  incrementalMaxRatio: 1.5,
} as const;

/** One fresh device: recovered with the PIN (not timed), then the timed first sync and list. */
export interface InitialRun {
  recoverMs: number;
  sync: SyncFigures;
  list: ListFigures;
}

/** One change made on device A, then device B's timed sync (and the list refresh after it). */
export interface IncrementalRun {
  editMs: number;
  sync: SyncFigures;
  /** `listRecords()` right after the sync, in the list-refresh rounds only. */
  listMs: number | null;
  delivered: boolean;
}

export interface VaultSizeFigures {
  records: number;
  /** Device A: saving the records through saveRecord, then syncing until nothing is pending. */
  seed: { added: number; saveMs: number; pushMs: number; puts: number; putMedianMs: number; plaintextBytes: number };
  initial: InitialRun[];
  /** The initial sync's steps one at a time (large vault only). */
  breakdown?: BreakdownFigures;
  incremental: IncrementalRun[];
  /** `listRecords()` after an incremental sync, in rounds of their own. */
  listRefreshMs: number[];
  /** 1-minute load average when this size's initial syncs began. */
  loadAverage: number;
}

export interface SyncReport {
  date: Date;
  machine: Machine;
  chromium: string;
  command: string;
  totalS: number;
  buildMs: number;
  /** Not counted: the first rounds of incremental syncs after the initial ones. */
  incrementalWarmUps: number;
  incrementalLoadAverage: number;
  sizes: VaultSizeFigures[];
}

// ——— figures derived from a run ———

const isPage = (r: RequestFigures) => r.path.startsWith('/api/records/changes');
const isSignIn = (r: RequestFigures) => r.path.startsWith('/api/devices/');
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Time spent inside the sync's requests (start → last byte; they run one after another). */
const requestMs = (s: SyncFigures) => sum(s.requests.map((r) => r.durationMs));
const bodyBytes = (s: SyncFigures) => sum(s.requests.map((r) => r.bodyBytes));
const transferBytes = (s: SyncFigures) => sum(s.requests.map((r) => r.transferBytes));
const totalOf = (run: InitialRun) => run.sync.ms + run.list.ms;

const largest = (r: SyncReport) => r.sizes.reduce((a, b) => (b.records > a.records ? b : a));
const smallest = (r: SyncReport) => r.sizes.reduce((a, b) => (b.records < a.records ? b : a));
const incrementalMedian = (s: VaultSizeFigures) => median(s.incremental.map((run) => run.sync.ms));

// ——— formatting ———

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ms = (n: number) => (n >= 10_000 ? `${fmt(n / 1000, 1)} s` : `${fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0)} ms`);
const mb = (bytes: number) => `${fmt(bytes / 1e6, 2)} MB`;
const plural = (n: number, noun: string) => `${fmt(n)} ${noun}${n === 1 ? '' : 's'}`;
const bytesShort = (bytes: number) => (bytes >= 1e5 ? mb(bytes) : `${fmt(bytes)} B`);

interface Verdict {
  target: string;
  pass: boolean;
  measured: string;
}

export function verdicts(r: SyncReport): Verdict[] {
  const out: Verdict[] = [];
  const big = largest(r);
  if (big.initial.length) {
    const total = median(big.initial.map(totalOf));
    out.push({
      target: `initial sync of ${fmt(big.records)} records (download + store + decrypt) < ${ms(TARGETS.initialTotalMaxMs)}, median of ${big.initial.length} fresh devices`,
      pass: total < TARGETS.initialTotalMaxMs,
      measured: ms(total),
    });
  }
  const small = smallest(r);
  if (small !== big && small.incremental.length && big.incremental.length) {
    const ratio = incrementalMedian(big) / incrementalMedian(small);
    out.push({
      target: `incremental sync of 1 change does not grow with vault size: ${fmt(big.records)} vs ${fmt(small.records)} records ≤ ${fmt(TARGETS.incrementalMaxRatio, 1)}× (medians)`,
      pass: ratio <= TARGETS.incrementalMaxRatio,
      measured: `${fmt(ratio, 2)}× (${ms(incrementalMedian(big))} vs ${ms(incrementalMedian(small))})`,
    });
  }
  const runs = r.sizes.flatMap((s) => s.initial.map((run) => ({ s, run })));
  const complete = runs.filter(({ s, run }) => run.list.count === s.records && run.list.unexpected === 0 && run.sync.storedRows === s.records).length;
  out.push({ target: 'every fresh device stored and opened exactly the vault\'s records (titles checked)', pass: complete === runs.length, measured: `${complete} of ${runs.length} devices` });
  const incremental = r.sizes.flatMap((s) => s.incremental);
  const delivered = incremental.filter((run) => run.delivered).length;
  out.push({ target: 'every incremental sync brought the change (it opens with the new notes)', pass: delivered === incremental.length, measured: `${delivered} of ${incremental.length}` });
  return out;
}

interface Row {
  label: string;
  values: number[];
  notes: string;
}

function rowCells(row: Row): string[] {
  const n = row.values.length;
  if (n === 0) return [row.label, '0', '–', '–', '–', '–', row.notes];
  if (n === 1) return [row.label, '1', ms(row.values[0]!), '–', '–', '–', row.notes];
  return [row.label, String(n), ms(median(row.values)), ms(percentile(row.values, 90)), ms(Math.min(...row.values)), ms(Math.max(...row.values)), row.notes];
}

function timingRows(r: SyncReport): Row[] {
  const rows: Row[] = [];
  for (const s of [...r.sizes].sort((a, b) => b.records - a.records)) {
    const n = fmt(s.records);
    if (s.initial.length) {
      const first = s.initial[0]!;
      const pages = first.sync.requests.filter(isPage);
      const signIn = first.sync.requests.filter(isSignIn);
      rows.push({
        label: `**initial sync, ${n} records: total**`,
        values: s.initial.map(totalOf),
        notes: 'download + store + decrypt, per device',
      });
      rows.push({
        label: `↳ download + store (\`syncNow\`)`,
        values: s.initial.map((run) => run.sync.ms),
        notes: `${plural(first.sync.requests.length, 'request')}: ${signIn.length ? `${signIn.length} of device sign-in, ` : ''}${plural(pages.length, 'change page')}; ${mb(bodyBytes(first.sync))} of JSON`,
      });
      rows.push({
        label: '↳↳ in requests (start → last byte)',
        values: s.initial.map((run) => requestMs(run.sync)),
        notes: `server + loopback; per page median ${ms(median(s.initial.flatMap((run) => run.sync.requests.filter(isPage).map((p) => p.durationMs))))}, of which waiting for the first byte ${ms(median(s.initial.flatMap((run) => run.sync.requests.filter(isPage).map((p) => p.waitMs))))}`,
      });
      rows.push({
        label: '↳↳ outside requests',
        values: s.initial.map((run) => run.sync.ms - requestMs(run.sync)),
        notes: 'in the page: JSON parse, blob checks, Dexie bulkGet + bulkPut per page, the cursor',
      });
      rows.push({
        label: `↳ decrypt (\`listRecords\`)`,
        values: s.initial.map((run) => run.list.ms),
        notes: `read ${n} rows from IndexedDB, decrypt and summarise each, sort`,
      });
    }
    const b = s.breakdown;
    if (b) {
      const per = (x: number) => `${ms(x / b.pages)} per page of ${fmt(b.records / b.pages)}`;
      rows.push({ label: `step by step, ${n} records: fetch a page (\`recordChanges\`)`, values: [b.fetchAndParseMs], notes: `${b.pages} pages, ${mb(b.bodyBytes)}; ${per(b.fetchAndParseMs)}` });
      rows.push({ label: '↳ of which the request (start → last byte)', values: [b.requestMs], notes: 'the rest is `response.json()`' });
      rows.push({ label: 'blob checks (`parseEncryptedRecord` × each record)', values: [b.parseBlobsMs], notes: 'base64url-decodes both blobs to check them; also inside applyChanges below' });
      rows.push({ label: 'store a page (`SyncStore.applyChanges`)', values: [b.applyMs], notes: `bulkGet + blob checks + bulkPut + cursor, one transaction; ${per(b.applyMs)}` });
      rows.push({ label: '↳ `bulkGet` of the page\'s ids alone', values: [b.bulkGetMs], notes: 'into another empty database, its own transaction (on a first sync it finds nothing)' });
      rows.push({ label: '↳ `bulkPut` of the page\'s rows alone', values: [b.bulkPutMs], notes: 'same rows as applyChanges writes, its own transaction' });
      rows.push({ label: 'read every row back (`LocalStore.liveRecords`)', values: [b.readAllMs], notes: `what listRecords reads before decrypting; the decrypt row above less this ≈ decryption and summaries` });
    }
    if (s.incremental.length) {
      const firstRun = s.incremental[0]!;
      rows.push({
        label: `**incremental sync, 1 change, ${n} records** (\`syncNow\`)`,
        values: s.incremental.map((run) => run.sync.ms),
        notes: `${plural(median(s.incremental.map((run) => run.sync.requests.length)), 'request')}, ${bytesShort(median(s.incremental.map((run) => transferBytes(run.sync))))} on the wire (${bytesShort(median(s.incremental.map((run) => bodyBytes(run.sync))))} body); e.g. \`${firstRun.sync.requests.map((q) => q.path.replace(/after=\d+/, 'after=…')).join('`, `')}\``,
      });
      rows.push({
        label: '↳ in the request',
        values: s.incremental.map((run) => requestMs(run.sync)),
        notes: 'start → last byte',
      });
      rows.push({
        label: `list refresh after it (\`listRecords\`), ${n} records`,
        values: s.listRefreshMs,
        notes: 'not part of the sync: summaries are cached, 1 record decrypted, but every row is read',
      });
    }
  }
  return rows;
}

function seedLines(r: SyncReport): string[] {
  return [...r.sizes]
    .sort((a, b) => a.records - b.records)
    .map(
      (s) =>
        `${fmt(s.seed.added)} records: saveRecord ${ms(s.seed.saveMs)} (${fmt(s.seed.saveMs / s.seed.added, 2)} ms each), ` +
        `then syncing until nothing was pending ${ms(s.seed.pushMs)} (${fmt(s.seed.puts)} PUTs after the saves, median ${ms(s.seed.putMedianMs)} each start → last byte, one at a time; the rest went out in the background syncs the saves started); ` +
        `${ms(s.seed.saveMs + s.seed.pushMs)} in all, ${fmt(s.seed.added / ((s.seed.saveMs + s.seed.pushMs) / 1000))} records/s`,
    );
}

const HEADERS = ['Measurement', 'runs', 'median', 'p90', 'min', 'max', 'notes'];

function markdownTable(rows: string[][]): string {
  const align = HEADERS.map((_, i) => (i >= 1 && i <= 5 ? '---:' : '---'));
  return [HEADERS, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function printReport(r: SyncReport): void {
  const rows = timingRows(r).map(rowCells);
  const widths = HEADERS.slice(0, 6).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.replace(/\*\*|`/g, '').length)));
  const line = (cells: string[]) =>
    cells
      .slice(0, 6)
      .map((c) => c.replace(/\*\*|`/g, ''))
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ');
  console.log(`\n${line(HEADERS)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const s of seedLines(r)) console.log(`seed: ${s}`);
  for (const v of verdicts(r)) console.log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.target} — ${v.measured}`);
  console.log(`\nTotal ${fmt(r.totalS)} s.`);
}

export function renderSection(r: SyncReport): string {
  const m = r.machine;
  const big = largest(r);
  const small = smallest(r);
  const loads = [...r.sizes].sort((a, b) => a.records - b.records).map((s) => `${s.loadAverage} before the ${fmt(s.records)}-record initial sync`);
  loads.push(`${r.incrementalLoadAverage} before the incremental syncs`);
  const lines = [
    SECTION_HEADING,
    '',
    `- Date: ${r.date.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node}, Chromium ${r.chromium}, ${m.kernel}; 1-minute load average ${m.loadAverage} at the start, ${loads.join(', ')}`,
    `- Command: \`${r.command}\` (${fmt(r.totalS)} s in all, of which ${fmt(r.buildMs / 1000, 1)} s building)`,
    '- Method: `vite build` of the app into dist/, served with the API by the real key server (`startLiveServer`: SQLite, in the bench process, on 127.0.0.1). ' +
      'Each device is a headless Chromium process of its own with the journeys\' flags and a fresh on-disk profile (a persistent context in a temp directory on the machine\'s ext4 disk: Playwright\'s ordinary contexts are off-the-record, and Chromium keeps their IndexedDB in memory), ' +
      'on a page of the key server\'s origin that runs no app code, into which the bench injects the app\'s own `Vault`, `KeyServer`, `LocalStore`, `createBrowserPasskeys` and `Argon2Client` (the built Argon2 worker chunk), bundled from src/ by vite; the context has `bypassCSP: true` and service workers blocked. ' +
      'The controllers\' timers never fire (no auto-lock, no 60 s periodic sync during a measurement); everything else is the app\'s code, unchanged. ' +
      'Device A onboards with Chromium\'s virtual authenticator (passkey with PRF) and a PIN, saves logins one after another with `saveRecord` (each save starts a background sync, as in the app) and then calls `syncNow()` until nothing is pending. ' +
      `The logins are bench:client's: title, e-mail username, 20-character random password, URL, 200-character notes: ${fmt(big.seed.plaintextBytes)} bytes of JSON each. ` +
      'A fresh device is a new context that recovers with the PIN (not timed; the bench keeps the controller\'s `isOnline` false meanwhile so the sync it starts on adopting the vault ends at once), then times one `syncNow()` — push (nothing to send), then every change page (`RECORD_CHANGES_PAGE_MAX` records each) stored as ciphertext with Dexie, on the session the recovery opened (or a device sign-in first if the server refuses it: the table counts those requests) — and then `listRecords()`, which reads every row and decrypts it. ' +
      `Incremental: device A changes one record's notes (\`readRecord\`, \`saveRecord\`, \`syncNow\`), then that account's device B (the fresh device that last did the initial sync) times \`syncNow()\`; the two sizes alternate round by round (and which goes first), ${r.incrementalWarmUps} warm-up rounds, then the measured ones, a different record each time. Then ${r.sizes[0]?.listRefreshMs.length ?? 0} more rounds of the same in which device B also times \`listRecords()\` after the sync, as the UI does on every RECORDS_CHANGED (rounds of their own, so that reading every row, and the garbage it leaves, never falls inside a timed sync). ` +
      'Step by step: after the timed runs, the large vault\'s last device calls the pieces `syncNow()` runs — `KeyServer.recordChanges`, `parseEncryptedRecord`, `SyncStore.applyChanges` — one at a time into a second, empty IndexedDB database, then `LocalStore.liveRecords()`, and Dexie\'s `bulkGet` and `bulkPut` of the same pages on their own into a third (one pass). ' +
      'Timings are `performance.now()` in the page; requests, their durations (start → last byte) and bytes come from the page\'s Resource Timing entries, so the app\'s fetch is not wrapped. Median, and p90 by nearest rank (with 3 runs it is the max).',
    `- Vaults: two accounts on the same server, with ${fmt(small.records)} and ${fmt(big.records)} records; the small one's initial sync is one device (for scale), the target is the large one's.`,
    `- Targets: the initial sync of ${fmt(big.records)} records (download + store + decrypt) < ${ms(TARGETS.initialTotalMaxMs)}; an incremental sync of 1 change costs about the same at ${fmt(small.records)} and ${fmt(big.records)} records (this bench's reading: within ${fmt(TARGETS.incrementalMaxRatio, 1)}×).`,
    '',
    markdownTable(timingRows(r).map(rowCells)),
    '',
    ...seedLines(r).map((s) => `- Seeding (device A, not a target): ${s}.`),
    '',
    ...verdicts(r).map((v) => `- **${v.pass ? 'PASS' : 'FAIL'}** ${v.target} — ${v.measured}`),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

export function writeSection(file: string, section: string): void {
  writeBenchmarkSection(file, SECTION_HEADING, section);
}
