/**
 * The builds `npm run bench:argon2-passes` compares, how each is built and how one round of it
 * is run. Every build compiles the same reference sources with the flags of the shipped SIMD
 * build (scripts/argon2/build.ts); a variant only adds a header forced in with `-include`, which
 * redefines `_mm_mul_epu32` (BlaMka's multiply) — the reference sources are never edited.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArgon2Wasm, CLANG, REFERENCE_COMPILE_FLAGS, referenceSourceDir, referenceSources } from '../../scripts/argon2/build';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type VariantName = 'wasm' | 'wasmNoMultiply' | 'native' | 'nativeNoMultiply' | 'wasmI64x2Mul';

/** One build: where it runs, the header forced into every source (if any), and what its row says. */
export interface Variant {
  name: VariantName;
  label: string;
  target: 'wasm' | 'native';
  forcedHeader?: string;
  /** True when its tags are wrong by design (the multiply replaced by an and). */
  diagnostic: boolean;
  note: string;
}

/** In table order; the i64x2.mul row is an extra, the four before it make the decomposition. */
export const VARIANTS: readonly Variant[] = [
  { name: 'wasm', label: 'WASM SIMD, as shipped', target: 'wasm', diagnostic: false, note: 'gather + i64x2.extmul_low_i32x4_u' },
  { name: 'wasmNoMultiply', label: 'WASM SIMD, multiply → v128.and', target: 'wasm', forcedHeader: 'no-multiply-wasm.h', diagnostic: true, note: 'diagnostic: wrong tags' },
  { name: 'native', label: 'native, opt.c', target: 'native', diagnostic: false, note: 'pmuludq' },
  { name: 'nativeNoMultiply', label: 'native, multiply → pand', target: 'native', forcedHeader: 'no-multiply-sse2.h', diagnostic: true, note: 'diagnostic: wrong tags' },
  { name: 'wasmI64x2Mul', label: 'WASM SIMD, i64x2.mul of masked lanes', target: 'wasm', forcedHeader: 'i64x2-mul-wasm.h', diagnostic: false, note: 'not used: slower' },
];

/** What a timer process hashes: `pairs` pairs at t = `low` and t = `high`, after one warm-up of each. */
export interface TimerJob {
  pairs: number;
  low: number;
  high: number;
  memoryKiB: number;
  parallelism: number;
  hashLength: number;
  password: string;
  salt: string;
}

/** What a timer process prints: one line of JSON. */
export interface TimerOutput {
  lowMs: number[];
  highMs: number[];
  lowTag: string;
  highTag: string;
}

/**
 * Why the native builds cannot be made here (the host C toolchain: clang for x64 with libc's
 * headers and a linker), or undefined. `missingToolchain` probes only the WASM side.
 */
export function missingNativeToolchain(): string | undefined {
  if (process.arch !== 'x64') return 'the native builds are x64 only';
  const work = mkdtempSync(join(tmpdir(), 'kh-native-probe-'));
  try {
    const source = join(work, 'probe.c');
    writeFileSync(source, '#include <time.h>\n#include <emmintrin.h>\nint main(void) { return (int)clock(); }\n');
    const result = spawnSync(CLANG, ['-O3', source, '-o', join(work, 'probe')], { encoding: 'utf8' });
    if (result.error || result.status !== 0) return `${CLANG} cannot build a host executable (${result.error?.message ?? result.stderr.trim().split('\n')[0]}): apt-get install -y clang libc6-dev`;
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const forceInclude = (variant: Variant): string[] => (variant.forcedHeader ? ['-include', join(HERE, variant.forcedHeader)] : []);

/**
 * Native: the host clang with the reference's own flags (-O3 -std=c89 -DARGON2_NO_THREADS), no
 * -march, so x86-64's baseline SSE2 path of opt.c. An
 * executable must resolve argon2.c's calls into encoding.c (the PHC string form, never called
 * here), which a WASM build's linker leaves out.
 */
function buildNative(variant: Variant, outDir: string): string {
  const source = referenceSourceDir();
  const output = join(outDir, 'native-timer');
  const args = [
    ...REFERENCE_COMPILE_FLAGS,
    // native-timer.c's clock_gettime, which -std=c89 hides; set before any header, the forced one included.
    '-D_POSIX_C_SOURCE=199309L',
    ...forceInclude(variant),
    `-I${join(source, 'include')}`,
    ...[...referenceSources('simd'), 'encoding.c'].map((file) => join(source, 'src', file)),
    join(HERE, 'native-timer.c'),
    '-o',
    output,
  ];
  const result = spawnSync(CLANG, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${CLANG} ${args.join(' ')} failed:\n${result.error?.message ?? result.stderr}`);
  return output;
}

/** Builds `variant` into its own folder of `workDir`; returns the .wasm or the executable. */
export function buildVariant(variant: Variant, workDir: string): string {
  const outDir = join(workDir, variant.name);
  mkdirSync(outDir, { recursive: true });
  return variant.target === 'wasm' ? buildArgon2Wasm('simd', outDir, forceInclude(variant)) : buildNative(variant, outDir);
}

/** Runs one round of `variant` in a process of its own (`node` for a .wasm) and returns what it printed. */
export function runTimer(variant: Variant, built: string, job: TimerJob): Promise<TimerOutput> {
  const [command, args] =
    variant.target === 'wasm'
      ? [process.execPath, ['--import', 'tsx', join(HERE, 'wasm-timer.ts'), built, JSON.stringify(job)]]
      : [built, [job.pairs, job.low, job.high, job.memoryKiB, job.parallelism, job.hashLength, job.password, job.salt].map(String)];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${variant.label}: exited with ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as TimerOutput);
      } catch {
        reject(new Error(`${variant.label}: unreadable output ${JSON.stringify(out.slice(0, 200))}`));
      }
    });
  });
}
