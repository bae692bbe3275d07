/**
 * Targets, verdicts and the renderings of `npm run bench:lighthouse`: the console summary and the
 * BENCHMARKS.md section `## Lighthouse (`npm run bench:lighthouse`)`.
 */
import type { Machine } from '../lib/machine';

export const LIGHTHOUSE_HEADING = '## Lighthouse (`npm run bench:lighthouse`)';

/** Issue 15: mobile, default config, served by the key server as shipped. */
export const TARGETS = { performance: 98, accessibility: 100, 'best-practices': 100 } as const;
export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
export type Category = (typeof CATEGORIES)[number];

/** One Lighthouse run, reduced to what the report prints. */
export interface LighthouseRun {
  scores: Record<Category, number>;
  /** Lighthouse's own measure of the machine's speed at the time (its `benchmarkIndex`). */
  benchmarkIndex: number;
  /** Simulated (throttled) metrics in ms, CLS unitless. */
  metrics: { fcp: number; lcp: number; tbt: number; cls: number; si: number };
  /** Audits that count towards a category and did not pass: id, title, score and Lighthouse's short display value. */
  failing: Array<{ id: string; title: string; score: number | null; display: string }>;
}

export interface LighthouseReport {
  date: Date;
  machine: Machine;
  chromium: string;
  lighthouse: string;
  command: string;
  totalS: number;
  runs: LighthouseRun[];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Per category, the median score of the runs (Lighthouse's own advice: the median of several runs). */
export function medianScores(runs: readonly LighthouseRun[]): Record<Category, number> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, median(runs.map((r) => r.scores[c]))])) as Record<Category, number>;
}

export function verdicts(report: LighthouseReport): Array<{ pass: boolean; line: string }> {
  const scores = medianScores(report.runs);
  return (Object.keys(TARGETS) as Array<keyof typeof TARGETS>).map((category) => {
    const pass = scores[category] >= TARGETS[category];
    const op = TARGETS[category] === 100 ? '=' : '≥';
    return { pass, line: `**${pass ? 'PASS' : 'FAIL'}** ${category} ${op} ${TARGETS[category]} — ${scores[category]} (median of ${report.runs.length})` };
  });
}

/** Audits failing in any run, with how many runs they failed in. */
function failingAudits(runs: readonly LighthouseRun[]): Array<LighthouseRun['failing'][number] & { runs: number }> {
  const byId = new Map<string, LighthouseRun['failing'][number] & { runs: number }>();
  for (const run of runs) for (const audit of run.failing) byId.set(audit.id, { ...audit, runs: (byId.get(audit.id)?.runs ?? 0) + 1 });
  return [...byId.values()].sort((a, b) => (a.score ?? 0) - (b.score ?? 0));
}

const ms = (x: number) => `${Math.round(x)} ms`;

export function printLighthouseReport(report: LighthouseReport, log: (line: string) => void): void {
  log('\nrun  perf  a11y  best  seo   FCP      LCP      TBT     CLS    SI       benchmarkIndex');
  report.runs.forEach((r, i) =>
    log(
      `${String(i + 1).padEnd(4)} ${[r.scores.performance, r.scores.accessibility, r.scores['best-practices'], r.scores.seo].map((s) => String(s).padEnd(5)).join(' ')} ` +
        `${ms(r.metrics.fcp).padEnd(8)} ${ms(r.metrics.lcp).padEnd(8)} ${ms(r.metrics.tbt).padEnd(7)} ${r.metrics.cls.toFixed(3).padEnd(6)} ${ms(r.metrics.si).padEnd(8)} ${Math.round(r.benchmarkIndex)}`,
    ),
  );
  const failing = failingAudits(report.runs);
  log(failing.length ? '\nfailing audits:' : '\nno failing audit');
  for (const a of failing) log(`  ${a.id} (${a.runs}/${report.runs.length} runs, score ${a.score ?? '–'}): ${a.title}${a.display ? ` — ${a.display}` : ''}`);
  log('');
  for (const v of verdicts(report)) log(v.line.replace(/\*\*/g, ''));
}

export function renderLighthouseSection(report: LighthouseReport): string {
  const m = report.machine;
  const scores = medianScores(report.runs);
  const failing = failingAudits(report.runs);
  return [
    LIGHTHOUSE_HEADING,
    '',
    `- Date: ${report.date.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.kernel}; 1-minute load average ${m.loadAverage} at the start; Lighthouse benchmarkIndex ${report.runs.map((r) => Math.round(r.benchmarkIndex)).join(', ')}`,
    `- Command: \`${report.command}\` (${Math.round(report.totalS)} s in all), Lighthouse ${report.lighthouse}, ${report.chromium}`,
    '- Method: a production build (`vite build`, as `npm start` makes it) served by the key server as shipped (`server/main.ts` as its own process on 127.0.0.1, a fresh SQLite data directory, request logging off), opened at `http://localhost:<port>/` by Lighthouse\'s default configuration: mobile form factor and simulated throttling (slow 4G, 4× CPU slowdown), storage cleared before each run so every run is a first visit with no service worker. Each run is a fresh Chromium (the journeys\' flags). The scores are the median per category; the metrics are Lighthouse\'s simulated ones. The simulation scales what it observes on this machine, so a loaded machine (low benchmarkIndex, high load average) lowers the performance score.',
    '',
    '| run | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS | Speed Index | benchmarkIndex |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.scores.performance} | ${r.scores.accessibility} | ${r.scores['best-practices']} | ${r.scores.seo} | ${ms(r.metrics.fcp)} | ${ms(r.metrics.lcp)} | ${ms(r.metrics.tbt)} | ${r.metrics.cls.toFixed(3)} | ${ms(r.metrics.si)} | ${Math.round(r.benchmarkIndex)} |`,
    ),
    `| median | ${scores.performance} | ${scores.accessibility} | ${scores['best-practices']} | ${scores.seo} | | | | | | |`,
    '',
    failing.length ? 'Audits that did not pass (in how many runs):' : 'Every scored audit passed in every run.',
    ...failing.map((a) => `- \`${a.id}\` (${a.runs}/${report.runs.length}): ${a.title}${a.display ? ` — ${a.display}` : ''}`),
    '',
    ...verdicts(report).map((v) => `- ${v.line}`),
    '',
  ].join('\n');
}
