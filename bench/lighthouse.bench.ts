/**
 * `npm run bench:lighthouse`: Lighthouse (mobile, default configuration) against the app as
 * shipped — a production build served by the key server's own process — for issue 15's targets:
 * performance ≥ 98, accessibility and best practices 100 (SEO is reported, not checked).
 *
 * Options (after `npm run bench:lighthouse --`): --runs=<n> Lighthouse runs (default 3; the
 * median counts), --no-build (serve dist/ as it is), --json=<dir> (keep each run's full report
 * there, to read what an audit found), --no-write (print only; figures belong in BENCHMARKS.md
 * only from a quiet machine).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from 'chrome-launcher';
import lighthouse, { type Result } from 'lighthouse';
import { buildApp } from './client/builds';
import { loadE2eBrowserHelpers } from './client/e2e-helpers';
import { Cleanups, runBench, writeBenchmarkSection } from './lib/benchmarks-file';
import { startKeyServerProcess } from './lib/children';
import { describeMachine } from './lib/machine';
import { CATEGORIES, LIGHTHOUSE_HEADING, printLighthouseReport, renderLighthouseSection, type LighthouseRun } from './lighthouse/report';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  runs: number;
  build: boolean;
  json: string | undefined;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { runs: 3, build: true, json: undefined, write: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    if (flag === '--no-write') opts.write = false;
    else if (flag === '--no-build') opts.build = false;
    else if (flag === '--json' && value) opts.json = value;
    else if (flag === '--runs' && Number.isInteger(number) && number > 0) opts.runs = number;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

/** Audit display modes that pass or fail (the others inform, or do not apply to this page). */
const SCORED = new Set(['binary', 'numeric', 'metricSavings']);

function reduceRun(lhr: Result): LighthouseRun {
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const inCategories = new Set(CATEGORIES.flatMap((c) => lhr.categories[c]?.auditRefs.map((ref) => ref.id) ?? []));
  const failing = [...inCategories]
    .map((id) => lhr.audits[id]!)
    .filter((a) => a && (a.scoreDisplayMode === 'error' || (SCORED.has(a.scoreDisplayMode) && a.score !== null && a.score < 1)))
    .map((a) => ({ id: a.id, title: a.title, score: a.score, display: a.errorMessage ?? a.displayValue ?? '' }));
  const metric = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  return {
    scores: Object.fromEntries(CATEGORIES.map((c) => [c, score(c)])) as LighthouseRun['scores'],
    benchmarkIndex: lhr.environment.benchmarkIndex,
    metrics: {
      fcp: metric('first-contentful-paint'),
      lcp: metric('largest-contentful-paint'),
      tbt: metric('total-blocking-time'),
      cls: metric('cumulative-layout-shift'),
      si: metric('speed-index'),
    },
    failing,
  };
}

const cleanups = new Cleanups();

async function main(opts: Options): Promise<void> {
  const started = performance.now();
  const log = (line: string) => console.log(line);
  const machine = describeMachine();
  if (machine.loadAverage > machine.nproc / 2) {
    log(`warning: load average ${machine.loadAverage} on ${machine.nproc} CPUs — Lighthouse simulates from what it observes, so the performance score of a busy machine is low and noisy`);
  }
  if (opts.build) {
    log('building the app (vite build, production)…');
    await buildApp(ROOT);
  }
  const { origin } = await startKeyServerProcess({ cleanups, cwd: ROOT, prefix: 'kh-bench-lighthouse-', env: { STATIC_DIR: join(ROOT, 'dist') } });
  if (opts.json) mkdirSync(opts.json, { recursive: true });

  const { CHROMIUM, CHROMIUM_FLAGS } = await loadE2eBrowserHelpers();
  const runs: LighthouseRun[] = [];
  let versions = { lighthouse: '', chromium: '' };
  for (let i = 1; i <= opts.runs; i++) {
    // A fresh browser per run: nothing cached by an earlier run (Lighthouse clears the origin's
    // storage, not the browser's memory cache or compiled code).
    const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: [...CHROMIUM_FLAGS], logLevel: 'error' });
    try {
      const result = await lighthouse(`${origin}/`, { port: chrome.port, logLevel: 'error', output: 'json', onlyCategories: [...CATEGORIES] });
      if (!result) throw new Error('Lighthouse returned no result');
      const { lhr } = result;
      if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      versions = { lighthouse: lhr.lighthouseVersion, chromium: lhr.environment.hostUserAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium' };
      if (opts.json) writeFileSync(join(opts.json, `run-${i}.json`), JSON.stringify(lhr, null, 1));
      const run = reduceRun(lhr);
      runs.push(run);
      log(`run ${i}/${opts.runs}: ${CATEGORIES.map((c) => `${c} ${run.scores[c]}`).join(', ')} (benchmarkIndex ${Math.round(run.benchmarkIndex)})`);
    } finally {
      await chrome.kill();
    }
  }
  await cleanups.run();

  const report = {
    date: new Date(),
    machine,
    ...versions,
    command: `npm run bench:lighthouse${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    totalS: (performance.now() - started) / 1000,
    runs,
  };
  printLighthouseReport(report, log);
  if (opts.write) {
    writeBenchmarkSection(join(ROOT, 'BENCHMARKS.md'), LIGHTHOUSE_HEADING, renderLighthouseSection(report));
    log(`\nwrote the section "${LIGHTHOUSE_HEADING}" of BENCHMARKS.md`);
  }
}

const options = parseOptions(process.argv.slice(2));
runBench('bench:lighthouse', () => main(options), cleanups);
