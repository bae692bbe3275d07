import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuPressureSince, cpuPressureUs } from './cpu-pressure';
import { runOpenLoop } from './open-loop';
import { cpuSeconds, peakResidentKiB, residentKiB, type WatchedServer } from './server-process';
import { requestsIn, type Sequence } from './steps';
import { figuresOf, percentile, type Figures } from './tally';

/** How often the server's resident memory is read during the soak. */
const RSS_SAMPLE_MS = 5_000;

/** One minute of the soak. */
export interface SoakMinute {
  /** 1-based. */
  minute: number;
  total: Figures;
  byKind: Map<string, Figures>;
  /** Server resident memory over the minute's 5 s samples (its end included). */
  rss: { medianKiB: number; minKiB: number; maxKiB: number; endKiB: number };
  /** Server CPU time over the minute / wall time: 100 % is one core. */
  cpuPercent: number;
  /** 1-minute load average of the machine at the end of the minute. */
  loadAverage: number;
  /** Share of the minute during which some task on the machine waited for a CPU, 0–1 (NaN: unknown). */
  cpuPressure: number;
  /** The load generator's own event-loop delay (p99 and max, ms): a stall there delays replies it reads, and shows as latency. */
  generatorDelayP99Ms: number;
  generatorDelayMaxMs: number;
}

export interface SoakResult {
  /** Requests per second offered: half the mix's closed-loop capacity. */
  offeredRps: number;
  sequencesPerS: number;
  durationS: number;
  minutes: SoakMinute[];
  total: Figures;
  byKind: Map<string, Figures>;
  rss: { startKiB: number; endKiB: number; peakKiB: number; samples: Array<{ tS: number; kiB: number }> };
  started: number;
  abandoned: number;
  maxLagMs: number;
  elapsedS: number;
}

const loadAverage = () => Math.round(os.loadavg()[0]! * 100) / 100;

/**
 * Offers the mix at `offeredRps` requests per second for `minutes` minutes (open loop, evenly
 * paced) to one server process, reading its RSS every 5 s and summing each minute.
 */
export async function soak(server: WatchedServer, headers: Record<string, string>, mix: readonly Sequence[], offeredRps: number, minutes: number, log: (line: string) => void): Promise<SoakResult> {
  const sequencesPerS = (offeredRps * mix.length) / requestsIn(mix);
  const durationS = minutes * 60;
  const samples: Array<{ tS: number; kiB: number }> = [];
  const t0 = performance.now();
  const sample = () => {
    const kiB = residentKiB(server.pid);
    samples.push({ tS: (performance.now() - t0) / 1000, kiB });
    return kiB;
  };
  const startKiB = sample();
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const minuteRows: SoakMinute[] = [];
  let minuteSamplesFrom = 0;
  let cpuMark = { s: cpuSeconds(server.pid), at: performance.now() };
  let pressureMark = { us: cpuPressureUs(), at: performance.now() };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const run = await runOpenLoop(server.url, headers, mix, {
    sequencesPerS,
    durationS,
    intervalS: 60,
    onInterval: (index, tallies) => {
      const now = performance.now();
      const cpu = cpuSeconds(server.pid);
      const wallS = (now - cpuMark.at) / 1000;
      const byKind = new Map<string, Figures>();
      for (const [kind, tally] of tallies.byKind) byKind.set(kind, figuresOf(tally, wallS));
      const endKiB = sample();
      const inMinute = samples.slice(minuteSamplesFrom).map((x) => x.kiB);
      minuteSamplesFrom = samples.length;
      const row: SoakMinute = {
        minute: index + 1,
        total: figuresOf(tallies.total(), wallS),
        byKind,
        rss: { medianKiB: percentile(inMinute, 50), minKiB: Math.min(...inMinute), maxKiB: Math.max(...inMinute), endKiB },
        cpuPercent: ((cpu - cpuMark.s) / wallS) * 100,
        loadAverage: loadAverage(),
        cpuPressure: cpuPressureSince(pressureMark),
        generatorDelayP99Ms: loopDelay.percentile(99) / 1e6,
        generatorDelayMaxMs: loopDelay.max / 1e6,
      };
      loopDelay.reset();
      cpuMark = { s: cpu, at: now };
      pressureMark = { us: cpuPressureUs(), at: performance.now() };
      minuteRows.push(row);
      log(
        `soak minute ${row.minute}: ${Math.round(row.total.rps)} rps, p50 ${row.total.p50.toFixed(1)} ms, p99 ${row.total.p99.toFixed(1)} ms, ` +
          `errors ${row.total.errors}, RSS median ${(row.rss.medianKiB / 1024).toFixed(1)} MiB, server CPU ${Math.round(row.cpuPercent)} %, load ${row.loadAverage}, ` +
          `CPU pressure ${Math.round(row.cpuPressure * 100)} %, generator stall max ${row.generatorDelayMaxMs.toFixed(0)} ms`,
      );
    },
  });
  clearInterval(sampler);
  loopDelay.disable();
  const endKiB = sample();

  const byKind = new Map<string, Figures>();
  for (const [kind, tally] of run.totals.byKind) byKind.set(kind, figuresOf(tally, run.elapsedS));
  return {
    offeredRps,
    sequencesPerS,
    durationS,
    minutes: minuteRows,
    total: figuresOf(run.totals.total(), run.elapsedS),
    byKind,
    rss: { startKiB, endKiB, peakKiB: peakResidentKiB(server.pid), samples },
    started: run.started,
    abandoned: run.abandoned,
    maxLagMs: run.maxLagMs,
    elapsedS: run.elapsedS,
  };
}
