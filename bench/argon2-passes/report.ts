/**
 * What `npm run bench:argon2-passes` derives from its rounds and how it shows them: per build the
 * medians at both ends of the slope and the cost per pass, its tags against the shipped build's
 * and native's, then the decomposition of a pass into BlaMka's multiply and the rest.
 */
import { ARGON2_SPEED_TARGETS } from '../client/argon2-speed';
import { median } from '../client/report';
import type { Machine } from '../lib/machine';
import type { TimerOutput, Variant, VariantName } from './variants';

/** Every round of one build, concatenated. */
export interface VariantRuns {
  variant: Variant;
  lowMs: number[];
  highMs: number[];
  lowTag: string;
  highTag: string;
}

/** One build's row. */
export interface VariantFigures extends VariantRuns {
  lowMedianMs: number;
  highMedianMs: number;
  perPassMs: number;
}

export interface PassDecomposition {
  rows: Record<VariantName, VariantFigures>;
  /** What BlaMka's multiply adds to a pass: the build as is minus the build with an and instead. */
  multiplyMs: { wasm: number; native: number };
  /** Everything else in a pass: the "no multiply" builds. */
  restMs: { wasm: number; native: number };
  /** The most the WASM multiply may cost a pass for the app's per-pass cost to meet the target, with the rest as measured. */
  multiplyBudgetMs: number;
}

/** Appends one round's output to a build's runs (tags: the last round's). */
export function addRound(runs: VariantRuns, round: TimerOutput): void {
  runs.lowMs.push(...round.lowMs);
  runs.highMs.push(...round.highMs);
  runs.lowTag = round.lowTag;
  runs.highTag = round.highTag;
}

/** Medians and per-pass costs ((median at high − median at low) / (high − low)), and the decomposition. */
export function decompose(all: readonly VariantRuns[], low: number, high: number): PassDecomposition {
  const rows = Object.fromEntries(
    all.map((runs) => {
      const lowMedianMs = median(runs.lowMs);
      const highMedianMs = median(runs.highMs);
      return [runs.variant.name, { ...runs, lowMedianMs, highMedianMs, perPassMs: (highMedianMs - lowMedianMs) / (high - low) }];
    }),
  ) as Record<VariantName, VariantFigures>;
  const restMs = { wasm: rows.wasmNoMultiply.perPassMs, native: rows.nativeNoMultiply.perPassMs };
  return {
    rows,
    multiplyMs: { wasm: rows.wasm.perPassMs - restMs.wasm, native: rows.native.perPassMs - restMs.native },
    restMs,
    multiplyBudgetMs: ARGON2_SPEED_TARGETS.slopeMaxRatio * rows.native.perPassMs - restMs.wasm,
  };
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const ms = (n: number) => `${n.toFixed(n < 10 && n > -10 ? 2 : 1)} ms`;

/** How a build's tags compare: with the shipped WASM build's and the native build's (which must agree). */
function tagVerdict(row: VariantFigures, d: PassDecomposition): string {
  const same = (other: VariantFigures) => row.lowTag === other.lowTag && row.highTag === other.highTag;
  const { wasm, native } = d.rows;
  if (row.variant.diagnostic) return same(native) ? 'SAME (expected to differ!)' : 'differ, as they must';
  if (same(wasm) && same(native)) return 'same';
  return `DIFFERENT (${same(wasm) ? 'from native' : same(native) ? 'from shipped' : 'from both'})`;
}

/** The table, in BENCHMARKS.md's Markdown (printed as is too). */
export function renderTable(d: PassDecomposition, low: number, high: number): string {
  const lines = [
    `| Build | t = ${low} (median) | t = ${high} (median) | Per pass | Tags vs shipped / native | Note |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of Object.values(d.rows)) {
    lines.push(`| ${row.variant.label} | ${ms(row.lowMedianMs)} | ${ms(row.highMedianMs)} | ${ms(row.perPassMs)} | ${tagVerdict(row, d)} | ${row.variant.note} |`);
  }
  return lines.join('\n');
}

/** The derived figures, one sentence each. */
export function renderDerived(d: PassDecomposition): string[] {
  const { wasm, native } = d.rows;
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;
  const target = ARGON2_SPEED_TARGETS.slopeMaxRatio;
  return [
    `Multiply per pass: WASM ${ms(d.multiplyMs.wasm)} (${share(d.multiplyMs.wasm, wasm.perPassMs)} of its pass), native ${ms(d.multiplyMs.native)} (${share(d.multiplyMs.native, native.perPassMs)}).`,
    `The rest per pass: WASM ${ms(d.restMs.wasm)}, native ${ms(d.restMs.native)}: ${(d.restMs.wasm / d.restMs.native).toFixed(2)}×. Whole pass: ${(wasm.perPassMs / native.perPassMs).toFixed(2)}× this native build's.`,
    `Against this native build (bench:client holds issue 15's ratio to Debian's \`argon2\` command), ≤ ${target.toFixed(2)}× a pass (here ≤ ${ms(target * native.perPassMs)}) would need the WASM multiply at ≤ ${ms(d.multiplyBudgetMs)} a pass with the rest as measured (it is ${ms(d.multiplyMs.wasm)}).`,
  ];
}

/** Everything a run describes besides the figures. */
export interface RunInfo {
  date: Date;
  machine: Machine;
  clang: string;
  rounds: number;
  pairs: number;
  low: number;
  high: number;
  memoryKiB: number;
  /** Whether the "as shipped" build made here has worker/wasm/argon2-simd.wasm's bytes. */
  shippedBytesEqual: boolean;
}

export const SECTION_HEADING = '## Argon2id per pass, decomposed (`npm run bench:argon2-passes`)';

/** The BENCHMARKS.md section. */
export function renderSection(d: PassDecomposition, info: RunInfo): string {
  const { machine: m } = info;
  const shipped = info.shippedBytesEqual ? 'has worker/wasm/argon2-simd.wasm\'s bytes' : 'differs from worker/wasm/argon2-simd.wasm\'s bytes (another clang, or worker/wasm/ not rebuilt)';
  return [
    SECTION_HEADING,
    '',
    `- Date: ${info.date.toISOString().slice(0, 19)}Z`,
    `- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node}, ${info.clang}; 1-minute load average ${m.loadAverage} at the start`,
    `- Method: five builds of the same reference sources with the shipped SIMD build's flags (scripts/argon2/build.ts; the shipped one made here ${shipped}), each variant differing only by a header forced in with \`-include\` that redefines \`_mm_mul_epu32\`, BlaMka's 32×32→64 multiply; native is host clang -O3, opt.c's SSE2 path (its 16- and 24-bit rotations are shifts, where the WASM builds, given \`__SSSE3__\`, shuffle bytes). ` +
      `Each build runs in its own process (WASM in Node through worker/argon2-wasm.ts), a round being one warm-up then ${plural(info.pairs, 'pair')} of t = ${info.low} and t = ${info.high} (m = ${info.memoryKiB / 1024} MiB, p = 1), the builds interleaved round by round for ${plural(info.rounds, 'round')}. ` +
      `Per pass = (median at t = ${info.high} − median at t = ${info.low}) / ${info.high - info.low}. ` +
      'The "→ and" builds do all the other work but compute wrong tags: diagnostics, not hashes.',
    '',
    renderTable(d, info.low, info.high),
    '',
    ...renderDerived(d),
    '',
  ].join('\n');
}
