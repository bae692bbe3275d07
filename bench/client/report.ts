/**
 * Targets, verdicts and the two renderings of a client bench run: the console tables and the
 * BENCHMARKS.md section `## Vault client (`npm run bench:client`)`, rewritten in place.
 */
import { writeBenchmarkSection } from '../lib/benchmarks-file';
import type { Machine } from '../lib/machine';
import type { Argon2Params } from '../../worker/argon2-protocol';
import { argon2SpeedRows, argon2SpeedVerdicts, ARGON2_SPEED_METHOD, type Argon2SpeedFigures } from './argon2-speed';
import type { Argon2Series, RecordFigures, UnlockFigures } from './in-page';
import type { LazyLoadFigures } from './lazy-load';
import type { NativeSeries } from './native-argon2';
import type { SizeFigures } from './sizes';
import { UNLOCK_LATENCY_TARGETS, unlockLatencyLines, unlockLatencyVerdicts, type UnlockLatencyFigures } from './unlock-latency';

/** 1 KB = 1,000 bytes, as vite prints sizes. */
export const KB = 1000;
export const TARGETS = {
  /** Browser Argon2id median over the native reference command's median (issue 15: native speed). */
  argon2MaxRatio: 1.0,
  unlockWithoutArgon2MaxMs: 50,
  decryptAllMaxMs: 1000,
  initialJsMaxGzip: 60 * KB,
} as const;

export interface ClientReport {
  date: Date;
  machine: Machine;
  chromium: string;
  command: string;
  totalS: number;
  params: Argon2Params;
  argon2: {
    runs: number;
    app: Argon2Series;
    native: NativeSeries;
    nativeTool: string;
    /** argon2-browser's SIMD .wasm and, as a control, its plain one, in the same diagnostic harness. */
    diagnostic?: { simd: Argon2Series; plain: Argon2Series };
    tagsAgree: boolean;
    /** Per-pass slope, the build without SIMD, first calls (argon2-speed.ts). */
    speed?: Argon2SpeedFigures;
  };
  unlock: UnlockFigures;
  records: RecordFigures;
  sizes: SizeFigures;
  lazy: LazyLoadFigures;
  /** Unlock latency and offline start in the app's UI (unlock-latency.ts). */
  unlockLatency?: UnlockLatencyFigures;
  buildMs: number;
}

// ——— statistics ———

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
/** Nearest-rank percentile: the smallest value with at least p % of the runs at or below it. */
export function percentile(xs: readonly number[], p: number): number {
  const s = sorted(xs);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

// ——— formatting ———

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ms = (n: number) => `${fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0)} ms`;
const kb = (bytes: number) => `${fmt(bytes / KB, 1)} KB`;
const bytesAndKb = (bytes: number) => `${fmt(bytes)} B (${kb(bytes)})`;
const ratio = (r: number) => `${fmt(r, 2)}×`;

// ——— verdicts ———

interface Verdict {
  target: string;
  pass: boolean;
  measured: string;
}

export const argon2Ratio = (r: ClientReport) => median(r.argon2.app.runsMs) / median(r.argon2.native.runsMs);
const argon2RatioWithoutStartUp = (r: ClientReport) => median(r.argon2.app.runsMs) / (median(r.argon2.native.runsMs) - median(r.argon2.native.startUpMs));

export function verdicts(r: ClientReport): Verdict[] {
  const lazyOk =
    !r.sizes.workerInIndexHtml &&
    !r.sizes.initialJs.some((f) => f.file === r.sizes.worker.file) &&
    r.lazy.phases.filter((p) => p.phase === 'first load' || p.phase === 'locked screen').every((p) => !p.workerRequested && !p.workerStarted && !p.wasm.length) &&
    r.lazy.phases.some((p) => (p.phase === 'PIN field tapped' || p.phase === 'PIN submitted') && p.workerStarted);
  const verified = r.records.verified.every((n) => n === r.records.count);
  return [
    {
      target: `Argon2id in Chromium ≤ ${ratio(TARGETS.argon2MaxRatio)} the native reference (medians)`,
      pass: argon2Ratio(r) <= TARGETS.argon2MaxRatio,
      measured:
        `${ratio(argon2Ratio(r))} (${ms(median(r.argon2.app.runsMs))} vs ${ms(median(r.argon2.native.runsMs))})` +
        // Within 5 % of the target, run-to-run noise (a few % on either side) decides the verdict.
        (Math.abs(argon2Ratio(r) / TARGETS.argon2MaxRatio - 1) < 0.05 ? '; within 5 % of the target, where run-to-run noise decides the verdict' : ''),
    },
    { target: 'Argon2id tags: app worker = native reference', pass: r.argon2.tagsAgree, measured: r.argon2.tagsAgree ? 'identical' : 'DIFFERENT' },
    { target: `unlock without Argon2 < ${ms(TARGETS.unlockWithoutArgon2MaxMs)} (median)`, pass: median(r.unlock.runsMs) < TARGETS.unlockWithoutArgon2MaxMs, measured: ms(median(r.unlock.runsMs)) },
    { target: `decrypt ${fmt(r.records.count)} records one at a time < ${ms(TARGETS.decryptAllMaxMs)} (median)`, pass: median(r.records.sequentialMs) < TARGETS.decryptAllMaxMs, measured: ms(median(r.records.sequentialMs)) },
    { target: `decrypt ${fmt(r.records.count)} records, Promise.all per ${r.records.batchSize} < ${ms(TARGETS.decryptAllMaxMs)} (median)`, pass: median(r.records.batchedMs) < TARGETS.decryptAllMaxMs, measured: ms(median(r.records.batchedMs)) },
    { target: 'every decrypted record equals what was encrypted', pass: verified, measured: `${fmt(Math.min(...r.records.verified))} of ${fmt(r.records.count)} in the worst pass` },
    { target: `initial JS < ${kb(TARGETS.initialJsMaxGzip)} gzip`, pass: r.sizes.initialJsGzip < TARGETS.initialJsMaxGzip, measured: kb(r.sizes.initialJsGzip) },
    { target: 'Argon2 worker + WASM loaded only once the PIN field is used', pass: lazyOk, measured: lazyOk ? 'not in index.html, not fetched on first load or on the locked screen, fetched once the PIN is typed' : describeLazy(r.lazy) },
    ...(r.argon2.speed ? argon2SpeedVerdicts(r.argon2.speed, { appMs: r.argon2.app.runsMs, nativeMs: r.argon2.native.runsMs, nativeTagHex: r.argon2.native.tagHex }) : []),
    ...(r.unlockLatency ? unlockLatencyVerdicts(r.unlockLatency) : []),
  ];
}

function describeLazy(lazy: LazyLoadFigures): string {
  return lazy.phases.map((p) => `${p.phase}: ${p.workerRequested ? 'fetched' : 'not fetched'}${p.workerStarted ? ', started' : ''}${p.wasm.length ? `, WASM ${p.wasm.join(', ')}` : ''}`).join('; ');
}

/** Why a failed target failed and what would fix it, from the figures of this run. */
function diagnoses(r: ClientReport): string[] {
  const out: string[] = [];
  const v = verdicts(r);
  if (!v[0]!.pass) {
    const d = r.argon2.diagnostic;
    const appRatio = argon2Ratio(r);
    const simdRatio = d ? median(d.simd.runsMs) / median(r.argon2.native.runsMs) : undefined;
    // The worker ships our SIMD build (worker/wasm/argon2-simd.wasm) as an asset of its own.
    const shipsSimd = r.sizes.wasm.some((w) => w.file !== undefined && /simd/.test(w.file));
    if (shipsSimd) {
      const control = d
        ? ` For comparison, argon2-browser 1.18's SIMD build (the one the app shipped before) took ${ms(median(d.simd.runsMs))} median (${ratio(simdRatio!)} native) in this run through its own loader, and its plain build ${ms(median(d.plain.runsMs))}.`
        : '';
      // Within 5 % of the target, run-to-run noise (a few % on either side) decides the verdict.
      const near = Math.abs(appRatio / TARGETS.argon2MaxRatio - 1) < 0.05;
      out.push(
        `Argon2id: the worker runs our -O3 SIMD build of the reference C code (npm run build:argon2) where \`WebAssembly.validate\` accepts the SIMD probe, and p = 1 leaves no threads to use.${control} ` +
          `It is ${near ? 'within run-to-run noise of the target' : 'short of the target'}: check the slope row (a per-pass gap is the compiled code; a fixed gap is start-up) and that the machine was quiet.`,
      );
    } else {
      out.push('Argon2id: the worker chunk names no SIMD .wasm, so every engine gets the build without SIMD: worker/argon2-module.ts should pick worker/wasm/argon2-simd.wasm when `WebAssembly.validate` accepts the SIMD probe.');
    }
  }
  if (!v[2]!.pass) out.push(`Unlock without Argon2: warm-up calls took ${r.unlock.warmUpMs.map(ms).join(', ')}; the RSA-OAEP-3072 private key import and decryption are the costly steps in that path.`);
  if (!v[3]!.pass || !v[4]!.pass) {
    out.push(`Record decryption: ${ms(median(r.records.sequentialMs) / r.records.count)} per record one at a time, ${ms(median(r.records.batchedMs) / r.records.count)} batched; each record is one AES-GCM unwrapKey (the DEK) and one AES-GCM decrypt, every one a separate WebCrypto promise.`);
  }
  if (!v[6]!.pass) {
    const top = r.sizes.byOrigin.slice(0, 4).map((o) => `${o.origin} ≈ ${kb(o.gzip)}`).join(', ');
    out.push(
      `Initial JS: everything main.ts imports statically is in one entry chunk. Largest origins (each minified and gzipped on its own, so they do not add up exactly): ${top}. ` +
        `Without ${r.sizes.byOrigin[0]?.origin} the entry would be roughly ${kb(r.sizes.withoutLargestOriginGzip)} gzip (estimate from the groups gzipped together with and without it). ` +
        'Fix: keep only what paints the welcome and locked screens in the entry chunk (a lighter IndexedDB layer for the locked screen\'s one read) and move the rest behind `import()`.',
    );
  }
  if (!v[7]!.pass) out.push(`Lazy loading: ${describeLazy(r.lazy)}.`);
  return out;
}

// ——— tables ———

function timingRows(r: ClientReport): string[][] {
  const row = (label: string, xs: readonly number[], first: string, note = '') => [label, String(xs.length), ms(median(xs)), ms(percentile(xs, 90)), ms(Math.min(...xs)), ms(Math.max(...xs)), first, note];
  const a = r.argon2;
  const rows = [
    row('Argon2id, app worker in Chromium', a.app.runsMs, ms(a.app.firstCallMs), 'built dist/ chunk via the app\'s Argon2Client, handed the SIMD module compiled in the page; first call starts the worker'),
    row(`Argon2id, native \`argon2\` (${a.nativeTool})`, a.native.runsMs, ms(a.native.firstCallMs), `spawn to exit, \`-r\`; process start-up alone (t = 1, 8 KiB): median ${ms(median(a.native.startUpMs))}`),
    ...(a.speed ? argon2SpeedRows(a.speed) : []),
  ];
  if (a.diagnostic) {
    rows.push(row('diagnostic: argon2-browser SIMD .wasm in Chromium', a.diagnostic.simd.runsMs, ms(a.diagnostic.simd.firstCallMs), 'argon2-browser\'s own loader and Emscripten glue (lib/argon2.js, dist/argon2.js), not the app\'s'));
    rows.push(row('diagnostic: argon2-browser plain .wasm, same harness', a.diagnostic.plain.runsMs, ms(a.diagnostic.plain.firstCallMs), 'control for the SIMD row'));
  }
  rows.push(row('unlockWithPin without Argon2', r.unlock.runsMs, ms(r.unlock.warmUpMs[0] ?? Number.NaN), `after ${r.unlock.warmUpMs.length} warm-up calls (first shown)`));
  const perRecord = (xs: number[]) => `${fmt((median(xs) / r.records.count) * 1000, 1)} µs per record`;
  rows.push(row(`decrypt ${fmt(r.records.count)} records, one at a time`, r.records.sequentialMs, '–', perRecord(r.records.sequentialMs)));
  rows.push(row(`decrypt ${fmt(r.records.count)} records, Promise.all per ${r.records.batchSize}`, r.records.batchedMs, '–', perRecord(r.records.batchedMs)));
  rows.push([`encrypt ${fmt(r.records.count)} records (setup), Promise.all per ${r.records.batchSize}`, '1', ms(r.records.encryptMs), '–', '–', '–', '–', 'not a target']);
  return rows;
}
const TIMING_HEADERS = ['Measurement', 'runs', 'median', 'p90', 'min', 'max', 'first call', 'notes'];

function sizeRows(s: SizeFigures): string[][] {
  return [
    ...s.initialJs.map((f) => [`initial JS: \`${f.file}\``, bytesAndKb(f.raw), bytesAndKb(f.gzip)]),
    ...s.initialCss.map((f) => [`initial CSS: \`${f.file}\` (not counted above)`, bytesAndKb(f.raw), bytesAndKb(f.gzip)]),
    [`Argon2 worker chunk: \`${s.worker.file}\``, bytesAndKb(s.worker.raw), bytesAndKb(s.worker.gzip)],
    ...s.wasm.map((w) => [
      w.file ? `Argon2 WASM it fetches: \`${w.file}\`${/simd/.test(w.file) ? ' (engines with WASM SIMD)' : ' (fallback without SIMD)'}` : `WASM inlined in it (${fmt(w.base64Chars ?? 0)} base64 chars), decoded`,
      bytesAndKb(w.raw),
      bytesAndKb(w.gzip),
    ]),
  ];
}
const SIZE_HEADERS = ['Asset', 'raw', 'gzip -9'];

const originRows = (s: SizeFigures) => s.byOrigin.slice(0, 8).map((o) => [o.origin, String(o.modules), bytesAndKb(o.minified), bytesAndKb(o.gzip)]);
const ORIGIN_HEADERS = ['Origin (initial JS)', 'modules', 'minified alone', 'gzip -9 alone'];

function lazyLines(r: ClientReport): string[] {
  const l = r.lazy;
  const lines = [
    `index.html names the worker chunk: ${r.sizes.workerInIndexHtml ? 'yes' : 'no'}; the entry chunk holds its URL for \`new Worker\`: ${r.sizes.workerUrlInEntry ? 'yes' : 'no'}`,
    ...l.phases.map((p) => `${p.phase}: worker chunk ${p.workerRequested ? 'requested' : 'not requested'}, worker ${p.workerStarted ? 'started' : 'not started'}; JS requested: ${p.scripts.map((s) => `\`${s}\``).join(', ') || 'none'}${p.wasm.length ? `; WASM requested: ${p.wasm.map((w) => `\`${w}\``).join(', ')}` : ''}`),
    `after the PIN the chunk came ${l.workerFromServiceWorker === undefined ? '(no response seen)' : l.workerFromServiceWorker ? 'from the service worker\'s precache' : 'from the network'}; the service worker ${l.precachedByServiceWorker ? 'did' : 'did not'} download it on its own at install (offline unlock needs it)`,
    `PIN submit → unlocked vault on screen, in the app's UI, after a tap on the field and 1.5 s of settling: ${ms(l.unlockInAppMs)}`,
  ];
  if (l.problems.length) lines.push(`page problems: ${l.problems.join('; ')}`);
  return lines;
}

function markdownTable(headers: string[], rows: string[][], rightAlignedFrom: number, leftAlignedFrom = headers.length): string {
  const align = headers.map((_, i) => (i >= rightAlignedFrom && i < leftAlignedFrom ? '---:' : '---'));
  return [headers, align, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function plainTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 || i === row.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const paramsText = (p: Argon2Params) => `m = ${fmt(p.memoryKiB)} KiB (${fmt(p.memoryKiB / 1024)} MiB), t = ${p.iterations}, p = ${p.parallelism}, ${p.hashLength}-byte tag`;

export function printReport(r: ClientReport): void {
  console.log(`\nTimings (${paramsText(r.params)})\n`);
  console.log(plainTable(TIMING_HEADERS, timingRows(r)));
  console.log(`\nArgon2id browser/native: ${ratio(argon2Ratio(r))} (${ratio(argon2RatioWithoutStartUp(r))} against native less its process start-up)\n`);
  console.log(plainTable(SIZE_HEADERS, sizeRows(r.sizes)));
  console.log('');
  console.log(plainTable(ORIGIN_HEADERS, originRows(r.sizes)));
  console.log('');
  for (const line of lazyLines(r)) console.log(`  ${line.replace(/`/g, '')}`);
  for (const line of r.unlockLatency ? unlockLatencyLines(r.unlockLatency) : []) console.log(`  ${line}`);
  console.log('');
  for (const v of verdicts(r)) console.log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.target} — ${v.measured}`);
  for (const d of diagnoses(r)) console.log(`\n  ${d.replace(/`/g, '')}`);
  console.log(`\nTotal ${fmt(r.totalS)} s.`);
}

export const SECTION_HEADING = '## Vault client (`npm run bench:client`)';

export function renderSection(r: ClientReport): string {
  const m = r.machine;
  const lines = [
    SECTION_HEADING,
    '',
    `- Date: ${r.date.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node}, Chromium ${r.chromium}, ${m.kernel}; 1-minute load average ${m.loadAverage} at the start`,
    `- Command: \`${r.command}\` (${fmt(r.totalS)} s in all, of which ${fmt(r.buildMs / 1000, 1)} s building)`,
    '- Method: `vite build` in production mode into dist/, served by the real key server (`startLiveServer`); headless Chromium with the journeys\' flags (`launchChromium`). ' +
      'Timings are `performance.now()` in the page, one call after another. ' +
      'Argon2id: the page creates the built `assets/argon2.worker-*.js` as a module worker exactly as main.ts does and calls it through the app\'s own `Argon2Client`, bundled for the page from src/ with in-page.ts; ' +
      'that page\'s context has `bypassCSP: true` (and service workers blocked, so no precaching runs alongside), because the CSP allows only the Trusted Types policies `lit-html` and `keyhold` and the app has created both, so a bench script could not make a worker URL otherwise. ' +
      `${r.argon2.runs} measured calls after one warm-up call ("first call"); the native tool gets the same: one warm-up, then ${r.argon2.runs} runs timed from spawn to exit with \`process.hrtime\`, PIN on stdin, same salt. ` +
      'Median, and p90 by nearest rank. ' +
      `${ARGON2_SPEED_METHOD} ` +
      'Unlock: `unlockWithPin` with Argon2 replaced by a tag computed beforehand (HKDF → KEK, unwrap S, K_keys, open the key bundle with its RSA-OAEP-3072 private key import, unwrap VK, open the device key). ' +
      `Records: ${fmt(r.records.count)} logins (title, username, 20-character password, URL, 200-character notes: ${fmt(r.records.plaintextBytes)} bytes of JSON, ${fmt(r.records.storedChars)} base64url characters stored) encrypted with \`encryptRecord\` under one VK, then \`decryptRecord\` over all of them, ${r.records.sequentialMs.length} passes each way after a warm-up over one batch. ` +
      'Sizes: node:zlib gzip level 9 of the files index.html loads (scripts, modulepreloads and their static imports). ' +
      'Lazy loading: a separate phone context with the CSP enforced and the service worker on, going through onboarding, a reload onto the locked screen, a tap on the PIN field, and the PIN, recording the requests of the page and its workers. ' +
      'Unlock latency and offline start (unlock-latency.ts): another such context, after onboarding and once PIN recovery is registered (its background Argon2id would share the worker); from the performance marks the app sets (src/ui/timing-marks.ts), read in the page. Cold: reload, 1.5 s pause, tap the PIN field, type 6 digits 120 ms apart, Enter; submit → the record list on screen. Warm: lock, 1.5 s pause, the same again. Offline: context and CDP offline, reload, navigation start → the PIN field rendered enabled. Median of the runs.',
    `- Argon2id parameters: ${paramsText(r.params)} (protocol/constants.ts defaults).`,
    `- Targets: Argon2id in Chromium ≤ ${ratio(TARGETS.argon2MaxRatio)} the native reference at t = ${r.params.iterations}, per pass ≤ 1.10× and without SIMD ≤ 2.00×; unlock without Argon2 < ${ms(TARGETS.unlockWithoutArgon2MaxMs)}; decrypting ${fmt(r.records.count)} records < ${ms(TARGETS.decryptAllMaxMs)}; initial JS < ${kb(TARGETS.initialJsMaxGzip)} gzip (1 KB = ${fmt(KB)} bytes) with the Argon2 WASM loaded only when needed; PIN submit → vault on screen with a cold worker ≤ ${UNLOCK_LATENCY_TARGETS.coldUnlockMaxMs} ms; offline start to the PIN field ≤ ${UNLOCK_LATENCY_TARGETS.offlineStartMaxMs} ms.`,
    '',
    '### Timings',
    '',
    markdownTable(TIMING_HEADERS, timingRows(r), 1, TIMING_HEADERS.length - 1),
    '',
    `Argon2id browser/native: **${ratio(argon2Ratio(r))}** (medians; each native run includes process start-up, so against the native runs less the start-up median it is ${ratio(argon2RatioWithoutStartUp(r))}).`,
    '',
    '### Sizes',
    '',
    markdownTable(SIZE_HEADERS, sizeRows(r.sizes), 1),
    '',
    'Initial JS by origin, from the build\'s module graph (each group minified and gzipped on its own, so the column does not add up to the chunk exactly):',
    '',
    markdownTable(ORIGIN_HEADERS, originRows(r.sizes).map((row) => [`\`${row[0]}\``, ...row.slice(1)]), 1),
    '',
    '### Lazy loading of the Argon2 worker',
    '',
    ...lazyLines(r).map((line) => `- ${line}`),
    ...(r.unlockLatency ? ['', '### Unlock latency and offline start', '', ...unlockLatencyLines(r.unlockLatency).map((line) => `- ${line}`)] : []),
    '',
    '### Verdicts',
    '',
    ...verdicts(r).map((v) => `- **${v.pass ? 'PASS' : 'FAIL'}** ${v.target} — ${v.measured}`),
  ];
  const why = diagnoses(r);
  if (why.length) lines.push('', '### Likely causes of the failures', '', ...why.map((d) => `- ${d}`));
  return `${lines.join('\n').trimEnd()}\n`;
}


export function writeSection(file: string, section: string): void {
  writeBenchmarkSection(file, SECTION_HEADING, section);
}
