/**
 * Compiles the Argon2 reference implementation (phc-winner-argon2, as the npm package `argon2`
 * ships it in node_modules/argon2/argon2/) into the two WebAssembly builds the Argon2 worker runs.
 * `npm run build:argon2` (scripts/build-argon2.ts) writes them to worker/wasm/;
 * scripts/argon2/build.test.ts rebuilds them into a temporary directory and compares the bytes.
 *
 * Why our own build: argon2-browser 1.18's binaries were built for size (-Os), which leaves the
 * BlaMka multiply an out-of-line call and emulates its 32×32→64-bit product with scalar code.
 * Built here with -O3 the helper is inlined, and the SSE2/SSSE3 intrinsics of opt.c are mapped onto
 * WebAssembly SIMD by scripts/argon2/emmintrin.h and tmmintrin.h, the product becoming one
 * i64x2.extmul_low_i32x4_u and the rotations byte shuffles.
 *
 * Every input is pinned so the output is byte-for-byte reproducible with Debian 12's toolchain
 * (clang 14 + lld 14 for wasm32-wasi, wasi-libc for malloc/memcpy/memset): fixed flags, sources
 * in sorted order, names and custom sections stripped, and clang's own post-link `wasm-opt` run
 * avoided (the driver runs binaryen's wasm-opt when it finds it on the PATH and -O is given at
 * link time, so the link step gets no -O).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Debian packages that provide the toolchain; named in every "missing toolchain" message. */
export const WASM_TOOLCHAIN_PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-14-dev-wasm32'] as const;
/** The compiler the committed builds came from: another version may emit other (equally valid) bytes. */
export const PINNED_CLANG = 'Debian clang version 14.0.6';

/** The clang that compiles every build (the `CLANG` environment variable, else `clang` on the PATH). */
export const CLANG = process.env.CLANG ?? 'clang';
const HEADER_DIR = dirname(fileURLToPath(import.meta.url));

/** The two builds: file name in worker/wasm/, the Argon2 core file, and the flags that differ. */
export const ARGON2_BUILDS = {
  // __SSSE3__ selects the reference's shuffle-based rotations (scripts/argon2/tmmintrin.h says why).
  simd: { file: 'argon2-simd.wasm', core: 'opt.c', flags: ['-msimd128', '-D__SSSE3__', `-I${HEADER_DIR}`] },
  plain: { file: 'argon2.wasm', core: 'ref.c', flags: [] },
} as const;
export type Argon2BuildName = keyof typeof ARGON2_BUILDS;

/** Sources common to both builds; encoding.c (the PHC string form) and thread.c are left out. */
const COMMON_SOURCES = ['argon2.c', 'blake2/blake2b.c', 'core.c'];

/**
 * The flags of every build that do not depend on the target, so a native build of the same
 * sources (bench/argon2-passes/) compiles the reference the way the WASM builds do.
 */
export const REFERENCE_COMPILE_FLAGS = ['-O3', '-std=c89', '-DARGON2_NO_THREADS'] as const;

const COMPILE_FLAGS = ['--target=wasm32-wasi', ...REFERENCE_COMPILE_FLAGS];

/** The reference's .c files (relative to its src/) that build `name` compiles, in the order it compiles them. */
export function referenceSources(name: Argon2BuildName): string[] {
  return [...COMMON_SOURCES, ARGON2_BUILDS[name].core].sort();
}

/**
 * The exports worker/argon2-wasm.ts uses: argon2_ctx (RFC 9106's inputs P, S, K, X in one
 * struct), malloc/free for the buffers it points to, and argon2_error_message. The memory is
 * exported too; the module imports nothing (no WASI call is linked in).
 */
const EXPORTS = ['argon2_ctx', 'argon2_error_message', 'free', 'malloc'];
const LINK_FLAGS = ['--target=wasm32-wasi', '-nostartfiles', '-Wl,--no-entry', '-Wl,--strip-all', ...EXPORTS.map((name) => `-Wl,--export=${name}`)];

/** node_modules/argon2/argon2: the reference sources shipped in the `argon2` package. */
export function referenceSourceDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('argon2/package.json');
  return join(dirname(packageJson), 'argon2');
}

function run(args: readonly string[]): string {
  const result = spawnSync(CLANG, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${CLANG} could not run (${result.error.message}); apt-get install -y ${WASM_TOOLCHAIN_PACKAGES.join(' ')}`);
  if (result.status !== 0) throw new Error(`${CLANG} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/**
 * Why this machine cannot build the WASM, or undefined when it can: clang must run and link a
 * wasm32-wasi module against wasi-libc. The message names the apt packages to install.
 */
export function missingToolchain(): string | undefined {
  const work = mkdtempSync(join(tmpdir(), 'kh-wasm-probe-'));
  try {
    const probe = spawnSync(CLANG, [...LINK_FLAGS.slice(0, 4), '-x', 'c', '-', '-o', join(work, 'probe.wasm')], {
      input: '#include <stdlib.h>\nvoid *probe(void) { return malloc(1); }\n',
      encoding: 'utf8',
    });
    if (probe.error || probe.status !== 0) {
      return `clang cannot link for wasm32-wasi here (${probe.error?.message ?? probe.stderr.trim().split('\n')[0]}): apt-get install -y ${WASM_TOOLCHAIN_PACKAGES.join(' ')}`;
    }
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The first line of `clang --version`. */
export function clangVersion(): string {
  return run(['--version']).split('\n')[0]!.trim();
}

/**
 * Builds one variant into `outDir` and returns the path of the .wasm. `extraCompileFlags` come
 * after the build's own (bench/argon2-passes/ passes an `-include` there); the committed builds
 * have none.
 */
export function buildArgon2Wasm(name: Argon2BuildName, outDir: string, extraCompileFlags: readonly string[] = []): string {
  const build = ARGON2_BUILDS[name];
  const source = referenceSourceDir();
  const objects = mkdtempSync(join(tmpdir(), `kh-argon2-${name}-`));
  try {
    const objectFiles = referenceSources(name).map((file, index) => {
      const object = join(objects, `${index}-${basename(file, '.c')}.o`);
      run([...COMPILE_FLAGS, ...build.flags, ...extraCompileFlags, `-I${join(source, 'include')}`, '-c', join(source, 'src', file), '-o', object]);
      return object;
    });
    mkdirSync(outDir, { recursive: true });
    const output = join(outDir, build.file);
    run([...LINK_FLAGS, ...objectFiles, '-o', output]);
    // wasm-ld marks its output executable; these are data files.
    chmodSync(output, 0o644);
    return output;
  } finally {
    rmSync(objects, { recursive: true, force: true });
  }
}
