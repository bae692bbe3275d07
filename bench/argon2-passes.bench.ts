/**
 * `npm run bench:argon2-passes`: where the app's Argon2id cost per pass goes, against native's
 * (issue 15: per pass ≤ 1.10× the native command's). Builds the shipped WASM SIMD build and
 * native opt.c, each as is and with BlaMka's multiply replaced by a bitwise and (wrong tags, the
 * same other work), plus the i64x2.mul alternative; runs them interleaved round by round, each
 * round of a build in its own process; prints the per-pass figures and the multiply's share, and
 * rewrites its section of BENCHMARKS.md. A diagnostic: it has no target of its own.
 *
 * Options (after `npm run bench:argon2-passes --`): --rounds=<n> (default 5), --pairs=<n> timed
 * t = 1 / t = 6 pairs per round and build (default 3), --no-write (leave BENCHMARKS.md alone).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARGON2_DEFAULT_MEMORY_KIB, ARGON2_HASH_LENGTH } from '../protocol/constants';
import { ARGON2_BUILDS, clangVersion, missingToolchain } from '../scripts/argon2/build';
import { addRound, decompose, renderDerived, renderSection, renderTable, SECTION_HEADING, type VariantRuns } from './argon2-passes/report';
import { buildVariant, missingNativeToolchain, runTimer, VARIANTS, type TimerJob } from './argon2-passes/variants';
import { SLOPE_PASSES } from './client/argon2-speed';
import { Cleanups, runBench, writeBenchmarkSection } from './lib/benchmarks-file';
import { describeMachine } from './lib/machine';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHIPPED_SIMD = join(ROOT, 'worker', 'wasm', ARGON2_BUILDS.simd.file);

interface Options {
  rounds: number;
  pairs: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { rounds: 5, pairs: 3, write: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    const positive = Number.isInteger(number) && number > 0;
    if (flag === '--no-write') opts.write = false;
    else if (flag === '--rounds' && positive) opts.rounds = number;
    else if (flag === '--pairs' && positive && number <= 100) opts.pairs = number;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

const cleanups = new Cleanups();
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const missing = missingToolchain() ?? missingNativeToolchain();
  if (missing) throw new Error(missing);
  const date = new Date();
  const machine = describeMachine();
  const clang = clangVersion();
  log(`${clang}; 1-minute load average ${machine.loadAverage}`);

  const work = mkdtempSync(join(tmpdir(), 'kh-bench-argon2-passes-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const built = VARIANTS.map((variant) => ({ variant, file: buildVariant(variant, work) }));
  const shippedBytesEqual = readFileSync(built[0]!.file).equals(readFileSync(SHIPPED_SIMD));
  log(`built ${built.length} variants in ${work}; the shipped one ${shippedBytesEqual ? 'equals' : 'DIFFERS from'} ${ARGON2_BUILDS.simd.file} byte for byte`);

  const [low, high] = SLOPE_PASSES;
  const job: TimerJob = {
    pairs: opts.pairs,
    low,
    high,
    memoryKiB: ARGON2_DEFAULT_MEMORY_KIB,
    parallelism: 1,
    hashLength: ARGON2_HASH_LENGTH,
    password: '482915',
    salt: 'kh-bench-salt-01',
  };
  const runs: VariantRuns[] = built.map(({ variant }) => ({ variant, lowMs: [], highMs: [], lowTag: '', highTag: '' }));
  for (let round = 0; round < opts.rounds; round++) {
    // Round by round, each build in turn: a slow stretch of a shared machine hits every build alike.
    for (const [i, { variant, file }] of built.entries()) {
      addRound(runs[i]!, await runTimer(variant, file, job));
    }
    log(`round ${round + 1} of ${opts.rounds} done`);
  }

  const decomposition = decompose(runs, low, high);
  console.log(`\n${renderTable(decomposition, low, high)}\n\n${renderDerived(decomposition).join('\n')}\n`);
  if (opts.write) {
    const info = { date, machine, clang, rounds: opts.rounds, pairs: opts.pairs, low, high, memoryKiB: job.memoryKiB, shippedBytesEqual };
    writeBenchmarkSection(join(ROOT, 'BENCHMARKS.md'), SECTION_HEADING, renderSection(decomposition, info));
    log('BENCHMARKS.md: section rewritten');
  }
  await cleanups.run();
}

runBench('bench:argon2-passes', main, cleanups);
