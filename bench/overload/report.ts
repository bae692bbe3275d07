import type { Machine } from '../lib/machine';
import type { OfferResult, Window } from './windowed-load';

export const SECTION_HEADING = '## Overload (`npm run bench:overload`)';

/** Accepted requests keep this p99 while the server sheds the rest (issue 16). */
export const ACCEPTED_P99_MS = 100;
/** After the load stops, latency is back to normal within this long. */
export const RECOVERY_S = 5;

/** One server configuration driven past its capacity. */
export interface VariantResult {
  name: string;
  /** The shedding settings it ran with, as environment variables. */
  settings: string;
  maxRps: number;
  offeredRps: number;
  /** p99 of the light probe before the overload: what "normal" means for the recovery. */
  normalP99: number;
  overload: OfferResult;
  probe: OfferResult;
  /** Seconds after the load stopped until every probe window was normal again; null if it never was within the probe. */
  recoveryS: number | null;
  /** Write path only: acknowledged writes, and how many of them the database holds afterwards. */
  writes?: { acknowledged: number; present: number };
}

export interface OverloadReport {
  machine: Machine;
  command: string;
  durationS: number;
  connections: number;
  pinned: boolean;
  variants: VariantResult[];
}

/** Seconds after the load stopped until the probe's windows are normal from then on (no refusal, p99 within twice normal + 5 ms). */
export function recoverySeconds(probe: Window[], normalP99: number, windowS: number): number | null {
  const normal = (w: Window) => w.offered > 0 && w.failed === 0 && w.shed === 0 && w.p99 <= Math.max(2 * normalP99, normalP99 + 5);
  for (let i = 0; i < probe.length; i++) if (probe.slice(i).every(normal)) return i * windowS;
  return null;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export interface Verdict {
  name: string;
  pass: boolean;
  detail: string;
}

/** What issue 16 asks of the shedding server (the first variant, as shipped) and of the write path. */
export function verdicts(report: OverloadReport): Verdict[] {
  const out: Verdict[] = [];
  for (const v of report.variants.filter((v) => v.name === 'as shipped' || v.writes)) {
    const windows = v.overload.windows;
    const worst = Math.max(...windows.map((w) => (Number.isNaN(w.p99) ? 0 : w.p99)));
    const other5xx = Object.entries(v.overload.statusCodes).filter(([code]) => Number(code) >= 500 && code !== '503').reduce((n, [, c]) => n + c, 0) + v.overload.noReply;
    const shed = windows.reduce((n, w) => n + w.shed, 0);
    out.push({ name: `${v.name}: accepted requests' p99 < ${ACCEPTED_P99_MS} ms in every ${report.durationS >= 5 ? '5 s' : ''} window`, pass: worst < ACCEPTED_P99_MS, detail: `worst window p99 ${fmt(worst, 1)} ms` });
    out.push({ name: `${v.name}: sheds the excess with 503`, pass: shed > 0, detail: `${shed} shed` });
    out.push({ name: `${v.name}: no 5xx other than 503, no request without a reply`, pass: other5xx === 0, detail: `${other5xx}` });
    out.push({ name: `${v.name}: normal again within ${RECOVERY_S} s of the load stopping`, pass: v.recoveryS !== null && v.recoveryS <= RECOVERY_S, detail: v.recoveryS === null ? 'not within the probe' : `${fmt(v.recoveryS, 1)} s` });
    if (v.writes) out.push({ name: `${v.name}: every acknowledged write is in the database`, pass: v.writes.present === v.writes.acknowledged, detail: `${v.writes.present} of ${v.writes.acknowledged}` });
  }
  return out;
}

function windowTable(v: VariantResult, windowS: number): string[] {
  const rows = v.overload.windows.map(
    (w) => `| ${fmt(w.startS)}–${fmt(w.startS + windowS)} s | ${fmt(w.offered / windowS)} | ${fmt(w.accepted / windowS)} | ${fmt(w.shed / windowS)} | ${w.failed} | ${fmt(w.p50, 1)} | ${fmt(w.p99, 1)} |`,
  );
  return ['| window | offered/s | accepted/s | shed (503)/s | failed | p50 ms | p99 ms |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows];
}

/** The BENCHMARKS.md section: method, one table per variant (5 s windows), the recovery and the verdicts. */
export function renderSection(r: OverloadReport, windowS: number): string {
  const m = r.machine;
  const lines = [
    SECTION_HEADING,
    '',
    `Command: \`${r.command}\`. Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.ramGiB} GiB, Node ${m.node}, ${m.kernel}; load average ${m.loadAverage} at the start.`,
    '',
    `Method: the key server (\`server/main.ts\`, SQLite, \`LOG_REQUESTS=false\`) runs ${r.pinned ? 'pinned to CPU 0 and the load generator to CPU 1 (`taskset`)' : 'unpinned'}. ` +
      `Its maximum is measured first, with shedding off (closed loop, autocannon, 64 connections, after 2 s of warm-up); then, on a fresh server of each variant, ${r.durationS} s of requests are offered at twice that rate, open loop on up to ${r.connections} ` +
      'keep-alive connections (latency from each request\'s due time, so waiting for a connection counts). Many connections, as many clients would open: ' +
      'the backlog then forms at the server, where shedding can see it; with a few connections it forms in the generator\'s own queue, which no server can refuse. ' +
      'From the moment that load stops, a light probe (10 % of the maximum, its own connections) ' +
      `runs for 10 s; "normal again" is the first 0.5 s window from which on no probe request is refused and p99 stays within twice the probe's p99 before the overload (+5 ms). ` +
      'Variants differ only in the shedding settings; "no shedding" is the reference of what queueing without bound does.',
    '',
  ];
  for (const v of r.variants) {
    lines.push(`### ${v.name} (${v.settings})`, '', `Maximum ${fmt(v.maxRps)} requests/s, offered ${fmt(v.offeredRps)}/s; probe p99 before: ${fmt(v.normalP99, 1)} ms; normal again ${v.recoveryS === null ? 'not within the probe' : `${fmt(v.recoveryS, 1)} s after the load stopped`}.`);
    if (v.writes) lines.push(`Acknowledged writes: ${v.writes.acknowledged}; found in the database afterwards: ${v.writes.present}.`);
    lines.push('', ...windowTable(v, windowS), '');
  }
  lines.push(...verdicts(r).map((v) => `- ${v.pass ? 'PASS' : 'FAIL'} ${v.name} (${v.detail})`), '');
  return lines.join('\n');
}
